/**
 * Shared set-up of the Aliyun route tests: the route served by a small Hono app on 127.0.0.1
 * (port 0) with a real `publish` backed by a real producer against the embedded cluster, and a
 * signer that builds requests as the SDKs do (computed with node:crypto, independently of the
 * route's WebCrypto code).
 */

import { createHash, createHmac } from "node:crypto";
import { Hono } from "hono";
import { type AliyunRouteOptions, aliyunRoutes } from "../../src/relay/aliyun/mod.ts";
import type { RelayPublish } from "../../src/relay/types.ts";
import { Producer } from "../../src/producer/producer.ts";
import { selectMessageQueueByHash } from "../../src/route/select-by-hash.ts";
import { startCluster, type TestCluster } from "../../src/testing/mod.ts";

/** The AccessKey pair the served route knows. */
export const AK = "LTAI-test-key";
/** Its secret. */
export const SK = "test-secret-0123456789";

/**
 * A publish as the relay core's: sharding key → hash selector + `__SHARDINGKEY`, delivery time →
 * `TIMER_DELIVER_MS`, namespace → `ns%topic`.
 */
export function producerPublish(producer: Producer): RelayPublish {
  return (topic, message, extra) => {
    const properties = { ...message.properties };
    if (extra.shardingKey !== undefined) properties.__SHARDINGKEY = extra.shardingKey;
    if (extra.deliverAt !== undefined) properties.TIMER_DELIVER_MS = String(extra.deliverAt);
    const full = extra.namespace === undefined ? topic : `${extra.namespace}%${topic}`;
    const msg = { ...message, topic: full, properties };
    return extra.shardingKey === undefined
      ? producer.send(msg)
      : producer.send(msg, { selector: selectMessageQueueByHash, arg: extra.shardingKey });
  };
}

/** What a served-route test gets. */
export interface ServedRoute {
  /** `http://127.0.0.1:<port>`. */
  url: string;
  /** The embedded cluster. */
  cluster: TestCluster;
}

/**
 * Serve the route over a real producer and cluster, run `fn`, close everything.
 *
 * @param topics topics to create (one broker, 4 queues each)
 * @param fn the test
 * @param options route options overriding the defaults
 */
export async function withServedRoute(
  topics: string[],
  fn: (s: ServedRoute) => Promise<void>,
  options: Partial<AliyunRouteOptions> = {},
): Promise<void> {
  const cluster = await startCluster({
    brokers: 1,
    autoCreateTopicEnable: false,
    topics: topics.map((name) => ({ name })),
  });
  const producer = new Producer({ nameServer: cluster.namesrvAddr, group: "aliyun-relay-test" });
  let server: Deno.HttpServer<Deno.NetAddr> | undefined;
  try {
    await producer.start();
    const app = new Hono();
    app.route(
      "/",
      aliyunRoutes({ keys: { [AK]: SK }, publish: producerPublish(producer), ...options }),
    );
    server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, app.fetch);
    await fn({ url: `http://127.0.0.1:${server.addr.port}`, cluster });
  } finally {
    await server?.shutdown();
    await producer.shutdown();
    await cluster.close();
  }
}

/** A request as an SDK builds it. */
export interface SignedRequestInit {
  /** Request path with query. */
  resource: string;
  /** Body bytes or text. */
  body: string | Uint8Array<ArrayBuffer>;
  /** Content-Type (default `text/xml;charset=utf-8`); null to send none. */
  contentType?: string | null;
  /** Content-MD5 (default the Node SDK's base64-of-hex); null to send none. */
  contentMd5?: string | null;
  /** Date (default now). */
  date?: string;
  /** Extra headers (signed when x-mq-*). */
  headers?: Record<string, string>;
  /** x-mq-version (default 2015-06-06); null to send none. */
  version?: string | null;
  /** Key id and secret (default AK/SK). */
  accessKeyId?: string;
  /** Secret to sign with. */
  secret?: string;
}

/** HMAC-SHA1 base64, with node:crypto. */
export function nodeSign(secret: string, text: string): string {
  return createHmac("sha1", secret).update(text, "utf8").digest("base64");
}

/** MD5 hex (lower case), with node:crypto. */
export function md5Hex(data: string | Uint8Array): string {
  return createHash("md5").update(data).digest("hex");
}

/** Build the fetch init of a signed publish, as the Node SDK would. */
export function signedRequest(init: SignedRequestInit): { path: string; init: RequestInit } {
  const body: Uint8Array<ArrayBuffer> = typeof init.body === "string"
    ? new TextEncoder().encode(init.body)
    : init.body;
  const headers: Record<string, string> = { ...init.headers };
  const contentType = init.contentType === undefined ? "text/xml;charset=utf-8" : init.contentType;
  const contentMd5 = init.contentMd5 === undefined ? btoa(md5Hex(body)) : init.contentMd5;
  const date = init.date ?? new Date().toUTCString();
  const version = init.version === undefined ? "2015-06-06" : init.version;
  if (contentType !== null) headers["content-type"] = contentType;
  if (contentMd5 !== null) headers["content-md5"] = contentMd5;
  if (version !== null) headers["x-mq-version"] = version;
  headers.date = date;
  const mq = Object.keys(headers).filter((k) => k.startsWith("x-mq-")).sort()
    .map((k) => `${k}:${headers[k]}\n`).join("");
  const text = `POST\n${contentMd5 ?? ""}\n${contentType ?? ""}\n${date}\n${mq}${init.resource}`;
  headers.authorization = `MQ ${init.accessKeyId ?? AK}:${nodeSign(init.secret ?? SK, text)}`;
  return { path: init.resource, init: { method: "POST", headers, body } };
}
