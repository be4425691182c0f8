/**
 * A Cloudflare Worker that uses the `Producer` directly; `tests/edge/*.test.ts` bundle it with
 * `scripts/build-worker-bundle.ts` and run it in workerd through Miniflare.
 *
 * POST a JSON {@link Job} to
 * - `/request`: a producer made for this request, shut down in `ctx.waitUntil` after answering
 *   (the pattern for a plain Worker: workerd binds sockets to the request that opened them);
 * - `/object/<name>`: the Durable Object `<name>`, which creates its producer once and reuses it
 *   (its sockets, timers and route tables) for every later request.
 *
 * Bindings: `NAMESRV` (name server address), `SEND_TIMEOUT_MS` (optional), `PRODUCERS` (the
 * Durable Object namespace of {@link ProducerObject}).
 *
 * @module
 */

import { cloudflareTransport, Producer } from "../../mod.ts";
import { detectTransport } from "../../internals.ts";
import type { Message, RawSocket, SendResult } from "../../mod.ts";

/** What a test asks the Worker to do. */
export interface Job {
  /** `send`: each message on its own (concurrently); `batch`: one batch; `oneway`: one-way sends. */
  op: "send" | "batch" | "oneway";
  /** `send` only: at most this many sends in flight (default: all at once). */
  concurrency?: number;
  /** Messages; `repeat` turns `body` into `body` repeated that many times (large bodies). */
  messages: (Omit<Message, "body"> & { body: string; repeat?: number })[];
}

/** The Worker's answer: one outcome per message (one for a batch). */
export interface JobAnswer {
  outcomes: ({ ok: true; result?: SendResult } | { ok: false; error: string; name: string })[];
  /** Producers this Durable Object created so far (1 when it reused its producer). */
  producersCreated?: number;
  /** Client id of the producer that sent. */
  clientId?: string;
  /** Transport adapter the producer used. */
  transport?: string;
}

interface Env {
  NAMESRV: string;
  SEND_TIMEOUT_MS?: string;
  PRODUCERS: {
    idFromName(name: string): unknown;
    get(id: unknown): { fetch(request: Request): Promise<Response> };
  };
}

interface ExecutionContext {
  waitUntil(promise: Promise<unknown>): void;
}

function newProducer(env: Env, group: string): Producer {
  return new Producer({
    nameServer: env.NAMESRV,
    group,
    sendTimeoutMs: Number(env.SEND_TIMEOUT_MS ?? 3000),
    // Sends into a blackholed broker leave it alone for a while (tests/edge: faults).
    sendLatencyFaultEnable: true,
  });
}

async function run(producer: Producer, job: Job): Promise<JobAnswer> {
  const messages: Message[] = job.messages.map(({ repeat, body, ...rest }) => ({
    ...rest,
    body: repeat === undefined ? body : body.repeat(repeat),
  }));
  const settle = async (
    p: Promise<SendResult | void>,
  ): Promise<JobAnswer["outcomes"][number]> => {
    try {
      const result = await p;
      return result ? { ok: true, result } : { ok: true };
    } catch (e) {
      const err = e instanceof Error ? e : new Error(String(e));
      return { ok: false, name: err.name, error: err.message };
    }
  };
  let outcomes: JobAnswer["outcomes"];
  if (job.op === "batch") outcomes = [await settle(producer.sendBatch(messages))];
  else if (job.op === "oneway") {
    outcomes = await Promise.all(messages.map((m) => settle(producer.sendOneway(m))));
  } else if (job.concurrency === undefined) {
    outcomes = await Promise.all(messages.map((m) => settle(producer.send(m))));
  } else {
    outcomes = new Array(messages.length);
    let next = 0;
    const loop = async (): Promise<void> => {
      while (next < messages.length) {
        const i = next++;
        outcomes[i] = await settle(producer.send(messages[i]));
      }
    };
    await Promise.all(Array.from({ length: job.concurrency }, loop));
  }
  return { outcomes, clientId: producer.clientId, transport: (await detectTransport()).name };
}

/** A Durable Object that keeps one started producer for all its requests. */
export class ProducerObject {
  #env: Env;
  #producer: Producer | undefined;
  #started: Promise<void> | undefined;
  #created = 0;

  constructor(_state: unknown, env: Env) {
    this.#env = env;
  }

  async fetch(request: Request): Promise<Response> {
    if (!this.#producer) {
      this.#producer = newProducer(this.#env, "edge_object_group");
      this.#created++;
      this.#started = this.#producer.start();
    }
    await this.#started;
    const answer = await run(this.#producer, await request.json() as Job);
    return Response.json({ ...answer, producersCreated: this.#created });
  }
}

/** What `/transport` reports for each case: the error's name and message, or what happened. */
export type TransportReport = Record<string, string>;

/** Exercise `cloudflareTransport` directly: refused, TLS, peer close, echo (loopback ports). */
async function transportCases(
  ports: { closed: number; closing: number; echo: number },
): Promise<TransportReport> {
  const report: TransportReport = {};
  const fail = (e: unknown): string => e instanceof Error ? `${e.name}: ${e.message}` : String(e);
  const ignore = { onData: () => {}, onClose: () => {} };
  const at = (port: number) => ({ hostname: "127.0.0.1", port, timeoutMs: 2000 });
  await cloudflareTransport.connect(at(ports.closed), ignore).then(
    (s) => (s.close(), report.refused = "connected"),
    (e) => (report.refused = fail(e)),
  );
  await cloudflareTransport.connect({ ...at(ports.echo), tls: true }, ignore).then(
    (s) => (s.close(), report.tls = "connected"),
    (e) => (report.tls = fail(e)),
  );
  report.peerClose = await new Promise<string>((resolve) => {
    cloudflareTransport.connect(at(ports.closing), {
      onData: () => {},
      onClose: (e) => resolve(e ? `closed: ${fail(e)}` : "closed"),
    }).catch((e) => resolve(fail(e)));
  });
  let echoSocket: RawSocket | undefined;
  report.echo = await new Promise<string>((resolve) => {
    let got = "";
    cloudflareTransport.connect(at(ports.echo), {
      onData: (chunk) => {
        got += new TextDecoder().decode(chunk);
        if (got.length >= 6) resolve(got);
      },
      onClose: (e) => resolve(`closed after ${JSON.stringify(got)} ${e ? fail(e) : ""}`),
    }).then(async (socket) => {
      echoSocket = socket;
      await socket.write(new TextEncoder().encode("abc"));
      await socket.write(new TextEncoder().encode("def"));
    }, (e) => resolve(fail(e)));
  });
  echoSocket?.close();
  return report;
}

export default {
  async fetch(request: Request, env: Env, ctx: ExecutionContext): Promise<Response> {
    const url = new URL(request.url);
    if (url.pathname === "/transport") {
      return Response.json(await transportCases(await request.json()));
    }
    const object = /^\/object\/([\w-]+)$/.exec(url.pathname);
    if (object) return env.PRODUCERS.get(env.PRODUCERS.idFromName(object[1])).fetch(request);
    if (url.pathname !== "/request") return new Response("not found", { status: 404 });
    const job = await request.json() as Job;
    const producer = newProducer(env, "edge_request_group");
    try {
      await producer.start();
      return Response.json(await run(producer, job));
    } finally {
      // Unregistering from the brokers happens after the answer went out.
      ctx.waitUntil(producer.shutdown());
    }
  },
};
