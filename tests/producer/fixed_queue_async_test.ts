import assert from "node:assert/strict";
import { Producer } from "../../src/producer/producer.ts";
import type { SendResult } from "../../src/producer/types.ts";
import { startCluster } from "../../src/testing/mod.ts";
import { ConnectionError, SendFailedError } from "../../src/errors.ts";

const TOPIC = "FixedAsyncTopic";
const SEND_V2 = 310;

async function waitFor(check: () => boolean): Promise<void> {
  for (let i = 0; i < 500 && !check(); i++) await new Promise((r) => setTimeout(r, 5));
  assert.ok(check(), "condition not reached");
}

Deno.test("sendAsync to an explicit queue retries a dropped connection on the same broker (Java onExceptionImpl)", async () => {
  const cluster = await startCluster({ brokers: 2, topics: [{ name: TOPIC }] });
  const producer = new Producer({ nameServer: cluster.namesrvAddr, group: "fixed_async" });
  try {
    await producer.start();
    await producer.send({ topic: TOPIC, body: "warm" });
    const a = cluster.broker("broker-a");
    const before = a.requestCount(SEND_V2);
    a.setLatency(10_000);
    const queue = { topic: TOPIC, brokerName: "broker-a", queueId: 1 };
    const done = new Promise<SendResult>((resolve, reject) =>
      producer.sendAsync({ topic: TOPIC, body: "fixed" }, {
        onSuccess: resolve,
        onException: reject,
      }, { queue })
    );
    await waitFor(() => a.requestCount(SEND_V2) > before);
    a.setLatency(0);
    a.dropConnections();
    const r = await done;
    assert.equal(r.queue.brokerName, "broker-a");
    assert.equal(r.queue.queueId, 1);
    assert.ok(a.requestCount(SEND_V2) >= before + 2, "the retry went to the same broker");
  } finally {
    await producer.shutdown();
    await cluster.close();
  }
});

Deno.test("an awaited send to an explicit queue makes one attempt (Java send(msg, mq))", async () => {
  const cluster = await startCluster({ brokers: 2, topics: [{ name: TOPIC }] });
  const producer = new Producer({ nameServer: cluster.namesrvAddr, group: "fixed_sync" });
  try {
    await producer.start();
    await producer.send({ topic: TOPIC, body: "warm" });
    const a = cluster.broker("broker-a");
    const before = a.requestCount(SEND_V2);
    a.setLatency(10_000);
    const queue = { topic: TOPIC, brokerName: "broker-a", queueId: 1 };
    const done = producer.send({ topic: TOPIC, body: "fixed" }, { queue }).then(
      () => undefined,
      (e: unknown) => e,
    );
    await waitFor(() => a.requestCount(SEND_V2) > before);
    a.setLatency(0);
    a.dropConnections();
    const e = await done;
    assert.ok(e instanceof ConnectionError || e instanceof SendFailedError, String(e));
    assert.equal(a.requestCount(SEND_V2), before + 1);
  } finally {
    await producer.shutdown();
    await cluster.close();
  }
});
