/**
 * Serve a relay on Node with `@hono/node-server` (also runs under Deno's and Bun's Node layers).
 *
 * @example
 * ```ts
 * import { Producer } from "@rocketmq-edge/client";
 * import { createRelay } from "@rocketmq-edge/client/relay";
 * import { serveRelay } from "@rocketmq-edge/client/relay/node";
 *
 * const producer = new Producer({ nameServer: "127.0.0.1:9876", group: "relay" });
 * await producer.start();
 * const server = await serveRelay(createRelay({ producer, auth: { tokens: ["s3cret"] } }), {
 *   port: 8080,
 * });
 * console.log(server.url);
 * process.on("SIGTERM", () => server.close());
 * ```
 *
 * @module
 */

import { serve } from "@hono/node-server";
import type { AddressInfo } from "node:net";
import type { Server } from "node:http";
import type { Relay } from "./app.ts";
import { type RelayServeOptions, type RelayServer, relayUrl } from "./types.ts";

/**
 * Listen with `@hono/node-server` and answer with the relay.
 *
 * @param relay the relay
 * @param options hostname (default 127.0.0.1) and port (default 8080, 0 = any)
 * @returns the running server, once it listens
 */
export function serveRelay(relay: Relay, options: RelayServeOptions = {}): Promise<RelayServer> {
  const hostname = options.hostname ?? "127.0.0.1";
  return new Promise((resolve, reject) => {
    const server = serve({
      fetch: relay.fetch,
      hostname,
      port: options.port ?? 8080,
      // Keep the runtime's own Request/Response (the relay needs nothing Node-specific).
      overrideGlobalObjects: false,
    }, (info: AddressInfo) => {
      server.off("error", reject);
      let closing: Promise<void> | undefined;
      resolve({
        url: relayUrl(info.address, info.port),
        hostname: info.address,
        port: info.port,
        close(): Promise<void> {
          closing ??= Promise.all([stop(server as Server), relay.shutdown()]).then(() => {});
          return closing;
        },
      });
    });
    server.once("error", reject);
  });
}

/**
 * Stop accepting and let open requests finish. Connections whose last request finishes after
 * `close()` become idle keep-alive connections that would hold the close up for the keep-alive
 * timeout (5 s), so idle ones are closed every 50 ms until the server is closed.
 */
function stop(server: Server): Promise<void> {
  return new Promise((resolve) => {
    const sweep = setInterval(() => server.closeIdleConnections(), 50);
    server.close(() => {
      clearInterval(sweep);
      resolve();
    });
    server.closeIdleConnections();
  });
}
