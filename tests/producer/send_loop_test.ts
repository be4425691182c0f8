import assert from "node:assert/strict";
import { type AttemptSink, syncRetryPolicy } from "../../src/producer/send-loop.ts";
import { runSendLoop, type SendLoopPolicy } from "../../src/producer/send-loop-deps.ts";
import type { MessageQueue, SendResult } from "../../src/producer/types.ts";
import {
  BrokerError,
  ConnectionError,
  SendFailedError,
  TimeoutError,
  ValidationError,
} from "../../src/errors.ts";

const Q = (b: string): MessageQueue => ({ topic: "T", brokerName: b, queueId: 0 });
const ok = (b: string, status: SendResult["status"] = "SEND_OK"): SendResult => ({
  status,
  msgId: "m",
  offsetMsgId: "o",
  queue: Q(b),
  queueOffset: 0,
  regionId: "DefaultRegion",
  traceOn: true,
});

function harness(outcomes: ((b: string, left: number) => SendResult | Error)[], costs: number[]) {
  let t = 1000;
  const faults: [string, number, boolean][] = [];
  const lefts: number[] = [];
  const brokers = ["a", "b"];
  let i = 0;
  return {
    faults,
    lefts,
    deps: {
      now: () => t,
      select: (last: string | undefined) => Q(last === "a" ? "b" : last === "b" ? "a" : brokers[0]),
      attempt: (q: MessageQueue, left: number, n: number): Promise<SendResult> => {
        lefts.push(left);
        t += costs[n] ?? 0;
        const r = outcomes[i++](q.brokerName, left);
        return r instanceof Error ? Promise.reject(r) : Promise.resolve(r);
      },
      updateFaultItem: (b: string, l: number, iso: boolean) => faults.push([b, l, iso]),
    },
  };
}

const policy = (p: Partial<SendLoopPolicy> = {}): SendLoopPolicy => ({
  maxAttempts: 3,
  timeoutMs: 3000,
  retryOn: syncRetryPolicy,
  retryNotOk: false,
  topic: "T",
  ...p,
});

Deno.test("send loop: retries on another broker with the budget that is left", async () => {
  const h = harness([
    () => new BrokerError(1, "x", "a:1"),
    () => new ConnectionError("b:1", "refused"),
    (b) => ok(b),
  ], [100, 200, 50]);
  const r = await runSendLoop(h.deps, policy());
  assert.equal(r.queue.brokerName, "a");
  assert.deepEqual(h.lefts, [3000, 2900, 2700]);
  assert.deepEqual(h.faults, [["a", 100, true], ["b", 200, true], ["a", 50, false]]);
});

Deno.test("send loop: budget spent before an attempt → TimeoutError with the attempts", async () => {
  const h = harness([() => new TimeoutError("slow", 1000), () => ok("b")], [1000, 0]);
  await assert.rejects(runSendLoop(h.deps, policy({ timeoutMs: 1000 })), (e: unknown) => {
    assert.ok(e instanceof TimeoutError);
    assert.ok(e.cause instanceof SendFailedError);
    assert.equal(e.cause.attempts.length, 1);
    return true;
  });
  assert.deepEqual(h.lefts, [1000]);
});

Deno.test("send loop: time spent before the loop counts; the TimeoutError names the whole budget", async () => {
  // The send began 1 ms before the loop (clock 999): the attempt gets 149 ms, the budget stays 150.
  const h = harness([() => new TimeoutError("slow", 149), () => ok("b")], [149, 0]);
  await assert.rejects(
    runSendLoop(h.deps, policy({ timeoutMs: 150, begin: 999 })),
    (e: unknown) => {
      assert.ok(e instanceof TimeoutError);
      assert.equal(e.timeoutMs, 150);
      assert.ok(e.cause instanceof SendFailedError);
      return true;
    },
  );
  assert.deepEqual(h.lefts, [149]);
});

