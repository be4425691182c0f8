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

const dec = new TextDecoder();

Deno.test("relay: base64 bodies arrive as bytes; a raw body takes X-RocketMQ-* headers", async () => {
  await withRelay(async ({ call, cluster }) => {
    const b64 = await call(
      "/v1/topics/RelayTopic/messages",
      json({
        body: btoa(String.fromCharCode(0, 1, 254, 255)),
        encoding: "base64",
      }),
    );
    assert.equal(b64.status, 200);
    await b64.body?.cancel();
    const raw = await call("/v1/topics/RelayTopic/messages", {
      method: "POST",
      headers: {
        "content-type": "application/octet-stream",
        "x-rocketmq-tags": "Webhook",
        "x-rocketmq-keys": "a, b",
        "x-rocketmq-property-origin": "github",
      },
      body: new Uint8Array([7, 8, 9]),
    });
    assert.equal(raw.status, 200);
    const r = await raw.json();
    const all = stored(cluster, "RelayTopic");
    assert.deepEqual([...all.find((m) => m.body.length === 4)!.body], [0, 1, 254, 255]);
    const m = all.find((m) => m.properties.get("UNIQ_KEY") === r.messageId)!;
    assert.deepEqual([...m.body], [7, 8, 9]);
    assert.equal(m.properties.get("TAGS"), "Webhook");
    assert.equal(m.properties.get("KEYS"), "a b");
    assert.equal(m.properties.get("origin"), "github");
  });
});

Deno.test("relay: an array answers 207 in request order; plain entries go out as batches", async () => {
  await withRelay(async ({ call, cluster }) => {
    const entries = Array.from({ length: 10 }, (_, i) => ({ id: `e${i}`, body: `m${i}` }));
    (entries[3] as Record<string, unknown>).body = ""; // invalid: fails on its own
    (entries[6] as Record<string, unknown>).colour = "red"; // unknown field
    const res = await call("/v1/topics/RelayTopic/messages", json(entries));
    assert.equal(res.status, 207);
    const body = await res.json();
    assert.deepEqual(body.successes.map((s: { id: string }) => s.id), [
      "e0",
      "e1",
      "e2",
      "e4",
      "e5",
      "e7",
      "e8",
      "e9",
    ]);
    assert.deepEqual(body.failures.map((f: { id: string }) => f.id), ["e3", "e6"]);
    assert.equal(body.failures[0].error_code, "VALIDATION");
    assert.match(body.failures[0].message, /\[3\]\.body/);
    assert.match(body.failures[1].message, /\[6\]\.colour/);
    const ids = new Set(body.successes.map((s: { messageId: string }) => s.messageId));
    assert.equal(ids.size, 8);
    const all = stored(cluster, "RelayTopic");
    assert.equal(all.length, 8);
    for (const m of all) assert.ok(ids.has(m.properties.get("UNIQ_KEY")));
    // one batch: every message in one queue with consecutive offsets
    const queues = new Set(
      body.successes.map((s: { queueId: number; brokerName: string }) => s.brokerName + s.queueId),
    );
    assert.equal(queues.size, 1);
    const offsets = body.successes.map((s: { queueOffset: number }) => s.queueOffset);
    assert.deepEqual(offsets, offsets.map((_: number, i: number) => offsets[0] + i));
  });
});

Deno.test("relay: arrays are split into batches under maxBatchBytes", async () => {
  await withRelay(async ({ call, cluster }) => {
    const entries = Array.from({ length: 12 }, (_, i) => ({ body: "x".repeat(200) + i }));
    const res = await call("/v1/topics/RelayTopic/messages", json(entries));
    assert.equal(res.status, 207);
    const body = await res.json();
    assert.equal(body.successes.length, 12);
    assert.deepEqual(body.successes.map((s: { id: number }) => s.id), [...entries.keys()]);
    const batches = new Set(
      body.successes.map((s: { brokerName: string; queueId: number; queueOffset: number }) =>
        `${s.brokerName}/${s.queueId}`
      ),
    );
    // 4 messages (about 300 estimated bytes each) fit in 1200 bytes: at least 3 batches
    assert.ok(batches.size >= 2, `batches spread over ${batches.size} queues`);
    assert.equal(stored(cluster, "RelayTopic").length, 12);
  }, { relay: { limits: { maxBatchBytes: 1200 } } });
});

