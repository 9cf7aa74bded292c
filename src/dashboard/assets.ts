/**
 * The dashboard's stylesheet and script, served by the Worker from its own origin: the CSP
 * allows styles only from here and scripts only with the page's nonce, and nothing is fetched
 * from anywhere else.
 */

export const STYLESHEET = `
:root { color-scheme: light; --fg: #1f2328; --muted: #3d444d; --line: #d1d9e0; --accent: #0550ae;
  --ok: #1a7f37; --bad: #b3261e; --bg: #ffffff; --soft: #f6f8fa; }
* { box-sizing: border-box; }
body { margin: 0; font: 16px/1.5 system-ui, -apple-system, "Segoe UI", sans-serif; color: var(--fg);
  background: var(--bg); }
a { color: var(--accent); }
main { max-width: 72rem; margin: 0 auto; padding: 1rem; }
h1 { font-size: 1.5rem; margin: 0.5rem 0 1rem; overflow-wrap: anywhere; }
h2 { font-size: 1.15rem; margin: 1.5rem 0 0.5rem; }
.top { display: flex; flex-wrap: wrap; align-items: center; gap: 0.5rem 1.5rem; padding: 0.5rem 1rem;
  background: #24292f; color: #fff; }
.top a { color: #fff; }
.brand { font-weight: 700; text-decoration: none; }
.top nav ul { display: flex; flex-wrap: wrap; gap: 0.25rem 1rem; list-style: none; margin: 0; padding: 0; }
.top nav a[aria-current="page"] { text-decoration-thickness: 3px; }
.sign-out { margin-left: auto; }
.stats { display: flex; flex-wrap: wrap; gap: 0.25rem 1.5rem; margin: 0; padding: 0.5rem 1rem;
  background: var(--soft); border-bottom: 1px solid var(--line); }
.stats div { display: flex; gap: 0.35rem; }
.stats dt { color: var(--muted); }
.stats dd { margin: 0; font-weight: 600; }
button { font: inherit; padding: 0.4rem 0.9rem; border: 1px solid #1f2328; border-radius: 6px;
  background: #fff; color: var(--fg); cursor: pointer; min-height: 2.5rem; }
button.danger { border-color: var(--bad); color: var(--bad); }
input, select, textarea { font: inherit; padding: 0.4rem; border: 1px solid #57606a; border-radius: 6px;
  width: 100%; max-width: 40rem; }
[aria-invalid="true"] { border-color: var(--bad); border-width: 2px; }
label { display: block; font-weight: 600; }
.check { display: flex; gap: 0.5rem; align-items: baseline; margin: 0 0 0.4rem; }
.check input { width: auto; }
.check label { font-weight: 400; }
.field { margin: 0 0 0.9rem; }
.hint { display: block; color: var(--muted); }
fieldset { border: 1px solid var(--line); border-radius: 6px; margin: 0 0 1rem; padding: 0.5rem 1rem; }
legend { font-weight: 700; padding: 0 0.3rem; }
.filters { display: flex; flex-wrap: wrap; align-items: end; gap: 0.5rem 1rem; margin-bottom: 1rem; }
.filters > div { min-width: 10rem; }
.filters input, .filters select { width: auto; }
.table-wrap { overflow-x: auto; }
table { border-collapse: collapse; width: 100%; }
th, td { text-align: left; padding: 0.4rem 0.6rem; border-bottom: 1px solid var(--line); vertical-align: top; }
th { background: var(--soft); }
.state { font-weight: 600; }
.state.failed, .outcome.failed { color: var(--bad); }
.state.active, .outcome.ok { color: var(--ok); }
.actions { display: flex; flex-wrap: wrap; gap: 0.5rem; align-items: center; margin: 1rem 0; }
.actions form { margin: 0; }
.pages { display: flex; gap: 1rem; margin: 1rem 0; }
.notice { padding: 0.5rem 0.75rem; border-radius: 6px; border: 1px solid var(--line); }
.notice.ok { border-color: var(--ok); }
.notice.error { border-color: var(--bad); color: var(--bad); }
.definition { display: grid; grid-template-columns: max-content 1fr; gap: 0.3rem 1rem; }
.definition dd { margin: 0; overflow-wrap: anywhere; }
.labels { display: flex; flex-wrap: wrap; gap: 0.25rem; list-style: none; margin: 0.2rem 0 0; padding: 0; }
.labels li { font-size: 0.85rem; padding: 0 0.4rem; border: 1px solid var(--line); border-radius: 1rem;
  background: var(--soft); }
.pairs { margin: 0; padding-left: 1.1rem; }
pre { margin: 0; white-space: pre-wrap; overflow-wrap: anywhere; background: var(--soft); padding: 0.5rem; }
.chart svg { width: 100%; height: 10rem; background: var(--soft); }
.chart figcaption { color: var(--muted); }
.chart { margin: 0; }
.sign-in { max-width: 26rem; margin-top: 10vh; }
.sign-in form { display: grid; gap: 0.5rem; }
.visually-hidden { position: absolute; width: 1px; height: 1px; overflow: hidden; clip-path: inset(50%);
  white-space: nowrap; }
@media (max-width: 40rem) {
  .definition { grid-template-columns: 1fr; }
  .definition dt { margin-top: 0.5rem; }
  th, td { padding: 0.3rem; }
}
`;

/**
 * The New task page's one script: as the schedule fields change, it asks /dashboard/preview
 * (the schedule preview, run in-process) for the next runs and lists them. Without it the form
 * works the same; only the live list is missing.
 */
export const NEW_TASK_SCRIPT = `"use strict";
(() => {
  const form = document.getElementById("new-task");
  const section = document.getElementById("preview");
  const status = document.getElementById("preview-status");
  const list = document.getElementById("preview-runs");
  if (!form || !section || !status || !list) return;
  const fields = ["schedule_kind", "schedule", "timezone", "occurrences"];
  let timer = 0;
  let asked = 0;
  const show = (message, runs) => {
    status.textContent = message;
    list.replaceChildren(...runs.map((run) => {
      const item = document.createElement("li");
      const time = document.createElement("time");
      time.dateTime = run;
      time.textContent = run.slice(0, 19).replace("T", " ") + " UTC";
      item.append(time);
      return item;
    }));
  };
  const update = async () => {
    const query = new URLSearchParams();
    for (const name of fields) query.set(name, form.elements.namedItem(name).value);
    if (query.get("schedule").trim() === "") return show("Type a schedule to see its next runs.", []);
    const mine = ++asked;
    try {
      const res = await fetch("/dashboard/preview?" + query, { headers: { accept: "application/json" } });
      const answer = await res.json();
      if (mine !== asked) return;
      if (answer.error) return show(answer.error, []);
      show(answer.runs.length === 0 ? "It would never run." : "", answer.runs);
    } catch {
      if (mine === asked) show("The preview is not available right now.", []);
    }
  };
  const later = (event) => {
    if (!fields.includes(event.target.name)) return;
    clearTimeout(timer);
    timer = setTimeout(update, 200);
  };
  form.addEventListener("input", later);
  form.addEventListener("change", later);
  section.hidden = false;
  update();
})();
`;
