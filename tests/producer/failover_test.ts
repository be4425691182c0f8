import assert from "node:assert/strict";
import type { SendResult } from "../../src/producer/types.ts";
import { producerTest } from "./_helpers.ts";
import { BrokerError, SendFailedError, TimeoutError } from "../../src/errors.ts";

const TOPIC = "FailTopic";
const SEND_V2 = 310;

const withProducer = producerTest(TOPIC, "fail_group");

Deno.test("SYSTEM_ERROR on one broker: every send lands on the other, fault item set", async () => {
  await withProducer(async (p, c) => {
    const retries: unknown[] = [];
    p.events.addEventListener(
      "producer.send.retry",
      (e) => retries.push((e as CustomEvent).detail),
    );
    c.broker("broker-a").failNextSends(1000, 1, "system error");
    for (let i = 0; i < 10; i++) {
      const r = await p.send({ topic: TOPIC, body: `m${i}` });
      assert.equal(r.queue.brokerName, "broker-b");
    }
    assert.equal(c.broker("broker-b").messages(TOPIC).length, 10);
    assert.equal(c.broker("broker-a").messages(TOPIC).length, 0);
    const hitsOnA = c.broker("broker-a").requestCount(SEND_V2);
    assert.ok(hitsOnA >= 1);
    // Once isolated, broker-a is not tried again while the fault item lasts.
    assert.equal(hitsOnA, 1);
    assert.equal(retries.length, 1);
    const item = p.faultStrategy.latencyFaultTolerance.get("broker-a");
    assert.ok(item !== undefined);
    assert.equal(p.faultStrategy.latencyFaultTolerance.isAvailable("broker-a"), false);
    assert.equal(p.faultStrategy.latencyFaultTolerance.isAvailable("broker-b"), true);
  }, { sendLatencyFaultEnable: true });
});

Deno.test("retries avoid the last broker even without latency fault tolerance", async () => {
  await withProducer(async (p, c) => {
    c.broker("broker-a").failNextSends(1000, 14);
    for (let i = 0; i < 6; i++) {
      assert.equal((await p.send({ topic: TOPIC, body: "x" })).queue.brokerName, "broker-b");
    }
    assert.equal(p.faultStrategy.latencyFaultTolerance.size, 0);
  });
});

Deno.test("a stopped broker (connection refused) fails over to the other", async () => {
  await withProducer(async (p, c) => {
    await p.send({ topic: TOPIC, body: "warm" }); // routes cached with both brokers
    await c.broker("broker-a").stop({ keepRoute: true });
    for (let i = 0; i < 6; i++) {
      assert.equal((await p.send({ topic: TOPIC, body: "x" })).queue.brokerName, "broker-b");
    }
  });
});

Deno.test("dropped connections are reopened on the next send", async () => {
  await withProducer(async (p, c) => {
    await p.send({ topic: TOPIC, body: "one" });
    c.brokers.forEach((b) => b.dropConnections());
    for (let i = 0; i < 4; i++) {
      assert.equal((await p.send({ topic: TOPIC, body: "x" })).status, "SEND_OK");
    }
  });
});

Deno.test("every attempt failing: SendFailedError lists attempts, brokers, last code", async () => {
  await withProducer(async (p, c) => {
    c.brokers.forEach((b) => b.failNextSends(100, 1, "busy"));
    await assert.rejects(p.send({ topic: TOPIC, body: "x" }), (e: unknown) => {
      assert.ok(e instanceof SendFailedError);
      assert.equal(e.attempts.length, 3);
      assert.equal(e.lastResponseCode, 1);
      assert.equal(e.retriable, true);
      const tried = e.brokersTried;
      assert.notEqual(tried[0], tried[1]);
      assert.notEqual(tried[1], tried[2]);
      assert.ok(e.cause instanceof BrokerError);
      return true;
    });
  }, { retryTimesWhenSendFailed: 2 });
});

Deno.test("non-retriable broker code is thrown at once", async () => {
  await withProducer(async (p, c) => {
    c.brokers.forEach((b) => b.failNextSends(1, 13, "illegal"));
    await assert.rejects(p.send({ topic: TOPIC, body: "x" }), (e: unknown) => {
      assert.ok(e instanceof BrokerError);
      assert.equal(e.responseCode, 13);
      assert.equal(e.remark, "illegal");
      return true;
    });
    const total = c.brokers.reduce((n, b) => n + b.requestCount(SEND_V2), 0);
    assert.equal(total, 1);
  });
});

Deno.test("not-OK status: returned as is, retried elsewhere with retryAnotherBrokerWhenNotStoreOK", async () => {
  await withProducer(async (p, c) => {
    c.brokers.forEach((b) => b.failNextSends(1, 10));
    const r = await p.send({ topic: TOPIC, body: "x" });
    assert.equal(r.status, "FLUSH_DISK_TIMEOUT");
  });
  await withProducer(async (p, c) => {
    c.brokers.forEach((b) => b.failNextSends(1, 11));
    const r = await p.send({ topic: TOPIC, body: "x" });
    assert.equal(r.status, "SEND_OK");
    // code 11 still stores: the first two attempts stored too, on different brokers.
    const stored = c.brokers.reduce((n, b) => n + b.messages(TOPIC).length, 0);
    assert.equal(stored, 3);
  }, { retryAnotherBrokerWhenNotStoreOK: true });
});

