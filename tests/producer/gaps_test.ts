import assert from "node:assert/strict";
import { Producer } from "../../src/producer/producer.ts";
import { resolveProducerOptions } from "../../src/producer/options.ts";
import { withClientFactories } from "../../src/producer/_seams.ts";
import type { SendResult } from "../../src/producer/types.ts";
import { startCluster } from "../../src/testing/mod.ts";
import { detectTransport } from "../../src/transport/detect.ts";
import type { ConnectOptions, Transport } from "../../src/transport/types.ts";
import {
  RouteNotFoundError,
  SendFailedError,
  StateError,
  ValidationError,
} from "../../src/errors.ts";

const TOPIC = "GapsTopic";
const SEND_MESSAGE_V2 = 310;

/** A transport around the runtime's own that records every connect. */
async function recordingTransport(): Promise<{ transport: Transport; connects: ConnectOptions[] }> {
  const inner = await detectTransport();
  const connects: ConnectOptions[] = [];
  return {
    connects,
    transport: {
      name: `recording(${inner.name})`,
      connect(options, handlers) {
        connects.push({ ...options });
        return inner.connect(options, handlers);
      },
    },
  };
}

Deno.test("shutdown waits for in-flight sends: all of them resolve SEND_OK", async () => {
  const cluster = await startCluster({ brokers: 1, topics: [{ name: TOPIC }] });
  const p = new Producer({ nameServer: cluster.namesrvAddr, group: "gaps_drain_group" });
  try {
    await p.start();
    await p.send({ topic: TOPIC, body: "warm-up" }); // route and connection ready
    cluster.brokers[0].setLatency(150);
    const before = cluster.brokers[0].storedCount;
    const pending = Array.from(
      { length: 5 },
      (_, i) => p.send({ topic: TOPIC, body: `in flight ${i}` }),
    );
    // Let the requests reach the broker, then shut down with the default shutdownTimeoutMs.
    while (cluster.brokers[0].requestCount(SEND_MESSAGE_V2) < 6) {
      await new Promise((r) => setTimeout(r, 5));
    }
    const settled = Promise.allSettled(pending); // observed before shutdown: no unhandled rejection
    await p.shutdown();
    const results = await settled;
    assert.deepEqual(
      results.map((r) => r.status === "fulfilled" ? r.value.status : String(r.reason)),
      Array(5).fill("SEND_OK"),
    );
    assert.equal(cluster.brokers[0].storedCount, before + 5);
  } finally {
    cluster.brokers[0].setLatency(0);
    await p.shutdown();
    await cluster.close();
  }
});

/** sendAsync against two stopped brokers; resolves with the error given to onException. */
async function failedAsync(retries: number | undefined): Promise<SendFailedError> {
  const cluster = await startCluster({ brokers: 2, topics: [{ name: TOPIC }] });
  const p = new Producer({
    nameServer: cluster.namesrvAddr,
    group: `gaps_async_retry_${retries ?? "default"}`,
    ...(retries === undefined ? {} : { retryTimesWhenSendAsyncFailed: retries }),
  });
  try {
    await p.start();
    await p.send({ topic: TOPIC, body: "warm-up" });
    for (const b of cluster.brokers) await b.stop({ keepRoute: true });
    const error = await new Promise<Error>((resolve, reject) => {
      p.sendAsync({ topic: TOPIC, body: "x" }, {
        onSuccess: (r: SendResult) => reject(new Error(`unexpected ${r.status}`)),
        onException: resolve,
      });
    });
    assert.ok(error instanceof SendFailedError, String(error));
    return error;
  } finally {
    await p.shutdown();
    await cluster.close();
  }
}

Deno.test("retryTimesWhenSendAsyncFailed: 1 → 2 attempts; default → 3 attempts", async () => {
  const one = await failedAsync(1);
  assert.equal(one.attempts.length, 2);
  // Each retry avoids the broker of the previous attempt.
  assert.notEqual(one.attempts[0].brokerName, one.attempts[1].brokerName);
  const def = await failedAsync(undefined);
  assert.equal(def.attempts.length, 3);
});

Deno.test("transport override: the producer connects through the given transport", async () => {
  const cluster = await startCluster({ brokers: 1, topics: [{ name: TOPIC }] });
  const { transport, connects } = await recordingTransport();
  const p = new Producer({ nameServer: cluster.namesrvAddr, group: "gaps_transport", transport });
  try {
    await p.start();
    const r = await p.send({ topic: TOPIC, body: "x" });
    assert.equal(r.status, "SEND_OK");
    const ports = connects.map((c) => c.port);
    assert.ok(ports.includes(cluster.nameServer.port), `name server via the override: ${ports}`);
    assert.ok(ports.includes(cluster.brokers[0].port), `broker via the override: ${ports}`);
  } finally {
    await p.shutdown();
    await cluster.close();
  }
});

