/**
 * Shared measurement helpers for the benchmarks: a fixed-size latency histogram (so recording a
 * sample never allocates and 1 M samples cost no more memory than 10), client CPU time per message
 * through `process.cpuUsage()`, resident set size, and table formatting.
 *
 * Works under Deno, Bun and Node (`node:process`, `node:v8`, `node:vm` only).
 *
 * @module
 */

import process from "node:process";
import { readFileSync } from "node:fs";
import v8 from "node:v8";
import vm from "node:vm";
import { setTimeout as nodeSetTimeout } from "node:timers";

/** Histogram resolution: one bucket per 10 µs. */
const BUCKET_US = 10;
/** Buckets up to 2 s; slower samples land in the last bucket. */
const BUCKETS = 200_000;

/**
 * Latency histogram with 10 µs buckets up to 2 s. Allocated once (800 KB) before a run, so the
 * recording path allocates nothing and does not disturb the RSS measurement.
 */
export class LatencyHistogram {
  /** Sample counts per bucket. */
  readonly buckets: Uint32Array = new Uint32Array(BUCKETS);
  /** Number of samples recorded. */
  count = 0;
  /** Largest sample in milliseconds. */
  maxMs = 0;

  /** Records one latency sample, in milliseconds. */
  record(ms: number): void {
    let i = Math.floor((ms * 1000) / BUCKET_US);
    if (i >= BUCKETS) i = BUCKETS - 1;
    else if (i < 0) i = 0;
    this.buckets[i]++;
    this.count++;
    if (ms > this.maxMs) this.maxMs = ms;
  }

  /** The latency (ms, upper edge of its bucket) at quantile `q` in [0, 1]; 0 when empty. */
  percentile(q: number): number {
    if (this.count === 0) return 0;
    const rank = Math.max(1, Math.ceil(q * this.count));
    let seen = 0;
    for (let i = 0; i < BUCKETS; i++) {
      seen += this.buckets[i];
      if (seen >= rank) return Math.min(((i + 1) * BUCKET_US) / 1000, this.maxMs);
    }
    return this.maxMs;
  }

  /** Forgets every sample (the buckets are reused, not reallocated). */
  reset(): void {
    this.buckets.fill(0);
    this.count = 0;
    this.maxMs = 0;
  }
}

/** What one measured run of one client produced. */
export interface RunStats {
  /** Client label, e.g. "ours", "ali-ons", "raw". */
  client: string;
  /** Messages in flight. */
  concurrency: number;
  /** Messages acknowledged with success. */
  messages: number;
  /** Sends that failed (counted, not retried by the harness). */
  failures: number;
  /** Wall-clock duration of the measured run in milliseconds. */
  elapsedMs: number;
  /** Median latency, ms. */
  p50Ms: number;
  /** 99th percentile latency, ms. */
  p99Ms: number;
  /** Client CPU (user + system) per message in microseconds. */
  cpuUsPerMsg: number;
  /** Resident set size before the run, bytes. */
  rssBefore: number;
  /** Resident set size after the run (after a GC when available), bytes. */
  rssAfter: number;
  /**
   * Resident set size sampled (no forced GC) once 10% of the messages were sent, when the run was
   * split to tell a one-time plateau (heap and allocator growth) from per-message growth.
   */
  rssAt10?: number;
  /** CPU of the cluster process per message, µs, when it runs locally and Linux tells. */
  serverCpuUsPerMsg?: number;
}

/** Messages per second of a run. */
export function throughput(stats: RunStats): number {
  return stats.elapsedMs > 0 ? (stats.messages * 1000) / stats.elapsedMs : 0;
}

let gcFn: (() => void) | undefined | null = null;

/**
 * Runs a full garbage collection when the runtime lets us enable it (`--expose-gc` set at run
 * time through `node:v8`, which Node and Deno both honour), so RSS samples compare live memory
 * rather than garbage that happens not to be collected yet. A no-op elsewhere.
 */
export function collectGarbage(): void {
  if (gcFn === null) {
    gcFn = undefined;
    try {
      v8.setFlagsFromString("--expose-gc");
      const fn: unknown = vm.runInNewContext("gc");
      if (typeof fn === "function") gcFn = fn as () => void;
    } catch {
      // Not supported by this runtime: RSS is then measured without a forced collection.
    }
  }
  if (gcFn) {
    gcFn();
    gcFn();
  }
}

/** Current resident set size in bytes. */
export function rss(): number {
  return process.memoryUsage().rss;
}

/** A started measurement: call {@link Meter.finish} after the run. */
export interface Meter {
  /** Stops the clocks and returns the run's numbers. */
  finish(messages: number, failures: number, histogram: LatencyHistogram): RunStats;
}

/** Collects garbage and samples RSS: the baseline of a run's RSS growth. */
export function rssBaseline(): number {
  collectGarbage();
  return rss();
}

/**
 * Starts measuring one run: samples RSS after a full GC (or takes `rssBefore`, sampled that way
 * earlier), then starts the wall clock and the CPU clock. `finish` reads CPU and wall time first
 * (so the post-run GC is not billed to the client), then collects garbage again and samples RSS.
 */
export function startMeter(client: string, concurrency: number, rssBefore = rssBaseline()): Meter {
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  return {
    finish(messages: number, failures: number, histogram: LatencyHistogram): RunStats {
      const elapsedMs = performance.now() - t0;
      const cpu = process.cpuUsage(cpu0);
      collectGarbage();
      return {
        client,
        concurrency,
        messages,
        failures,
        elapsedMs,
        p50Ms: histogram.percentile(0.5),
        p99Ms: histogram.percentile(0.99),
        cpuUsPerMsg: messages > 0 ? (cpu.user + cpu.system) / messages : 0,
        rssBefore,
        rssAfter: rss(),
      };
    },
  };
}

