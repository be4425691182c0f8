/**
 * The HTTP relay: publish to RocketMQ over HTTP from services, webhooks, browsers' backends and
 * edge functions. One Hono app ({@link createRelay}) with the native API
 * (`POST /v1/topics/:topic/messages`: JSON, arrays, NDJSON, raw bodies), the Alibaba Cloud MQ
 * HTTP compatible route, a status page, `/healthz`, `/readyz` and `/metrics`; bearer-token auth,
 * limits, idempotency keys and graceful shutdown. The app imports no runtime; serve it with
 * `@rocketmq-edge/client/relay/deno`, `…/relay/bun` or `…/relay/node`, or hand `relay.fetch` to
 * any server. See README, "Relay", for the API and its errors.
 *
 * @example Serve the relay on Deno and publish with curl
 * ```ts
 * import { Producer } from "@rocketmq-edge/client";
 * import { createRelay } from "@rocketmq-edge/client/relay";
 * import { serveRelay } from "@rocketmq-edge/client/relay/deno";
 *
 * const producer = new Producer({ nameServer: "127.0.0.1:9876", group: "relay" });
 * await producer.start();
 * const relay = createRelay({
 *   producer,
 *   auth: { tokens: [{ token: "s3cret", topics: ["Orders"], ratePerSecond: 100 }] },
 *   limits: { maxRequestBytes: 1024 * 1024 },
 * });
 * const server = await serveRelay(relay, { port: 8080 });
 * // curl -H 'authorization: Bearer s3cret' -H 'content-type: application/json' \
 * //   -d '{"body":"hello","tags":"TagA"}' http://127.0.0.1:8080/v1/topics/Orders/messages
 * Deno.addSignalListener("SIGTERM", () => server.close()); // drains, then stops the producer
 * ```
 *
 * @module
 */

export { createRelay, type Relay, type RelayEnv } from "./app.ts";
export type {
  IdempotencyOptions,
  RelayAuthOptions,
  RelayLimits,
  RelayOptions,
  StaticToken,
  TokenGrant,
} from "./options.ts";
export {
  type RelayErrorBody,
  type RelayErrorStatus,
  RelayHttpError,
  type RelayHttpErrorOptions,
  toRelayHttpError,
} from "./errors.ts";
export type {
  RelayBrokerStatus,
  RelayNameServerStatus,
  RelayPublish,
  RelayPublishExtra,
  RelayRecentError,
  RelaySeriesPoint,
  RelayServeOptions,
  RelayServer,
  RelayStatus,
  RelayTotals,
} from "./types.ts";
export { relayUrl } from "./types.ts";
export { type AliyunRouteOptions, aliyunRoutes } from "./aliyun/mod.ts";
export { STATUS_PAGE_CSP, statusPageHtml } from "./status-page.ts";