Deno.test("timeout budget is shared: a blackholed cluster gives TimeoutError within the budget", async () => {
  await withProducer(async (p, c) => {
    await p.send({ topic: TOPIC, body: "warm" });
    c.brokers.forEach((b) => b.blackhole(true));
    await assert.rejects(p.send({ topic: TOPIC, body: "x" }, { timeoutMs: 150 }), (e: unknown) => {
      assert.ok(e instanceof TimeoutError, String(e));
      assert.equal(e.timeoutMs, 150);
      assert.ok(e.cause instanceof SendFailedError);
      assert.equal(e.cause.attempts.length, 1);
      return true;
    });
    c.brokers.forEach((b) => b.blackhole(false));
  });
});

Deno.test("blackholed broker is avoided afterwards with latency fault tolerance", async () => {
  await withProducer(async (p, c) => {
    await p.send({ topic: TOPIC, body: "warm" });
    c.broker("broker-a").blackhole(true);
    let timeouts = 0;
    for (let i = 0; i < 6; i++) {
      try {
        const r = await p.send({ topic: TOPIC, body: "x" }, { timeoutMs: 300 });
        assert.equal(r.queue.brokerName, "broker-b");
      } catch (e) {
        assert.ok(e instanceof TimeoutError);
        timeouts++;
      }
    }
    assert.ok(timeouts <= 1);
    assert.equal(p.faultStrategy.latencyFaultTolerance.isAvailable("broker-a"), timeouts === 0);
    c.broker("broker-a").blackhole(false);
  }, { sendLatencyFaultEnable: true });
});

Deno.test("sendAsync retries transport failures only", async () => {
  await withProducer(async (p, c) => {
    c.brokers.forEach((b) => b.failNextSends(1, 1));
    const e = await new Promise<Error>((resolve, reject) =>
      p.sendAsync({ topic: TOPIC, body: "x" }, {
        onSuccess: (r: SendResult) => reject(new Error(`unexpected ${r.status}`)),
        onException: resolve,
      })
    );
    assert.ok(e instanceof BrokerError);
    assert.equal(c.brokers.reduce((n, b) => n + b.requestCount(SEND_V2), 0), 1);
  });
});

Deno.test("sendAsync retries a refused connection on the other broker", async () => {
  await withProducer(async (p, c) => {
    await p.send({ topic: TOPIC, body: "warm" });
    await c.broker("broker-a").stop({ keepRoute: true });
    for (let i = 0; i < 4; i++) {
      const r = await new Promise<SendResult>((resolve, reject) =>
        p.sendAsync({ topic: TOPIC, body: "x" }, { onSuccess: resolve, onException: reject })
      );
      assert.equal(r.queue.brokerName, "broker-b");
    }
  });
});

Deno.test("connections dropped while a send is in flight: retried on the other broker", async () => {
  await withProducer(async (p, c) => {
    await p.send({ topic: TOPIC, body: "warm" });
    c.brokers.forEach((b) => b.setLatency(300));
    const received = (): number => c.brokers.reduce((n, b) => n + b.requestCount(SEND_V2), 0);
    const before = received();
    const results = Promise.all(
      Array.from({ length: 8 }, () => p.send({ topic: TOPIC, body: "x" })),
    );
    // Drop while every request is held by the brokers' latency.
    while (received() < before + 8) await new Promise((r) => setTimeout(r, 5));
    c.broker("broker-a").dropConnections();
    c.broker("broker-a").blackhole(true); // a retry back on broker-a would not be answered
    const rs = await results;
    for (const r of rs) assert.equal(r.status, "SEND_OK");
    c.broker("broker-a").blackhole(false);
    c.brokers.forEach((b) => b.setLatency(0));
  });
});

Deno.test("one-way send to a dead broker: one attempt, SendFailedError", async () => {
  await withProducer(async (p, c) => {
    await p.send({ topic: TOPIC, body: "warm" });
    await Promise.all(c.brokers.map((b) => b.stop({ keepRoute: true })));
    await assert.rejects(p.sendOneway({ topic: TOPIC, body: "x" }), (e: unknown) => {
      assert.ok(e instanceof SendFailedError);
      assert.equal(e.attempts.length, 1);
      return true;
    });
  });
});

Deno.test("custom latency tables reach the fault strategy", async () => {
  await withProducer(async (p) => {
    // Every answer, however fast, isolates its broker for a minute: sends alternate brokers.
    const first = await p.send({ topic: TOPIC, body: "1" });
    const second = await p.send({ topic: TOPIC, body: "2" });
    assert.notEqual(first.queue.brokerName, second.queue.brokerName);
    const lft = p.faultStrategy.latencyFaultTolerance;
    assert.equal(lft.isAvailable("broker-a"), false);
    assert.equal(lft.isAvailable("broker-b"), false);
    assert.deepEqual(p.faultStrategy.notAvailableDuration, [60_000]);
  }, { sendLatencyFaultEnable: true, latencyMax: [0], notAvailableDuration: [60_000] });
});
