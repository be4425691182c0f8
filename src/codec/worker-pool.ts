/**
 * A pool of codec workers: Web Workers in Deno and Bun, `node:worker_threads` in Node (which has no
 * global `Worker`). This is the one file of `src/codec` allowed to load a runtime module, and it
 * does so only through a guarded dynamic import.
 *
 * The worker is started from a self-contained source string ({@link WORKER_SOURCE}, bundled from
 * `workers/codec_worker.ts`) through a blob URL (Web Worker) or `eval: true` (worker_threads), so
 * it loads the same way from JSR, npm or a checkout: no worker file has to be found next to this one.
 *
 * Jobs are queued FIFO; each worker holds at most two jobs (one running, one ready so it never idles
 * between replies). Replies are matched by job id. When a worker dies (error event, exit,
 * undeliverable message, or terminate), every job it held is retried once on another, freshly
 * spawned worker if needed; a second death fails the job with {@link WorkerError}.
 *
 * @module
 */

import { ValidationError, WorkerError } from "../errors.ts";
import type { BatchRecord } from "./batch.ts";
import { WORKER_SOURCE } from "./_worker_source.ts";
import { nodeFactory, type NodeWorkerCtor, webFactory } from "./_worker_factories.ts";

/** A request posted to a codec worker. `__crash` is a test hook (see {@link WorkerPoolOptions}). */
export type WorkerRequest =
  | { id: number; op: "compress"; body: Uint8Array; level: number }
  | { id: number; op: "batch"; records: BatchRecord[] }
  | { id: number; op: "__crash" };

/** An error as it crosses the worker boundary (typed errors are rebuilt on this side). */
export interface WorkerErrorInfo {
  /** Constructor name, e.g. `"ValidationError"`. */
  name: string;
  /** Error message. */
  message: string;
  /** `ValidationError.field`, when present. */
  field?: string;
  /** `ValidationError.rule`, when present. */
  rule?: string;
}

/** A reply from a codec worker: a result, a job error, or the start-up announcement (id 0). */
export type WorkerReply =
  | { id: number; ok: true; result: Uint8Array }
  | { id: number; ok: false; error: WorkerErrorInfo }
  | { id: 0; ready: string };

/** The events a started worker reports back to the pool. */
export interface WorkerEvents {
  /** A message from the worker. */
  onMessage(reply: WorkerReply): void;
  /** The worker died or became unusable; called at most once per worker. */
  onDeath(cause: unknown): void;
}

/** A started worker, whatever the runtime. */
export interface WorkerHandle {
  /** Post a request, transferring the listed buffers. */
  post(request: WorkerRequest, transfer: ArrayBuffer[]): void;
  /** Stop the worker; resolves once it is gone. Idempotent. */
  terminate(): Promise<void>;
  /** Let the process exit while this worker is idle (no-op where unsupported). */
  unref(): void;
  /** Keep the process alive while this worker has work (no-op where unsupported). */
  ref(): void;
}

/** Starts workers from source text. */
export interface WorkerFactory {
  /** `"web"` (global Worker) or `"node"` (worker_threads). */
  readonly kind: string;
  /** Start one worker running `source`. */
  spawn(source: string, events: WorkerEvents): WorkerHandle;
  /** Release what the factory holds (e.g. the blob URL). */
  dispose(): void;
}

/**
 * The worker factory for the running runtime: the global `Worker` when present (Deno, Bun),
 * else `node:worker_threads` (Node), else `undefined` (workerd and other edge runtimes without
 * workers: run inline).
 *
 * @returns the factory, or undefined when this runtime has no workers
 */
export async function detectWorkerFactory(): Promise<WorkerFactory | undefined> {
  if (typeof Worker === "function" && typeof URL.createObjectURL === "function") {
    return webFactory();
  }
  // workerd (Cloudflare Workers) has a `node:worker_threads` module whose Worker cannot start.
  const nav = (globalThis as { navigator?: { userAgent?: unknown } }).navigator;
  if (nav?.userAgent === "Cloudflare-Workers") return undefined;
  try {
    const spec = "node:worker_threads";
    const mod = await import(spec) as { Worker?: NodeWorkerCtor };
    if (typeof mod.Worker === "function") return nodeFactory(mod.Worker);
  } catch {
    // no worker_threads either
  }
  return undefined;
}

