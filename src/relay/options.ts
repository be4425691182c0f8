/**
 * Options of {@link createRelay} and their defaults. Every limit has a default that suits a small
 * gateway; each can be raised or lowered.
 *
 * @module
 */

import { ValidationError } from "../errors.ts";
import { type Logger, silentLogger } from "../log/logger.ts";
import type { Producer } from "../producer/producer.ts";

/** What a bearer token may do. */
export interface TokenGrant {
  /** Topics the token may publish to; all when absent. */
  topics?: string[];
  /** Token-bucket rate limit: requests per second (refill rate); none when absent. */
  ratePerSecond?: number;
  /** Token-bucket size (burst); default `ceil(ratePerSecond)`. */
  burst?: number;
  /** A name for logs and metrics (never the token itself); default `token#<index>`. */
  name?: string;
}

/** A static token and its grant. */
export interface StaticToken extends TokenGrant {
  /** The bearer token. */
  token: string;
}

/**
 * Bearer-token auth: a static list and/or a verify callback (called for tokens not in the list;
 * answer a grant, or null to refuse). `false` turns auth off — only ever explicitly.
 */
export type RelayAuthOptions =
  | {
    /** Static tokens: a bare string may publish anywhere without a rate limit. */
    tokens?: (string | StaticToken)[];
    /** Decides tokens the static list does not know. */
    verify?: (token: string) => TokenGrant | null | Promise<TokenGrant | null>;
  }
  | false;

/** The relay's limits. */
export interface RelayLimits {
  /** Largest request body in bytes, counted while reading; default 5 MiB. */
  maxRequestBytes?: number;
  /** Most messages per JSON array or NDJSON stream; default 1000. */
  maxEntries?: number;
  /** Most messages being sent at once; default 10000. */
  maxInFlightMessages?: number;
  /** Most body bytes being sent at once; default 64 MiB. */
  maxInFlightBytes?: number;
  /** Largest encoded batch the relay builds from an array, bytes; default 4 MiB (broker limit). */
  maxBatchBytes?: number;
  /** Sends of one NDJSON stream in flight at once (answers stay in order); default 32. */
  ndjsonWindow?: number;
}

/** Options of the `Idempotency-Key` store. */
export interface IdempotencyOptions {
  /** How long a first answer is replayed, ms; default 10 minutes. */
  ttlMs?: number;
  /** Most remembered keys (least recently used leave first); default 10000. */
  maxKeys?: number;
}

/** Options of {@link createRelay}. */
export interface RelayOptions {
  /** A started producer; `shutdown()` shuts it down after draining unless `ownsProducer: false`. */
  producer: Producer;
  /** Whether `shutdown()` shuts the producer down; default true. */
  ownsProducer?: boolean;
  /** Bearer-token auth of the native API, or `false` (explicit opt-out). Required. */
  auth: RelayAuthOptions;
  /** Limits (see {@link RelayLimits}). */
  limits?: RelayLimits;
  /** `Idempotency-Key` store, or false to ignore the header; default on. */
  idempotency?: IdempotencyOptions | false;
  /** Aliyun MQ HTTP compatible route: AccessKeyId → AccessKeySecret; off when absent. */
  aliyunKeys?: Record<string, string>;
  /** Serve the status page at `GET /`; default true. */
  statusPage?: boolean;
  /** Send budget per message, ms; default the producer's `sendTimeoutMs`. */
  sendTimeoutMs?: number;
  /** `/readyz` wants a name-server answer within this window, ms; default 90000. */
  readyWindowMs?: number;
  /** Longest `shutdown()` waits for in-flight sends, ms; default 30000. */
  drainTimeoutMs?: number;
  /** Request and failure log; default silent. */
  logger?: Logger;
  /** Clock, epoch ms (tests); default `Date.now`. */
  now?: () => number;
}

/** Options with every default applied. */
export interface ResolvedRelayOptions {
  producer: Producer;
  ownsProducer: boolean;
  auth: RelayAuthOptions;
  limits: Required<RelayLimits>;
  idempotency: Required<IdempotencyOptions> | false;
  aliyunKeys: Record<string, string> | undefined;
  statusPage: boolean;
  sendTimeoutMs: number | undefined;
  readyWindowMs: number;
  drainTimeoutMs: number;
  logger: Logger;
  now: () => number;
}

const MiB = 1024 * 1024;

function positiveInt(field: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (!Number.isSafeInteger(value) || value <= 0) {
    throw new ValidationError(field, "must be a positive integer");
  }
  return value;
}

/**
 * Check the options and fill in defaults.
 *
 * @param o the caller's options
 * @returns resolved options
 * @throws ValidationError naming `options.<field>`
 */
export function resolveRelayOptions(o: RelayOptions): ResolvedRelayOptions {
  if (o === null || typeof o !== "object" || o.producer === undefined) {
    throw new ValidationError("options.producer", "is required");
  }
  if (o.auth === undefined || (o.auth !== false && typeof o.auth !== "object")) {
    throw new ValidationError(
      "options.auth",
      "is required: { tokens } and/or { verify }, or false to turn auth off explicitly",
    );
  }
  const l = o.limits ?? {};
  const limits: Required<RelayLimits> = {
    maxRequestBytes: positiveInt("options.limits.maxRequestBytes", l.maxRequestBytes, 5 * MiB),
    maxEntries: positiveInt("options.limits.maxEntries", l.maxEntries, 1000),
    maxInFlightMessages: positiveInt(
      "options.limits.maxInFlightMessages",
      l.maxInFlightMessages,
      10000,
    ),
    maxInFlightBytes: positiveInt("options.limits.maxInFlightBytes", l.maxInFlightBytes, 64 * MiB),
    maxBatchBytes: positiveInt("options.limits.maxBatchBytes", l.maxBatchBytes, 4 * MiB),
    ndjsonWindow: positiveInt("options.limits.ndjsonWindow", l.ndjsonWindow, 32),
  };
  const idem = o.idempotency === false ? false : {
    ttlMs: positiveInt("options.idempotency.ttlMs", o.idempotency?.ttlMs, 600_000),
    maxKeys: positiveInt("options.idempotency.maxKeys", o.idempotency?.maxKeys, 10000),
  };
  return {
    producer: o.producer,
    ownsProducer: o.ownsProducer ?? true,
    auth: o.auth,
    limits,
    idempotency: idem,
    aliyunKeys: o.aliyunKeys,
    statusPage: o.statusPage ?? true,
    sendTimeoutMs: o.sendTimeoutMs === undefined
      ? undefined
      : positiveInt("options.sendTimeoutMs", o.sendTimeoutMs, 3000),
    readyWindowMs: positiveInt("options.readyWindowMs", o.readyWindowMs, 90_000),
    drainTimeoutMs: positiveInt("options.drainTimeoutMs", o.drainTimeoutMs, 30_000),
    logger: o.logger ?? silentLogger,
    now: o.now ?? Date.now,
  };
}
