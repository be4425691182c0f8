/**
 * The public face of the pooled codec (the root export's `createPooledCodec`): options and
 * read-only pool statistics, without the worker-pool machinery and its test hooks, which stay in
 * `@rocketmq-edge/client/internals` (message-codec.ts, worker-pool.ts).
 *
 * @example Transfer bodies to the workers instead of copying them
 * ```ts
 * import { createPooledCodec, Producer } from "@rocketmq-edge/client";
 *
 * const codec = createPooledCodec({ transfer: true });
 * const producer = new Producer({ nameServer: "127.0.0.1:9876", group: "orders", codec });
 * ```
 *
 * @module
 */

import { createPooledCodec as createFullPooledCodec, type MessageCodec } from "./message-codec.ts";

/** Options of {@link createPooledCodec}. */
export interface PooledCodecOptions {
  /** Number of workers; default available cores − 1, at least 1. */
  size?: number;
  /** Bodies of at least this many bytes are compressed in the pool; default 32 KiB. */
  offloadThreshold?: number;
  /** Batches of at least this many body + properties bytes are encoded in the pool. */
  batchOffloadThreshold?: number;
  /** Transfer (detach) bodies that own their whole `ArrayBuffer` instead of copying them once. */
  transfer?: boolean;
  /** `false` runs everything inline (as on runtimes without workers). */
  workers?: boolean;
}

/** Read-only statistics of a codec's worker pool. */
export interface WorkerPoolStats {
  /** Workers running now. */
  readonly size: number;
  /** Workers started so far (replacements included). */
  readonly spawned: number;
  /** The zlib backend the workers use, once known. */
  readonly backend: string | undefined;
  /** Why workers could not start, if they could not (everything then runs inline). */
  readonly unavailable: unknown;
  /** True once the pool was closed. */
  readonly closed: boolean;
}

/** A {@link MessageCodec} backed by a lazily started worker pool. */
export interface PooledMessageCodec extends MessageCodec {
  /** The pool's statistics once started; undefined before the first offloaded job or inline. */
  readonly pool: WorkerPoolStats | undefined;
  /** Bodies of at least this many bytes go to the pool. */
  readonly offloadThreshold: number;
  /** Batches of at least this many bytes go to the pool. */
  readonly batchOffloadThreshold: number;
}

/**
 * A codec that compresses large bodies in a pool of workers (see the README, "Compression and
 * the worker pool"). Closing it (`close()`) terminates the workers.
 *
 * @param options pool size, thresholds, transfer, workers on/off
 * @returns the codec
 * @throws ValidationError naming the option
 */
export function createPooledCodec(options: PooledCodecOptions = {}): PooledMessageCodec {
  return createFullPooledCodec(options);
}