/** Options of {@link WorkerPool}. */
export interface WorkerPoolOptions {
  /** Number of workers (≥ 1). */
  size: number;
  /** How workers are started. */
  factory: WorkerFactory;
  /** Worker source; default the bundled {@link WORKER_SOURCE}. */
  source?: string;
  /** Test hook: allow `__crash` jobs (a worker throws an uncaught error on receiving one). */
  allowCrashJobs?: boolean;
}

interface Job {
  id: number;
  /** Builds the request for one attempt (bodies are copied per attempt when not transferred). */
  build: (id: number) => { request: WorkerRequest; transfer: ArrayBuffer[] };
  /** False when the first attempt handed its input away (transfer), so no retry is possible. */
  retryable: boolean;
  attempts: number;
  resolve: (result: Uint8Array) => void;
  reject: (error: unknown) => void;
}

interface Slot {
  handle: WorkerHandle | undefined;
  jobs: Map<number, Job>;
  dead: boolean;
}

/** Jobs a worker holds at once: one running, one queued behind it. */
const MAX_JOBS_PER_WORKER = 2;

/** A fixed-size, lazily started pool of codec workers. */
export class WorkerPool {
  #size: number;
  readonly #factory: WorkerFactory;
  readonly #source: string;
  readonly #allowCrash: boolean;
  readonly #queue: Job[] = [];
  #slots: Slot[] = [];
  #nextId = 1;
  #closed = false;
  #spawned = 0;
  #backend: string | undefined;
  #unavailable: unknown;

  /**
   * Create the pool; no worker starts before the first job.
   *
   * @param options size, factory and test hooks
   */
  constructor(options: WorkerPoolOptions) {
    this.#size = Math.max(1, Math.floor(options.size));
    this.#factory = options.factory;
    this.#source = options.source ?? WORKER_SOURCE;
    this.#allowCrash = options.allowCrashJobs === true;
  }

  /** Workers currently alive. */
  get size(): number {
    return this.#slots.length;
  }

  /** Workers started so far, including replacements of dead ones. */
  get spawned(): number {
    return this.#spawned;
  }

  /** zlib backend the workers announced (`"node:zlib"` or `"fflate"`), once one started. */
  get backend(): string | undefined {
    return this.#backend;
  }

  /** Set when a worker could not even be constructed (e.g. a CSP forbids blob workers). */
  get unavailable(): unknown {
    return this.#unavailable;
  }

  /** True once {@link close} was called. */
  get closed(): boolean {
    return this.#closed;
  }

