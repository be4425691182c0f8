/**
 * The unchanged npm SDK `@aliyunmq/mq-http-sdk` publishing through the served route into the
 * embedded cluster.
 */

import assert from "node:assert/strict";
import { Hono } from "hono";
import { aliyunErrorResponse, aliyunRoutes } from "../../src/relay/aliyun/mod.ts";
import { RelayHttpError } from "../../src/relay/errors.ts";
import { AK, md5Hex, SK, withServedRoute } from "./_aliyun_helpers.ts";
import { requirePeer } from "../../scripts/_peers.ts";

const TOPIC = "AliyunSdkTopic";
const INSTANCE = "MQ_INST_1234_abcd";

interface SdkProps {
  messageKey(key: string): void;
  startDeliverTime(ms: number): void;
  shardingKey(key: string): void;
  transCheckImmunityTime(s: number): void;
  putProperty(k: string, v: string): void;
}
interface SdkResponse {
  code: number;
  requestId: string;
  body: { MessageId: string; MessageBodyMD5: string };
}
interface SdkProducer {
  publishMessage(body: string, tag?: string, props?: SdkProps): Promise<SdkResponse>;
}
interface SdkClient {
  getProducer(instanceId: string, topic: string): SdkProducer;
  getTransProducer(instanceId: string, topic: string, group: string): SdkProducer;
}
// The SDK comes from tests/peers (scripts/_peers.ts says why).
const sdk = requirePeer<{
  MQClient: new (endpoint: string, ak: string, sk: string) => SdkClient;
  MessageProperties: new () => SdkProps;
}>("tests/peers", "@aliyunmq/mq-http-sdk");

Deno.test("aliyun sdk: publishMessage with tag, key, properties, sharding key and delivery time", async () => {
  await withServedRoute([TOPIC], async ({ url, cluster }) => {
    const client = new sdk.MQClient(url, AK, SK);
    const producer = client.getProducer("", TOPIC);
    const props = new sdk.MessageProperties();
    props.messageKey("order-42");
    props.putProperty("region", "eu-1");
    props.shardingKey("customer-7");
    const deliverAt = Date.now() + 60_000;
    props.startDeliverTime(deliverAt);
    const body = "héllo <relay> & ünïcode ✓";
    const res = await producer.publishMessage(body, "TagA", props);
    assert.equal(res.code, 201);
    // The SDK itself does not compare MessageBodyMD5; its contract is the body's MD5 upper-case hex.
    assert.equal(res.body.MessageBodyMD5, md5Hex(new TextEncoder().encode(body)).toUpperCase());
    assert.ok(typeof res.requestId === "string" && res.requestId.length === 32);

    const stored = cluster.broker("broker-a").messages(TOPIC);
    assert.equal(stored.length, 1);
    const m = stored[0];
    assert.equal(new TextDecoder().decode(m.body), body);
    assert.equal(m.properties.get("TAGS"), "TagA");
    assert.equal(m.properties.get("KEYS"), "order-42");
    assert.equal(m.properties.get("region"), "eu-1");
    assert.equal(m.properties.get("__SHARDINGKEY"), "customer-7");
    assert.equal(m.properties.get("TIMER_DELIVER_MS"), String(deliverAt));
    assert.equal(m.properties.get("UNIQ_KEY"), res.body.MessageId);
    assert.equal(m.properties.has("__STARTDELIVERTIME"), false);
  });
});

Deno.test("aliyun sdk: an instance id becomes the namespace", async () => {
  await withServedRoute([`${INSTANCE}%${TOPIC}`], async ({ url, cluster }) => {
    const client = new sdk.MQClient(url, AK, SK);
    const res = await client.getProducer(INSTANCE, TOPIC).publishMessage("in an instance");
    assert.equal(res.code, 201);
    const stored = cluster.broker("broker-a").messages(`${INSTANCE}%${TOPIC}`);
    assert.equal(stored.length, 1);
    assert.equal(stored[0].properties.has("TAGS"), false);
  });
});

Deno.test("aliyun sdk: a wrong secret is SignatureDoesNotMatch", async () => {
  await withServedRoute([TOPIC], async ({ url, cluster }) => {
    const client = new sdk.MQClient(url, AK, "not-the-secret");
    await assert.rejects(client.getProducer("", TOPIC).publishMessage("x"), {
      Code: "SignatureDoesNotMatch",
    });
    assert.equal(cluster.broker("broker-a").messages(TOPIC).length, 0);
  });
});

Deno.test("aliyun sdk: a transactional publish is InvalidArgument", async () => {
  await withServedRoute([TOPIC], async ({ url, cluster }) => {
    const client = new sdk.MQClient(url, AK, SK);
    const props = new sdk.MessageProperties();
    props.transCheckImmunityTime(10);
    const trans = client.getTransProducer("", TOPIC, "GID_test");
    await assert.rejects(trans.publishMessage("half", "", props), {
      Code: "InvalidArgument",
      message: /__TransCheckT/,
    });
    assert.equal(cluster.broker("broker-a").messages(TOPIC).length, 0);
  });
});

Deno.test("aliyun sdk: an unknown topic is TopicNotExist", async () => {
  await withServedRoute([TOPIC], async ({ url }) => {
    const client = new sdk.MQClient(url, AK, SK);
    await assert.rejects(client.getProducer("", "NoSuchTopic").publishMessage("x"), {
      Code: "TopicNotExist",
    });
  });
});

Deno.test("aliyun sdk: a host app's own refusal answered with aliyunErrorResponse is an SDK error", async () => {
  // A JSON 413 from a host middleware resolves in the Node SDK as { code: 413 }; the XML one rejects.
  const app = new Hono();
  app.use("/topics/*", async (c, next) => {
    if (Number(c.req.header("content-length")) > 100) {
      throw new RelayHttpError(413, "PAYLOAD_TOO_LARGE", "request body over 100 bytes");
    }
    await next();
  });
  app.onError((err, c) =>
    c.req.path.startsWith("/topics/")
      ? aliyunErrorResponse(err, c.req.raw)
      : c.json({ error: String(err) }, 500)
  );
  app.route(
    "/",
    aliyunRoutes({ keys: { [AK]: SK }, publish: () => Promise.reject(new Error("unreached")) }),
  );
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, app.fetch);
  try {
    const client = new sdk.MQClient(`http://127.0.0.1:${server.addr.port}`, AK, SK);
    await assert.rejects(client.getProducer("", TOPIC).publishMessage("x".repeat(200)), {
      Code: "EntityTooLarge",
      message: /over 100 bytes/,
    });
  } finally {
    await server.shutdown();
  }
});
