import assert from "node:assert/strict";
import { Producer } from "../../src/producer/producer.ts";
import type { MessageQueue, SendResult } from "../../src/producer/types.ts";
import { type BrokerHandle, startCluster } from "../../src/testing/mod.ts";
import { ConnectionError } from "../../src/errors.ts";

const TOPIC = "FixedAsyncTopic";
const SEND_V2 = 310;

async function waitFor(check: () => boolean): Promise<void> {
  for (let i = 0; i < 500 && !check(); i++) await new Promise((r) => setTimeout(r, 5));
  assert.ok(check(), "condition not reached");
}

/**
 * Sends to queue 1 of broker-a and drops the connection while the first attempt waits for its
 * answer; hands `check` how the send ended and broker-a's SEND_MESSAGE_V2 count before it.
 */
async function dropFirstAttempt<T>(
  group: string,
  send: (p: Producer, queue: MessageQueue) => Promise<T>,
  check: (outcome: T | unknown, broker: BrokerHandle, before: number) => void,
): Promise<void> {
  const cluster = await startCluster({ brokers: 2, topics: [{ name: TOPIC }] });
  const producer = new Producer({ nameServer: cluster.namesrvAddr, group });
  try {
    await producer.start();
    await producer.send({ topic: TOPIC, body: "warm" });
    const a = cluster.broker("broker-a");
    const before = a.requestCount(SEND_V2);
    a.setLatency(10_000);
    const done = send(producer, { topic: TOPIC, brokerName: "broker-a", queueId: 1 }).then(
      (r) => r,
      (e: unknown) => e,
    );
    await waitFor(() => a.requestCount(SEND_V2) > before);
    a.setLatency(0);
    a.dropConnections();
    check(await done, a, before);
  } finally {
    await producer.shutdown();
    await cluster.close();
  }
}

Deno.test("sendAsync to an explicit queue retries a dropped connection on the same broker (Java onExceptionImpl)", async () => {
  await dropFirstAttempt(
    "fixed_async",
    (p, queue) =>
      new Promise<SendResult>((resolve, reject) =>
        p.sendAsync({ topic: TOPIC, body: "fixed" }, { onSuccess: resolve, onException: reject }, {
          queue,
        })
      ),
    (r, a, before) => {
      const result = r as SendResult;
      assert.equal(result.status, "SEND_OK", String(r));
      assert.equal(result.queue.brokerName, "broker-a");
      assert.equal(result.queue.queueId, 1);
      assert.ok(a.requestCount(SEND_V2) >= before + 2, "the retry went to the same broker");
    },
  );
});

Deno.test("an awaited send to an explicit queue makes one attempt and rejects with its own error (Java send(msg, mq))", async () => {
  await dropFirstAttempt(
    "fixed_sync",
    (p, queue) => p.send({ topic: TOPIC, body: "fixed" }, { queue }),
    (e, a, before) => {
      assert.ok(e instanceof ConnectionError, String(e));
      assert.equal(a.requestCount(SEND_V2), before + 1);
    },
  );
});
