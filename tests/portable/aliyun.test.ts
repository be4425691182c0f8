// The Aliyun-compatible route under Deno, Bun and Node 22: the unchanged npm SDK
// (@aliyunmq/mq-http-sdk) publishes through it into the embedded cluster, so WebCrypto HMAC-SHA1,
// @noble/hashes MD5 and fast-xml-parser are exercised on every runtime. The route is served with
// node:http (present in all three) through a small fetch adapter written here, because the relay's
// per-runtime serve helpers live on another branch.
import { test } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { Hono } from "hono";
import { Producer } from "../../mod.ts";
import { aliyunRoutes } from "../../src/relay/aliyun/mod.ts";
import { startCluster } from "../../src/testing/mod.ts";
import { requirePeer } from "../../scripts/_peers.ts";

interface SdkProps {
  messageKey(key: string): void;
  putProperty(k: string, v: string): void;
}
interface SdkClient {
  getProducer(instanceId: string, topic: string): {
    publishMessage(body: string, tag?: string, props?: SdkProps): Promise<{
      code: number;
      body: { MessageId: string; MessageBodyMD5: string };
    }>;
  };
}
// The SDK comes from tests/peers (scripts/_peers.ts says why).
const sdk = requirePeer<{
  MQClient: new (endpoint: string, ak: string, sk: string) => SdkClient;
  MessageProperties: new () => SdkProps;
}>("tests/peers", "@aliyunmq/mq-http-sdk");

function fetchListener(
  fetchFn: (req: Request) => Response | Promise<Response>,
): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    const chunks: Uint8Array[] = [];
    req.on("data", (c: Uint8Array) => chunks.push(c));
    req.on("end", async () => {
      const headers = new Headers();
      for (const [k, v] of Object.entries(req.headers)) {
        for (const value of Array.isArray(v) ? v : v === undefined ? [] : [v]) {
          headers.append(k, value);
        }
      }
      const hasBody = req.method !== "GET" && req.method !== "HEAD";
      const request = new Request(`http://${req.headers.host}${req.url}`, {
        method: req.method,
        headers,
        body: hasBody ? new Uint8Array(Buffer.concat(chunks)) : undefined,
      });
      const response = await fetchFn(request);
      res.writeHead(response.status, Object.fromEntries(response.headers));
      res.end(new Uint8Array(await response.arrayBuffer()));
    });
  };
}

test("aliyun route: the npm MQ HTTP SDK publishes through it on this runtime", async () => {
  const topic = "PortableAliyunTopic";
  const cluster = await startCluster({ brokers: 1, topics: [{ name: topic }] });
  const producer = new Producer({ nameServer: cluster.namesrvAddr, group: "portable_aliyun" });
  const app = new Hono();
  app.route(
    "/",
    aliyunRoutes({
      keys: { AK: "SK" },
      publish: (t, message) => producer.send({ ...message, topic: t }),
    }),
  );
  const server = createServer(fetchListener(app.fetch));
  try {
    await producer.start();
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

    const props = new sdk.MessageProperties();
    props.messageKey("k-1");
    props.putProperty("origin", "portable");
    const body = "portable ✓ <x> & y";
    const res = await new sdk.MQClient(url, "AK", "SK").getProducer("", topic)
      .publishMessage(body, "TagP", props);
    assert.equal(res.code, 201);
    assert.equal(
      res.body.MessageBodyMD5,
      createHash("md5").update(body).digest("hex").toUpperCase(),
    );
    const stored = cluster.broker("broker-a").messages(topic);
    assert.equal(stored.length, 1);
    assert.equal(new TextDecoder().decode(stored[0].body), body);
    assert.equal(stored[0].properties.get("TAGS"), "TagP");
    assert.equal(stored[0].properties.get("KEYS"), "k-1");
    assert.equal(stored[0].properties.get("origin"), "portable");
    assert.equal(stored[0].properties.get("UNIQ_KEY"), res.body.MessageId);

    await assert.rejects(
      new sdk.MQClient(url, "AK", "wrong").getProducer("", topic).publishMessage("x"),
      { Code: "SignatureDoesNotMatch" },
    );
    assert.equal(cluster.broker("broker-a").messages(topic).length, 1);
  } finally {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await producer.shutdown();
    await cluster.close();
  }
});
