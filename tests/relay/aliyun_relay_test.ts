/**
 * The npm SDK `@aliyunmq/mq-http-sdk`, unchanged, publishing through `createRelay` with
 * `aliyunKeys` (the relay's admission control, metrics and body limit in front of the route).
 */

import assert from "node:assert/strict";
import { stored, withRelay } from "./_helpers.ts";
import { requirePeer } from "../../scripts/_peers.ts";

interface SdkProps {
  messageKey(key: string): void;
  putProperty(k: string, v: string): void;
}
interface SdkProducer {
  publishMessage(
    body: string,
    tag?: string,
    props?: SdkProps,
  ): Promise<{ code: number; body: { MessageId: string } }>;
}
// The SDK comes from tests/peers (scripts/_peers.ts says why).
const sdk = requirePeer<{
  MQClient: new (endpoint: string, ak: string, sk: string) => {
    getProducer(instanceId: string, topic: string): SdkProducer;
  };
  MessageProperties: new () => SdkProps;
}>("tests/peers", "@aliyunmq/mq-http-sdk");

Deno.test("relay + aliyun: the npm SDK publishes through the relay; metrics count it", async () => {
  await withRelay(async ({ server, cluster, call }) => {
    const client = new sdk.MQClient(server.url, "AK1", "SK1");
    const props = new sdk.MessageProperties();
    props.messageKey("order-7");
    props.putProperty("region", "eu-1");
    const res = await client.getProducer("", "RelayTopic").publishMessage("via sdk", "TagS", props);
    assert.equal(res.code, 201);
    const m = stored(cluster, "RelayTopic").find((s) =>
      s.properties.get("UNIQ_KEY") === res.body.MessageId
    )!;
    assert.equal(new TextDecoder().decode(m.body), "via sdk");
    assert.equal(m.properties.get("TAGS"), "TagS");
    assert.equal(m.properties.get("KEYS"), "order-7");
    assert.equal(m.properties.get("region"), "eu-1");
    const metrics = await (await call("/metrics")).text();
    assert.match(metrics, /relay_messages_total\{route="aliyun",status="200"\} 1/);

    const wrong = new sdk.MQClient(server.url, "AK1", "nope");
    await assert.rejects(wrong.getProducer("", "RelayTopic").publishMessage("x"), {
      Code: "SignatureDoesNotMatch",
    });
    // the native API's bearer auth does not apply to the Aliyun route, and vice versa
    const native = await call("/v1/topics/RelayTopic/messages", {
      method: "POST",
      body: "x",
    });
    assert.equal(native.status, 401);
    await native.body?.cancel();
  }, { relay: { aliyunKeys: { AK1: "SK1" }, auth: { tokens: ["t"] } } });
});

Deno.test("relay + aliyun: the relay's body limit applies to the Aliyun route", async () => {
  await withRelay(async ({ call }) => {
    const big = new ReadableStream<Uint8Array>({
      start(c) {
        for (let i = 0; i < 4; i++) c.enqueue(new Uint8Array(1024));
        c.close();
      },
    });
    const res = await call("/topics/RelayTopic/messages", {
      method: "POST",
      headers: { "content-type": "text/xml;charset=utf-8" },
      body: big,
      duplex: "half",
    } as RequestInit);
    assert.equal(res.status, 413);
    // in the SDKs' XML form: they recognise no other error
    assert.match(res.headers.get("content-type")!, /xml/);
    assert.match(await res.text(), /<Code>EntityTooLarge<\/Code>/);
  }, { relay: { aliyunKeys: { AK1: "SK1" }, limits: { maxRequestBytes: 2048 } } });
});
