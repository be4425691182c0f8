import assert from "node:assert/strict";
import { ValidationError } from "../../src/errors.ts";
import { MQFaultStrategy } from "../../src/fault/fault-strategy.ts";
import type { MessageQueue } from "../../src/route/message-queue.ts";
import { topicRouteToPublishInfo } from "../../src/route/publish-info.ts";
import type { TopicRouteData } from "../../src/route/topic-route.ts";

function manualClock(start = 5_000_000): { now: () => number; advance: (ms: number) => void } {
  let t = start;
  return { now: () => t, advance: (ms) => void (t += ms) };
}

/** Random source that starts round-robin counters at 0. */
const zero = (): number => 0;

function twoBrokers(nums = 2): TopicRouteData {
  return {
    queueDatas: ["broker-a", "broker-b"].map((brokerName) => ({
      brokerName,
      readQueueNums: nums,
      writeQueueNums: nums,
      perm: 6,
      topicSysFlag: 0,
    })),
    brokerDatas: [
      { cluster: "c", brokerName: "broker-a", brokerAddrs: { "0": "127.0.0.1:10911" } },
      { cluster: "c", brokerName: "broker-b", brokerAddrs: { "0": "127.0.0.1:20911" } },
    ],
    filterServerTable: {},
  };
}

const name = (q: MessageQueue): string => `${q.brokerName}/${q.queueId}`;

Deno.test("computeNotAvailableDuration: the default table, scanned from the top", () => {
  const s = new MQFaultStrategy();
  const table: [number, number][] = [
    [0, 0],
    [49, 0],
    [50, 0],
    [100, 0],
    [549, 0],
    [550, 30000],
    [999, 30000],
    [1000, 60000],
    [2000, 120000],
    [2999, 120000],
    [3000, 180000],
    [14999, 180000],
    [15000, 600000],
    [30000, 600000],
    [1e9, 600000],
    [-5, 0],
  ];
  for (const [latency, duration] of table) {
    assert.equal(s.computeNotAvailableDuration(latency), duration, `latency ${latency}`);
  }
  assert.deepEqual(s.latencyMax, [50, 100, 550, 1000, 2000, 3000, 15000]);
  assert.deepEqual(s.notAvailableDuration, [0, 0, 30000, 60000, 120000, 180000, 600000]);
});

Deno.test("custom tables are validated and used", () => {
  const s = new MQFaultStrategy({ latencyMax: [10, 20], notAvailableDuration: [5, 7] });
  assert.equal(s.computeNotAvailableDuration(15), 5);
  assert.equal(s.computeNotAvailableDuration(25), 7);
  const bad: [unknown, unknown, RegExp][] = [
    [
      [10, 20],
      [5],
      /options\.notAvailableDuration.*as many entries as options\.latencyMax \(2\), got 1/,
    ],
    [[20, 10], [1, 2], /options\.latencyMax.*ascending, got 20 before 10/],
    [[-1], [1], /options\.latencyMax\[0\].*non-negative/],
    [[1], [-1], /options\.notAvailableDuration\[0\].*non-negative/],
    [[], [], /options\.latencyMax.*non-empty/],
    [[1, NaN], [1, 2], /options\.latencyMax\[1\]/],
  ];
  for (const [lm, nad, re] of bad) {
    assert.throws(
      () =>
        new MQFaultStrategy({ latencyMax: lm as number[], notAvailableDuration: nad as number[] }),
      (e: unknown) => e instanceof ValidationError && re.test(e.message),
      `${lm} / ${nad}`,
    );
  }
});

Deno.test("updateFaultItem: no-op when off; latency and isolation (30 000 ms → 600 000 ms) when on", () => {
  const clock = manualClock();
  const off = new MQFaultStrategy({}, clock.now);
  off.updateFaultItem("broker-a", 5000, true);
  assert.equal(off.latencyFaultTolerance.size, 0);

  const s = new MQFaultStrategy({ sendLatencyFaultEnable: true, random: zero }, clock.now);
  s.updateFaultItem("broker-a", 20, false);
  assert.equal(s.latencyFaultTolerance.isAvailable("broker-a"), true, "fast sends cost nothing");
  s.updateFaultItem("broker-a", 1200, false);
  assert.deepEqual(s.latencyFaultTolerance.get("broker-a"), {
    name: "broker-a",
    currentLatency: 1200,
    startTimestamp: 5_060_000,
  });
  s.updateFaultItem("broker-b", 3, true);
  assert.deepEqual(s.latencyFaultTolerance.get("broker-b"), {
    name: "broker-b",
    currentLatency: 3,
    startTimestamp: 5_600_000,
  });
  clock.advance(60000);
  assert.equal(s.latencyFaultTolerance.isAvailable("broker-a"), true);
  assert.equal(s.latencyFaultTolerance.isAvailable("broker-b"), false);
  clock.advance(540000);
  assert.equal(s.latencyFaultTolerance.isAvailable("broker-b"), true);
});

