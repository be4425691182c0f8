import assert from "node:assert/strict";
import {
  completeEntry,
  expireEntry,
  failEntry,
  type PendingTable,
  PromisedResponse,
  registerEntry,
  SinkCall,
} from "../../src/remoting/_pending.ts";
import type { PendingRequest, ResponseSink } from "../../src/remoting/pending-request.ts";
import type { RemotingCommand } from "../../src/remoting/command.ts";
import { PendingSlots } from "../../src/remoting/_pending_slots.ts";
import { AbortedError } from "../../src/errors.ts";

function table(i: number): PendingTable {
  return { address: `127.0.0.1:${1000 + i}`, pending: new PendingSlots() };
}

/** A pending request awaited as a promise (as `RemotingClient.invoke` makes them). */
function entry(t: PendingTable, opaque: number, signal: AbortSignal): PromisedResponse {
  const call = new PromisedResponse();
  registerEntry(call, t, opaque, 10, 1000, Math.ceil(performance.now() + 1000), signal);
  return call;
}

function promiseOf(e: PromisedResponse): Promise<RemotingCommand> {
  return e.promise;
}

/** A SUCCESS response to `opaque`. */
function answer(opaque: number): RemotingCommand {
  return { code: 0, language: 0, version: 0, opaque, flag: 1, serializeType: 0 };
}

/** A pending request handing its outcome to `sink` (as `RemotingClient.invokeJsonTo` does). */
function pend(
  t: PendingTable,
  opaque: number,
  deadline: number,
  signal: AbortSignal,
  sink: ResponseSink,
): PendingRequest {
  const call = new SinkCall(sink);
  registerEntry(call, t, opaque, 10, 1000, deadline, signal);
  return call;
}

Deno.test("signal over many tables: pruned tables re-register and still abort", async () => {
  const controller = new AbortController();
  const signal = controller.signal;
  const tables = Array.from({ length: 40 }, (_, i) => table(i));
  // Each table gets a request that is answered at once: its table empties, so it may be pruned.
  let opaque = 0;
  for (const t of tables) {
    const e = entry(t, opaque++, signal);
    completeEntry(e, answer(e.opaque));
    await promiseOf(e);
  }
  // Now one waiting request per table, under the same signal, and one under another signal.
  const waiting = tables.map((t) => entry(t, opaque++, signal));
  const other = new AbortController();
  const untouched = entry(tables[0], opaque++, other.signal);
  controller.abort(new Error("stop"));
  for (const e of waiting) {
    await assert.rejects(promiseOf(e), (err) => err instanceof AbortedError);
    assert.equal(e.table!.pending.has(e.opaque), false);
  }
  assert.equal(tables[0].pending.get(untouched.opaque), untouched);
  other.abort();
  await assert.rejects(promiseOf(untouched), AbortedError);
  assert.equal(tables.reduce((n, t) => n + t.pending.size, 0), 0);
});

Deno.test("signal: answered, failed and expired requests are not aborted later", async () => {
  const controller = new AbortController();
  const t = table(0);
  const answered = entry(t, 1, controller.signal);
  const failed = entry(t, 2, controller.signal);
  const expired = entry(t, 3, controller.signal);
  const waiting = entry(t, 4, controller.signal);
  completeEntry(answered, answer(1));
  failEntry(failed, new Error("gone"));
  expireEntry(expired);
  controller.abort();
  assert.equal((await promiseOf(answered)).code, 0);
  await assert.rejects(promiseOf(failed), /gone/);
  await assert.rejects(promiseOf(expired), (e) => !(e instanceof AbortedError));
  await assert.rejects(promiseOf(waiting), AbortedError);
});

Deno.test("sink: every outcome reaches the sink once", () => {
  const outcomes: string[] = [];
  const sink = {
    onResponse: (r: { opaque: number }) => outcomes.push(`response ${r.opaque}`),
    onError: (e: Error) => outcomes.push(e.constructor.name),
  };
  const controller = new AbortController();
  const t = table(0);
  const make = (opaque: number) => pend(t, opaque, 0, controller.signal, sink);
  const answered = make(1);
  completeEntry(answered, answer(1));
  failEntry(make(2), new Error("gone"));
  expireEntry(make(3));
  make(4);
  controller.abort();
  assert.deepEqual(outcomes, ["response 1", "Error", "TimeoutError", "AbortedError"]);
  assert.equal(t.pending.size, 0);
});

Deno.test("an entry settled by its signal is not settled again by a later fail or expire", () => {
  const controller = new AbortController();
  const t = table(99);
  const outcomes: string[] = [];
  const entry = pend(t, 7, Math.ceil(performance.now() + 1000), controller.signal, {
    onResponse: () => outcomes.push("response"),
    onError: (e: Error) => outcomes.push(e.constructor.name),
  });
  // As Channel#die or the sweep do: a snapshot taken before an earlier entry's outcome ran.
  const snapshot = t.pending.values();
  controller.abort();
  for (const e of snapshot) {
    failEntry(e, new Error("connection lost"));
    expireEntry(e);
  }
  assert.deepEqual(outcomes, ["AbortedError"]);
  assert.equal(t.pending.size, 0);
  assert.equal(entry.table, t);
});

Deno.test("a pending call is one request: registering it again throws, and its entry stays", () => {
  const t = table(5);
  const signal = new AbortController().signal;
  const call = entry(t, 3, signal);
  assert.throws(() => registerEntry(call, t, 4, 10, 1000, 0, signal), /registered once/);
  assert.equal(t.pending.get(3), call);
  assert.equal(t.pending.has(4), false);
  completeEntry(call, answer(3));
  assert.throws(() => registerEntry(call, t, 5, 10, 1000, 0, signal), /registered once/);
  assert.equal(t.pending.size, 0);
});
