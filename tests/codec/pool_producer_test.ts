import assert from "node:assert/strict";
import { inflateSync } from "node:zlib";
import { Producer } from "../../src/producer/producer.ts";
import type { Message } from "../../src/producer/types.ts";
import { startCluster, type TestCluster } from "../../src/testing/mod.ts";
import type { StoredMessage } from "../../src/testing/store.ts";
import { sharedDefaultCodec } from "../../src/client/_codec.ts";
import {
  createInlineCodec,
  createPooledCodec,
  DEFAULT_OFFLOAD_THRESHOLD,
  type MessageCodec,
} from "../../src/codec/message-codec.ts";

const TOPIC = "PoolProducerTopic";
const enc = new TextEncoder();

/** A compressible body of exactly `size` bytes. */
function textBody(size: number, seed = "pooled producer payload "): Uint8Array {
  return enc.encode(seed.repeat(Math.ceil(size / seed.length)).slice(0, size));
}

/** Everything but `UNIQ_KEY` (a fresh id per send). */
function withoutUniqKey(m: Map<string, string>): Record<string, string> {
  return Object.fromEntries([...m].filter(([k]) => k !== "UNIQ_KEY"));
}

Deno.test("default codec: a large body goes to the shared pool, shutdown closes it", async () => {
  const cluster = await startCluster({ brokers: 1, topics: [{ name: TOPIC }] });
  const p = new Producer({ nameServer: cluster.namesrvAddr, group: "pool_default_group" });
  try {
    await p.start();
    const codec = sharedDefaultCodec();
    assert.ok(codec, "the producer holds a handle on the shared default codec");
    // Small bodies (compressed, but below the offload threshold) never reach the pool: measured as
    // deltas so it holds whether or not an earlier test of this process started workers.
    const spawnedBefore = codec.pool?.spawned ?? 0;
    const small = textBody(8 * 1024);
    assert.ok(small.length < codec.offloadThreshold && small.length >= 4096);
    await p.send({ topic: TOPIC, body: small });
    assert.equal(codec.pool?.spawned ?? 0, spawnedBefore, "no worker for a small body");

    const big = textBody(DEFAULT_OFFLOAD_THRESHOLD * 2);
    const r = await p.send({ topic: TOPIC, body: big });
    assert.equal(r.status, "SEND_OK");
    const pool = codec.pool;
    assert.ok(pool, "the pool started for a body above the threshold");
    assert.ok(pool.unavailable === undefined, "workers can start in this runtime");
    assert.ok(pool.spawned > spawnedBefore, "a worker was spawned for the large body");
    assert.ok(pool.size >= 1);

    const stored = cluster.brokers[0].messages(TOPIC).find((m) =>
      m.properties.get("UNIQ_KEY") === r.msgId
    );
    assert.ok(stored, "the broker stored the large message");
    assert.equal(stored.sysFlag & 0x1, 0x1, "stored compressed");
    assert.ok(stored.body.length < big.length);
    assert.deepEqual(new Uint8Array(inflateSync(stored.body)), big);

    await p.shutdown();
    assert.equal(sharedDefaultCodec(), undefined, "the last handle released the shared codec");
    assert.equal(pool.closed, true, "shutdown closed the pool");
    assert.equal(pool.size, 0, "no worker running after shutdown");
  } finally {
    await p.shutdown();
    await cluster.close();
  }
});

interface Captured {
  single: StoredMessage;
  batch: StoredMessage[];
  batchMsgId: string;
}

/** Send one large single message and one batch through a producer using `codec`. */
async function sendThrough(
  cluster: TestCluster,
  codec: MessageCodec,
  group: string,
  single: Message,
  batch: Message[],
): Promise<Captured> {
  const p = new Producer({ nameServer: cluster.namesrvAddr, group, codec });
  try {
    await p.start();
    const queue = { topic: TOPIC, brokerName: "broker-a", queueId: 1 };
    const r = await p.send(single, { queue });
    const rb = await p.sendBatch(batch, { queue });
    const stored = cluster.brokers[0].messages(TOPIC);
    const one = stored.find((m) => m.properties.get("UNIQ_KEY") === r.msgId);
    assert.ok(one);
    const ids = rb.msgId.split(",");
    const many = ids.map((id) => stored.find((m) => m.properties.get("UNIQ_KEY") === id));
    assert.ok(many.every((m) => m !== undefined));
    return { single: one, batch: many as StoredMessage[], batchMsgId: rb.msgId };
  } finally {
    await p.shutdown();
  }
}

/** What the broker received, with the born timestamp, UNIQ_KEY and offsets masked. */
function comparable(m: StoredMessage): Record<string, unknown> {
  return {
    topic: m.topic,
    queueId: m.queueId,
    body: m.body,
    sysFlag: m.sysFlag,
    flag: m.flag,
    sentProperties: withoutUniqKey(m.sentProperties),
    producerGroup: m.producerGroup.replace(/_(inline|pooled)$/, ""),
    reconsumeTimes: m.reconsumeTimes,
    batch: m.batch,
    requestCode: m.requestCode,
  };
}

Deno.test("inline and pooled codecs: the broker receives the same messages", async () => {
  const cluster = await startCluster({ brokers: 1, topics: [{ name: TOPIC }] });
  const single: Message = {
    topic: TOPIC,
    body: textBody(DEFAULT_OFFLOAD_THRESHOLD + 1000),
    tags: "TagA",
    keys: ["k1", "k2"],
    flag: 7,
    properties: { region: "eu" },
  };
  // The batch goes through the pool too (batchOffloadThreshold 0); ~100 KiB in total.
  const batch: Message[] = [0, 1, 2].map((i) => ({
    topic: TOPIC,
    body: textBody(DEFAULT_OFFLOAD_THRESHOLD + i, `batch entry ${i} `),
    tags: `T${i}`,
    flag: i,
  }));
  const pooled = createPooledCodec({ batchOffloadThreshold: 0 });
  try {
    const a = await sendThrough(cluster, createInlineCodec(), "codec_cmp_inline", single, batch);
    const b = await sendThrough(cluster, pooled, "codec_cmp_pooled", single, batch);
    assert.ok(pooled.pool && pooled.pool.spawned >= 1, "the pooled producer used workers");
    assert.equal(pooled.pool.unavailable, undefined);

    assert.equal(a.single.sysFlag & 0x1, 0x1, "the single message was compressed");
    assert.deepEqual(comparable(b.single), comparable(a.single));
    assert.notEqual(b.single.properties.get("UNIQ_KEY"), a.single.properties.get("UNIQ_KEY"));

    assert.equal(a.batch.length, 3);
    assert.equal(b.batch.length, 3);
    for (let i = 0; i < 3; i++) {
      assert.equal(a.batch[i].batch, true);
      assert.deepEqual(comparable(b.batch[i]), comparable(a.batch[i]), `batch entry ${i}`);
    }
    assert.notEqual(a.batchMsgId, b.batchMsgId);
  } finally {
    await pooled.close();
    await cluster.close();
  }
});