Deno.test("send loop: attempts exhausted → SendFailedError; non-retriable thrown as is", async () => {
  const h = harness([1, 14, 17].map((c) => () => new BrokerError(c, "r", "x:1")), [1, 1, 1]);
  await assert.rejects(runSendLoop(h.deps, policy()), (e: unknown) => {
    assert.ok(e instanceof SendFailedError);
    assert.deepEqual(e.brokersTried, ["a", "b", "a"]);
    assert.equal(e.lastResponseCode, 17);
    assert.ok(e.cause instanceof BrokerError);
    return true;
  });
  const h2 = harness([() => new BrokerError(13, "illegal", "x:1")], [1]);
  await assert.rejects(runSendLoop(h2.deps, policy()), (e) => e instanceof BrokerError);
  const h3 = harness([() => new ValidationError("f", "r")], [1]);
  await assert.rejects(runSendLoop(h3.deps, policy()), ValidationError);
});

Deno.test("send loop: not-OK status returned, or retried with retryNotOk", async () => {
  const h = harness([(b) => ok(b, "FLUSH_DISK_TIMEOUT")], [1]);
  assert.equal((await runSendLoop(h.deps, policy())).status, "FLUSH_DISK_TIMEOUT");
  const h2 = harness([(b) => ok(b, "SLAVE_NOT_AVAILABLE"), (b) => ok(b)], [1, 1]);
  const r = await runSendLoop(h2.deps, policy({ retryNotOk: true }));
  assert.equal(r.status, "SEND_OK");
  assert.equal(r.queue.brokerName, "b");
  const h3 = harness([1, 2, 3].map(() => (b: string) => ok(b, "FLUSH_SLAVE_TIMEOUT")), [1, 1, 1]);
  assert.equal(
    (await runSendLoop(h3.deps, policy({ retryNotOk: true }))).status,
    "FLUSH_SLAVE_TIMEOUT",
  );
});

Deno.test("retry policy: Java 4.9 codes plus SYSTEM_BUSY, transport errors", () => {
  for (const c of [1, 2, 14, 16, 17, 204, 205]) {
    assert.equal(syncRetryPolicy(new BrokerError(c, "", "x")), true);
  }
  for (const c of [3, 13, 15, 215]) {
    assert.equal(syncRetryPolicy(new BrokerError(c, "", "x")), false);
  }
  assert.equal(syncRetryPolicy(new ConnectionError("x", "y")), true);
  assert.equal(syncRetryPolicy(new Error("hook")), false);
});

Deno.test("send loop: a first attempt through attemptTo settles the send as attempt would", async () => {
  type Outcome = (b: string, left: number) => SendResult | Error;
  // Each case runs twice: once through promises (attempt), once through the sink (attemptTo),
  // with the sink called synchronously or later; the outcomes and fault feedback must match.
  const cases: { outcomes: Outcome[]; costs: number[]; p?: Partial<SendLoopPolicy> }[] = [
    { outcomes: [(b) => ok(b)], costs: [5] },
    { outcomes: [() => new BrokerError(1, "x", "a:1"), (b) => ok(b)], costs: [10, 20] },
    { outcomes: [() => new BrokerError(3, "bad", "a:1")], costs: [1] },
    {
      outcomes: [(b) => ok(b, "FLUSH_DISK_TIMEOUT"), (b) => ok(b)],
      costs: [1, 1],
      p: { retryNotOk: true },
    },
    {
      outcomes: [() => new ConnectionError("a:1", "x"), () => new ConnectionError("b:1", "y")],
      costs: [1, 1],
      p: { maxAttempts: 2 },
    },
  ];
  const settle = (p: Promise<SendResult>) =>
    p.then(
      (value) => ({ value }),
      (e: Error) => ({ error: e.constructor.name, message: e.message }),
    );
  for (const c of cases) {
    const reference = harness(c.outcomes, c.costs);
    const expected = await settle(runSendLoop(reference.deps, policy(c.p)));
    for (const later of [false, true]) {
      const h = harness(c.outcomes, c.costs);
      let direct = 0;
      const deps = {
        ...h.deps,
        attemptTo(
          q: MessageQueue,
          left: number,
          n: number,
          sink: AttemptSink<SendResult>,
        ): boolean {
          direct++;
          const run = (): void => {
            h.deps.attempt(q, left, n).then((r) => sink.ok(r), (e) => sink.fail(e));
          };
          if (later) setTimeout(run, 1);
          else run();
          return true;
        },
      };
      assert.deepEqual(await settle(runSendLoop(deps, policy(c.p))), expected);
      assert.equal(direct, 1, "only the first attempt goes through the sink");
      assert.deepEqual(h.faults, reference.faults);
    }
  }
  // attemptTo declining (false) or throwing: the loop falls back to attempt / fails the attempt.
  const declined = harness([(b) => ok(b)], [1]);
  const r = await runSendLoop({ ...declined.deps, attemptTo: () => false }, policy());
  assert.equal(r.status, "SEND_OK");
  const thrown = harness([(b) => ok(b)], [1, 1]);
  const r2 = await runSendLoop({
    ...thrown.deps,
    attemptTo: () => {
      throw new ConnectionError("a:1", "boom");
    },
  }, policy());
  assert.equal(r2.queue.brokerName, "b", "the throwing first attempt counted as failed on a");
});

