/**
 * Serve a relay with `Bun.serve`.
 *
 * @example
 * ```ts
 * import { Producer } from "@rocketmq-edge/client";
 * import { createRelay } from "@rocketmq-edge/client/relay";
 * import { serveRelay } from "@rocketmq-edge/client/relay/bun";
 *
 * const producer = new Producer({ nameServer: "127.0.0.1:9876", group: "relay" });
 * await producer.start();
 * const server = await serveRelay(createRelay({ producer, auth: { tokens: ["s3cret"] } }), {
 *   port: 8080,
 * });
 * console.log(server.url);
 * ```
 *
 * @module
 */

import type { Relay } from "./app.ts";
import { type RelayServeOptions, type RelayServer, relayUrl } from "./types.ts";

/** The part of `Bun.serve` this helper uses (declared here so no Bun types are needed). */
interface BunServer {
  readonly hostname: string;
  readonly port: number;
  stop(closeActiveConnections?: boolean): Promise<void> | void;
}

/** `globalThis.Bun`, reduced to `serve`. */
interface BunServeApi {
  serve(options: {
    hostname: string;
    port: number;
    fetch: (request: Request) => Response | Promise<Response>;
    idleTimeout?: number;
  }): BunServer;
}

/**
 * Listen with `Bun.serve` and answer with the relay.
 *
 * @param relay the relay
 * @param options hostname (default 127.0.0.1) and port (default 8080, 0 = any)
 * @returns the running server
 */
export function serveRelay(relay: Relay, options: RelayServeOptions = {}): Promise<RelayServer> {
  const bun = (globalThis as { Bun?: BunServeApi }).Bun;
  if (bun === undefined) return Promise.reject(new Error("Bun.serve is not available"));
  const server = bun.serve({
    hostname: options.hostname ?? "127.0.0.1",
    port: options.port ?? 8080,
    fetch: relay.fetch,
    // Bun closes idle connections after 10 s by default, which would cut off a slow NDJSON
    // stream; 0 leaves that to the client.
    idleTimeout: 0,
  });
  let closing: Promise<void> | undefined;
  return Promise.resolve({
    url: relayUrl(server.hostname, server.port),
    hostname: server.hostname,
    port: server.port,
    close(): Promise<void> {
      // stop(false): stop listening, let active requests finish.
      closing ??= Promise.all([server.stop(false), relay.shutdown()]).then(() => {});
      return closing;
    },
  });
}