Deno.test("relay: sharding keys pick the hash queue, deliverAt and delayLevel go one by one", async () => {
  await withRelay(async ({ call, cluster }) => {
    const res = await call(
      "/v1/topics/RelayTopic/messages",
      json([
        { body: "s1", shardingKey: "order-42" },
        { body: "s2", shardingKey: "order-42" },
        { body: "t1", deliverAt: 1767225600000 },
        { body: "d1", delayLevel: 2 },
      ]),
    );
    assert.equal(res.status, 207);
    const body = await res.json();
    assert.equal(body.successes.length, 4, JSON.stringify(body.failures));
    const [s1, s2] = body.successes;
    assert.equal(`${s1.brokerName}/${s1.queueId}`, `${s2.brokerName}/${s2.queueId}`);
    const all = stored(cluster, "RelayTopic");
    const byBody = (b: string) => all.find((m) => dec.decode(m.body) === b)!;
    assert.equal(byBody("s1").properties.get("__SHARDINGKEY"), "order-42");
    assert.equal(byBody("t1").properties.get("TIMER_DELIVER_MS"), "1767225600000");
    assert.equal(byBody("d1").properties.get("DELAY"), "2");
  });
});

Deno.test("relay: a sharding key through the publish function matches Java's queue choice", async () => {
  await withRelay(async ({ relay, cluster }) => {
    const r = await relay.publish("RelayTopic", { topic: "RelayTopic", body: "x" }, {
      shardingKey: "abc",
      namespace: "inst1",
    });
    // "abc".hashCode() = 96354; the route has 8 queues (4 on each broker): 96354 % 8 = 2
    assert.equal(r.queue.brokerName, "broker-a");
    assert.equal(r.queue.queueId, 2);
    assert.equal(cluster.broker("broker-a").messages("inst1%RelayTopic").length, 1);
  }, { topics: ["RelayTopic", "inst1%RelayTopic"] });
});

Deno.test("relay: ?async=true answers 202 at once and the message still arrives", async () => {
  await withRelay(async ({ call, cluster }) => {
    const res = await call(
      "/v1/topics/RelayTopic/messages?async=true",
      json([
        { body: "a1" },
        { body: "a2" },
      ]),
    );
    assert.equal(res.status, 202);
    assert.deepEqual(await res.json(), { accepted: 2, failures: [] });
    const end = Date.now() + 10_000;
    while (stored(cluster, "RelayTopic").length < 2 && Date.now() < end) {
      await new Promise((r) => setTimeout(r, 10));
    }
    assert.equal(stored(cluster, "RelayTopic").length, 2);
  });
});

Deno.test("relay: a failed batch fails each of its entries; the other entries still succeed", async () => {
  await withRelay(async ({ call, cluster }) => {
    const res = await call(
      "/v1/topics/RelayTopic/messages",
      json([
        { id: "p0", body: "a".repeat(1200) }, // p0 and p1 fit alone, not together:
        { id: "p1", body: "b".repeat(1200) }, // their batch is over the producer's maxMessageSize
        { id: "bad", body: "c", properties: { KEYS: "reserved" } }, // refused on its own
        { id: "s", body: "sharded", shardingKey: "k" }, // sent on its own
      ]),
    );
    assert.equal(res.status, 207);
    const body = await res.json();
    assert.deepEqual(body.successes.map((s: { id: string }) => s.id), ["s"]);
    assert.deepEqual(
      body.failures.map((f: { id: string; error_code: string }) => [f.id, f.error_code]),
      [["p0", "VALIDATION"], ["p1", "VALIDATION"], ["bad", "VALIDATION"]],
    );
    assert.equal(body.failures[0].message, body.failures[1].message); // the batch's one error
    assert.match(body.failures[2].message, /\[2\]\.properties\.KEYS/);
    assert.deepEqual(stored(cluster, "RelayTopic").map((m) => dec.decode(m.body)), ["sharded"]);
  }, { producer: { maxMessageSize: 2000 } });
});
