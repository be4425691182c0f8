// A throwing (or rejecting) `producer.events` listener never takes down the process or a send:
// without the isolation, Deno reports the listener's error as uncaught and this test fails.
import assert from "node:assert/strict";
import { createLogger, type LogEntry, Producer } from "../../mod.ts";
import { startCluster } from "../../src/testing/mod.ts";
import { ProducerEvents } from "../../src/producer/events.ts";

Deno.test("a throwing producer.send listener is isolated, reported as an event and logged", async () => {
  const cluster = await startCluster({ brokers: 1, topics: [{ name: "IsolatedTopic" }] });
  const logs: LogEntry[] = [];
  const logger = createLogger({ level: "warn", sink: (e) => logs.push(e) });
  const producer = new Producer({ nameServer: cluster.namesrvAddr, group: "iso_group", logger });
  const reported: { type: string; error: unknown }[] = [];
  try {
    producer.events.addEventListener("producer.send", () => {
      throw new Error("metrics bug");
    });
    producer.events.addEventListener("producer.send", async () => {
      await Promise.resolve();
      throw new Error("async metrics bug");
    });
    producer.events.addEventListener("producer.listener.error", (e) => {
      reported.push((e as CustomEvent<{ type: string; error: unknown }>).detail);
      throw new Error("the error listener is broken too"); // logged only, never re-dispatched
    });
    await producer.start();
    const r = await producer.send({ topic: "IsolatedTopic", body: "hello" });
    assert.equal(r.status, "SEND_OK");
    // a second send still works and the listeners still run
    await producer.send({ topic: "IsolatedTopic", body: "again" });
    for (let i = 0; i < 20 && reported.length < 4; i++) await new Promise((r) => setTimeout(r, 5));
    assert.equal(reported.length, 4);
    assert.deepEqual(
      reported.map((d) => [d.type, (d.error as Error).message]).sort(),
      [
        ["producer.send", "async metrics bug"],
        ["producer.send", "async metrics bug"],
        ["producer.send", "metrics bug"],
        ["producer.send", "metrics bug"],
      ],
    );
    const listenerLogs = logs.filter((e) => e.namespace === "rocketmq.producer");
    assert.equal(listenerLogs.length, 8); // 4 listener errors + 4 failures of the error listener
    assert.ok(listenerLogs.every((e) => e.level === "error"));
    assert.equal(
      listenerLogs.filter((e) => e.fields?.event === "producer.listener.error").length,
      4,
    );
  } finally {
    await producer.shutdown();
    await cluster.close();
  }
});

Deno.test("ProducerEvents keeps EventTarget semantics: dedup, remove, handleEvent, has()", () => {
  const events = new ProducerEvents(createLogger({ level: "silent" }));
  const seen: string[] = [];
  const fn = (e: Event): void => void seen.push(`fn:${e.type}`);
  const obj = { handleEvent: (e: Event): void => void seen.push(`obj:${e.type}`) };
  events.addEventListener("producer.send", fn);
  events.addEventListener("producer.send", fn); // deduplicated, as EventTarget does
  events.addEventListener("producer.send", obj);
  assert.equal(events.has("producer.send"), true);
  events.emit("producer.callback.error", { error: 1 });
  events.emit("producer.send", { result: undefined, latencyMs: 1, mode: "ONEWAY" });
  assert.deepEqual(seen, ["fn:producer.send", "obj:producer.send"]);
  events.removeEventListener("producer.send", fn);
  events.emit("producer.callback.error", { error: 2 });
  events.emit("producer.send", { result: undefined, latencyMs: 2, mode: "ONEWAY" });
  assert.deepEqual(seen, ["fn:producer.send", "obj:producer.send", "obj:producer.send"]);
  events.removeEventListener("producer.send", obj);
  assert.equal(events.has("producer.send"), false);
  events.emit("producer.callback.error", { error: 3 });
  events.emit("producer.send", { result: undefined, latencyMs: 3, mode: "ONEWAY" });
  assert.equal(seen.length, 3);
});
