// Issue 15, items 4–8: options past the timer limit, wrong send options, system and retry topics,
// properties past the broker's limit, misspelt option keys, and a shutdown bounded by one budget.
import assert from "node:assert/strict";
import {
  createLogger,
  Producer,
  type ProducerOptions,
  SelectorError,
  ValidationError,
} from "../../mod.ts";
import { startCluster } from "../../src/testing/mod.ts";
import { checkTopic } from "../../src/producer/validation.ts";
import { PeriodicTask } from "../../src/client/timers.ts";

const silent = createLogger({ level: "silent" });
const NS = "127.0.0.1:9876";

/** The ValidationError `fn` throws, or a failed assertion. */
function refusal(fn: () => unknown): ValidationError {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof ValidationError, `not a ValidationError: ${String(e)}`);
    return e;
  }
  assert.fail("accepted");
}

/** The ValidationError a send rejects with, or a failed assertion. */
async function rejection(p: Promise<unknown>): Promise<ValidationError> {
  const e = await p.then(() => assert.fail("accepted"), (e) => e);
  assert.ok(e instanceof ValidationError, `not a ValidationError: ${String(e)}`);
  return e;
}

Deno.test("options: intervals and budgets above 2^31−1 ms are refused, naming the option", () => {
  for (
    const name of [
      "heartbeatIntervalMs",
      "pollNameServerIntervalMs",
      "addressServerPollIntervalMs",
      "sendTimeoutMs",
      "shutdownTimeoutMs",
    ]
  ) {
    const e = refusal(() =>
      new Producer({ nameServer: NS, group: "g", [name]: 2 ** 31 } as ProducerOptions)
    );
    assert.equal(e.field, `options.${name}`);
    assert.match(e.message, /2147483647/);
  }
  // The largest legal value is accepted.
  new Producer({ nameServer: NS, group: "g", heartbeatIntervalMs: 2 ** 31 - 1 });
});

Deno.test("timers: a periodic task's delay is clamped to 2^31−1 ms, not fired at once", async () => {
  let runs = 0;
  const task = new PeriodicTask(2 ** 32, 2 ** 32, () => {
    runs++;
  });
  await new Promise((r) => setTimeout(r, 50));
  await task.stop();
  assert.equal(runs, 0);
});

Deno.test("options: port 0, an empty transport and misspelt keys are refused", () => {
  assert.equal(
    refusal(() => new Producer({ nameServer: "127.0.0.1:0", group: "g" })).field,
    "options.nameServer",
  );
  const t = refusal(() =>
    new Producer({ nameServer: NS, group: "g", transport: {} as ProducerOptions["transport"] })
  );
  assert.equal(t.field, "options.transport");
  const k = refusal(() =>
    new Producer({ nameServer: NS, group: "g", sendTimeOutMs: 500 } as ProducerOptions)
  );
  assert.equal(k.field, "options.sendTimeOutMs");
  assert.match(k.message, /did you mean options\.sendTimeoutMs\?/);
  const far = refusal(() =>
    new Producer({ nameServer: NS, group: "g", zzz: 1 } as unknown as ProducerOptions)
  );
  assert.equal(far.field, "options.zzz");
  assert.doesNotMatch(far.message, /did you mean/);
});

Deno.test("checkTopic: TBW102, rmq_sys_* and %RETRY% topics are refused; trace topic is not", () => {
  for (const topic of ["TBW102", "rmq_sys_wheel_timer", "%RETRY%orders_group"]) {
    const e = refusal(() => checkTopic(topic));
    assert.equal(e.field, "topic");
    assert.ok(e.message.includes(topic), e.message);
  }
  checkTopic("RMQ_SYS_TRACE_TOPIC"); // the trace dispatcher sends there
});

Deno.test("sends: wrong send options, system topics and oversized properties are ValidationErrors", async () => {
  await using cluster = await startCluster({ brokers: 1, topics: [{ name: "Orders" }] });
  const producer = new Producer({
    nameServer: cluster.namesrvAddr,
    group: "rel_val",
    logger: silent,
  });
  await producer.start();
  try {
    const m = { topic: "Orders", body: "x" };
    type Opts = Parameters<Producer["send"]>[1];
    const field = async (p: Promise<unknown>): Promise<string> => (await rejection(p)).field;
    assert.equal(await field(producer.send(m, { signal: "x" } as unknown as Opts)), "signal");
    assert.equal(await field(producer.send(m, { selector: 42 } as unknown as Opts)), "selector");
    assert.equal(await field(producer.send(m, { timeoutMs: 2 ** 31 })), "timeoutMs");
    const q = { topic: "Orders", brokerName: "broker-a", queueId: -1 };
    assert.equal(await field(producer.send(m, { queue: q })), "queue.queueId");
    assert.equal(
      await field(producer.send(m, { queue: { ...q, queueId: 0, brokerName: "" } })),
      "queue.brokerName",
    );
    // The same checks for the other send methods.
    assert.equal(await field(producer.sendOneway(m, { signal: {} } as unknown as Opts)), "signal");
    // A selector that throws is a SelectorError with its error as the cause.
    const boom = new Error("boom");
    const e = await producer.send(m, {
      selector: () => {
        throw boom;
      },
    }).then(() => null, (e) => e);
    assert.ok(e instanceof SelectorError, String(e));
    assert.equal(e.cause, boom);

    for (const topic of ["TBW102", "rmq_sys_x", "%RETRY%rel_val"]) {
      assert.equal(await field(producer.send({ topic, body: "x" })), "topic");
    }
    const big = "é".repeat(17_000); // 34,000 bytes in UTF-8, 17,000 UTF-16 units
    const p = await rejection(producer.send({ ...m, properties: { small: "a", big } }));
    assert.equal(p.field, "properties.big");
    assert.match(p.message, /32767 bytes/);
    assert.equal(
      (await rejection(producer.send({ ...m, tags: "t".repeat(33_000) }))).field,
      "tags",
    );
    const batch = [m, { ...m, properties: { big } }];
    assert.equal((await rejection(producer.sendBatch(batch))).field, "messages[1].properties.big");
    // Just under the limit is sent and stored.
    const r = await producer.send({ ...m, properties: { near: "n".repeat(32_000) } });
    assert.equal(r.status, "SEND_OK");
    assert.equal(cluster.broker("broker-a").messages("Orders").length, 1);
  } finally {
    await producer.shutdown();
  }
});

Deno.test("shutdown: drain and unregister share shutdownTimeoutMs (blackholed broker)", async () => {
  await using cluster = await startCluster({ brokers: 1, topics: [{ name: "Orders" }] });
  const producer = new Producer({
    nameServer: cluster.namesrvAddr,
    group: "rel_shutdown",
    shutdownTimeoutMs: 1000,
    logger: silent,
  });
  await producer.start();
  await producer.send({ topic: "Orders", body: "warm" });
  cluster.broker("broker-a").blackhole(true);
  const stuck = producer.send({ topic: "Orders", body: "x" }, { timeoutMs: 60_000 })
    .then(() => "sent", (e) => e);
  const begin = performance.now();
  await producer.shutdown();
  const took = performance.now() - begin;
  // Before: drain 1000 + abort wait + unregister 1000 + inner unregister 1000 ≈ 3000 ms and more.
  // A generous bound that still catches three budgets in a row.
  assert.ok(took < 2600, `shutdown took ${Math.round(took)} ms for a 1000 ms budget`);
  assert.ok((await stuck) instanceof Error, "the in-flight send failed at shutdown");
});
