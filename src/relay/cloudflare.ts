/**
 * The relay as a Cloudflare Worker. The Worker's `fetch` hands each request to a Durable Object
 * ({@link RelayObject}) that owns one started producer and one relay (`createRelay`): workerd binds
 * sockets to the request or object that opened them, so a producer shared across requests must
 * live in a Durable Object; there it keeps its broker connections, routes and heartbeats.
 *
 * Configured from env bindings with the relay's variable names (see `src/relay/env.ts`):
 * `ROCKETMQ_NAMESRV`, `RELAY_TOKENS` (or `RELAY_NO_AUTH=true`), `RELAY_ALIYUN_KEYS`, `RELAY_GROUP`,
 * `RELAY_SEND_TIMEOUT_MS`, `RELAY_MAX_*`; plus `RELAY_OBJECTS` (how many Durable Objects share
 * the traffic, default 1) and the Durable Object binding `RELAY`. `dist/cloudflare/relay.js` is
 * this module bundled (`scripts/build-worker-bundle.ts`); `examples/cloudflare/wrangler.toml`
 * deploys it with `wrangler deploy --no-bundle`.
 *
 * @example wrangler.toml
 * ```toml
 * name = "rocketmq-relay"
 * main = "relay.js"
 * compatibility_date = "2026-04-01"
 * compatibility_flags = ["nodejs_compat"]
 * [vars]
 * ROCKETMQ_NAMESRV = "mq.example.com:9876"
 * [[durable_objects.bindings]]
 * name = "RELAY"
 * class_name = "RelayObject"
 * [[migrations]]
 * tag = "v1"
 * new_sqlite_classes = ["RelayObject"]
 * ```
 *
 * @module
 */

import { ValidationError } from "../errors.ts";
import { Producer } from "../producer/producer.ts";
import { createRelay, type Relay } from "./app.ts";
import { relayConfigFromEnv, type RelayEnvVars } from "./env.ts";

export type { RelayEnvVars };

/** The part of a Durable Object namespace binding the Worker uses. */
export interface DurableObjectNamespaceLike {
  /** The id of the object with this name. */
  idFromName(name: string): unknown;
  /** A stub that forwards requests to the object. */
  get(id: unknown): { fetch(request: Request): Promise<Response> };
}

/** The Worker's bindings: the relay's variables plus the Durable Object namespace. */
export interface RelayWorkerEnv extends RelayEnvVars {
  /** The Durable Object namespace bound to {@link RelayObject}. */
  RELAY: DurableObjectNamespaceLike;
  /** Durable Objects sharing the traffic (each its own producer and limits); default 1. */
  RELAY_OBJECTS?: string;
}

/**
 * The Durable Object that owns the producer and the relay. Both are created at the first
 * request (workerd allows no I/O while an object is constructed) and reused by every later one.
 * A configuration error answers 500 with the variable's name, and is retried at the next request.
 */
export class RelayObject {
  #env: RelayWorkerEnv;
  #relay: Promise<Relay> | undefined;

  /**
   * Called by workerd when the object starts; keeps the bindings for the first request.
   *
   * @param _state the Durable Object state (unused)
   * @param env the Worker's bindings
   */
  constructor(_state: unknown, env: RelayWorkerEnv) {
    this.#env = env;
  }

  /**
   * Answer one request with the relay.
   *
   * @param request the request the Worker forwarded
   * @returns the relay's response
   */
  async fetch(request: Request): Promise<Response> {
    let relay: Relay;
    try {
      relay = await (this.#relay ??= this.#start());
    } catch (e) {
      this.#relay = undefined;
      const err = e instanceof Error ? e : new Error(String(e));
      const field = e instanceof ValidationError ? e.field : undefined;
      return Response.json(
        { error_code: "UNAVAILABLE", message: `relay not started: ${err.message}`, field },
        { status: e instanceof ValidationError ? 500 : 503, headers: { "retry-after": "1" } },
      );
    }
    return relay.fetch(request);
  }

  async #start(): Promise<Relay> {
    const config = relayConfigFromEnv(this.#env);
    const producer = new Producer({ nameServer: config.nameServer, group: config.group });
    try {
      await producer.start();
      return createRelay({ ...config.options, producer });
    } catch (e) {
      await producer.shutdown().catch(() => {});
      throw e;
    }
  }
}

/** FNV-1a, to spread idempotency keys over the objects deterministically. */
function hash(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

/**
 * Which Durable Object answers: a request with an `Idempotency-Key` always goes to the same one
 * (its store remembers the first answer); others are spread at random.
 *
 * @param request the request
 * @param objects how many objects share the traffic
 * @returns the object's name, `relay-<n>`
 */
export function relayObjectName(request: Request, objects: number): string {
  if (objects <= 1) return "relay-0";
  const key = request.headers.get("idempotency-key");
  const n = key ? hash(key) % objects : Math.floor(Math.random() * objects);
  return `relay-${n}`;
}

/** The Worker: forwards every request to a {@link RelayObject}. */
const worker: { fetch(request: Request, env: RelayWorkerEnv): Promise<Response> } = {
  fetch(request: Request, env: RelayWorkerEnv): Promise<Response> {
    const objects = Number(env.RELAY_OBJECTS ?? 1);
    if (!Number.isSafeInteger(objects) || objects < 1) {
      return Promise.resolve(Response.json({
        error_code: "UNAVAILABLE",
        message: "RELAY_OBJECTS must be a positive integer",
        field: "RELAY_OBJECTS",
      }, { status: 500 }));
    }
    const name = relayObjectName(request, objects);
    return env.RELAY.get(env.RELAY.idFromName(name)).fetch(request);
  },
};

export default worker;
