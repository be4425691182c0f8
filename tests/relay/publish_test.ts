import assert from "node:assert/strict";
import { json, stored, withRelay } from "./_helpers.ts";

Deno.test("relay: one JSON message arrives with body, tags, keys and properties", async () => {
  await withRelay(async ({ call, cluster }) => {
    const res = await call(
      "/v1/topics/RelayTopic/messages",
      json({
        body: "hello",
        tags: "TagA",
        keys: ["k1", "k2"],
        properties: { source: "web" },
      }),
    );
    assert.equal(res.status, 200);
    assert.ok(res.headers.get("x-request-id"));
    const body = await res.json();
    assert.equal(body.status, "SEND_OK");
    assert.match(body.messageId, /^[0-9A-F]{32}$/);
    assert.match(body.offsetMessageId, /^[0-9A-F]{32}$/);
    assert.ok(body.brokerName === "broker-a" || body.brokerName === "broker-b");
    assert.equal(typeof body.queueId, "number");
    assert.equal(typeof body.queueOffset, "number");
    const [m] = stored(cluster, "RelayTopic");
    assert.equal(new TextDecoder().decode(m.body), "hello");
    assert.equal(m.properties.get("TAGS"), "TagA");
    assert.equal(m.properties.get("KEYS"), "k1 k2");
    assert.equal(m.properties.get("source"), "web");
    assert.equal(m.properties.get("UNIQ_KEY"), body.messageId);
  });
});
