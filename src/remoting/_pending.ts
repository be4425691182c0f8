/**
 * Pending-request bookkeeping of the remoting client: the process-wide opaque counter and the
 * entry of one request waiting for its response. Private to `client.ts`.
 *
 * @module
 */

import { AbortedError, TimeoutError } from "../errors.ts";
import type { RemotingCommand } from "./command.ts";
import type { PendingSlots, SlotEntry } from "./_pending_slots.ts";
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
  readonly pending: PendingSlots<PendingEntry>;
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
  capturing!.resolve = resolve;
  capturing!.reject = reject;
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
        if (entry.signal === signal) abortEntry(entry);
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

/**
 * One request waiting for its response, as the remoting client keeps it: bookkeeping fields the
 * client fills in ({@link registerEntry}) on an object that is also where the outcome goes (its
 * `onResponse` / `onError` / `onTokens`), so a request in flight can cost one object, not an
 * entry and a sink. An object is the entry of one request only. {@link PendingCall} is the
 * ready-made base; an object with other duties (the producer's send job) can implement this.
 */
export interface PendingEntry extends ResponseSink, SlotEntry {
  /** The table it waits in (set by {@link registerEntry}; undefined before). */
  table: PendingTable | undefined;
  /** Correlation id of the request. */
  opaque: number;
  /** Request code (error messages). */
  code: number;
  /** The request's timeout (error messages). */
  requestTimeoutMs: number;
  /** `performance.now()` value after which the request times out (whole milliseconds). */
  deadline: number;
  /** The request's abort signal. */
  signal: AbortSignal | undefined;
  /** See {@link ResponseSink.onTokens} (required of an entry). */
  onTokens(tokens: HeaderTokens, body: Uint8Array | undefined): void;
}

/** True when `sink` is a {@link PendingEntry} (it has the bookkeeping fields). */
export function isPendingEntry(sink: ResponseSink): sink is PendingEntry {
  return typeof (sink as Partial<PendingEntry>).slotSeq === "number" &&
    typeof (sink as Partial<PendingEntry>).onTokens === "function";
}

/**
 * Make `entry` wait in `table` under `opaque` (and on `signal`).
 *
 * @throws Error when the entry was registered before (an entry is one request)
 */
export function registerEntry(
  entry: PendingEntry,
  table: PendingTable,
  opaque: number,
  code: number,
  timeoutMs: number,
  deadline: number,
  signal: AbortSignal | undefined,
): void {
  if (entry.table !== undefined) throw new Error("a pending entry is registered once");
  entry.table = table;
  entry.opaque = opaque;
  entry.code = code;
  entry.requestTimeoutMs = timeoutMs;
  entry.deadline = deadline;
  entry.signal = signal;
  table.pending.set(entry);
  if (signal !== undefined && table.lastSignal !== signal) register(signal, table);
}

/** True while `entry` waits in its table. */
function waiting(entry: PendingEntry): boolean {
  return entry.table !== undefined && entry.table.pending.get(entry.opaque) === entry;
}

/** Take a waiting `entry` out of its table. */
function remove(entry: PendingEntry): void {
  entry.table!.pending.delete(entry.opaque);
}

function detach(entry: PendingEntry): void {
  if (waiting(entry)) remove(entry);
}

/** The response of `entry` arrived. */
export function completeEntry(entry: PendingEntry, response: RemotingCommand): void {
  detach(entry);
  entry.onResponse(response);
}

/** The response of `entry` arrived as a scanned JSON header (see {@link ResponseSink.onTokens}). */
export function completeEntryTokens(
  entry: PendingEntry,
  tokens: HeaderTokens,
  body: Uint8Array | undefined,
): void {
  detach(entry);
  entry.onTokens(tokens, body);
}

/** Fail `entry` with `error` (connection lost, client closed); a no-op once settled. */
export function failEntry(entry: PendingEntry, error: Error): void {
  // Callers walk a snapshot of the table: an earlier entry's outcome may have settled this one.
  if (!waiting(entry)) return;
  remove(entry);
  entry.onError(error);
}

/** The deadline of `entry` passed; a no-op once settled. */
export function expireEntry(entry: PendingEntry): void {
  if (!waiting(entry)) return;
  remove(entry);
  entry.onError(
    new TimeoutError(
      `no response from ${
        entry.table!.address
      } within ${entry.requestTimeoutMs} ms (request code ${entry.code}, opaque ${entry.opaque})`,
      entry.requestTimeoutMs,
    ),
  );
}

/** The signal of `entry` fired; a no-op once settled. */
export function abortEntry(entry: PendingEntry): void {
  if (!waiting(entry)) return;
  remove(entry);
  entry.onError(
    new AbortedError(
      `request code ${entry.code} to ${entry.table!.address} aborted`,
      { cause: entry.signal?.reason },
    ),
  );
}

/** A {@link PendingEntry} base: the bookkeeping fields, `onTokens` mapped to `onResponse`. */
export abstract class PendingCall implements PendingEntry {
  /** See {@link PendingEntry.table}. */
  table: PendingTable | undefined = undefined;
  /** See {@link PendingEntry.opaque}. */
  opaque = 0;
  /** See {@link PendingEntry.code}. */
  code = 0;
  /** See {@link PendingEntry.requestTimeoutMs}. */
  requestTimeoutMs = 0;
  /** See {@link PendingEntry.deadline}. */
  deadline = 0;
  /** See {@link PendingEntry.signal}. */
  signal: AbortSignal | undefined = undefined;
  /** Insertion order in the table (written by it). */
  slotSeq = 0;

  /** The response arrived. */
  abstract onResponse(response: RemotingCommand): void;
  /** The request failed (timeout, abort, connection lost, client closed). */
  abstract onError(error: Error): void;

  /** The response arrived as a scanned JSON header: mapped to the command {@link onResponse} takes. */
  onTokens(tokens: HeaderTokens, body: Uint8Array | undefined): void {
    this.onResponse(tokens.toCommand(body));
  }
}

/** A {@link PendingCall} handing its outcome to a separate {@link ResponseSink}. */
export class SinkCall extends PendingCall {
  readonly #sink: ResponseSink;

  /** @param sink receives the outcome */
  constructor(sink: ResponseSink) {
    super();
    this.#sink = sink;
  }

  onResponse(response: RemotingCommand): void {
    this.#sink.onResponse(response);
  }

  onError(error: Error): void {
    this.#sink.onError(error);
  }

  override onTokens(tokens: HeaderTokens, body: Uint8Array | undefined): void {
    const sink = this.#sink;
    if (sink.onTokens === undefined) sink.onResponse(tokens.toCommand(body));
    else sink.onTokens(tokens, body);
  }
}

/** A {@link PendingCall} that settles {@link promise}: a request awaited as a promise. */
export class PromisedResponse extends PendingCall {
  /** Settles with the response, or rejects with the request's error. */
  readonly promise: Promise<RemotingCommand>;
  resolve!: (response: RemotingCommand) => void;
  reject!: (error: Error) => void;

  constructor() {
    super();
    capturing = this;
    this.promise = new Promise<RemotingCommand>(capture);
    capturing = undefined;
  }

  onResponse(response: RemotingCommand): void {
    this.resolve(response);
  }

  onError(error: Error): void {
    this.reject(error);
  }
}
