/**
 * The production send object (SendJob, built by SendKinds) with a fake clock, a scripted remoting
 * client and a recording fault strategy: budget, retry rules per mode, fault feedback, events and
 * the in-flight count, over both ways an attempt is answered (pending request and promise).
 */
import assert from "node:assert/strict";
import { SendKinds, type SendShared } from "../../src/producer/send/job.ts";
import { asyncRetryOn, syncRetryOn } from "../../src/producer/send/retry-rules.ts";
import { HeaderParts } from "../../src/producer/send/header.ts";
import { SendTracker } from "../../src/producer/send/inflight.ts";
import { prepareMessage } from "../../src/producer/send/prepare.ts";
import { PropsParts } from "../../src/producer/send/_props_parts.ts";
import { vipAddress } from "../../src/producer/send/attempt.ts";
import { ProducerEvents } from "../../src/producer/events.ts";
import { HookList } from "../../src/producer/hooks.ts";
import { MQFaultStrategy } from "../../src/fault/fault-strategy.ts";
import type { TopicPublishInfo } from "../../src/route/publish-info.ts";
import { UniqIdGenerator } from "../../src/codec/message-id.ts";
import type { RemotingLike } from "../../src/client/types.ts";
import type { RemotingCommand } from "../../src/remoting/command.ts";
import type { ResponseSink } from "../../src/remoting/pending-request.ts";
import { PendingRequest } from "../../src/remoting/pending-request.ts";
import { completeEntry, failEntry, registerEntry } from "../../src/remoting/_pending.ts";
import { PendingSlots } from "../../src/remoting/_pending_slots.ts";
import type {
  CommunicationMode,
  MessageQueue,
  SendResult,
  SendStatus,
} from "../../src/producer/types.ts";
import {
  AbortedError,
  BrokerError,
  ConnectionError,
  SendFailedError,
  TimeoutError,
  ValidationError,
} from "../../src/errors.ts";

type Outcome = SendStatus | Error;
const CODES: Record<SendStatus, number> = {
  SEND_OK: 0,
  FLUSH_DISK_TIMEOUT: 10,
  SLAVE_NOT_AVAILABLE: 11,
  FLUSH_SLAVE_TIMEOUT: 12,
};
const Q = (b: string, queueId = 0): MessageQueue => ({ topic: "T", brokerName: b, queueId });

/** A fault strategy that alternates a/b and records its feedback. */
class RecordingFault extends MQFaultStrategy {
  readonly faults: [string, number, boolean][] = [];
  override selectOneMessageQueue(_info: TopicPublishInfo, last?: string): MessageQueue {
    return Q(last === "a" ? "b" : "a");
  }
  override updateFaultItem(b: string, latency: number, isolation: boolean): void {
    this.faults.push([b, latency, isolation]);
  }
}

interface HarnessOptions {
  /** Answer through the pending-request path (invokeJsonTo), synchronously or later. */
  entry?: "sync" | "later" | "twice";
  latency?: boolean;
  retryNotOk?: boolean;
}

