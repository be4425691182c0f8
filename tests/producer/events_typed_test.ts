// Typed events: `on(name, fn)` gives a typed detail and returns an unsubscribe function; the
// `@ts-expect-error` lines below make `deno check` (which `deno test` runs) fail if a misspelled
// event name or a wrong detail field ever compiles again.
import assert from "node:assert/strict";
import {
  createLogger,
  EventName,
  Producer,
  type ProducerEventMap,
  type ProducerEventName,
  ProducerEvents,
} from "../../mod.ts";
import { startCluster } from "../../src/testing/mod.ts";

// Every event of the map has a constant, and every constant is an event of the map.
type Constants = (typeof EventName)[keyof typeof EventName];
const everyNameHasAConstant: [Exclude<ProducerEventName, Constants>] extends [never] ? true
  : false = true;
const everyConstantIsAName: [Exclude<Constants, ProducerEventName>] extends [never] ? true
  : false = true;

Deno.test("typed events: misspelled names and wrong details do not compile", () => {
  assert.ok(everyNameHasAConstant && everyConstantIsAName);
  const events = new ProducerEvents(createLogger({ level: "silent" }));
  // @ts-expect-error: misspelled event name
  events.on("producer.sent", () => {});
  // @ts-expect-error: misspelled event name
  events.emit("client.route.change", {});
  events.on(EventName.SEND, (e) => {
    const latency: number = e.detail.latencyMs; // typed detail, no cast
    // @ts-expect-error: "producer.send" has no `topic`
    void e.detail.topic;
    void latency;
  });
  events.on("client.heartbeat", (e) => {
    const ok: boolean = e.detail.ok;
    void ok;
  });
  // @ts-expect-error: wrong detail for "producer.send.failed"
  events.emit("producer.send.failed", { mode: "SYNC" });
  // addEventListener keeps working with any string, as EventTarget does
  events.addEventListener("custom.user.event", () => {});
  assert.equal(events.has("custom.user.event"), true);
});

Deno.test("on(): typed detail over the embedded cluster, unsubscribe, once", async () => {
  await using cluster = await startCluster({ brokers: 1, topics: [{ name: "TypedEvents" }] });
  const producer = new Producer({
    nameServer: cluster.namesrvAddr,
    group: "typed_events",
    logger: createLogger({ level: "silent" }),
  });
  const sends: string[] = [];
  const routes: string[] = [];
  let onceCount = 0;
  const off = producer.events.on(EventName.SEND, (e) => {
    sends.push(`${e.detail.mode}:${e.detail.result?.queue.topic}`);
  });
  producer.events.on(EventName.ROUTE_CHANGED, (e) => {
    routes.push(`${e.detail.topic}:${e.detail.route.brokerDatas.length}`);
  });
  producer.events.on(EventName.SEND, () => void onceCount++, { once: true });
  try {
    await producer.start();
    await producer.send({ topic: "TypedEvents", body: "1" });
    await producer.sendOneway({ topic: "TypedEvents", body: "2" });
    off();
    await producer.send({ topic: "TypedEvents", body: "3" });
    assert.deepEqual(sends, ["SYNC:TypedEvents", "ONEWAY:undefined"]);
    assert.ok(routes.includes("TypedEvents:1"), routes.join());
    assert.equal(onceCount, 1);
  } finally {
    await producer.shutdown();
  }
});

/** The detail type of one event, as a user would name it. */
type SendDetail = ProducerEventMap["producer.send"];
const _sendDetailHasMode: SendDetail["mode"] = "ASYNC";
void _sendDetailHasMode;