Deno.test("vipChannel: sends go to the broker's port − 2", async () => {
  const cluster = await startCluster({ brokers: 1, topics: [{ name: TOPIC }] });
  const { transport, connects } = await recordingTransport();
  const p = new Producer({
    nameServer: cluster.namesrvAddr,
    group: "gaps_vip",
    transport,
    vipChannel: true,
    retryTimesWhenSendFailed: 0,
    sendTimeoutMs: 1000,
  });
  const broker = cluster.brokers[0];
  try {
    await p.start();
    // Whatever listens on port − 2 (nothing, or another local server), the send does not reach
    // the broker's own port.
    await p.send({ topic: TOPIC, body: "x" }).catch((e) => e);
    const ports = connects.map((c) => c.port);
    assert.ok(ports.includes(broker.port - 2), `connected to port − 2: ${ports}`);
    assert.ok(
      connects.every((c) => c.hostname === "127.0.0.1"),
      "same host",
    );
    assert.equal(broker.requestCount(SEND_MESSAGE_V2), 0, "nothing sent to the normal port");
  } finally {
    await p.shutdown();
    await cluster.close();
  }
});

Deno.test("explicit queue on a broker missing from the route → RouteNotFoundError", async () => {
  const cluster = await startCluster({ brokers: 1, topics: [{ name: TOPIC }] });
  const p = new Producer({ nameServer: cluster.namesrvAddr, group: "gaps_missing_broker" });
  try {
    await p.start();
    const err = await p.send({ topic: TOPIC, body: "x" }, {
      queue: { topic: TOPIC, brokerName: "broker-x", queueId: 0 },
    }).then(() => undefined, (e) => e);
    // Thrown as is, like Java's send(msg, mq), which has no retry loop to wrap it.
    const notFound = err;
    assert.ok(notFound instanceof RouteNotFoundError, String(notFound));
    assert.equal(notFound.topic, TOPIC);
    assert.match(String((notFound.cause as Error)?.message), /The broker\[broker-x\] not exist/);
    assert.equal(cluster.brokers[0].requestCount(SEND_MESSAGE_V2), 0);
  } finally {
    await p.shutdown();
    await cluster.close();
  }
});

Deno.test("defaults are the Java client's", () => {
  const o = resolveProducerOptions({ group: "g", nameServer: "127.0.0.1:9876" });
  assert.deepEqual({
    sendTimeoutMs: o.sendTimeoutMs,
    retryTimesWhenSendFailed: o.retryTimesWhenSendFailed,
    retryTimesWhenSendAsyncFailed: o.retryTimesWhenSendAsyncFailed,
    retryAnotherBrokerWhenNotStoreOK: o.retryAnotherBrokerWhenNotStoreOK,
    compressOver: o.compressOver,
    compressLevel: o.compressLevel,
    maxMessageSize: o.maxMessageSize,
    defaultTopicQueueNums: o.defaultTopicQueueNums,
    createTopicKey: o.createTopicKey,
    sendLatencyFaultEnable: o.sendLatencyFaultEnable,
    pollNameServerIntervalMs: o.pollNameServerIntervalMs,
    heartbeatIntervalMs: o.heartbeatIntervalMs,
    vipChannel: o.vipChannel,
  }, {
    sendTimeoutMs: 3000,
    retryTimesWhenSendFailed: 2,
    retryTimesWhenSendAsyncFailed: 2,
    retryAnotherBrokerWhenNotStoreOK: false,
    compressOver: 4096,
    compressLevel: 5,
    maxMessageSize: 4 * 1024 * 1024,
    defaultTopicQueueNums: 4,
    createTopicKey: "TBW102",
    sendLatencyFaultEnable: false,
    pollNameServerIntervalMs: 30_000,
    heartbeatIntervalMs: 30_000,
    vipChannel: false,
  });
});

Deno.test("body size is checked on the raw body, before compression", async () => {
  const cluster = await startCluster({ brokers: 1, topics: [{ name: TOPIC }] });
  const max = 8192;
  const p = new Producer({
    nameServer: cluster.namesrvAddr,
    group: "gaps_max_size",
    maxMessageSize: max,
  });
  try {
    await p.start();
    const body = "a".repeat(max + 1); // compresses to a few dozen bytes
    const err = await p.send({ topic: TOPIC, body }).then(() => undefined, (e) => e);
    assert.ok(err instanceof ValidationError, String(err));
    assert.equal(err.field, "body");
    assert.equal(cluster.brokers[0].requestCount(SEND_MESSAGE_V2), 0);
    // The limit itself is allowed (and compressed).
    assert.equal((await p.send({ topic: TOPIC, body: "a".repeat(max) })).status, "SEND_OK");
  } finally {
    await p.shutdown();
    await cluster.close();
  }
});

Deno.test("start failure → START_FAILED; start again → StateError naming the state", async () => {
  const p = new Producer(
    withClientFactories({ nameServer: "127.0.0.1:9", group: "gaps_start_failed" }, {
      remoting: () => {
        throw new Error("no socket layer here");
      },
    }),
  );
  await assert.rejects(p.start(), /no socket layer here/);
  assert.equal(p.state, "START_FAILED");
  const err = await p.start().then(() => undefined, (e) => e);
  assert.ok(err instanceof StateError, String(err));
  assert.equal(err.state, "START_FAILED");
  await p.shutdown(); // a no-op outside RUNNING
  assert.equal(p.state, "START_FAILED");
});
