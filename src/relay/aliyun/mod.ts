/**
 * Alibaba Cloud MQ HTTP compatibility: the publish route of the MQ HTTP SDKs
 * (`@aliyunmq/mq-http-sdk` on npm, and the Java, Go and Python SDKs), served by the relay so
 * that code written against Alibaba Cloud's RocketMQ HTTP endpoint publishes to any RocketMQ
 * cluster unchanged: point the SDK's endpoint at the relay and give it an AccessKey pair the
 * relay knows.
 *
 * The route verifies the SDKs' `Authorization: MQ <AccessKeyId>:<signature>` (HMAC-SHA1 over
 * method, Content-MD5, Content-Type, Date, the `x-mq-*` headers and the path with query, as
 * received), refuses a `Date` outside the window (`TimeExpired`), checks Content-MD5 when sent,
 * reads `<Message><MessageBody/><MessageTag/><Properties/></Message>` in every form the SDKs
 * write, maps `KEYS`, `__STARTDELIVERTIME` and `__SHARDINGKEY` to keys, a delivery time and a
 * sharding key, and answers `201` with `<Message><MessageId/><MessageBodyMD5/></Message>` or the
 * SDKs' `<Error>` document. Transactional publishes (`__TransCheckT`) are refused with
 * `InvalidArgument`; consume and ack requests with `NotImplemented`.
 *
 * Nothing here imports a runtime: it runs on Deno, Bun, Node and Cloudflare Workers.
 *
 * @example Mount it in a Hono app next to the relay's own routes
 * ```ts
 * import { Hono } from "hono";
 * import { Producer } from "@rocketmq-edge/client";
 * import { aliyunRoutes } from "@rocketmq-edge/client/relay";
 *
 * const producer = new Producer({ nameServer: "127.0.0.1:9876", group: "relay" });
 * await producer.start();
 * const app = new Hono();
 * app.route("/", aliyunRoutes({
 *   keys: { "my-access-key-id": "my-access-key-secret" },
 *   publish: (topic, message) => producer.send({ ...message, topic }),
 * }));
 * // Node SDK: new MQClient("http://127.0.0.1:8080", "my-access-key-id", "my-access-key-secret")
 * ```
 *
 * @module
 */

export {
  aliyunErrorResponse,
  type AliyunRouteOptions,
  aliyunRoutes,
  MQ_API_VERSION,
} from "./routes.ts";
export { AliyunError, type AliyunErrorStatus, toAliyunError } from "./_errors.ts";
export {
  type MappedPublish,
  parseProperties,
  SHARDING_KEY,
  START_DELIVER_TIME,
  toMessage,
  TRANS_CHECK_IMMUNITY_TIME,
} from "./properties.ts";
export {
  fromBase64,
  type MqAuthorization,
  type MqHeaderOrder,
  parseAuthorization,
  type SignedRequestParts,
  signRequest,
  stringToSign,
  toBase64,
  verifySignature,
} from "./signature.ts";
export {
  errorXml,
  escapeXml,
  messageXml,
  MQ_XML_NAMESPACE,
  parsePublishXml,
  type PublishXml,
} from "./xml.ts";
export type { RelayPublish } from "../types.ts";