function harness(outcomes: Outcome[], costs: number[], o: HarnessOptions = {}) {
  let t = 1000;
  const lefts: number[] = [];
  const queues: string[] = [];
  const born: number[] = [];
  let n = 0;
  const table = { address: "x:1", pending: new PendingSlots<PendingRequest>() };
  let opaque = 0;
  /** The scripted answer of the next attempt, after its cost on the clock. */
  const next = (ext: Record<string, string>, timeoutMs: number): RemotingCommand | Error => {
    lefts.push(timeoutMs);
    queues.push(`${ext.n}:${ext.e}`);
    born.push(Number(ext.g));
    t += costs[n] ?? 0;
    const out = outcomes[n++];
    if (out instanceof Error) return out;
    return {
      code: CODES[out],
      language: 0,
      version: 0,
      opaque: 0,
      flag: 1,
      extFields: { msgId: "OFFSET", queueOffset: String(n), queueId: ext.e },
      serializeType: 0,
    };
  };
  const remoting: RemotingLike = {
    invoke(_address, request, timeoutMs) {
      const answer = next(request.extFields!, timeoutMs);
      return answer instanceof Error ? Promise.reject(answer) : Promise.resolve(answer);
    },
    invokeOneway(_address, request, timeoutMs) {
      const answer = next(request.extFields!, timeoutMs);
      return answer instanceof Error ? Promise.reject(answer) : Promise.resolve();
    },
    closeConnection() {},
    close: () => Promise.resolve(),
  };
  if (o.entry !== undefined) {
    remoting.invokeJsonTo = (
      _address: string,
      code: number,
      _language: number,
      _version: number,
      fields: string | { byteLength: number; write(buf: Uint8Array, at: number): void },
      _body: Uint8Array | undefined,
      timeoutMs: number,
      signal: AbortSignal | undefined,
      sink: ResponseSink,
    ): void => {
      assert.ok(sink instanceof PendingRequest);
      assert.equal(typeof fields, "object");
      const w = fields as { byteLength: number; write(buf: Uint8Array, at: number): void };
      const bytes = new Uint8Array(w.byteLength);
      w.write(bytes, 0);
      const ext = JSON.parse(new TextDecoder().decode(bytes));
      registerEntry(sink, table, opaque++, code, timeoutMs, 0, signal);
      const first = opaque === 1;
      const answer = next(ext, timeoutMs);
      const deliver = (): void => {
        if (answer instanceof Error) failEntry(sink, answer);
        else completeEntry(sink, answer);
      };
      if (o.entry === "later") setTimeout(deliver, 1);
      else deliver();
      if (o.entry === "twice" && first) {
        // Late duplicates of the first attempt's outcome, straight to the sink.
        sink.onError(new ConnectionError("a:1", "lost again"));
        sink.onResponse({
          code: 0,
          language: 0,
          version: 0,
          opaque: 0,
          flag: 1,
          extFields: { msgId: "X", queueOffset: "1" },
          serializeType: 0,
        });
      }
    };
  }
  const fault = new RecordingFault({ sendLatencyFaultEnable: o.latency ?? true });
  const events = new ProducerEvents();
  const tracker = new SendTracker();
  const shared: SendShared = {
    env: {
      remoting,
      header: new HeaderParts("g", "TBW102", 4),
      serializeType: 0,
      vipChannel: false,
      hooks: new HookList(() => {}),
      namespace: undefined,
      nameServer: () => "",
      clientIP: "127.0.0.1",
      findBrokerAddress: (b) => `${b}:1`,
      refreshRoute: () => Promise.resolve(),
      userTopic: (topic) => topic,
    },
    fault,
    events,
    tracker,
    retry: {
      retryTimesWhenSendFailed: 2,
      retryTimesWhenSendAsyncFailed: 2,
      retryAnotherBrokerWhenNotStoreOK: o.retryNotOk ?? false,
    },
    clock: () => t,
  };
  const kinds = new SendKinds(shared);
  const ctx = {
    namespace: undefined,
    group: "g",
    maxMessageSize: 1 << 20,
    uniqIds: new UniqIdGenerator({ ip: new Uint8Array([127, 0, 0, 1]), pid: 1 }),
    propsParts: new PropsParts(undefined),
  };
  const ended: string[] = [];
  for (const type of ["producer.send", "producer.send.failed", "producer.send.retry"]) {
    events.addEventListener(type, () => ended.push(type));
  }
  return {
    fault,
    lefts,
    queues,
    born,
    ended,
    tracker,
    setClock: (v: number) => (t = v),
    /** Run one send the way the entry does. */
    send(
      p: {
        mode?: CommunicationMode;
        timeoutMs?: number;
        begin?: number;
        fixed?: MessageQueue;
        startsAtBegin?: boolean;
        signal?: AbortSignal;
      } = {},
    ): Promise<SendResult | undefined> {
      const prepared = prepareMessage({ topic: "T", body: "x" }, ctx, 1);
      tracker.enter();
      const info = {} as TopicPublishInfo; // the recording fault strategy ignores it
      return kinds.job(
        prepared,
        p.mode ?? "SYNC",
        p.signal,
        p.fixed === undefined ? info : undefined,
        p.fixed,
        p.timeoutMs ?? 3000,
        p.begin ?? t,
      ).start(p.startsAtBegin ?? false);
    },
  };
}

/** The outcome of a send, without its (random) message id. */
async function settle(p: Promise<SendResult | undefined>): Promise<unknown> {
  try {
    const r = await p;
    return { value: r === undefined ? r : { ...r, msgId: "" } };
  } catch (e) {
    return { error: (e as Error).constructor.name, message: (e as Error).message };
  }
}

Deno.test("send job: retries on another broker with the budget that is left", async () => {
  for (const entry of [undefined, "sync", "later"] as const) {
    const h = harness(
      [
        new BrokerError(1, "x", "a:1"),
        new ConnectionError("b:1", "refused"),
        "SEND_OK",
      ],
      [100, 200, 50],
      { entry },
    );
    const r = await h.send();
    assert.equal(r!.queue.brokerName, "a");
    assert.deepEqual(h.lefts, [3000, 2900, 2700]);
    assert.deepEqual(h.born, [1000, 1100, 1300], "each attempt's header carries its start");
    assert.deepEqual(h.fault.faults, [["a", 100, true], ["b", 200, true], ["a", 50, false]]);
    assert.deepEqual(h.ended, ["producer.send.retry", "producer.send.retry", "producer.send"]);
    assert.equal(h.tracker.inFlight, 0);
  }
});

