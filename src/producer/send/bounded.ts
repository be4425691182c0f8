/**
 * A send's wait on something shared, bounded by the send's own deadline and abort signal: a
 * route lookup that many sends joined keeps running for all of them, but each send stops
 * waiting when its budget is spent ({@link TimeoutError}) or its signal fires
 * ({@link AbortedError}), whichever comes first. The shared promise's own outcome is handed back
 * as a value, so the caller can tell "the lookup failed" (a cause) from "this send ran out".
 *
 * Hand-written: `AbortSignal.timeout` + `AbortSignal.any` would allocate two signals per wait and
 * cannot be cleared; one timer and one listener, both removed on settle, leave nothing behind.
 *
 * @module
 */

import { AbortedError, TimeoutError } from "../../errors.ts";

/** The limits of one send's waits. */
export interface SendBound {
  /** Epoch ms (Date.now clock) at which the send's budget is spent. */
  readonly deadline: number;
  /** The send's budget, for the error. */
  readonly timeoutMs: number;
  /** The send's signal (the caller's and the producer's shutdown). */
  readonly signal: AbortSignal;
}

/** How a bounded wait's shared promise ended. */
export type Outcome<T> = { readonly ok: true; readonly value: T } | {
  readonly ok: false;
  readonly error: unknown;
};

/**
 * Wait for `shared` within `bound`.
 *
 * @param shared the shared work (its rejection is handled here, never left unhandled)
 * @param bound the send's deadline and signal; undefined waits unbounded
 * @param what what is waited for, for the error ("the route of Orders")
 * @returns the shared work's outcome
 * @throws TimeoutError when the deadline passes first; AbortedError when the signal fires first
 */
export function within<T>(
  shared: Promise<T>,
  bound: SendBound | undefined,
  what: string,
): Promise<Outcome<T>> {
  const outcome = shared.then(
    (value): Outcome<T> => ({ ok: true, value }),
    (error): Outcome<T> => ({ ok: false, error }),
  );
  if (bound === undefined) return outcome;
  const { signal, deadline, timeoutMs } = bound;
  if (signal.aborted) return Promise.reject(aborted(signal, what));
  const left = deadline - Date.now();
  if (left <= 0) return Promise.reject(timedOut(timeoutMs, what));
  return new Promise<Outcome<T>>((resolve, reject) => {
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(aborted(signal, what));
    };
    const timer = setTimeout(() => {
      signal.removeEventListener("abort", onAbort);
      reject(timedOut(timeoutMs, what));
    }, left);
    signal.addEventListener("abort", onAbort, { once: true });
    outcome.then((o) => {
      clearTimeout(timer);
      signal.removeEventListener("abort", onAbort);
      resolve(o);
    });
  });
}

function aborted(signal: AbortSignal, what: string): AbortedError {
  return new AbortedError(`send aborted while waiting for ${what}`, { cause: signal.reason });
}

function timedOut(timeoutMs: number, what: string): TimeoutError {
  return new TimeoutError(
    `send timed out: budget of ${timeoutMs} ms spent waiting for ${what}`,
    timeoutMs,
  );
}