Deno.test("latency fault off: plain round-robin avoiding lastBrokerName", () => {
  const s = new MQFaultStrategy({}, manualClock().now);
  const info = topicRouteToPublishInfo("T", twoBrokers(), zero);
  // list a/0 a/1 b/0 b/1, counter 0.
  assert.equal(name(s.selectOneMessageQueue(info)), "broker-a/1");
  assert.equal(name(s.selectOneMessageQueue(info, "broker-b")), "broker-a/0", "b/0, b/1 skipped");
  assert.equal(name(s.selectOneMessageQueue(info, "broker-a")), "broker-b/0", "a/1 skipped");
});

Deno.test("latency fault on: first available queue from the next index; lastBrokerName ignored (4.9)", () => {
  const clock = manualClock();
  const s = new MQFaultStrategy({ sendLatencyFaultEnable: true, random: zero }, clock.now);
  const info = topicRouteToPublishInfo("T", twoBrokers(), zero);
  // Nothing recorded: same as round-robin, even for the last broker.
  assert.equal(name(s.selectOneMessageQueue(info, "broker-a")), "broker-a/1");
  s.updateFaultItem("broker-b", 100, true);
  // index 2 → b/0 unavailable, 3 → b/1 unavailable, 4 → a/0.
  assert.equal(name(s.selectOneMessageQueue(info)), "broker-a/0");
  assert.equal(
    info.sendWhichQueue.value,
    2,
    "one increment per selection; the scan uses a local copy",
  );
  // index 3 → b/1 unavailable, 4 → a/0.
  assert.equal(name(s.selectOneMessageQueue(info)), "broker-a/0");
  assert.equal(name(s.selectOneMessageQueue(info)), "broker-a/0", "index 4 → a/0");
  assert.equal(name(s.selectOneMessageQueue(info)), "broker-a/1", "index 5 → a/1");
  clock.advance(600000);
  assert.equal(name(s.selectOneMessageQueue(info)), "broker-b/0", "isolation over: index 6 → b/0");
});

Deno.test("latency fault on, every broker unavailable: pickOneAtLeast's broker, queue from the index", () => {
  const clock = manualClock();
  const s = new MQFaultStrategy({ sendLatencyFaultEnable: true, random: zero }, clock.now);
  const info = topicRouteToPublishInfo("T", twoBrokers(4), zero);
  s.updateFaultItem("broker-a", 700, false); // 30 s, latency 700
  s.updateFaultItem("broker-b", 3000, false); // 180 s, latency 3000
  const before = info.messageQueueList.map(name);
  const mq = s.selectOneMessageQueue(info);
  // Scan: 8 queues all unavailable (counter → 1). pickOneAtLeast: half 1 → best = broker-a.
  // info.selectOneMessageQueue() → counter 2; queueId = (counter 3) % 4.
  assert.equal(name(mq), "broker-a/3");
  assert.equal(mq.topic, "T");
  assert.deepEqual(info.messageQueueList.map(name), before, "the shared list is not mutated");
  assert.equal(info.sendWhichQueue.value, 3);
});

Deno.test("latency fault on: a picked broker without write queues is removed, then plain round-robin", () => {
  const clock = manualClock();
  const s = new MQFaultStrategy({ sendLatencyFaultEnable: true, random: zero }, clock.now);
  const info = topicRouteToPublishInfo("T", twoBrokers(1), zero);
  s.updateFaultItem("broker-a", 0, true);
  s.updateFaultItem("broker-b", 0, true);
  s.updateFaultItem("gone", 1, false); // available, lowest-sorted: the pick
  // Route only has a and b; "gone" is available but has no queues in the list.
  // Scan: index 1 → b/0 unavailable, 2 → a/0 unavailable. pick "gone" (available first) → −1 → removed.
  const mq = s.selectOneMessageQueue(info);
  assert.equal(s.latencyFaultTolerance.get("gone"), undefined);
  assert.equal(name(mq), "broker-a/0", "fallback: counter 2 → a/0");
});

Deno.test("latency fault on: a recovered slow broker is used again", () => {
  const clock = manualClock();
  const s = new MQFaultStrategy({ sendLatencyFaultEnable: true, random: zero }, clock.now);
  const info = topicRouteToPublishInfo("T", twoBrokers(1), zero);
  s.updateFaultItem("broker-a", 1000, false); // 60 s
  const seen: string[] = [];
  for (let i = 0; i < 4; i++) seen.push(s.selectOneMessageQueue(info).brokerName);
  assert.deepEqual(seen, ["broker-b", "broker-b", "broker-b", "broker-b"]);
  clock.advance(60000);
  seen.length = 0;
  for (let i = 0; i < 4; i++) seen.push(s.selectOneMessageQueue(info).brokerName);
  assert.deepEqual(seen.sort(), ["broker-a", "broker-a", "broker-b", "broker-b"]);
});
