// The two systems the benchmark measures side by side: Belfry through its public API, and the
// floor (bench/floor) through its one creation endpoint. Each task calls the same receiver
// path, on the same grid.

import type { DevServer } from "../scripts/dev-server.ts";
import { type BenchClient, benchClient } from "./belfry-client.ts";
import { recordedCalls } from "./history.ts";

/** One task to create: `occurrences` calls every `every` ms from `begins`, to `url`. */
export interface TaskPlan {
  name: string;
  url: string;
  body: { i: number };
  begins: number;
  every: number;
  occurrences: number;
}

export interface Target {
  /** "belfry" or "floor": the receiver path's prefix and the label in results. */
  key: "belfry" | "floor";
  server: DevServer;
  /** Ready a scenario of `tasks` tasks; returns how to create one of them. */
  prepare(scenario: string, tasks: number): Promise<(plan: TaskPlan) => Promise<void>>;
  /** The server's counts of billable operations so far. */
  meter(): Promise<Record<string, number>>;
  /**
   * Calls of a scenario recorded in the history (attempts, or with `finalOnly` each call's
   * last attempt); null where nothing keeps a history.
   */
  recorded(scenario: string, finalOnly?: boolean): number | null;
}

/** Tasks per Belfry project, so no API key comes near the rate limit of 1 000 requests per 10 s. */
const TASKS_PER_PROJECT = 500;

export function belfryTarget(server: DevServer, adminToken: string): Target {
  const admin = benchClient(server.url, adminToken);
  const projects = new Map<string, string[]>();
  return {
    key: "belfry",
    server,
    async prepare(scenario, tasks) {
      const clients: BenchClient[] = [];
      const ids: string[] = [];
      for (let i = 0; i < Math.max(1, tasks); i += TASKS_PER_PROJECT) {
        const created = await admin.request<{ api_key: string; project: { id: string } }>(
          "POST",
          "/api/v1/projects",
          { name: scenario },
        );
        const client = benchClient(server.url, created.api_key);
        // One request first, so the key is known before 32 creates arrive at once: a key the
        // server has not verified yet counts against the client address's limit.
        await client.request("GET", "/api/v1/tasks?limit=1");
        clients.push(client);
        ids.push(created.project.id);
      }
      projects.set(scenario, [...(projects.get(scenario) ?? []), ...ids]);
      return async (plan) => {
        const api = clients[Math.floor(plan.body.i / TASKS_PER_PROJECT)] ?? clients[0];
        if (!api) throw new Error("no project for the task");
        await api.request("POST", "/api/v1/tasks", {
          name: plan.name,
          url: plan.url,
          body: plan.body,
          schedule: {
            every: plan.every,
            begins: new Date(plan.begins).toISOString(),
            occurrences: plan.occurrences,
          },
          retry: { attempts: 1 },
        });
      };
    },
    // The meter answers bare JSON, not the API's envelope.
    meter: () =>
      requestJson<Record<string, number>>(`${server.url}/api/v1/admin/meter`, {
        authorization: `Bearer ${adminToken}`,
      }),
    recorded: (scenario, finalOnly) =>
      recordedCalls(server.persistTo, projects.get(scenario) ?? [], finalOnly),
  };
}

/** A plain JSON request: GET, or POST of `body`. */
async function requestJson<T>(
  url: string,
  headers: Record<string, string>,
  body?: unknown,
): Promise<T> {
  const res = await fetch(url, {
    method: body === undefined ? "GET" : "POST",
    headers: body === undefined ? headers : { ...headers, "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${url}: ${res.status} ${text}`);
  return JSON.parse(text) as T;
}

export function floorTarget(server: DevServer): Target {
  return {
    key: "floor",
    server,
    prepare: async () => async (plan) => {
      await requestJson(
        `${server.url}/loops`,
        {},
        {
          url: plan.url,
          body: JSON.stringify(plan.body),
          begins: plan.begins,
          every: plan.every,
          occurrences: plan.occurrences,
        },
      );
    },
    meter: () => requestJson<Record<string, number>>(`${server.url}/meter`, {}),
    recorded: () => null,
  };
}
