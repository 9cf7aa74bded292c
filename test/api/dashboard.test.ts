// The dashboard's server side in workerd: sessions, CSRF, CSP, and views that escape what a
// task holds. The browser tests (test/browser/) drive the same pages in Chromium.
import { exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import type { TaskView as Task } from "../../src/core/task-view";
import { ADMIN_TOKEN, api, bucket, createProject, eventually } from "../support/helpers";
import { create, inHour } from "../support/task-list";

const ORIGIN = "http://belfry.test";

async function page(path: string, init: RequestInit & { cookie?: string; base?: string } = {}) {
  const headers = new Headers(init.headers);
  if (init.cookie) headers.set("cookie", init.cookie);
  const res = await exports.default.fetch(`${init.base ?? ORIGIN}${path}`, {
    ...init,
    headers,
    redirect: "manual",
  });
  return { res, text: await res.text() };
}

function post(path: string, fields: Record<string, string>, cookie?: string, origin = ORIGIN) {
  return page(path, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded", origin },
    body: new URLSearchParams(fields).toString(),
    ...(cookie && { cookie }),
  });
}

/** Sign in with `key`; answers the session cookie ("name=value"). */
async function signIn(key: string): Promise<string> {
  const { res } = await post("/dashboard/sign-in", { api_key: key });
  expect(res.status).toBe(303);
  const cookie = res.headers.get("set-cookie") ?? "";
  const pair = cookie.split(";")[0] ?? "";
  expect(pair).toMatch(/^belfry_session=./);
  return pair;
}

/** The CSRF token in a page's forms. */
function csrfOf(html: string): string {
  const match = /name="csrf" value="([^"]+)"/.exec(html);
  if (!match?.[1]) throw new Error("no CSRF field on the page");
  return match[1];
}

