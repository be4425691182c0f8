/**
 * Pending-request bookkeeping of the remoting client: the process-wide opaque counter and the
 * entry of one request waiting for its response. Private to `client.ts`.
 *
 * @module
 */

import { AbortedError, TimeoutError } from "../errors.ts";
import type { RemotingCommand } from "./command.ts";

/** Next opaque; like Java's `RemotingCommand.requestId`, process-wide, from 0, wrapping at int32. */
let opaqueCounter = 0;

/** A fresh correlation id (int32, wraps from 2^31−1 to −2^31 as Java's AtomicInteger does). */
export function nextOpaque(): number {
  const opaque = opaqueCounter;
  opaqueCounter = (opaqueCounter + 1) | 0;
  return opaque;
}

/** Test hook: set the counter, to exercise wrapping. */
export function setOpaqueCounterForTesting(value: number): void {
  opaqueCounter = value | 0;
}

/** Where a pending request lives; the entry removes itself from it when it settles. */
export interface PendingTable {
  readonly address: string;
  readonly pending: Map<number, PendingRequest>;
}

// The promise executor is shared: it hands resolve/reject to the entry being created, so a call
// allocates no closure of its own.
let capturing: PendingRequest | undefined;
function capture(
  resolve: (response: RemotingCommand) => void,
  reject: (error: Error) => void,
): void {
  capturing!.resolve = resolve;
  capturing!.reject = reject;
}

/**
 * The requests waiting under one signal. A signal gets one `abort` listener (this object) for
 * all its requests, however many there are over its life: adding and removing an event listener
 * per request is costly in some runtimes (Node's EventTarget), and producers pass one shared
 * shutdown signal with every send.
 */
class SignalWaiters implements EventListenerObject {
  readonly entries: Set<PendingRequest> = new Set();

  /** The signal fired: every request still waiting under it is aborted, oldest first. */
  handleEvent(): void {
    const entries = [...this.entries];
    this.entries.clear();
    for (const entry of entries) entry.abort();
  }
}

/** Waiter sets by signal; an entry goes away with its signal. */
const waitersBySignal = new WeakMap<AbortSignal, SignalWaiters>();

function waitersOf(signal: AbortSignal): SignalWaiters {
  let waiters = waitersBySignal.get(signal);
  if (waiters === undefined) {
    waiters = new SignalWaiters();
    waitersBySignal.set(signal, waiters);
    signal.addEventListener("abort", waiters, { once: true });
  }
  return waiters;
}

/** One request waiting for its response. */
export class PendingRequest {
  readonly table: PendingTable;
  readonly opaque: number;
  readonly code: number;
  readonly timeoutMs: number;
  /** `performance.now()` value after which the request times out. */
  readonly deadline: number;
  readonly signal: AbortSignal | undefined;
  readonly promise: Promise<RemotingCommand>;
  resolve!: (response: RemotingCommand) => void;
  reject!: (error: Error) => void;

  /** Create the entry and register it in `table` (and on `signal`). */
  constructor(
    table: PendingTable,
    opaque: number,
    code: number,
    timeoutMs: number,
    deadline: number,
    signal: AbortSignal | undefined,
  ) {
    this.table = table;
    this.opaque = opaque;
    this.code = code;
    this.timeoutMs = timeoutMs;
    this.deadline = deadline;
    this.signal = signal;
    capturing = this;
    this.promise = new Promise<RemotingCommand>(capture);
    capturing = undefined;
    table.pending.set(opaque, this);
    if (signal !== undefined) waitersOf(signal).entries.add(this);
  }

  /** The response arrived. */
  complete(response: RemotingCommand): void {
    this.#detach();
    this.resolve(response);
  }

  /** Fail with `error` (connection lost, client closed). */
  fail(error: Error): void {
    this.#detach();
    this.reject(error);
  }

  /** The deadline passed. */
  expire(): void {
    this.#detach();
    this.reject(
      new TimeoutError(
        `no response from ${this.table.address} within ${this.timeoutMs} ms (request code ${this.code}, opaque ${this.opaque})`,
        this.timeoutMs,
      ),
    );
  }

  /** The signal fired. */
  abort(): void {
    if (this.table.pending.get(this.opaque) !== this) return;
    this.#detach();
    this.reject(
      new AbortedError(
        `request code ${this.code} to ${this.table.address} aborted`,
        { cause: this.signal?.reason },
      ),
    );
  }

  #detach(): void {
    const pending = this.table.pending;
    if (pending.get(this.opaque) === this) pending.delete(this.opaque);
    if (this.signal !== undefined) waitersBySignal.get(this.signal)?.entries.delete(this);
  }
}