Deno.test("send job: budget spent before an attempt → TimeoutError with the attempts", async () => {
  const h = harness([new TimeoutError("slow", 1000), "SEND_OK"], [1000, 0]);
  await assert.rejects(h.send({ timeoutMs: 1000 }), (e: unknown) => {
    assert.ok(e instanceof TimeoutError);
    assert.ok(e.cause instanceof SendFailedError);
    assert.equal(e.cause.attempts.length, 1);
    return true;
  });
  assert.deepEqual(h.lefts, [1000]);
  assert.deepEqual(h.ended, ["producer.send.retry", "producer.send.failed"]);
  assert.equal(h.tracker.inFlight, 0);
});

Deno.test("send job: time spent before the loop counts; the TimeoutError names the whole budget", async () => {
  // The send began 1 ms before the loop (clock 999): the attempt gets 149 ms, the budget stays 150.
  const h = harness([new TimeoutError("slow", 149), "SEND_OK"], [149, 0]);
  await assert.rejects(h.send({ timeoutMs: 150, begin: 999 }), (e: unknown) => {
    assert.ok(e instanceof TimeoutError);
    assert.equal(e.timeoutMs, 150);
    assert.ok(e.cause instanceof SendFailedError);
    return true;
  });
  assert.deepEqual(h.lefts, [149]);
});

Deno.test("send job: attempts exhausted → SendFailedError; non-retriable thrown as is", async () => {
  const h = harness([1, 14, 17].map((c) => new BrokerError(c, "r", "x:1")), [1, 1, 1]);
  await assert.rejects(h.send(), (e: unknown) => {
    assert.ok(e instanceof SendFailedError);
    assert.deepEqual(e.brokersTried, ["a", "b", "a"]);
    assert.equal(e.lastResponseCode, 17);
    assert.ok(e.cause instanceof BrokerError);
    return true;
  });
  const h2 = harness([new BrokerError(13, "illegal", "x:1")], [1]);
  await assert.rejects(h2.send(), (e) => e instanceof BrokerError);
  const h3 = harness([new ValidationError("f", "r")], [1]);
  await assert.rejects(h3.send(), ValidationError);
  const h4 = harness([new AbortedError("stop")], [1]);
  await assert.rejects(h4.send(), AbortedError);
  assert.deepEqual(h4.fault.faults, [["a", 1, false]], "an abort isolates nothing");
});

Deno.test("send job: not-OK status returned, or retried with retryNotOk", async () => {
  const h = harness(["FLUSH_DISK_TIMEOUT"], [1]);
  assert.equal((await h.send())!.status, "FLUSH_DISK_TIMEOUT");
  const h2 = harness(["SLAVE_NOT_AVAILABLE", "SEND_OK"], [1, 1], { retryNotOk: true });
  const r = await h2.send();
  assert.equal(r!.status, "SEND_OK");
  assert.equal(r!.queue.brokerName, "b");
  const h3 = harness(["FLUSH_SLAVE_TIMEOUT", "FLUSH_SLAVE_TIMEOUT", "FLUSH_SLAVE_TIMEOUT"], [
    1,
    1,
    1,
  ], { retryNotOk: true });
  assert.equal((await h3.send())!.status, "FLUSH_SLAVE_TIMEOUT");
  // A non-retriable error after a not-OK result: the not-OK result is the send's.
  const h4 = harness(["FLUSH_DISK_TIMEOUT", new BrokerError(13, "x", "b:1")], [1, 1], {
    retryNotOk: true,
  });
  assert.equal((await h4.send())!.status, "FLUSH_DISK_TIMEOUT");
});

Deno.test("retry rules: Java 4.9 codes plus SYSTEM_BUSY, transport errors; async: transport only", () => {
  for (const c of [1, 2, 14, 16, 17, 204, 205]) {
    assert.equal(syncRetryOn(new BrokerError(c, "", "x")), true);
    assert.equal(asyncRetryOn(new BrokerError(c, "", "x")), false);
  }
  for (const c of [3, 13, 15, 215]) assert.equal(syncRetryOn(new BrokerError(c, "", "x")), false);
  assert.equal(syncRetryOn(new ConnectionError("x", "y")), true);
  assert.equal(asyncRetryOn(new ConnectionError("x", "y")), true);
  assert.equal(syncRetryOn(new Error("hook")), false);
});

