// Under Deno, Bun and Node 22: a throwing `producer.events` listener must not end the process
// (Node rethrows listener errors from process.nextTick; Bun and Deno report them as uncaught).
import { test } from "node:test";
import assert from "node:assert/strict";
import { createLogger, type LogEntry, Producer } from "../../mod.ts";
import { startCluster } from "../../src/testing/mod.ts";

test("events: a throwing listener is isolated, reported and logged", async () => {
  const cluster = await startCluster({ brokers: 1, topics: [{ name: "PortableIsolated" }] });
  const logs: LogEntry[] = [];
  const logger = createLogger({ level: "warn", sink: (e) => logs.push(e) });
  const producer = new Producer({ nameServer: cluster.namesrvAddr, group: "piso_group", logger });
  const reported: unknown[] = [];
  try {
    producer.events.addEventListener("producer.send", () => {
      throw new Error("metrics bug");
    });
    producer.events.addEventListener("producer.listener.error", (e) => {
      reported.push((e as CustomEvent<{ error: unknown }>).detail.error);
    });
    await producer.start();
    for (let i = 0; i < 3; i++) {
      const r = await producer.send({ topic: "PortableIsolated", body: `m${i}` });
      assert.equal(r.status, "SEND_OK");
    }
    // give a runtime that reports errors on a later tick the chance to do so
    await new Promise((r) => setTimeout(r, 20));
    assert.equal(reported.length, 3);
    assert.equal((reported[0] as Error).message, "metrics bug");
    assert.equal(logs.filter((e) => e.namespace === "rocketmq.producer").length, 3);
  } finally {
    await producer.shutdown();
    await cluster.close();
  }
});
