/**
 * The codec seam the send kernel calls (docs/ARCHITECTURE.md, "src/codec"): compression and batch
 * encoding, inline or in a worker pool, with byte-identical results either way.
 *
 * Ownership: the codec never detaches or modifies the caller's buffers by default. A body that
 * crosses to a worker is copied exactly once (structured clone of a body that owns its whole
 * buffer, or a fresh copy + transfer of a view into a larger buffer, which would otherwise clone the
 * whole larger buffer). Results come back transferred, without a copy. With `transfer: true` a
 * body that owns its whole `ArrayBuffer` is transferred instead (zero copy; the caller's buffer is
 * detached, and a job whose worker dies cannot be retried because its input went with the worker).
 * The copy costs ~1% of compressing the same bytes (1 MiB: 40–110 µs vs 7.7–11.6 ms; see
 * bench/pool.ts), and it keeps
 * `message.body` usable after a send, which the producer relies on (it falls back to the raw body
 * when compression fails).
 *
 * @module
 */

import { type BatchRecord, encodeBatchRecords } from "./batch.ts";
import { checkCompressionLevel, compressZlib } from "./compression.ts";
import { detectWorkerFactory, WorkerPool } from "./worker-pool.ts";
import type { WorkerFactory, WorkerRequest } from "./worker-pool.ts";
import { ValidationError } from "../errors.ts";

export type { BatchRecord } from "./batch.ts";

/** Compression and batch encoding, possibly off the calling thread. */
export interface MessageCodec {
  /** zlib stream (2-byte header) of `body` at `level` (−1..9), Java `Inflater`-compatible. */
  compress(body: Uint8Array, level: number): Promise<Uint8Array>;
  /** SEND_BATCH_MESSAGE body of the records (Java `MessageDecoder.encodeMessages`). */
  encodeBatch(records: BatchRecord[]): Promise<Uint8Array>;
  /** Release workers, if any. Idempotent. */
  close(): Promise<void>;
}

/**
 * Bodies below this many bytes are compressed inline by default. Measured in bench/pool.ts (zlib
 * level 5, text ~5.5× compressible, 2 cores, Deno 2.9 / Bun 1.4 / Node 22): from 32 KiB on, a
 * pooled job costs the main thread ≤ 1/10 of compressing inline (15–25 µs vs 180–430 µs) while the
 * pool keeps inline throughput; below ~16 KiB the round trip (~50–100 µs) and the worker becoming
 * the bottleneck cost more than the 20–90 µs saved.
 */
export const DEFAULT_OFFLOAD_THRESHOLD = 32 * 1024;

/**
 * Default batch threshold when bodies are copied (the default): never offload. Encoding a batch is
 * one copy of its bodies, and posting them to a worker is that same copy again, so the pool saves
 * the main thread nothing (bench/pool.ts, 64 × 64 KiB: 0.2–1.6 ms inline vs 0.4–1.5 ms pooled).
 */
export const DEFAULT_BATCH_OFFLOAD_THRESHOLD: number = Number.POSITIVE_INFINITY;

/**
 * Default batch threshold with `transfer: true`: bodies move without a copy, and from ~1 MiB on the
 * pool saves the main thread time (64 × 64 KiB: 90–175 µs pooled vs 0.2–1.6 ms inline).
 */
export const DEFAULT_BATCH_OFFLOAD_THRESHOLD_TRANSFER = 1024 * 1024;

/** Options of {@link createPooledCodec}. */
export interface PooledCodecOptions {
  /** Number of workers; default available cores − 1, at least 1. */
  size?: number;
  /** Bodies of at least this many bytes are compressed in the pool; default {@link DEFAULT_OFFLOAD_THRESHOLD}. */
  offloadThreshold?: number;
  /**
   * Batches of at least this many body + properties bytes are encoded in the pool; default
   * {@link DEFAULT_BATCH_OFFLOAD_THRESHOLD} (never), or {@link DEFAULT_BATCH_OFFLOAD_THRESHOLD_TRANSFER}
   * with `transfer: true`.
   */
  batchOffloadThreshold?: number;
  /**
   * Transfer (detach) bodies that own their whole `ArrayBuffer` instead of copying them once.
   * Default false; see the module comment.
   */
  transfer?: boolean;
  /** `false` runs everything inline (as on runtimes without workers); a factory overrides detection. */
  workers?: boolean | WorkerFactory;
  /** Test hook: let {@link WorkerPool.crash} send crash jobs. */
  allowCrashJobs?: boolean;
}

/** A {@link MessageCodec} backed by a lazily started {@link WorkerPool}. */
export interface PooledMessageCodec extends MessageCodec {
  /** The pool once started; undefined before the first offloaded job or when running inline. */
  readonly pool: WorkerPool | undefined;
  /** The pool, started now if needed; undefined where this runtime has no workers. */
  startPool(): Promise<WorkerPool | undefined>;
  /** Bodies of at least this many bytes go to the pool. */
  readonly offloadThreshold: number;
  /** Batches of at least this many bytes go to the pool. */
  readonly batchOffloadThreshold: number;
}

function encodeInline(records: BatchRecord[]): Promise<Uint8Array> {
  try {
    return Promise.resolve(encodeBatchRecords(records));
  } catch (e) {
    return Promise.reject(e);
  }
}

/**
 * A codec that works on the calling thread.
 *
 * @returns the codec
 */