Deno.test("send loop: a first-attempt sink settled twice runs the loop once", async () => {
  const h = harness([(b) => ok(b)], [1, 1]);
  let exits = 0;
  const outcome = {
    succeeded: (r: SendResult): SendResult => {
      exits++;
      return r;
    },
    failed: (e: unknown): never => {
      exits++;
      throw e;
    },
  };
  const r = await runSendLoop(
    {
      ...h.deps,
      attemptTo(_q: MessageQueue, _left: number, _n: number, sink: AttemptSink<SendResult>) {
        sink.fail(new ConnectionError("a:1", "lost"));
        sink.fail(new ConnectionError("a:1", "lost again"));
        sink.ok(ok("a"));
        return true;
      },
    },
    policy(),
    outcome,
  );
  assert.equal(r.queue.brokerName, "b", "one retry, on the other broker");
  assert.equal(h.lefts.length, 1, "exactly one further attempt");
  assert.equal(exits, 1, "the caller's bookkeeping ran once");
  assert.deepEqual(h.faults.map((f) => f[0]), ["a", "b"]);
});

Deno.test("send loop: wantsLatency false skips the success feedback, not the failure's", async () => {
  const h = harness([() => new ConnectionError("a:1", "x"), (b) => ok(b)], [5, 7]);
  let clockReads = 0;
  const deps = {
    ...h.deps,
    now: () => {
      clockReads++;
      return h.deps.now();
    },
    wantsLatency: () => false,
  };
  const r = await runSendLoop(deps, policy({ begin: 1000 }));
  assert.equal(r.queue.brokerName, "b");
  assert.deepEqual(h.faults, [["a", 5, true]], "only the failed attempt was reported");
  const withFeedback = harness([() => new ConnectionError("a:1", "x"), (b) => ok(b)], [5, 7]);
  await runSendLoop(withFeedback.deps, policy({ begin: 1000 }));
  assert.deepEqual(withFeedback.faults, [["a", 5, true], ["b", 7, false]]);
  assert.ok(clockReads >= 2);
});

Deno.test("send loop: startsAtBegin starts the first attempt at begin, without a clock read", async () => {
  for (const startsAtBegin of [false, true]) {
    const h = harness([(b) => ok(b)], [0]);
    let clockReads = 0;
    let stamped = -1;
    let budget = -1;
    const deps = {
      ...h.deps,
      now: () => {
        clockReads++;
        return 1500; // 500 ms after begin
      },
      wantsLatency: () => false,
      attemptTo(
        _q: MessageQueue,
        left: number,
        _n: number,
        sink: AttemptSink<SendResult>,
        now: number,
      ): boolean {
        stamped = now;
        budget = left;
        sink.ok(ok("a"));
        return true;
      },
    };
    await runSendLoop(deps, policy({ begin: 1000, startsAtBegin }));
    // Without the flag the loop reads the clock: the attempt starts later and has less budget.
    assert.equal(clockReads, startsAtBegin ? 0 : 1);
    assert.equal(stamped, startsAtBegin ? 1000 : 1500);
    assert.equal(budget, startsAtBegin ? 3000 : 2500);
  }
});
