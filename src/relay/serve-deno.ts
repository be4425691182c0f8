/**
 * Serve a relay with `Deno.serve`.
 *
 * @example
 * ```ts
 * import { Producer } from "@rocketmq-edge/client";
 * import { createRelay } from "@rocketmq-edge/client/relay";
 * import { serveRelay } from "@rocketmq-edge/client/relay/deno";
 *
 * const producer = new Producer({ nameServer: "127.0.0.1:9876", group: "relay" });
 * await producer.start();
 * const server = await serveRelay(createRelay({ producer, auth: { tokens: ["s3cret"] } }), {
 *   port: 8080,
 * });
 * console.log(server.url);
 * Deno.addSignalListener("SIGTERM", () => server.close());
 * ```
 *
 * @module
 */

import type { Relay } from "./app.ts";
import { type RelayServeOptions, type RelayServer, relayUrl } from "./types.ts";

/**
 * Listen with `Deno.serve` and answer with the relay.
 *
 * @param relay the relay
 * @param options hostname (default 127.0.0.1) and port (default 8080, 0 = any)
 * @returns the running server
 */
export function serveRelay(relay: Relay, options: RelayServeOptions = {}): Promise<RelayServer> {
  const hostname = options.hostname ?? "127.0.0.1";
  const server = Deno.serve({
    hostname,
    port: options.port ?? 8080,
    onListen: () => {},
  }, relay.fetch);
  const addr = server.addr as Deno.NetAddr;
  let closing: Promise<void> | undefined;
  return Promise.resolve({
    url: relayUrl(addr.hostname, addr.port),
    hostname: addr.hostname,
    port: addr.port,
    close(): Promise<void> {
      closing ??= Promise.all([server.shutdown(), relay.shutdown()]).then(() => {});
      return closing;
    },
  });
}
