/**
 * The remoting client's seam for callers that receive a response without a promise (the
 * producer's send path, see `RemotingClient.invokeJsonTo`): what such a receiver implements, what
 * it may read of a response while its frame is handled, and the one promise helper both sides
 * use. Everything else of the client's request bookkeeping stays private to it.
 *
 * The contract in three rules:
 *
 * - A receiver is a {@link ResponseSink}. A {@link PendingRequest} is a sink that is also the
 *   client's bookkeeping of one request (it saves an object per request in flight): the client
 *   fills in its fields when the request is registered and reads them until it settles; the
 *   subclass never writes them.
 * - Every outcome reaches the sink exactly once, synchronously, from the socket's data handler,
 *   the timer, an abort or a close. The sink must not throw.
 * - A {@link ScannedResponse} is valid only during the call that hands it over. Each frame being
 *   handled has a scanner of its own, so a sink that runs user code which handles another frame
 *   (a transport that answers synchronously) reads no other frame's values.
 *
 * @example
 * ```ts
 * import { PendingRequest, promiseFor } from "./pending-request.ts";
 * import type { RemotingCommand } from "./command.ts";
 *
 * class Answer extends PendingRequest {
 *   resolve!: (code: number) => void;
 *   reject!: (error: unknown) => void;
 *   readonly promise: Promise<number> = promiseFor<number>(this);
 *   onResponse(response: RemotingCommand): void {
 *     this.resolve(response.code);
 *   }
 *   onError(error: Error): void {
 *     this.reject(error);
 *   }
 * }
 * ```
 *
 * @module
 */

import type { RemotingCommand } from "./command.ts";
import type { PendingSlots, SlotEntry } from "./_pending_slots.ts";
import type { FieldNames } from "./_header_tokens.ts";

export { FieldNames, nameBytes } from "./_header_tokens.ts";

/**
 * A JSON response header as scanned in place (no command, no extFields object built): the
 * members a send response needs, read by entry index. Valid only during the call it is passed to.
 */
export interface ScannedResponse {
  /** Response code. */
  readonly code: number;
  /** Correlation id. */
  readonly opaque: number;
  /** The remark, if any. */
  remark(): string | undefined;
  /** `out[k]` = the entry index of `fields.names[k]`, or -1 (one pass over the entries). */
  locate(fields: FieldNames, out: Int32Array): void;
  /** The value of entry `i`. */
  value(i: number): string;
  /** True when the value of entry `i` is exactly the ASCII bytes `text`. */
  valueIs(i: number, text: Uint8Array): boolean;
  /** The value of entry `i` when it is plain decimal digits (≤ 15), else -1. */
  digits(i: number): number;
  /** The command a decoded frame would have given. */
  toCommand(body: Uint8Array | undefined): RemotingCommand;
}

/** Receives the outcome of one request (see the module rules). */
export interface ResponseSink {
  /** The response arrived. */
  onResponse(response: RemotingCommand): void;
  /** The request failed (timeout, abort, connection lost, client closed). */
  onError(error: Error): void;
  /** Optional: the response arrived as a scanned JSON header, instead of {@link onResponse}. */
  onTokens?(response: ScannedResponse, body: Uint8Array | undefined): void;
}

/** Where a pending request waits; the client's, read-only to a {@link PendingRequest}. */
export interface PendingTable {
  /** The address the request went to. */
  readonly address: string;
  /** The requests waiting here, by opaque. */
  readonly pending: PendingSlots<PendingRequest>;
  /** The signal of the last request registered here (skips re-registering the table). */
  lastSignal?: AbortSignal;
}

/**
 * A {@link ResponseSink} that is also the client's record of the one request it serves. The
 * fields are written by the remoting client only. `onTokens` defaults to {@link onResponse} of
 * the decoded command.
 */
export abstract class PendingRequest implements ResponseSink, SlotEntry {
  /** The table it waits in (undefined until the client registered the request). */
  table: PendingTable | undefined = undefined;
  /** Correlation id of the request. */
  opaque = 0;
  /** Request code (error messages). */
  code = 0;
  /** The request's timeout (error messages). */
  requestTimeoutMs = 0;
  /** `performance.now()` value after which the request times out (whole milliseconds). */
  deadline = 0;
  /** The request's abort signal. */
  signal: AbortSignal | undefined = undefined;
  /** Insertion order in the table (written by it). */
  slotSeq = 0;

  /** The response arrived. */
  abstract onResponse(response: RemotingCommand): void;
  /** The request failed (timeout, abort, connection lost, client closed). */
  abstract onError(error: Error): void;

  /** The response arrived as a scanned JSON header: mapped to the command {@link onResponse} takes. */
  onTokens(response: ScannedResponse, body: Uint8Array | undefined): void {
    this.onResponse(response.toCommand(body));
  }
}

/** An object a promise hands its settlers to (see {@link promiseFor}). */
export interface Settlers<T> {
  /** Set by {@link promiseFor}. */
  resolve: (value: T) => void;
  /** Set by {@link promiseFor}. */
  reject: (error: never) => void;
}

// One executor for every promise made here: it hands resolve/reject to the holder being built,
// so a request allocates no closure of its own.
let capturing: Settlers<never> | undefined;
function capture(resolve: (value: never) => void, reject: (error: never) => void): void {
  capturing!.resolve = resolve;
  capturing!.reject = reject;
}

/**
 * A new promise whose resolve/reject are stored on `holder` (no closure per promise).
 *
 * @param holder receives the settlers
 * @returns the promise
 */
export function promiseFor<T>(holder: Settlers<T>): Promise<T> {
  capturing = holder as Settlers<never>;
  const promise = new Promise<T>(capture);
  capturing = undefined;
  return promise;
}