/** Bytes as MiB with one decimal. */
export function mib(bytes: number): string {
  return (bytes / (1024 * 1024)).toFixed(1);
}

/** Pads every column to its widest cell and joins rows with newlines. */
export function formatTable(header: readonly string[], rows: readonly string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (cells: readonly string[]): string =>
    cells.map((c, i) => i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i])).join("  ");
  return [line(header), widths.map((w) => "-".repeat(w)).join("  "), ...rows.map(line)].join("\n");
}

/** Ratio `a / b` with two decimals, or "n/a" when either side is missing or zero. */
export function ratio(a: number | undefined, b: number | undefined): string {
  if (a === undefined || b === undefined || b === 0) return "n/a";
  return (a / b).toFixed(2);
}

/** Result of {@link runConcurrent}. */
export interface ConcurrentResult {
  /** Sends that resolved. */
  ok: number;
  /** Sends that rejected. */
  failed: number;
  /** The first rejection, for the report. */
  firstError?: unknown;
}

/**
 * Closed-loop driver: `concurrency` workers each await `send()` in turn until `messages` sends
 * were started, recording every latency in `histogram`. Failures are counted, never retried, and
 * never left unhandled.
 */
export async function runConcurrent(
  messages: number,
  concurrency: number,
  send: (index: number) => Promise<unknown>,
  histogram: LatencyHistogram,
): Promise<ConcurrentResult> {
  const result: ConcurrentResult = { ok: 0, failed: 0 };
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < messages) {
      const index = next++;
      const t0 = performance.now();
      try {
        await send(index);
        histogram.record(performance.now() - t0);
        result.ok++;
      } catch (e) {
        result.failed++;
        result.firstError ??= e;
      }
    }
  };
  const workers: Promise<void>[] = [];
  for (let i = 0; i < Math.min(concurrency, messages); i++) workers.push(worker());
  await Promise.all(workers);
  return result;
}

/**
 * Text-like body: seeded words from a small vocabulary with a digit here and there, so it
 * compresses about 5× with zlib, like logs or JSON.
 *
 * @param size body length in bytes
 * @param seed PRNG seed (xorshift32)
 * @returns the body
 */
export function textBody(size: number, seed: number): Uint8Array {
  const words = (
    "order user id amount status created updated topic queue broker message payload shipped paid " +
    'cancelled 2026-11-24T23:00:00Z {"k": true} null 42 3.14 alpha beta gamma delta'
  ).split(" ").map((w) => new TextEncoder().encode(w + " "));
  const out = new Uint8Array(size);
  let x = seed >>> 0 || 1;
  let pos = 0;
  while (pos < size) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    const w = words[x % words.length];
    out.set(w.subarray(0, Math.min(w.length, size - pos)), pos);
    pos += w.length;
    if ((x & 0xff) === 7 && pos < size) out[pos - 1] = 48 + (x % 10);
  }
  return out;
}

/**
 * Main-thread CPU time in ms (Linux `/proc/self/task/<pid>/stat`: worker threads are not
 * counted), or undefined where unavailable.
 *
 * @returns utime + stime of the main thread, in ms
 */
export function mainThreadCpuMs(): number | undefined {
  try {
    const stat = readFileSync(`/proc/self/task/${process.pid}/stat`, "utf8");
    const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return (Number(f[11]) + Number(f[12])) * 10; // utime + stime in ticks of 10 ms
  } catch {
    return undefined;
  }
}

/**
 * CPU time of another process in ms (Linux `/proc/<pid>/stat`, all its threads), or undefined
 * where unavailable. Used to show how busy the cluster process is during a run.
 *
 * @param pid the process
 * @returns utime + stime, in ms
 */
export function processCpuMs(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return (Number(f[11]) + Number(f[12])) * 10; // utime + stime in ticks of 10 ms
  } catch {
    return undefined;
  }
}

/** Lateness of a 1 ms interval timer, in ms. */
export interface Lag {
  /** Largest delay. */
  max: number;
  /** 99th percentile delay. */
  p99: number;
  /** Ticks recorded. */
  ticks: number;
}

/**
 * Start a 1 ms interval timer that records how late each tick fires.
 *
 * @returns `stop()`, which clears the timer and summarises the delays
 */
export function startLagProbe(): { stop(): Lag } {
  const delays: number[] = [];
  let last = performance.now();
  const timer = setInterval(() => {
    const now = performance.now();
    delays.push(Math.max(0, now - last - 1));
    last = now;
  }, 1);
  return {
    stop(): Lag {
      clearInterval(timer);
      // The gap since the last tick counts too: a loop that never yields records no tick at all.
      delays.push(Math.max(0, performance.now() - last - 1));
      delays.sort((a, b) => a - b);
      return {
        max: delays[delays.length - 1],
        p99: delays[Math.min(delays.length - 1, Math.floor(delays.length * 0.99))],
        ticks: delays.length,
      };
    },
  };
}

/**
 * Run a bench's `main`, set the exit code, and end the process 3 s later even if something still
 * holds the event loop (ali-ons keeps interval timers of its shared client instance after close();
 * a bench must end on its own). The timer is unref'd: it only fires if something else holds the
 * loop.
 *
 * @param main the bench
 */
export async function runBenchMain(main: () => Promise<void>): Promise<void> {
  let code = 0;
  try {
    await main();
  } catch (e) {
    console.error(e);
    code = 1;
  }
  process.exitCode = code;
  nodeSetTimeout(() => process.exit(code), 3000).unref();
}
