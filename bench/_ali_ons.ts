/**
 * Drives the npm `ali-ons` producer (the comparison client of bench/producer.ts). ali-ons is a
 * CommonJS, Node-only package, so it is loaded with `createRequire` and only under Node.
 *
 * Configuration notes (from ali-ons 3.x source, lib/client_config.js, lib/remoting_client.js,
 * lib/channel.js):
 * - `nameSrv` set means the HTTP address server (`onsAddr`, an aliyun.com URL by default) is never
 *   queried; `httpclient` must still be present (asserted), so a stub that throws is passed.
 * - No `accessKey`/`secretKey`: ali-ons then skips its per-request HMAC-SHA1 signature, which our
 *   client does not compute either, so the CPU comparison is like for like.
 *
 * @module
 */

import { createRequire } from "node:module";
import process from "node:process";
import { type LatencyHistogram, runConcurrent } from "./_stats.ts";

/** The part of ali-ons' `Producer` this driver uses. */
interface AliProducer {
  ready(): Promise<void>;
  send(message: unknown): Promise<{ sendStatus: string }>;
  close(): Promise<void>;
  on(event: "error", listener: (e: unknown) => void): void;
}

/** The part of the `ali-ons` module this driver uses. */
interface AliOnsModule {
  Producer: (new (options: Record<string, unknown>) => AliProducer) & {
    /** ali-ons' process-wide inner producer, created by the first `ready()`. */
    defaultProducer?: AliProducer;
  };
  Message: new (topic: string, tags: string, body: Uint8Array) => unknown;
}

/** True when the running runtime is Node itself (not Deno or Bun in Node-compat mode). */
export function aliOnsSupported(): boolean {
  const g = globalThis as Record<string, unknown>;
  return g.Deno === undefined && g.Bun === undefined && typeof process.versions?.node === "string";
}

/** An open ali-ons producer bound to one topic. */
export interface AliOnsClient {
  /** Sends `messages` messages with `concurrency` awaited sends in flight. */
  run(
    messages: number,
    concurrency: number,
    histogram: LatencyHistogram,
  ): Promise<{ ok: number; failed: number; firstError?: unknown }>;
  /** Closes the producer and its sockets. */
  close(): Promise<void>;
}

/**
 * Loads ali-ons from `bench/peers/node_modules` (bench/peers/package.json; the root package does not
 * depend on it, so the library, its tests and the demo never install it). The peers sit in a folder
 * of their own, away from the bench's TypeScript: Deno scopes a file under a package.json to that
 * package (`deno fmt bench/x.ts` would then ignore deno.json's settings).
 */
function loadAliOns(): AliOnsModule {
  const require = createRequire(new URL("./peers/package.json", import.meta.url));
  try {
    return require("ali-ons") as AliOnsModule;
  } catch (e) {
    if ((e as { code?: string }).code !== "MODULE_NOT_FOUND") throw e;
    throw new Error(
      "ali-ons is not installed: run `npm install --prefix bench/peers` (bench/peers/package.json), " +
        "or pass --clients ours,raw",
      { cause: e },
    );
  }
}

/** Starts an ali-ons producer against `nameServer` ("host:port") for `topic`, `size`-byte bodies. */
export async function openAliOns(
  nameServer: string,
  topic: string,
  size: number,
): Promise<AliOnsClient> {
  const ons = loadAliOns();
  const producer = new ons.Producer({
    nameSrv: nameServer,
    httpclient: {
      request(): Promise<never> {
        return Promise.reject(new Error("address server disabled in the benchmark"));
      },
    },
    producerGroup: "bench_ali_ons",
    instanceName: `bench${process.pid}`,
    // Like ours: 1 KiB bodies are far below this, so no compression on either side.
    compressMsgBodyOverHowmuch: 4096,
    // Silence its per-send info logging; keep warnings/errors on stderr.
    logger: {
      info(): void {},
      debug(): void {},
      warn(...args: unknown[]): void {
        // Only errors; its routine warnings (e.g. "updateTopicPublishInfo() prev is not null")
        // would drown the table.
        if (args[0] instanceof Error && !reported) console.warn("[ali-ons]", ...args);
      },
      error(...args: unknown[]): void {
        console.error("[ali-ons]", ...args);
      },
    },
  });
  // ali-ons reports socket trouble as 'error' events, repeatedly while it reconnects: print one.
  let reported = false;
  producer.on("error", (e) => {
    if (!reported) console.error("[ali-ons] error event (further ones not shown):", e);
    reported = true;
  });
  await producer.ready();
  // The inner producer shares the client instance; without a listener its socket errors at
  // shutdown (name server gone) would be thrown as unhandled 'error' events.
  const inner = ons.Producer.defaultProducer;
  inner?.on("error", () => {});
  const body = new Uint8Array(size).fill(0x61);
  // Buffer view of the same bytes: ali-ons concatenates with Buffer APIs.
  const { Buffer } = await import("node:buffer");
  const bodyBuffer = Buffer.from(body.buffer, body.byteOffset, body.byteLength);
  return {
    run(messages, concurrency, histogram) {
      // A fresh Message per send, as an ali-ons user writes it (ali-ons mutates messages).
      return runConcurrent(messages, concurrency, async () => {
        const r = await producer.send(new ons.Message(topic, "bench", bodyBuffer));
        if (r.sendStatus !== "SEND_OK") throw new Error(`ali-ons status ${r.sendStatus}`);
      }, histogram);
    },
    close: async () => {
      await producer.close();
      await inner?.close();
    },
  };
}
