/**
 * The relay's HTTP errors: one class that carries the status, a stable `error_code`, whether a
 * retry may succeed, and (for 429/503) how long to wait; plus the mapping from the producer's
 * typed errors to statuses. Every error response of the native API is
 * `{ error_code, message, retriable }` (and `field` for validation errors).
 *
 * | cause                                   | status | error_code            |
 * | --------------------------------------- | -----: | --------------------- |
 * | `ValidationError`, bad request input    |    400 | `VALIDATION`          |
 * | missing or bad credentials              |    401 | `UNAUTHORIZED`        |
 * | topic outside the token's allow-list    |    403 | `FORBIDDEN`           |
 * | topic unknown to the cluster            |    404 | `TOPIC_NOT_FOUND`     |
 * | body or entry count over a limit        |    413 | `PAYLOAD_TOO_LARGE`   |
 * | in-flight or rate limit reached         |    429 | `OVERLOADED`          |
 * | broker or route unavailable, shutdown   |    503 | `UNAVAILABLE`         |
 * | the send's time budget ran out          |    504 | `TIMEOUT`             |
 *
 * @module
 */

import {
  AbortedError,
  BrokerError,
  ConnectionError,
  RocketMQError,
  RouteNotFoundError,
  SendFailedError,
  StateError,
  TimeoutError,
  ValidationError,
} from "../errors.ts";

/** The statuses the relay answers errors with. */
export type RelayErrorStatus = 400 | 401 | 403 | 404 | 413 | 415 | 429 | 500 | 503 | 504;

/** Construction options of {@link RelayHttpError}. */
export interface RelayHttpErrorOptions {
  /** Whether the same request may succeed later (default: status is 429, 503 or 504). */
  retriable?: boolean;
  /** Seconds for the `Retry-After` header (429, 503). */
  retryAfterSec?: number;
  /** The request field at fault (validation errors). */
  field?: string;
  /** The underlying error. */
  cause?: unknown;
}

/** JSON body of every native-API error response. */
export interface RelayErrorBody {
  /** Stable machine-readable code. */
  error_code: string;
  /** What went wrong and, where it helps, what to do. */
  message: string;
  /** Whether the same request may succeed if sent again. */
  retriable: boolean;
  /** The request field at fault, for validation errors. */
  field?: string;
}

/** An error the relay answers with an HTTP status. */
export class RelayHttpError extends Error {
  /** HTTP status. */
  readonly status: RelayErrorStatus;
  /** Stable machine-readable code (`VALIDATION`, `OVERLOADED`, …). */
  readonly errorCode: string;
  /** Whether the same request may succeed later. */
  readonly retriable: boolean;
  /** Seconds for `Retry-After`, when set. */
  readonly retryAfterSec: number | undefined;
  /** The request field at fault, when known. */
  readonly field: string | undefined;

  /**
   * Create the error.
   *
   * @param status HTTP status
   * @param errorCode stable code
   * @param message human-readable text
   * @param options retriable, retry-after, field, cause
   */
  constructor(
    status: RelayErrorStatus,
    errorCode: string,
    message: string,
    options: RelayHttpErrorOptions = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = "RelayHttpError";
    this.status = status;
    this.errorCode = errorCode;
    this.retriable = options.retriable ?? (status === 429 || status === 503 || status === 504);
    this.retryAfterSec = options.retryAfterSec;
    this.field = options.field;
  }

  /** The JSON body of the response. */
  toBody(): RelayErrorBody {
    const body: RelayErrorBody = {
      error_code: this.errorCode,
      message: this.message,
      retriable: this.retriable,
    };
    if (this.field !== undefined) body.field = this.field;
    return body;
  }
}

/** Response codes of a broker or name server that mean "no such topic" (17 TOPIC_NOT_EXIST). */
const TOPIC_NOT_EXIST = 17;

/**
 * Map any error from the producer (or elsewhere) to the relay's HTTP error. Unknown non-library
 * errors become a 500 whose message does not leak internals.
 *
 * @param error what was thrown or rejected
 * @returns the HTTP error to answer with
 */
export function toRelayHttpError(error: unknown): RelayHttpError {
  if (error instanceof RelayHttpError) return error;
  if (error instanceof ValidationError) {
    return new RelayHttpError(400, "VALIDATION", error.message, {
      field: error.field,
      cause: error,
    });
  }
  if (error instanceof SendFailedError && error.lastResponseCode === TOPIC_NOT_EXIST) {
    return new RelayHttpError(404, "TOPIC_NOT_FOUND", error.message, { cause: error });
  }
  if (error instanceof BrokerError && error.responseCode === TOPIC_NOT_EXIST) {
    return new RelayHttpError(404, "TOPIC_NOT_FOUND", error.message, { cause: error });
  }
  if (error instanceof RouteNotFoundError) {
    const refused = error.cause instanceof ConnectionError || error.cause instanceof TimeoutError;
    return refused
      ? new RelayHttpError(503, "UNAVAILABLE", error.message, { cause: error, retryAfterSec: 1 })
      : new RelayHttpError(404, "TOPIC_NOT_FOUND", error.message, { cause: error });
  }
  if (error instanceof TimeoutError) {
    return new RelayHttpError(504, "TIMEOUT", error.message, { cause: error });
  }
  if (error instanceof SendFailedError && error.cause instanceof TimeoutError) {
    return new RelayHttpError(504, "TIMEOUT", error.message, { cause: error });
  }
  if (error instanceof StateError || error instanceof AbortedError) {
    return new RelayHttpError(503, "UNAVAILABLE", error.message, {
      cause: error,
      retryAfterSec: 1,
    });
  }
  if (error instanceof RocketMQError) {
    return new RelayHttpError(503, "UNAVAILABLE", error.message, {
      cause: error,
      retriable: error.retriable,
      retryAfterSec: 1,
    });
  }
  return new RelayHttpError(500, "INTERNAL", "internal relay error (see the relay's log)", {
    cause: error,
    retriable: false,
  });
}
