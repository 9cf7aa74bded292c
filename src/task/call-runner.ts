import { settleAttempt } from "../core/attempt-outcome";
import { bumpVersion, nextCall, wakeTime } from "../core/lifecycle";
import { attemptLogLine, attemptStarting, type Notification } from "../core/notifications";
import { type AttemptResult, completeIfDone } from "../core/task-runtime";
import type { Timer } from "../core/timers";
import type { HistoryCourier } from "../history/courier";
import { meter } from "../metering";
import { prepareCall, sendAttempt, unsentAttempt } from "./dispatch";
import type { Notifier } from "./notifier";
import type { SigningKeys } from "./signing-keys";
import type { TaskStore } from "./task-store";

/** An alarm handler gives way after this long, re-arming itself, so it never runs unbounded. */
const ALARM_BUDGET_MS = 60_000;
/**
 * A call's alarm is set this much before the call's time: the object wakes and takes up the
 * alarm meanwhile, then waits out the rest, so the call leaves at its time rather than that
 * much after it (docs/schedules-and-delivery.md). Never a call early: serve() waits.
 */
const CALL_LEAD_MS = 10;
/**
 * How early an alarm may fire and still be served in the same invocation, after a wait: the
 * lead, and as much again and more for an alarm the runtime fires a moment early. Were it
 * shorter than the lead, every call's alarm would find its call not yet due and set itself
 * again, at once, until it was.
 */
const EARLY_ALARM_MS = CALL_LEAD_MS + 15;

/** When to set the alarm for a call due at `due` (null: none due). */
export function callAlarm(due: number | null): number | null {
  return due === null ? null : due - CALL_LEAD_MS;
}

/** What the call runner needs of the task object that hosts it. */
export interface RunnerHost {
  store: TaskStore;
  keys: SigningKeys;
  history: HistoryCourier;
  notifier: Notifier;
  /** The object's bindings, read at use (tests swap them to inject failures). */
  env(): Env;
  /**
   * Write the runtime and the outbox when `write`, then send what the outbox has due (and an
   * index row D1 refused earlier) and set the alarm from what the task and its outboxes wait
   * for: the write and the alarm are one storage transaction, and the sends leave after it.
   */
  settle(write: boolean): void;
}

/**
 * A task's calls as its alarm serves them (docs/schedules-and-delivery.md): due calls one at a
 * time, so a task never has two requests in flight, each attempt built, sent, settled in the
 * runtime and recorded with one storage write.
 */
export class CallRunner {
  /** The call in flight, so a delete can wait for its record. */
  inflight: Promise<void> | null = null;

  constructor(private readonly host: RunnerHost) {}

  /** The alarm fired: serve every due call, then store, re-arm and send what is due. */
  async serve(): Promise<void> {
    const { store, history, notifier } = this.host;
    store.alarmSpent();
    // An alarm can fire a moment before its time: wait that out rather than set it again, which
    // would cost another write and another invocation. No call is ever made early.
    const due = store.runtime ? wakeTime(store.runtime) : null;
    const early = due === null ? 0 : due - Date.now();
    if (early > 0 && early <= EARLY_ALARM_MS) await new Promise((r) => setTimeout(r, early));
    const started = Date.now();
    while (store.definition && store.runtime && Date.now() - started < ALARM_BUDGET_MS) {
      const runtime = store.runtime;
      const pending = runtime.progress.next_run_at;
      const timer = nextCall(store.definition, runtime, Date.now());
      if (runtime.progress.next_run_at !== pending) store.dirty = true;
      if (!timer) break;
      this.inflight = this.execute(timer);
      await this.inflight;
      this.inflight = null;
    }
    meter("do_wall_ms", Date.now() - started);
    const runtime = store.runtime;
    if (!runtime) return;
    const now = Date.now();
    // Completed by the misfire policy dropping its last grid points, with no call to record.
    const completed = completeIfDone(runtime, now);
    if (completed) bumpVersion(runtime, now);
    if (history.sealIfDue(wakeTime(runtime), completed)) store.dirty = true;
    this.host.settle(store.dirty);
    notifier.deliver();
  }

  /** Make one attempt and record it: one fetch, then one storage write. */
  private async execute(timer: Timer): Promise<void> {
    const { store, keys, history } = this.host;
    const { definition: def, runtime } = store;
    if (!def || !runtime) return;
    const call = await prepareCall(def, timer, () => keys.current(def.project_id), {
      state: () => store.jobState(),
      previous: runtime.progress.last_response,
      allowPrivateUrls: this.host.env().BELFRY_ALLOW_PRIVATE_URLS === "1",
    });
    // A cancel, pause, patch or delete answered while preparing may have withdrawn this call.
    const stillQueued = runtime.timers.some(
      (t) => t.execution_id === timer.execution_id && t.attempt === timer.attempt,
    );
    if (store.runtime !== runtime || !stillQueued) return;
    if (runtime.progress.state !== "active" && !timer.manual) return;

    let result: AttemptResult;
    if ("request" in call) {
      this.notify(attemptStarting(def, timer, call.request.url, Date.now()));
      meter("calls");
      result = await sendAttempt(call.request, def.timeout);
    } else {
      result = unsentAttempt(call.failure, Date.now());
    }

    // Deleted while the call was in flight: nothing left to record into.
    const current = store.definition;
    if (current?.id !== def.id || store.runtime !== runtime) return;
    const now = Date.now();
    const alerts = keys.alertDestination();
    const settled = settleAttempt(def, current, runtime, timer, result, alerts, now);
    if (settled.jobState !== undefined) store.putJobState(settled.jobState);
    // A change of state reaches the index with the chunk that records it, sealed at once.
    const owner = { task_id: current.id, created_at: current.created_at };
    history.record(settled.record, owner, settled.stateChanged, wakeTime(runtime));
    this.host.settle(true);
    this.notify(settled.notifications);
    if (this.host.env().LOG_ATTEMPTS !== "0") console.log(attemptLogLine(def, settled.record));
  }

  /** Queue callbacks, events and alerts in storage, and start delivering them. */
  private notify(notifications: Notification[]): void {
    if (notifications.length === 0) return;
    const { notifier } = this.host;
    const now = Date.now();
    for (const { url, payload } of notifications) notifier.post(url, payload, now);
    notifier.deliver();
  }
}