  /**
   * Run one job.
   *
   * @param build builds the request of one attempt for the given id
   * @param retryable whether a second attempt may call `build` again
   * @returns the worker's result
   */
  run(
    build: (id: number) => { request: WorkerRequest; transfer: ArrayBuffer[] },
    retryable = true,
  ): Promise<Uint8Array> {
    if (this.#closed) return Promise.reject(new WorkerError("codec worker pool is closed"));
    return new Promise<Uint8Array>((resolve, reject) => {
      this.#queue.push({ id: 0, build, retryable, attempts: 0, resolve, reject });
      this.#pump();
    });
  }

  /**
   * Test hook: make a worker throw an uncaught error (needs `allowCrashJobs`).
   *
   * @returns settles like any job (it never succeeds)
   */
  crash(): Promise<Uint8Array> {
    if (!this.#allowCrash) return Promise.reject(new WorkerError("crash jobs are not enabled"));
    return this.run((id) => ({ request: { id, op: "__crash" }, transfer: [] }));
  }

  /**
   * Test hook: terminate the worker at `index` as if it had died, with its jobs in flight.
   *
   * @param index slot index
   */
  killWorker(index = 0): void {
    const slot = this.#slots[index];
    if (slot) {
      void slot.handle?.terminate();
      this.#onDeath(slot, new Error("worker killed by test hook"));
    }
  }

  /** Hand queued jobs to workers with room, starting workers up to the pool size. */
  #pump(): void {
    while (this.#queue.length > 0 && !this.#closed) {
      let slot: Slot | undefined;
      for (const s of this.#slots) {
        if (s.jobs.size < MAX_JOBS_PER_WORKER && (!slot || s.jobs.size < slot.jobs.size)) slot = s;
      }
      if ((!slot || slot.jobs.size > 0) && this.#slots.length < this.#size) {
        slot = this.#spawn() ?? slot;
        if (this.#unavailable !== undefined) return;
      }
      if (!slot) return;
      const job = this.#queue.shift()!;
      job.id = this.#nextId++;
      job.attempts++;
      let built: { request: WorkerRequest; transfer: ArrayBuffer[] };
      try {
        built = job.build(job.id);
      } catch (e) {
        job.reject(e);
        continue;
      }
      if (slot.jobs.size === 0) slot.handle?.ref();
      slot.jobs.set(job.id, job);
      try {
        slot.handle!.post(built.request, built.transfer);
      } catch (e) {
        // DataCloneError and the like: the input cannot cross; never retry.
        slot.jobs.delete(job.id);
        if (slot.jobs.size === 0) slot.handle?.unref();
        job.reject(new WorkerError("could not post a job to a codec worker", { cause: e }));
      }
    }
  }

  #spawn(): Slot | undefined {
    const slot: Slot = { handle: undefined, jobs: new Map(), dead: false };
    try {
      slot.handle = this.#factory.spawn(this.#source, {
        onMessage: (reply) => this.#onMessage(slot, reply),
        onDeath: (cause) => this.#onDeath(slot, cause),
      });
    } catch (e) {
      // Some workers run already: make do with them rather than fail.
      if (this.#slots.length > 0) {
        this.#size = this.#slots.length;
        return undefined;
      }
      // The runtime refuses workers from source text: fail what is queued; callers go inline.
      this.#unavailable = e;
      for (const job of this.#queue.splice(0)) {
        job.reject(new WorkerError("codec workers cannot be started here", { cause: e }));
      }
      return undefined;
    }
    this.#spawned++;
    this.#slots.push(slot);
    return slot;
  }

  #onMessage(slot: Slot, reply: WorkerReply): void {
    if ("ready" in reply) {
      this.#backend = reply.ready;
      return;
    }
    const job = slot.jobs.get(reply.id);
    if (!job) return;
    slot.jobs.delete(reply.id);
    if (slot.jobs.size === 0) slot.handle?.unref();
    if (reply.ok) job.resolve(reply.result);
    else job.reject(rebuildError(reply.error));
    this.#pump();
  }

  #onDeath(slot: Slot, cause: unknown): void {
    if (slot.dead) return;
    slot.dead = true;
    this.#slots = this.#slots.filter((s) => s !== slot);
    const retry: Job[] = [];
    for (const job of slot.jobs.values()) {
      if (job.attempts < 2 && job.retryable && !this.#closed) retry.push(job);
      else {
        job.reject(
          new WorkerError(`codec worker died running job ${job.id} (attempt ${job.attempts})`, {
            cause,
          }),
        );
      }
    }
    slot.jobs.clear();
    this.#queue.unshift(...retry);
    this.#pump();
  }

  /** Terminate every worker and fail queued and running jobs with {@link WorkerError}. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    const error = new WorkerError("codec worker pool closed");
    for (const job of this.#queue.splice(0)) job.reject(error);
    const slots = this.#slots;
    this.#slots = [];
    const gone: Promise<void>[] = [];
    for (const slot of slots) {
      slot.dead = true;
      for (const job of slot.jobs.values()) job.reject(error);
      slot.jobs.clear();
      if (slot.handle) gone.push(slot.handle.terminate());
    }
    this.#factory.dispose();
    await Promise.all(gone);
  }
}

/** Rebuild the typed error a job threw (batch validation), else wrap it in a WorkerError. */
function rebuildError(info: WorkerErrorInfo): Error {
  if (info.field !== undefined && info.rule !== undefined) {
    return new ValidationError(info.field, info.rule);
  }
  return new WorkerError(`codec worker job failed: ${info.name}: ${info.message}`);
}
