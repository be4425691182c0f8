// Issue 15, item 3: back-pressure on by default. Past maxInFlight / maxInFlightBytes a send waits
// for room within its own budget (TimeoutError naming the bound), or fails at once with a
// retriable SaturatedError under whenSaturated: "fail"; "producer.saturated" / "producer.drained".
import assert from "node:assert/strict";
import {
  AbortedError,
  createLogger,
  EventName,
  Producer,
  type ProducerOptions,
  SaturatedError,
  type SendResult,
  TimeoutError,
} from "../../mod.ts";
import { startCluster, type TestCluster } from "../../src/testing/mod.ts";

const silent = createLogger({ level: "silent" });
const SLACK_MS = 1200;
const m = { topic: "Orders", body: "x" };

async function withProducer(
  options: Partial<ProducerOptions>,
  fn: (p: Producer, c: TestCluster) => Promise<void>,
): Promise<void> {
  await using cluster = await startCluster({ brokers: 1, topics: [{ name: "Orders" }] });
  const producer = new Producer({
    nameServer: cluster.namesrvAddr,
    group: "backpressure",
    logger: silent,
    ...options,
  });
  await producer.start();
  try {
    await producer.send(m); // route cached: the sends below take the fast path
    await fn(producer, cluster);
  } finally {
    await producer.shutdown();
  }
}

async function timed(p: Promise<unknown>): Promise<{ error: unknown; ms: number }> {
  const begin = performance.now();
  const error = await p.then(() => undefined, (e) => e);
  return { error, ms: performance.now() - begin };
}

Deno.test("maxInFlight: sends past the bound wait for room; never more than the bound in flight", async () => {
  let inFlight = 0;
  let most = 0;
  const hooks = {
    sendMessageBefore(): void {
      most = Math.max(most, ++inFlight);
    },
    sendMessageAfter(): void {
      inFlight--;
    },
  };
  await withProducer({ maxInFlight: 3, hooks }, async (producer, cluster) => {
    cluster.broker("broker-a").setLatency(50);
    const events: string[] = [];
    producer.events.on(EventName.SATURATED, (e) => {
      assert.equal(e.detail.bound, "maxInFlight");
      assert.equal(e.detail.inFlight, 3);
      events.push("saturated");
    });
    producer.events.on(EventName.DRAINED, () => events.push("drained"));
    const results = await Promise.all(Array.from({ length: 12 }, () => producer.send(m)));
    assert.ok(results.every((r: SendResult) => r.status === "SEND_OK"));
    assert.ok(most <= 3, `${most} sends in flight`);
    assert.equal(most, 3);
    assert.deepEqual(events, ["saturated", "drained"]);
    assert.equal(cluster.broker("broker-a").messages("Orders").length, 13);
  });
});

Deno.test("a send waiting for room ends with its budget (TimeoutError naming the bound) or its signal", async () => {
  await withProducer({ maxInFlight: 2, shutdownTimeoutMs: 500 }, async (producer, cluster) => {
    cluster.broker("broker-a").blackhole(true);
    const stuck = [1, 2].map(() => producer.send(m, { timeoutMs: 60_000 }).catch((e) => e));
    const { error, ms } = await timed(producer.send(m, { timeoutMs: 300 }));
    assert.ok(error instanceof TimeoutError, String(error));
    assert.match(error.message, /maxInFlight: 2 sends/);
    assert.ok(ms < 300 + SLACK_MS, `settled after ${Math.round(ms)} ms`);
    // sendAsync and sendOneway wait the same way.
    const asyncError = await new Promise((resolve) =>
      producer.sendAsync(m, { onSuccess: resolve, onException: resolve }, { timeoutMs: 200 })
    );
    assert.ok(asyncError instanceof TimeoutError, String(asyncError));
    const oneway = await timed(producer.sendOneway(m, { timeoutMs: 200 }));
    assert.ok(oneway.error instanceof TimeoutError, String(oneway.error));
    // Abort while waiting: AbortedError at once, with the reason.
    const ac = new AbortController();
    const aborted = timed(producer.send(m, { signal: ac.signal }));
    ac.abort(new Error("enough"));
    const a = await aborted;
    assert.ok(a.error instanceof AbortedError, String(a.error));
    assert.equal((a.error.cause as Error).message, "enough");
    // Shutdown fails waiting and stuck sends alike; nothing is left unsettled.
    const waiting = producer.send(m).catch((e) => e);
    cluster.broker("broker-a").blackhole(false);
    await producer.shutdown();
    assert.ok((await waiting) instanceof Error);
    for (const s of await Promise.all(stuck)) assert.ok(s instanceof Error || s.status);
  });
});

Deno.test('whenSaturated: "fail" rejects at once with a retriable SaturatedError', async () => {
  await withProducer({ maxInFlight: 1, whenSaturated: "fail" }, async (producer, cluster) => {
    cluster.broker("broker-a").setLatency(100);
    const first = producer.send(m);
    const e = await producer.send(m).then(() => null, (e) => e);
    assert.ok(e instanceof SaturatedError, String(e));
    assert.equal(e.retriable, true);
    assert.equal(e.bound, "maxInFlight");
    assert.equal(e.limit, 1);
    assert.equal((await first).status, "SEND_OK");
    // Room again once the first settled.
    assert.equal((await producer.send(m)).status, "SEND_OK");
  });
});

Deno.test("maxInFlightBytes: bodies count; one message larger than the bound still goes alone", async () => {
  await withProducer(
    { maxInFlightBytes: 1000, compressOver: 1 << 20 },
    async (producer, cluster) => {
      cluster.broker("broker-a").setLatency(100);
      const big = producer.send({ topic: "Orders", body: "b".repeat(5000) });
      const next = await timed(producer.send({ topic: "Orders", body: "s".repeat(10) }, {
        timeoutMs: 50,
      }));
      assert.ok(next.error instanceof TimeoutError, String(next.error));
      assert.match(next.error.message, /maxInFlightBytes: 1000 bytes/);
      assert.equal((await big).status, "SEND_OK");
      const two = await Promise.all([
        producer.send({ topic: "Orders", body: "a".repeat(600) }),
        producer.send({ topic: "Orders", body: "c".repeat(600) }),
      ]);
      assert.ok(two.every((r) => r.status === "SEND_OK"));
    },
  );
});

Deno.test("options: maxInFlight, maxInFlightBytes and whenSaturated are validated", () => {
  for (
    const [o, field] of [
      [{ maxInFlight: 0 }, "options.maxInFlight"],
      [{ maxInFlightBytes: 1.5 }, "options.maxInFlightBytes"],
      [{ whenSaturated: "drop" }, "options.whenSaturated"],
    ] as const
  ) {
    assert.throws(
      () => new Producer({ nameServer: "127.0.0.1:9876", group: "g", ...o } as ProducerOptions),
      (e: Error & { field?: string }) => e.field === field,
    );
  }
});
