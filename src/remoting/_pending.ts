/**
 * Pending-request bookkeeping of the remoting client: the process-wide opaque counter and the
 * entry of one request waiting for its response. Private to `client.ts`.
 *
 * @module
 */

import { AbortedError, TimeoutError } from "../errors.ts";
import type { RemotingCommand } from "./command.ts";
import {
  PendingRequest,
  type PendingTable,
  promiseFor,
  type ResponseSink,
  type ScannedResponse,
} from "./pending-request.ts";

export type { PendingTable };

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
 * Make `entry` wait in `table` under `opaque` (and on `signal`).
 *
 * @throws Error when the entry was registered before (an entry is one request)
 */
export function registerEntry(
  entry: PendingRequest,
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
function waiting(entry: PendingRequest): boolean {
  return entry.table !== undefined && entry.table.pending.get(entry.opaque) === entry;
}

/** Take a waiting `entry` out of its table. */
function remove(entry: PendingRequest): void {
  entry.table!.pending.delete(entry.opaque);
}

function detach(entry: PendingRequest): void {
  if (waiting(entry)) remove(entry);
}

/** The response of `entry` arrived. */
export function completeEntry(entry: PendingRequest, response: RemotingCommand): void {
  detach(entry);
  entry.onResponse(response);
}

/** The response of `entry` arrived as a scanned JSON header (see {@link ResponseSink.onTokens}). */
export function completeEntryTokens(
  entry: PendingRequest,
  tokens: ScannedResponse,
  body: Uint8Array | undefined,
): void {
  detach(entry);
  entry.onTokens(tokens, body);
}

/** Fail `entry` with `error` (connection lost, client closed); a no-op once settled. */
export function failEntry(entry: PendingRequest, error: Error): void {
  // Callers walk a snapshot of the table: an earlier entry's outcome may have settled this one.
  if (!waiting(entry)) return;
  remove(entry);
  entry.onError(error);
}

/** The deadline of `entry` passed; a no-op once settled. */
export function expireEntry(entry: PendingRequest): void {
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
export function abortEntry(entry: PendingRequest): void {
  if (!waiting(entry)) return;
  remove(entry);
  entry.onError(
    new AbortedError(
      `request code ${entry.code} to ${entry.table!.address} aborted`,
      { cause: entry.signal?.reason },
    ),
  );
}

/** A {@link PendingRequest} handing its outcome to a separate {@link ResponseSink}. */
export class SinkCall extends PendingRequest {
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

  override onTokens(tokens: ScannedResponse, body: Uint8Array | undefined): void {
    const sink = this.#sink;
    if (sink.onTokens === undefined) sink.onResponse(tokens.toCommand(body));
    else sink.onTokens(tokens, body);
  }
}

/** A {@link PendingRequest} that settles {@link promise}: a request awaited as a promise. */
export class PromisedResponse extends PendingRequest {
  /** Settles with the response, or rejects with the request's error. */
  readonly promise: Promise<RemotingCommand>;
  resolve!: (response: RemotingCommand) => void;
  reject!: (error: Error) => void;

  constructor() {
    super();
    this.promise = promiseFor<RemotingCommand>(this);
  }

  onResponse(response: RemotingCommand): void {
    this.resolve(response);
  }

  onError(error: Error): void {
    this.reject(error);
  }
}