describe("dashboard sign-in", () => {
  it("serves the sign-in page with a strict CSP and a labelled key field", async () => {
    const { res, text } = await page("/dashboard/sign-in");
    expect(res.status).toBe(200);
    const csp = res.headers.get("content-security-policy") ?? "";
    expect(csp).toContain("default-src 'none'");
    expect(csp).toMatch(/script-src 'nonce-[\w-]{16,}'/);
    expect(csp).not.toContain("unsafe-inline");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(text).toContain('<label for="api-key">API key</label>');
    expect(text).toMatch(/<button type="submit">Sign in<\/button>/);
  });

  it("sends a page without a session to the sign-in page", async () => {
    const { res } = await page("/dashboard");
    expect(res.status).toBe(303);
    expect(res.headers.get("location")).toBe("/dashboard/sign-in");
  });

  it("refuses a wrong key, and the admin token, without a session", async () => {
    for (const key of ["bf_not_a_key", ADMIN_TOKEN]) {
      const { res, text } = await post("/dashboard/sign-in", { api_key: key });
      expect(res.status).toBe(401);
      expect(res.headers.get("set-cookie")).toBeNull();
      expect(text).toContain("That API key is not valid");
    }
  });

  it("keeps the session in an HttpOnly, SameSite=Strict cookie for 12 h, without the key", async () => {
    const project = await createProject();
    const { res } = await post("/dashboard/sign-in", { api_key: project.key });
    expect(res.status).toBe(303);
    expect(res.headers.get("location")).toBe("/dashboard");
    const cookie = res.headers.get("set-cookie") ?? "";
    expect(cookie).toMatch(/^belfry_session=/);
    expect(cookie).toContain("HttpOnly");
    expect(cookie).toContain("SameSite=Strict");
    expect(cookie).toContain("Max-Age=43200");
    expect(cookie).toContain("Path=/dashboard");
    expect(cookie).not.toContain("Secure"); // plain http, as `wrangler dev` serves
    expect(cookie).not.toContain(project.key);
    expect(decodeURIComponent(cookie)).not.toContain(project.key);
  });

  it("marks the cookie Secure over https", async () => {
    const project = await createProject();
    const { res } = await page("/dashboard/sign-in", {
      base: "https://belfry.test",
      method: "POST",
      headers: {
        "content-type": "application/x-www-form-urlencoded",
        origin: "https://belfry.test",
      },
      body: new URLSearchParams({ api_key: project.key }).toString(),
    });
    expect(res.status).toBe(303);
    expect(res.headers.get("set-cookie")).toContain("Secure");
  });

  it("refuses a sign-in posted from another origin", async () => {
    const project = await createProject();
    const { res } = await post(
      "/dashboard/sign-in",
      { api_key: project.key },
      undefined,
      "https://evil.test",
    );
    expect(res.status).toBe(403);
    expect(res.headers.get("set-cookie")).toBeNull();
  });

  it("ignores a forged or tampered cookie", async () => {
    const project = await createProject();
    const cookie = await signIn(project.key);
    const [name, value = ""] = cookie.split("=");
    const [payload = "", signature = ""] = value.split(".");
    const forgedPayload = btoa(JSON.stringify({ k: "x", p: "other", s: "a".repeat(24), e: 9e15 }))
      .replace(/=+$/, "")
      .replace(/\+/g, "-")
      .replace(/\//g, "_");
    for (const bad of [`${forgedPayload}.${signature}`, `${payload}.${signature.slice(1)}x`]) {
      const { res } = await page("/dashboard", { cookie: `${name}=${bad}` });
      expect(res.status).toBe(303);
      expect(res.headers.get("location")).toBe("/dashboard/sign-in");
    }
  });

  it("ends a session when its key is revoked", async () => {
    const project = await createProject();
    const cookie = await signIn(project.key);
    expect((await page("/dashboard", { cookie })).res.status).toBe(200);
    const revoke = await api("DELETE", `/api/v1/projects/${project.id}/keys/${project.keyId}`, {
      key: ADMIN_TOKEN,
    });
    expect(revoke.status).toBe(200);
    const { res } = await page("/dashboard", { cookie });
    expect(res.status).toBe(303);
  });

  it("signs out only with the CSRF token, and then clears the cookie", async () => {
    const project = await createProject();
    const cookie = await signIn(project.key);
    const { text } = await page("/dashboard", { cookie });
    const refused = await post("/dashboard/sign-out", {}, cookie);
    expect(refused.res.status).toBe(403);
    const { res } = await post("/dashboard/sign-out", { csrf: csrfOf(text) }, cookie);
    expect(res.status).toBe(303);
    expect(res.headers.get("location")).toBe("/dashboard/sign-in");
    expect(res.headers.get("set-cookie")).toMatch(/^belfry_session=;.*Max-Age=0/);
  });
});

describe("dashboard pages", () => {
  it("lists the project's tasks and not another project's", async () => {
    const [mine, theirs] = [await createProject(), await createProject()];
    const own = await create(mine, {
      name: "own-task",
      url: bucket().url,
      schedule: { at: inHour() },
    });
    const other = await create(theirs, {
      name: "their-task",
      url: bucket().url,
      schedule: { at: inHour() },
    });
    const cookie = await signIn(mine.key);
    const { res, text } = await page("/dashboard", { cookie });
    expect(res.status).toBe(200);
    expect(text).toContain(`href="/dashboard/tasks/${own.id}"`);
    expect(text).toContain("own-task");
    expect(text).not.toContain("their-task");
    const foreign = await page(`/dashboard/tasks/${other.id}`, { cookie });
    expect(foreign.res.status).toBe(404);
    expect(foreign.text).not.toContain("their-task");
  });

  it("renders a task's name, headers and body as text, never as markup", async () => {
    const project = await createProject();
    const task = await create(project, {
      name: "<script>alert(1)</script>",
      url: bucket().url,
      headers: { "X-Note": '"><img src=x onerror=alert(2)>' },
      body: "</pre><script>alert(3)</script>",
      schedule: { at: inHour() },
    });
    const cookie = await signIn(project.key);
    const list = await page("/dashboard", { cookie });
    expect(list.text).toContain("&lt;script&gt;alert(1)&lt;/script&gt;");
    expect(list.text).not.toContain("<script>alert(1)");
    const one = await page(`/dashboard/tasks/${task.id}`, { cookie });
    expect(one.res.status).toBe(200);
    expect(one.text).toContain("<h1>&lt;script&gt;alert(1)&lt;/script&gt;</h1>");
    expect(one.text).toContain("&quot;&gt;&lt;img src=x onerror=alert(2)&gt;");
    expect(one.text).toContain("&lt;/pre&gt;&lt;script&gt;alert(3)&lt;/script&gt;");
    expect(one.text).not.toMatch(/<script>alert|<img src=x/);
    // The only script element a page may have is its own, with the response's nonce.
    const nonce = /'nonce-([\w-]+)'/.exec(one.res.headers.get("content-security-policy") ?? "");
    for (const tag of one.text.match(/<script[^>]*>/g) ?? []) {
      expect(tag).toContain(`nonce="${nonce?.[1]}"`);
    }
  });

  it("refuses a change without the CSRF token or from another origin, and makes it with both", async () => {
    const project = await createProject();
    const task = await create(project, { url: bucket().url, schedule: { every: "1h" } });
    const cookie = await signIn(project.key);
    const { text } = await page(`/dashboard/tasks/${task.id}`, { cookie });
    const csrf = csrfOf(text);
    const state = async () =>
      (await api<{ payload: Task }>("GET", `/api/v1/tasks/${task.id}`, { key: project.key })).json
        .payload.state;

    const noToken = await post(`/dashboard/tasks/${task.id}/pause`, {}, cookie);
    expect(noToken.res.status).toBe(403);
    const wrongToken = await post(
      `/dashboard/tasks/${task.id}/pause`,
      { csrf: `${csrf}x` },
      cookie,
    );
    expect(wrongToken.res.status).toBe(403);
    const crossSite = await post(
      `/dashboard/tasks/${task.id}/pause`,
      { csrf },
      cookie,
      "https://evil.test",
    );
    expect(crossSite.res.status).toBe(403);
    // Another session's token is not this one's.
    const otherCookie = await signIn(project.key);
    const otherCsrf = csrfOf((await page("/dashboard", { cookie: otherCookie })).text);
    expect(otherCsrf).not.toBe(csrf);
    const stolen = await post(`/dashboard/tasks/${task.id}/pause`, { csrf: otherCsrf }, cookie);
    expect(stolen.res.status).toBe(403);
    expect(await state()).toBe("active");

    const done = await post(`/dashboard/tasks/${task.id}/pause`, { csrf }, cookie);
    expect(done.res.status).toBe(303);
    expect(done.res.headers.get("location")).toBe(`/dashboard/tasks/${task.id}?done=pause`);
    expect(await state()).toBe("paused");
  });

  it("asks before deleting, and deletes once confirmed", async () => {
    const project = await createProject();
    const task = await create(project, { url: bucket().url, schedule: { every: "1h" } });
    const cookie = await signIn(project.key);
    const csrf = csrfOf((await page(`/dashboard/tasks/${task.id}`, { cookie })).text);
    const asked = await post(`/dashboard/tasks/${task.id}/delete`, { csrf }, cookie);
    expect(asked.res.status).toBe(200);
    expect(asked.text).toContain("Yes, delete the task");
    expect((await api("GET", `/api/v1/tasks/${task.id}`, { key: project.key })).status).toBe(200);
    const done = await post(
      `/dashboard/tasks/${task.id}/delete`,
      { csrf, confirmed: "yes" },
      cookie,
    );
    expect(done.res.status).toBe(303);
    expect((await api("GET", `/api/v1/tasks/${task.id}`, { key: project.key })).status).toBe(404);
  });

  it("shows a refused resume on the task page", async () => {
    const project = await createProject();
    const task = await create(project, { url: bucket().url, schedule: { every: "1h" } });
    await api("POST", `/api/v1/tasks/${task.id}/cancel`, { key: project.key });
    const cookie = await signIn(project.key);
    const csrf = csrfOf((await page(`/dashboard/tasks/${task.id}`, { cookie })).text);
    const { res, text } = await post(`/dashboard/tasks/${task.id}/resume`, { csrf }, cookie);
    expect(res.status).toBe(409);
    expect(text).toContain('role="alert"');
  });

  it("creates a task from the form, and returns a refused form with the field named", async () => {
    const project = await createProject();
    const cookie = await signIn(project.key);
    const csrf = csrfOf((await page("/dashboard/new", { cookie })).text);
    const base = {
      csrf,
      name: "from-the-form",
      url: bucket().url,
      method: "POST",
      headers: "X-Team: billing",
      body: '{"hello":"world"}',
      body_type: "json",
      schedule_kind: "cron",
      schedule: "not a cron <b>",
      timezone: "Europe/Berlin",
      occurrences: "",
      attempts: "2",
      timeout: "5s",
      labels: "team=billing\nenv=prod",
      pause_after_failures: "3",
    };
    const refused = await post("/dashboard/new", base, cookie);
    expect(refused.res.status).toBe(400);
    expect(refused.text).toContain("schedule.cron");
    expect(refused.text).toContain('value="not a cron &lt;b&gt;"');

    const created = await post("/dashboard/new", { ...base, schedule: "0 9 * * 1-5" }, cookie);
    expect(created.res.status).toBe(303);
    const id = /\/dashboard\/tasks\/([0-9a-f-]{36})/.exec(
      created.res.headers.get("location") ?? "",
    )?.[1];
    const task = (await api<{ payload: Task }>("GET", `/api/v1/tasks/${id}`, { key: project.key }))
      .json.payload;
    expect(task).toMatchObject({
      name: "from-the-form",
      headers: { "X-Team": "billing" },
      body: { hello: "world" },
      schedule: { cron: "0 9 * * 1-5", timezone: "Europe/Berlin" },
      retry: { attempts: 2 },
      timeout: 5000,
      labels: { team: "billing", env: "prod" },
      pause_after_failures: 3,
    });
    const shown = await page(`/dashboard/tasks/${id}`, { cookie });
    expect(shown.text).toContain("At 09:00, Monday to Friday (Europe/Berlin)");
  });

  it("filters the task list by state, label and name, and says when a filter is not one", async () => {
    const project = await createProject();
    const url = bucket().url;
    await create(project, {
      name: "billing-a",
      url,
      labels: { team: "billing" },
      schedule: { every: "1h" },
    });
    const paused = await create(project, {
      name: "billing-b",
      url,
      labels: { team: "billing" },
      schedule: { every: "1h" },
    });
    await api("POST", `/api/v1/tasks/${paused.id}/pause`, { key: project.key });
    await create(project, {
      name: "search-a",
      url,
      labels: { team: "search" },
      schedule: { every: "1h" },
    });
    const cookie = await signIn(project.key);
    const names = async (query: string) => {
      const { text } = await page(`/dashboard?${query}`, { cookie });
      return ["billing-a", "billing-b", "search-a"].filter((n) => text.includes(`>${n}</a>`));
    };
    expect(await names("")).toEqual(["billing-a", "billing-b", "search-a"]);
    expect(await names("label=team:billing")).toEqual(["billing-a", "billing-b"]);
    expect(await names("label=team:billing&state=paused")).toEqual(["billing-b"]);
    expect(await names("name=search")).toEqual(["search-a"]);
    const bad = await page("/dashboard?label=no-colon", { cookie });
    expect(bad.res.status).toBe(400);
    expect(bad.text).toContain("label: must be key:value");
  });

  it("shows the project's figures in the header and its failed attempts on the Failures page", async () => {
    const project = await createProject();
    const hook = bucket();
    await hook.program([{ status: 500, body: "<b>down</b>" }]);
    const task = await create(project, {
      name: "flaky <one>",
      url: hook.url,
      labels: { team: "ops" },
      retry: { attempts: 1 },
      schedule: { every: "1h" },
    });
    await api("POST", `/api/v1/tasks/${task.id}/run`, { key: project.key });
    const failed = await eventually(async () => {
      const res = await api<{ payload: { results: { execution_id: string }[] } }>(
        "GET",
        "/api/v1/executions?successful=false",
        { key: project.key },
      );
      return res.json.payload.results[0];
    });
    const cookie = await signIn(project.key);
    const { res, text } = await page("/dashboard/failures", { cookie });
    expect(res.status).toBe(200);
    expect(text).toContain(`href="/dashboard/tasks/${task.id}">flaky &lt;one&gt;</a>`);
    expect(text).toMatch(/Failed<\/span> HTTP 500/);
    const filtered = await page("/dashboard/failures?label=team:none", { cookie });
    expect(filtered.text).not.toContain(`/dashboard/tasks/${task.id}`);
    const labelled = await page("/dashboard/failures?label=team:ops", { cookie });
    expect(labelled.text).toContain(`/dashboard/tasks/${task.id}`);
    const badFilter = await page("/dashboard/failures?label=nocolon", { cookie });
    expect(badFilter.res.status).toBe(400);
    // "Replay" sends the failed request again, marked as a replay of its execution.
    const replay = { csrf: csrfOf(text), task_id: task.id, execution_id: failed.execution_id };
    const replayed = await post("/dashboard/failures/replay", replay, cookie);
    expect(replayed.res.status).toBe(303);
    expect(replayed.res.headers.get("location")).toBe("/dashboard/failures?done=replayed");
    const calls = await hook.waitForCalls(2);
    expect(calls).toHaveLength(2);
    expect(calls[1]?.headers["belfry-replay-of"]).toBe(failed.execution_id);
    // A replay made from a filtered page returns to that page, filter and place kept.
    expect(labelled.text).toContain('<input type="hidden" name="label" value="team:ops"/>');
    const fromFiltered = await post(
      "/dashboard/failures/replay",
      { ...replay, label: "team:ops", cursor: "abc" },
      cookie,
    );
    expect(fromFiltered.res.headers.get("location")).toBe(
      "/dashboard/failures?label=team%3Aops&cursor=abc&done=replayed",
    );
    const unknown = await post(
      "/dashboard/failures/replay",
      { ...replay, execution_id: crypto.randomUUID() },
      cookie,
    );
    expect(unknown.res.status).toBe(404);
    const figures = /<dl class="stats">(.*?)<\/dl>/s.exec(text)?.[1] ?? "";
    expect(figures).toContain("<dt>Active</dt><dd>1</dd>");
    expect(figures).toMatch(/<dt>Failed \(24h\)<\/dt><dd>\d+<\/dd>/);
  });

  it("keeps a later Failures page's place in the replay forms it shows", async () => {
    const project = await createProject();
    const hook = bucket();
    // One more failure than a page holds.
    await hook.program(Array.from({ length: 26 }, () => ({ status: 500 })));
    await create(project, {
      name: "failing",
      url: hook.url,
      retry: { attempts: 1 },
      schedule: { every: 100, occurrences: 26 },
    });
    await eventually(async () => {
      const res = await api<{ payload: { results: unknown[] } }>(
        "GET",
        "/api/v1/executions?successful=false&limit=100",
        { key: project.key },
      );
      return res.json.payload.results.length >= 26 ? true : undefined;
    }, 20_000);
    const cookie = await signIn(project.key);
    const first = await page("/dashboard/failures", { cookie });
    const next = /href="(\/dashboard\/failures\?cursor=[^"]+)"/.exec(first.text)?.[1];
    expect(next).toBeDefined();
    const cursor = new URL(next ?? "", "http://dashboard").searchParams.get("cursor");
    expect(first.text).not.toContain('name="cursor"');
    const later = await page(next ?? "", { cookie });
    expect(later.res.status).toBe(200);
    expect(later.text).toContain(`<input type="hidden" name="cursor" value="${cursor}"/>`);
  });

  it("previews a schedule's next runs for the New task page, and lists a task's next runs", async () => {
    const project = await createProject();
    const cookie = await signIn(project.key);
    const preview = async (query: Record<string, string>) => {
      const { res, text } = await page(`/dashboard/preview?${new URLSearchParams(query)}`, {
        cookie,
      });
      return { status: res.status, body: JSON.parse(text) as { runs?: string[]; error?: string } };
    };
    const every = await preview({ schedule_kind: "every", schedule: "1h", occurrences: "2" });
    expect(every.status).toBe(200);
    const runs = (every.body.runs ?? []).map((r) => Date.parse(r));
    expect(runs).toHaveLength(2);
    expect((runs[1] ?? 0) - (runs[0] ?? 0)).toBe(3_600_000);
    const cron = await preview({
      schedule_kind: "cron",
      schedule: "0 9 * * 1-5",
      timezone: "Europe/Berlin",
    });
    expect(cron.body.runs).toHaveLength(5);
    for (const run of cron.body.runs ?? []) {
      const local = new Intl.DateTimeFormat("en-GB", {
        timeZone: "Europe/Berlin",
        hour: "2-digit",
        minute: "2-digit",
        weekday: "short",
      }).format(new Date(run));
      expect(local).toMatch(/^(Mon|Tue|Wed|Thu|Fri) 09:00$/);
    }
    const bad = await preview({ schedule_kind: "cron", schedule: "61 * * * *" });
    expect(bad.status).toBe(400);
    expect(bad.body.error).toMatch(/^schedule\.cron: /);
    const signedOut = await page("/dashboard/preview?schedule_kind=every&schedule=1h");
    expect(signedOut.res.status).toBe(303);

    const task = await create(project, { url: bucket().url, schedule: { every: "1h" } });
    const { text } = await page(`/dashboard/tasks/${task.id}`, { cookie });
    const listed = /<ol class="runs">(.*?)<\/ol>/s.exec(text)?.[1] ?? "";
    const times = [...listed.matchAll(/datetime="([^"]+)"/g)].map((m) => Date.parse(m[1] ?? ""));
    expect(times).toHaveLength(5);
    expect(times[0]).toBe(Date.parse(task.next_run_at ?? ""));
    expect((times[4] ?? 0) - (times[0] ?? 0)).toBe(4 * 3_600_000);
  });

  it("sets, shows and removes the project's alert destination", async () => {
    const project = await createProject();
    const cookie = await signIn(project.key);
    const csrf = csrfOf((await page("/dashboard/alerts", { cookie })).text);
    const form = (fields: [string, string][]) =>
      page("/dashboard/alerts", {
        method: "POST",
        cookie,
        headers: { "content-type": "application/x-www-form-urlencoded", origin: ORIGIN },
        body: new URLSearchParams([["csrf", csrf], ...fields]).toString(),
      });
    const hook = bucket().url;
    const refused = await form([
      ["url", "ftp://nowhere"],
      ["events", "task.failed"],
    ]);
    expect(refused.res.status).toBe(400);
    expect(refused.text).toContain("url:");
    expect(refused.text).toContain('value="ftp://nowhere"');
    const none = await form([["url", hook]]);
    expect(none.res.status).toBe(400);
    expect(none.text).toContain("events:");
    expect((await api("GET", "/api/v1/alerts", { key: project.key })).status).toBe(404);

    const saved = await form([
      ["url", hook],
      ["events", "occurrence.failed"],
      ["events", "task.paused"],
    ]);
    expect(saved.res.status).toBe(303);
    const stored = await api<{ payload: unknown }>("GET", "/api/v1/alerts", { key: project.key });
    expect(stored.json.payload).toEqual({
      url: hook,
      events: ["occurrence.failed", "task.paused"],
    });
    const shown = await page("/dashboard/alerts", { cookie });
    expect(shown.text).toContain(`<code>${hook}</code>`);
    expect(shown.text).toMatch(/id="alert-task.paused" name="events" value="task.paused" checked/);

    const asked = await post("/dashboard/alerts/remove", { csrf }, cookie);
    expect(asked.text).toContain("Yes, remove it");
    expect((await api("GET", "/api/v1/alerts", { key: project.key })).status).toBe(200);
    const removed = await post("/dashboard/alerts/remove", { csrf, confirmed: "yes" }, cookie);
    expect(removed.res.status).toBe(303);
    expect((await api("GET", "/api/v1/alerts", { key: project.key })).status).toBe(404);
  });
});
