/**
 * The Worker of bench/edge.ts: runs the closed-loop producer benchmark inside workerd.
 *
 * - `POST /object/<name>` with a {@link RunRequest}: the Durable Object `<name>` keeps one started
 *   producer (like a long-lived client) and runs `messages` sends of `size` bytes with
 *   `concurrency` in flight after `warmup` sends; answers a {@link RunAnswer}.
 * - `POST /first`: a producer made for this request, started, one send: the SendResult (the cold
 *   start measurement; the producer is shut down in `ctx.waitUntil` after the answer).
 *
 * Bindings: `NAMESRV`, `TOPIC`, `BENCH` (Durable Object namespace of {@link BenchObject}).
 *
 * @module
 */

import { Producer } from "../mod.ts";

/** One measured run. */
export interface RunRequest {
  concurrency: number;
  messages: number;
  warmup: number;
  size: number;
}

/** What a run measured inside workerd (its clock advances with I/O, which sends are made of). */
export interface RunAnswer {
  ok: number;
  failed: number;
  firstError?: string;
  elapsedMs: number;
  p50Ms: number;
  p99Ms: number;
}

interface Env {
  NAMESRV: string;
  TOPIC: string;
  BENCH: {
    idFromName(name: string): unknown;
    get(id: unknown): { fetch(request: Request): Promise<Response> };
  };
}

interface ExecutionContext {
  waitUntil(promise: Promise<unknown>): void;
}

/** `concurrency` loops, each awaiting its send before the next, until `messages` were started. */
async function closedLoop(
  producer: Producer,
  topic: string,
  body: Uint8Array,
  messages: number,
  concurrency: number,
  latencies?: Float64Array,
): Promise<{ ok: number; failed: number; firstError?: string }> {
  const outcome: { ok: number; failed: number; firstError?: string } = { ok: 0, failed: 0 };
  let next = 0;
  const loop = async (): Promise<void> => {
    while (next < messages) {
      const index = next++;
      const t0 = performance.now();
      try {
        await producer.send({ topic, body });
        if (latencies) latencies[index] = performance.now() - t0;
        outcome.ok++;
      } catch (e) {
        outcome.failed++;
        outcome.firstError ??= String(e);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, messages) }, loop));
  return outcome;
}

function percentile(sorted: Float64Array, q: number): number {
  return sorted.length === 0 ? 0 : sorted[Math.max(0, Math.ceil(q * sorted.length) - 1)];
}

/** Holds one started producer for every run. */
export class BenchObject {
  #env: Env;
  #producer: Producer | undefined;
  #started: Promise<void> | undefined;

  constructor(_state: unknown, env: Env) {
    this.#env = env;
  }

  async fetch(request: Request): Promise<Response> {
    const run = await request.json() as RunRequest;
    if (!this.#producer) {
      this.#producer = new Producer({ nameServer: this.#env.NAMESRV, group: "bench_edge" });
      this.#started = this.#producer.start();
    }
    await this.#started;
    const body = new Uint8Array(run.size).fill(97);
    const topic = this.#env.TOPIC;
    await closedLoop(this.#producer, topic, body, run.warmup, run.concurrency);
    const latencies = new Float64Array(run.messages);
    const t0 = performance.now();
    const outcome = await closedLoop(
      this.#producer,
      topic,
      body,
      run.messages,
      run.concurrency,
      latencies,
    );
    const elapsedMs = performance.now() - t0;
    latencies.sort();
    const answer: RunAnswer = {
      ...outcome,
      elapsedMs,
      p50Ms: percentile(latencies, 0.5),
      p99Ms: percentile(latencies, 0.99),
    };
    return Response.json(answer);
  }
}

export default {
  async fetch(request: Request, env: Env, ctx: ExecutionContext): Promise<Response> {
    const url = new URL(request.url);
    const object = /^\/object\/([\w-]+)$/.exec(url.pathname);
    if (object) return env.BENCH.get(env.BENCH.idFromName(object[1])).fetch(request);
    if (url.pathname !== "/first") return new Response("not found", { status: 404 });
    const producer = new Producer({ nameServer: env.NAMESRV, group: "bench_edge_first" });
    try {
      await producer.start();
      return Response.json(await producer.send({ topic: env.TOPIC, body: "first" }));
    } finally {
      ctx.waitUntil(producer.shutdown());
    }
  },
};
