// What the producer and its client instance log for an operator, over the embedded cluster: start,
// routes (info), name-server failover, a broker marked unavailable by fault tolerance, sends that
// failed after all attempts (warn), hook errors (error), shutdown timeouts; and nothing when silent.
import assert from "node:assert/strict";
import { createServer } from "node:net";
import { createLogger, type LogEntry, type LogLevel, Producer } from "../../mod.ts";
import { startCluster } from "../../src/testing/mod.ts";

function recorder(level: LogLevel): { logs: LogEntry[]; logger: ReturnType<typeof createLogger> } {
  const logs: LogEntry[] = [];
  return { logs, logger: createLogger({ level, sink: (e) => logs.push(e) }) };
}

function find(logs: LogEntry[], message: RegExp): LogEntry | undefined {
  return logs.find((e) => message.test(e.message));
}

async function closedAddress(): Promise<string> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const port = (server.address() as { port: number }).port;
  await new Promise<void>((r) => server.close(() => r()));
  return `127.0.0.1:${port}`;
}

Deno.test("logs start, route changes and shutdown", async () => {
  await using cluster = await startCluster({ brokers: 2, topics: [{ name: "LogT" }] });
  const { logs, logger } = recorder("info");
  const producer = new Producer({ nameServer: cluster.namesrvAddr, group: "log_g", logger });
  await producer.start();
  await producer.send({ topic: "LogT", body: "x" });
  await producer.shutdown();

  const started = find(logs, /^started$/);
  assert.equal(started?.namespace, "rocketmq.producer");
  assert.equal(started?.level, "info");
  const route = logs.find((e) =>
    /^route (found|changed)$/.test(e.message) && e.fields?.topic === "LogT"
  );
  assert.equal(route?.level, "info");
  assert.equal(route?.namespace, "rocketmq.client");
  assert.deepEqual([...(route?.fields?.brokers as string[])].sort(), ["broker-a", "broker-b"]);
  assert.ok(find(logs, /^shut down$/));
  // at info, successful sends are not logged
  assert.equal(find(logs, /^sent$/), undefined);
});

Deno.test("logs a name-server failover at warn, naming both addresses", async () => {
  const { logs, logger } = recorder("warn");
  const dead = [await closedAddress(), await closedAddress()];
  const producer = new Producer({ nameServer: dead, group: "logns_g", logger });
  await producer.start();
  try {
    await assert.rejects(producer.send({ topic: "LogT", body: "x" }));
  } finally {
    await producer.shutdown();
  }
  // the first address tried is random (as Java); either way it fails over to the other one
  const failover = find(logs, /name-server request failed; failing over/);
  assert.equal(failover?.level, "warn");
  assert.equal(failover?.namespace, "rocketmq.client");
  assert.deepEqual([failover?.fields?.from, failover?.fields?.to].sort(), [...dead].sort());
  assert.ok(failover?.fields?.error instanceof Error);
});

Deno.test("logs a broker marked unavailable, a send that failed after all attempts, hook errors", async () => {
  await using cluster = await startCluster({ brokers: 2, topics: [{ name: "LogF" }] });
  const { logs, logger } = recorder("warn");
  const producer = new Producer({
    nameServer: cluster.namesrvAddr,
    group: "logf_g",
    logger,
    sendLatencyFaultEnable: true,
    hooks: {
      sendMessageAfter: () => {
        throw new Error("hook bug");
      },
    },
  });
  await producer.start();
  try {
    // every broker refuses: 3 attempts fail, both brokers get avoided, the send fails
    for (const b of cluster.brokers) b.failNextSends(10, 14, "service not available");
    await assert.rejects(producer.send({ topic: "LogF", body: "x" }));
    const marked = logs.filter((e) => /marked unavailable/.test(e.message));
    assert.deepEqual(marked.map((e) => e.fields?.broker).sort(), ["broker-a", "broker-b"]);
    assert.ok(marked.every((e) => e.level === "warn" && e.namespace === "rocketmq.fault"));
    const failed = find(logs, /send failed after all attempts/);
    assert.equal(failed?.level, "warn");
    assert.equal((failed?.fields?.error as Error).name, "SendFailedError");
    const hook = find(logs, /send hook threw/);
    assert.equal(hook?.level, "error");
    assert.equal(hook?.fields?.hook, "sendMessageAfter");
    // a validation error is the caller's own: not logged at warn
    const before = logs.length;
    await assert.rejects(producer.send({ topic: "LogF", body: "" }));
    assert.equal(logs.slice(before).filter((e) => /send failed/.test(e.message)).length, 0);
  } finally {
    await producer.shutdown();
  }
});

Deno.test("logs a shutdown that timed out waiting for in-flight sends", async () => {
  await using cluster = await startCluster({ brokers: 1, topics: [{ name: "LogS" }] });
  const { logs, logger } = recorder("warn");
  const producer = new Producer({
    nameServer: cluster.namesrvAddr,
    group: "logs_g",
    logger,
    shutdownTimeoutMs: 0,
  });
  await producer.start();
  await producer.send({ topic: "LogS", body: "warm" });
  cluster.broker("broker-a").blackhole(true);
  const pending = producer.send({ topic: "LogS", body: "stuck" }, { timeoutMs: 10_000 })
    .catch((e) => e);
  await producer.shutdown();
  assert.ok((await pending) instanceof Error);
  const timedOut = find(logs, /shutdown timed out/);
  assert.equal(timedOut?.level, "warn");
  assert.equal(timedOut?.fields?.inFlight, 1);
});

Deno.test("silent logger logs nothing; at warn no send event is built for nobody", async () => {
  await using cluster = await startCluster({ brokers: 1, topics: [{ name: "LogQ" }] });
  const logs: LogEntry[] = [];
  const producer = new Producer({
    nameServer: cluster.namesrvAddr,
    group: "logq_g",
    logger: createLogger({ level: "silent", sink: (e) => logs.push(e) }),
  });
  assert.equal(producer.events.has("producer.send"), false);
  assert.equal(producer.events.has("producer.send.retry"), false);
  await producer.start();
  cluster.broker("broker-a").failNextSends(1, 14);
  await assert.rejects(producer.send({ topic: "LogQ", body: "x" }, {
    queue: {
      topic: "LogQ",
      brokerName: "broker-a",
      queueId: 0,
    },
  }));
  await producer.shutdown();
  assert.deepEqual(logs, []);
  const atWarn = new Producer({ nameServer: cluster.namesrvAddr, group: "logw_g" });
  assert.equal(atWarn.events.has("producer.send"), false); // zero cost when nobody wants it
  assert.equal(atWarn.events.has("producer.send.failed"), true); // the logger wants failures
});