Deno.test("send job: the pending-request path settles a send as the promise path does", async () => {
  const cases: { outcomes: Outcome[]; costs: number[]; o?: HarnessOptions; mode?: "ASYNC" }[] = [
    { outcomes: ["SEND_OK"], costs: [5] },
    { outcomes: [new BrokerError(1, "x", "a:1"), "SEND_OK"], costs: [10, 20] },
    { outcomes: [new BrokerError(3, "bad", "a:1")], costs: [1] },
    { outcomes: ["FLUSH_DISK_TIMEOUT", "SEND_OK"], costs: [1, 1], o: { retryNotOk: true } },
    {
      outcomes: [new ConnectionError("a:1", "x"), new BrokerError(1, "busy", "b:1")],
      costs: [1, 1],
      mode: "ASYNC",
    },
  ];
  for (const c of cases) {
    const reference = harness(c.outcomes, c.costs, c.o);
    const expected = await settle(reference.send({ mode: c.mode }));
    for (const entry of ["sync", "later"] as const) {
      const h = harness(c.outcomes, c.costs, { ...c.o, entry });
      assert.deepEqual(await settle(h.send({ mode: c.mode })), expected);
      assert.deepEqual(h.fault.faults, reference.fault.faults);
      assert.deepEqual(h.ended, reference.ended);
      assert.equal(h.tracker.inFlight, 0);
    }
  }
});

Deno.test("send job: a first attempt answered twice runs the loop once", async () => {
  const h = harness(
    [new ConnectionError("a:1", "lost"), "SEND_OK"],
    [1, 1],
    { entry: "twice" },
  );
  const r = await h.send();
  assert.equal(r!.queue.brokerName, "b", "one retry, on the other broker");
  assert.deepEqual(h.queues, ["a:0", "b:0"], "exactly one further attempt");
  assert.deepEqual(h.ended.filter((e) => e !== "producer.send.retry"), ["producer.send"]);
  assert.equal(h.tracker.inFlight, 0);
});

Deno.test("send job: latency fault tolerance off skips the success feedback, not the failure's", async () => {
  const h = harness([new ConnectionError("a:1", "x"), "SEND_OK"], [5, 7], { latency: false });
  assert.equal((await h.send())!.queue.brokerName, "b");
  assert.deepEqual(h.fault.faults, [["a", 5, true]], "only the failed attempt was reported");
  const on = harness([new ConnectionError("a:1", "x"), "SEND_OK"], [5, 7]);
  await on.send();
  assert.deepEqual(on.fault.faults, [["a", 5, true], ["b", 7, false]]);
});

Deno.test("send job: startsAtBegin starts the first attempt at begin, without a clock read", async () => {
  for (const startsAtBegin of [false, true]) {
    const h = harness(["SEND_OK"], [0], { latency: false });
    h.setClock(1500); // 500 ms after begin
    await h.send({ begin: 1000, startsAtBegin });
    assert.deepEqual(h.born, [startsAtBegin ? 1000 : 1500]);
    assert.deepEqual(h.lefts, [startsAtBegin ? 3000 : 2500]);
  }
});

Deno.test("send job: a fixed queue — one awaited attempt with its own error; async retries it", async () => {
  const fixed = Q("c", 3);
  const h = harness([new ConnectionError("c:1", "lost"), "SEND_OK"], [1, 1]);
  await assert.rejects(h.send({ fixed }), ConnectionError);
  assert.deepEqual(h.queues, ["c:3"]);
  assert.deepEqual(h.fault.faults, [], "no fault feedback for a fixed queue");
  const a = harness([new ConnectionError("c:1", "lost"), "SEND_OK"], [1, 1]);
  const r = await a.send({ fixed, mode: "ASYNC" });
  assert.deepEqual(a.queues, ["c:3", "c:3"], "async retries the same queue");
  assert.deepEqual(r!.queue, { topic: "T", brokerName: "c", queueId: 3 });
  const all = harness([1, 2, 3].map(() => new ConnectionError("c:1", "lost")), [1, 1, 1]);
  await assert.rejects(all.send({ fixed, mode: "ASYNC" }), ConnectionError);
  assert.equal(all.queues.length, 3);
});

Deno.test("send job: one-way sends make one attempt and resolve undefined", async () => {
  const h = harness(["SEND_OK"], [1]);
  assert.equal(await h.send({ mode: "ONEWAY" }), undefined);
  const f = harness([new ConnectionError("a:1", "x"), "SEND_OK"], [1, 1]);
  await assert.rejects(f.send({ mode: "ONEWAY" }), SendFailedError);
  assert.equal(f.lefts.length, 1);
});

Deno.test("VIP channel is port − 2", () => {
  assert.equal(vipAddress("127.0.0.1:10911"), "127.0.0.1:10909");
  assert.equal(vipAddress("[::1]:10911"), "[::1]:10909");
});
