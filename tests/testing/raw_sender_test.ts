/**
 * The raw pipelining sender of the benchmarks (bench/_raw_sender.ts) against the embedded cluster:
 * every frame acknowledged, opaques patched correctly (each stored once), both header types.
 */

import assert from "node:assert/strict";
import { runRawSender } from "../../bench/_raw_sender.ts";
import { startCluster } from "../../src/testing/mod.ts";

Deno.test("runRawSender: every pipelined frame is acknowledged and stored", async () => {
  const c = await startCluster({ brokers: 1, topics: [{ name: "RawBench" }] });
  try {
    const broker = c.broker("broker-a");
    for (const serializeType of ["json", "binary"] as const) {
      const r = await runRawSender({
        address: broker.address,
        frames: 3000,
        window: 64,
        connections: 2,
        bodySize: 100,
        topic: "RawBench",
        serializeType,
      });
      assert.equal(r.acked, 3000);
      assert.equal(r.errors, 0);
      assert.ok(r.msgsPerSec > 0);
      assert.ok(r.p99Ms >= r.p50Ms);
    }
    const msgs = broker.messages("RawBench");
    assert.equal(msgs.length, 6000);
    assert.ok(msgs.every((m) => m.body.length === 100));
    // Connection i sends to queue i % 4: two connections, two queues.
    assert.deepEqual([...new Set(msgs.map((m) => m.queueId))].sort(), [0, 1]);
    const errors = await runRawSender({ address: broker.address, frames: 10, topic: "bad topic" });
    assert.equal(errors.errors, 10);
  } finally {
    await c.close();
  }
});
