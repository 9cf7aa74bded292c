import { DurableObject } from "cloudflare:workers";

/** What one loop calls and when: `occurrences` calls, `every` ms apart from `begins`. */
interface LoopPlan {
  url: string;
  body: string;
  begins: number;
  every: number;
  occurrences: number;
}

interface FloorEnv {
  LOOPS: DurableObjectNamespace<Loop>;
}

/**
 * The same counts Belfry's meter reports (docs/performance.md), so one price model applies to
 * both. Every object of the local dev server runs in this one isolate.
 */
const counts = {
  do_requests: 0,
  do_rows_written: 0,
  do_alarm_writes: 0,
  do_wall_ms: 0,
  calls: 0,
};

/** One recurring call: the least a Durable Object scheduler can do per call. */
export class Loop extends DurableObject<FloorEnv> {
  private plan: LoopPlan | undefined;
  private next: number;

  constructor(ctx: DurableObjectState, env: FloorEnv) {
    super(ctx, env);
    this.plan = ctx.storage.kv.get<LoopPlan>("plan");
    this.next = ctx.storage.kv.get<number>("next") ?? 0;
  }

  async start(plan: LoopPlan): Promise<void> {
    counts.do_requests += 1;
    this.plan = plan;
    this.next = 0;
    this.ctx.storage.kv.put("plan", plan);
    this.ctx.storage.kv.put("next", 0);
    counts.do_rows_written += 2;
    await this.ctx.storage.setAlarm(plan.begins);
    counts.do_alarm_writes += 1;
  }

  override async alarm(): Promise<void> {
    const started = Date.now();
    counts.do_requests += 1;
    const plan = this.plan;
    if (!plan) return;
    const n = this.next;
    const scheduledAt = plan.begins + n * plan.every;
    // Late points are called on their own grid point, one per alarm, as Belfry does within its
    // catch-up window: the next alarm is the next grid point, even when it is already past.
    const response = await fetch(plan.url, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        "floor-call-id": `${this.ctx.id.toString()}:${n}`,
        "floor-scheduled-at": new Date(scheduledAt).toISOString(),
      },
      body: plan.body,
    });
    await response.arrayBuffer();
    counts.calls += 1;
    this.next = n + 1;
    this.ctx.storage.kv.put("next", this.next);
    counts.do_rows_written += 1;
    if (n + 1 < plan.occurrences) {
      await this.ctx.storage.setAlarm(scheduledAt + plan.every);
      counts.do_alarm_writes += 1;
    }
    counts.do_wall_ms += Date.now() - started;
  }
}

function isPlan(value: unknown): value is LoopPlan {
  if (typeof value !== "object" || value === null) return false;
  const v = value as Record<string, unknown>;
  return (
    typeof v.url === "string" &&
    typeof v.body === "string" &&
    Number.isInteger(v.begins) &&
    Number.isInteger(v.every) &&
    Number(v.every) > 0 &&
    Number.isInteger(v.occurrences) &&
    Number(v.occurrences) > 0
  );
}

export default {
  async fetch(request: Request, env: FloorEnv): Promise<Response> {
    const { pathname } = new URL(request.url);
    if (request.method === "GET" && pathname === "/healthz") return Response.json({ ok: true });
    if (request.method === "GET" && pathname === "/meter") return Response.json(counts);
    if (request.method === "POST" && pathname === "/loops") {
      const plan: unknown = await request.json().catch(() => null);
      if (!isPlan(plan)) {
        return Response.json(
          { error: "body: want { url, body, begins, every, occurrences }" },
          { status: 400 },
        );
      }
      const id = env.LOOPS.newUniqueId();
      await env.LOOPS.get(id).start(plan);
      return Response.json({ id: id.toString() }, { status: 201 });
    }
    return Response.json({ error: "no such route" }, { status: 404 });
  },
};