export function createInlineCodec(): MessageCodec {
  return {
    compress: (body, level) => compressZlib(body, level),
    encodeBatch: encodeInline,
    close: () => Promise.resolve(),
  };
}

/** Available cores − 1, at least 1 (`navigator.hardwareConcurrency` exists in Deno, Bun, Node ≥ 21). */
function defaultSize(): number {
  const cores = (globalThis as { navigator?: { hardwareConcurrency?: number } }).navigator
    ?.hardwareConcurrency;
  return Math.max(1, (typeof cores === "number" && cores > 0 ? cores : 2) - 1);
}

function nonNegative(value: number | undefined, field: string, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== "number" || Number.isNaN(value) || value < 0) {
    throw new ValidationError(field, "must be a number >= 0");
  }
  return value;
}

/** Prepare one body for posting; see the module comment for the copy/transfer rule. */
function crossing(body: Uint8Array, transfer: boolean, list: ArrayBuffer[]): Uint8Array {
  const buffer = body.buffer;
  if (body.byteOffset === 0 && body.byteLength === buffer.byteLength) {
    if (transfer && buffer instanceof ArrayBuffer && !list.includes(buffer)) list.push(buffer);
    return body; // cloned once by postMessage (or transferred, or shared when a SAB)
  }
  // Not body.slice(): on a Node Buffer that is a view of the same memory (often Node's shared
  // allocation pool, which must never be transferred).
  const copy = new Uint8Array(body.byteLength);
  copy.set(body);
  list.push(copy.buffer);
  return copy;
}

/**
 * A codec that compresses large bodies and encodes large batches in a worker pool, and everything
 * else inline. The pool starts at the first offloaded job. Where the runtime has no `Worker` (or
 * with `workers: false`) everything runs inline, with identical results. After `close()` the codec
 * keeps working inline; jobs queued or running at `close()` reject with `WorkerError`.
 *
 * @param options pool size, thresholds, transfer mode
 * @returns the codec
 * @throws ValidationError on a bad option (field `options.size`, `options.offloadThreshold`, …)
 */
export function createPooledCodec(options: PooledCodecOptions = {}): PooledMessageCodec {
  const size = options.size ?? defaultSize();
  if (!Number.isInteger(size) || size < 1) {
    throw new ValidationError("options.size", "must be an integer >= 1");
  }
  const threshold = nonNegative(
    options.offloadThreshold,
    "options.offloadThreshold",
    DEFAULT_OFFLOAD_THRESHOLD,
  );
  const transfer = options.transfer === true;
  const batchThreshold = nonNegative(
    options.batchOffloadThreshold,
    "options.batchOffloadThreshold",
    transfer ? DEFAULT_BATCH_OFFLOAD_THRESHOLD_TRANSFER : DEFAULT_BATCH_OFFLOAD_THRESHOLD,
  );
  const workers = options.workers ?? true;
  let pool: WorkerPool | undefined;
  let starting: Promise<WorkerPool | undefined> | undefined;
  let closed = false;

  const startPool = (): Promise<WorkerPool | undefined> => {
    if (closed || workers === false) return Promise.resolve(undefined);
    starting ??= (async () => {
      const factory = workers === true ? await detectWorkerFactory() : workers;
      if (!factory || closed) return undefined;
      pool = new WorkerPool({ size, factory, allowCrashJobs: options.allowCrashJobs });
      return pool;
    })();
    return starting;
  };

  /** Run in the pool, or inline when there is none (or it cannot start workers here). */
  const offload = async (
    build: (id: number) => { request: WorkerRequest; transfer: ArrayBuffer[] },
    retryable: boolean,
    inline: () => Promise<Uint8Array>,
  ): Promise<Uint8Array> => {
    const p = await startPool();
    if (!p || p.closed || p.unavailable !== undefined) return inline();
    try {
      return await p.run(build, retryable);
    } catch (e) {
      if (p.unavailable !== undefined) return inline();
      throw e;
    }
  };

  return {
    get pool() {
      return pool;
    },
    startPool,
    offloadThreshold: threshold,
    batchOffloadThreshold: batchThreshold,
    compress(body, level) {
      try {
        checkCompressionLevel(level);
      } catch (e) {
        return Promise.reject(e);
      }
      if (body.length < threshold || closed || workers === false) return compressZlib(body, level);
      const whole = body.byteOffset === 0 && body.byteLength === body.buffer.byteLength;
      return offload(
        (id) => {
          const list: ArrayBuffer[] = [];
          const crossingBody = crossing(body, transfer, list);
          return { request: { id, op: "compress", body: crossingBody, level }, transfer: list };
        },
        !(transfer && whole),
        () => compressZlib(body, level),
      );
    },
    encodeBatch(records) {
      let total = 0;
      for (const r of records) total += r.body.length + r.properties.length;
      if (total < batchThreshold || closed || workers === false) return encodeInline(records);
      return offload(
        (id) => {
          const list: ArrayBuffer[] = [];
          const crossed: BatchRecord[] = new Array(records.length);
          for (let i = 0; i < records.length; i++) {
            const r = records[i];
            crossed[i] = {
              body: crossing(r.body, transfer, list),
              flag: r.flag,
              properties: r.properties,
            };
          }
          return { request: { id, op: "batch", records: crossed }, transfer: list };
        },
        !transfer,
        () => encodeInline(records),
      );
    },
    async close() {
      closed = true;
      const p = await starting;
      await p?.close();
    },
  };
}
