/**
 * Pending-request bookkeeping of the remoting client: the process-wide opaque counter and the
 * entry of one request waiting for its response. Private to `client.ts`.
 *
 * @module
 */

import { AbortedError, TimeoutError } from "../errors.ts";
import type { RemotingCommand } from "./command.ts";
import type { PendingSlots } from "./_pending_slots.ts";
import type { HeaderTokens } from "./_header_tokens.ts";

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
  readonly pending: PendingSlots<PendingRequest>;
  /** The signal of the last request registered here (skips re-registering the table). */
  lastSignal?: AbortSignal;
}

// The promise executor is shared: it hands resolve/reject to the sink being created, so a call
// allocates no closure of its own.
let capturing: PromisedResponse | undefined;
function capture(
  resolve: (response: RemotingCommand) => void,
  reject: (error: Error) => void,
): void {
  capturing!.onResponse = resolve;
  capturing!.onError = reject;
}

/** Tables kept per signal before the ones without pending requests are dropped. */
const PRUNE_AT = 16;

/**
 * The tables holding requests under one signal. A signal gets one `abort` listener (this
 * object) for all its requests, however many there are over its life, and a request costs no
 * set entry of its own: producers pass one shared shutdown signal with every send, and adding
 * and removing a listener or a set entry per request showed up in the send path (Node's
 * EventTarget bookkeeping; set entries kept responses alive long enough to be promoted).
 */
class SignalWaiters implements EventListenerObject {
  readonly signal: AbortSignal;
  readonly tables: Set<PendingTable> = new Set();

  constructor(signal: AbortSignal) {
    this.signal = signal;
  }

  add(table: PendingTable): void {
    const tables = this.tables;
    if (tables.has(table)) return;
    if (tables.size >= PRUNE_AT) {
      for (const t of tables) {
        if (t.pending.size > 0) continue;
        tables.delete(t);
        if (t.lastSignal === this.signal) t.lastSignal = undefined; // re-register on next use
      }
    }
    tables.add(table);
  }

  /** The signal fired: every request still waiting under it is aborted, oldest first per table. */
  handleEvent(): void {
    const tables = [...this.tables];
    this.tables.clear();
    const signal = this.signal;
    for (const table of tables) {
      if (table.lastSignal === signal) table.lastSignal = undefined;
      for (const entry of table.pending.values()) {
        if (entry.signal === signal) entry.abort();
      }
    }
  }
}

/** Waiter sets by signal; an entry goes away with its signal. */
const waitersBySignal = new WeakMap<AbortSignal, SignalWaiters>();

function register(signal: AbortSignal, table: PendingTable): void {
  let waiters = waitersBySignal.get(signal);
  if (waiters === undefined) {
    waiters = new SignalWaiters(signal);
    waitersBySignal.set(signal, waiters);
    signal.addEventListener("abort", waiters, { once: true });
  }
  waiters.add(table);
  table.lastSignal = signal;
}

/**
 * Receives the outcome of a request instead of a promise (see `RemotingClient.invokeJsonTo`).
 * Called synchronously, from the socket's data handler, the timer, an abort or a close: it
 * must not throw, and should only hand the outcome on (e.g. settle a promise of its own).
 */
export interface ResponseSink {
  /** The response arrived. */
  onResponse(response: RemotingCommand): void;
  /** The request failed (timeout, abort, connection lost, client closed). */
  onError(error: Error): void;
  /**
   * Optional: the response arrived as a scanned JSON header (instead of {@link onResponse}).
   * `tokens` and `body` are valid only during the call; `tokens.toCommand(body)` gives the
   * command `onResponse` would have received.
   */
  onTokens?(tokens: HeaderTokens, body: Uint8Array | undefined): void;
}

/** A {@link ResponseSink} that settles {@link promise}: a request awaited as a promise. */
export class PromisedResponse implements ResponseSink {
  /** Settles with the response, or rejects with the request's error. */
  readonly promise: Promise<RemotingCommand>;
  onResponse!: (response: RemotingCommand) => void;
  onError!: (error: Error) => void;

  constructor() {
    capturing = this;
    this.promise = new Promise<RemotingCommand>(capture);
    capturing = undefined;
  }
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
  /** Receives the outcome (a {@link PromisedResponse} where a promise is wanted). */
  readonly sink: ResponseSink;
  /** Insertion order in the table (written by it). */
  slotSeq = 0;

  /** Create the entry and register it in `table` (and on `signal`); the outcome goes to `sink`. */
  constructor(
    table: PendingTable,
    opaque: number,
    code: number,
    timeoutMs: number,
    deadline: number,
    signal: AbortSignal | undefined,
    sink: ResponseSink,
  ) {
    this.table = table;
    this.opaque = opaque;
    this.code = code;
    this.timeoutMs = timeoutMs;
    this.deadline = deadline;
    this.signal = signal;
    this.sink = sink;
    table.pending.set(this);
    if (signal !== undefined && table.lastSignal !== signal) register(signal, table);
  }

  /** The response arrived. */
  complete(response: RemotingCommand): void {
    this.#detach();
    this.sink.onResponse(response);
  }

  /** The response arrived as a scanned JSON header (see {@link ResponseSink.onTokens}). */
  completeTokens(tokens: HeaderTokens, body: Uint8Array | undefined): void {
    const sink = this.sink;
    if (sink.onTokens === undefined) return this.complete(tokens.toCommand(body));
    this.#detach();
    sink.onTokens(tokens, body);
  }

  /** Fail with `error` (connection lost, client closed); a no-op once settled. */
  fail(error: Error): void {
    // Callers walk a snapshot of the table: an earlier entry's outcome may have settled this one.
    if (this.table.pending.get(this.opaque) !== this) return;
    this.#detach();
    this.sink.onError(error);
  }

  /** The deadline passed; a no-op once settled. */
  expire(): void {
    if (this.table.pending.get(this.opaque) !== this) return;
    this.#detach();
    this.sink.onError(
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
    this.sink.onError(
      new AbortedError(
        `request code ${this.code} to ${this.table.address} aborted`,
        { cause: this.signal?.reason },
      ),
    );
  }

  #detach(): void {
    const pending = this.table.pending;
    if (pending.get(this.opaque) === this) pending.delete(this.opaque);
  }
}
