/**
 * Producer-level worker-pool benchmark (issue 5): what the pool buys an application that sends
 * large compressible bodies through {@link Producer.send}, pool ON (`codec: createPooledCodec()`)
 * vs OFF (`codec: createInlineCodec()`). bench/pool.ts measures the codec alone; this one measures
 * the whole send path (compression, frame encoding, socket, broker round trip).
 *
 * 1. Event-loop lag while sending 1 MiB compressible bodies flat out (`--lag-messages` sends,
 *    `--in-flight` awaited sends at a time): a 1 ms `setInterval` records how late each tick fires
 *    (actual − expected); max and p99, plus msgs/s, MiB/s and main-thread CPU per message (Linux
 *    per-thread stat, so worker threads are not billed). Target: p99 lag ≤ 5 ms with the pool on.
 * 2. Throughput without the probe: msgs/s and p50/p99 send latency for 64 KiB and 1 MiB bodies.
 *
 * Bodies are text-like (words from a small vocabulary with a little entropy, ~5× compressible), so
 * the default `compressOver` (4096) compresses every one of them at the default level (5).
 *
 * The embedded cluster (one broker) runs in another process via {@link spawnCluster}, unless
 * `ROCKETMQ_NAMESRV` is set. Loopback only; every loop is bounded by a message count, every send
 * by its timeout, and a watchdog ends a run that hangs anyway. The process exits by itself.
 *
 * ```sh
 * npx -y node@22 bench/send_lag.ts
 * npx -y deno@2.9.6 run -A bench/send_lag.ts
 * npx -y bun@1.4.5 bench/send_lag.ts
 * ```
 *
 * Flags: `--lag-messages N` (200), `--in-flight C` (8), `--messages-64k N` (2000),
 * `--messages-1m N` (200), `--warmup N` (16 per size), `--repeat R` (1; median over R runs, modes
 * alternate order), `--timeout-ms T` (send timeout, 15000), `--watchdog-s S` (600).
 *
 * @module
 */

import process from "node:process";
import {
  createInlineCodec,
  createPooledCodec,
  type MessageCodec,
  type PooledMessageCodec,
  Producer,
} from "../mod.ts";
import { spawnCluster, type SpawnedCluster } from "./cluster.ts";
import {
  formatTable,
  type Lag,
  LatencyHistogram,
  mainThreadCpuMs,
  runConcurrent,
  startLagProbe,
  textBody,
} from "./_stats.ts";

const KIB = 1024;
const MIB = 1024 * 1024;
const TOPIC = "SendLagBench";

const runtime = "Deno" in globalThis
  ? `deno ${(globalThis as unknown as { Deno: { version: { deno: string } } }).Deno.version.deno}`
  : "Bun" in globalThis
  ? `bun ${(globalThis as unknown as { Bun: { version: string } }).Bun.version}`
  : `node ${process.versions.node}`;

function flag(name: string, fallback: number): number {
  const i = process.argv.indexOf(name);
  if (i < 0) return fallback;
  const n = Number(process.argv[i + 1]);
  if (!Number.isFinite(n) || n < 0) throw new RangeError(`${name} must be a number >= 0`);
  return n;
}

const opts = {
  lagMessages: flag("--lag-messages", 200),
  inFlight: Math.max(1, flag("--in-flight", 8)),
  messages64k: flag("--messages-64k", 2000),
  messages1m: flag("--messages-1m", 200),
  warmup: flag("--warmup", 16),
  repeat: Math.max(1, flag("--repeat", 1)),
  timeoutMs: flag("--timeout-ms", 15_000),
  watchdogS: flag("--watchdog-s", 600),
};

/** Eight distinct bodies per size, generated before any clock starts. */
const BODIES = new Map<number, Uint8Array[]>(
  [64 * KIB, MIB].map((
    size,
  ) => [size, Array.from({ length: 8 }, (_, i) => textBody(size, size + i))]),
);

/** One measured run of one mode and size. */
interface Run {
  msgsPerSec: number;
  mibPerSec: number;
  p50Ms: number;
  p99Ms: number;
  cpuMsPerMsg: number | undefined;
  failed: number;
  lag?: Lag;
}

/** `messages` awaited sends of `size`-byte bodies, `inFlight` at a time, optionally with the probe. */
async function measure(
  producer: Producer,
  size: number,
  messages: number,
  probe: boolean,
): Promise<Run> {
  const bodies = BODIES.get(size)!;
  const histogram = new LatencyHistogram();
  const send = (i: number): Promise<unknown> =>
    producer.send({ topic: TOPIC, body: bodies[i % bodies.length], tags: "lag" });
  const lag = probe ? startLagProbe() : undefined;
  const cpu0 = mainThreadCpuMs();
  const t0 = performance.now();
  let lagResult: Lag | undefined;
  let result;
  try {
    result = await runConcurrent(messages, opts.inFlight, send, histogram);
  } finally {
    lagResult = lag?.stop(); // stop the timer even when the run throws
  }
  const seconds = (performance.now() - t0) / 1000;
  const cpu1 = mainThreadCpuMs();
  if (result.failed > 0) console.error(`  ${result.failed} sends failed:`, result.firstError);
  return {
    msgsPerSec: result.ok / seconds,
    mibPerSec: (result.ok * size) / MIB / seconds,
    p50Ms: histogram.percentile(0.5),
    p99Ms: histogram.percentile(0.99),
    cpuMsPerMsg: cpu0 === undefined || cpu1 === undefined || result.ok === 0
      ? undefined
      : (cpu1 - cpu0) / result.ok,
    failed: result.failed,
    lag: lagResult,
  };
}

type Mode = "off" | "on";
type CaseName = "lag 1 MiB" | "64 KiB" | "1 MiB";
const results = new Map<string, Run[]>();
const poolInfo: string[] = [];

function record(caseName: CaseName, mode: Mode, run: Run): void {
  const key = `${caseName}|${mode}`;
  results.set(key, [...(results.get(key) ?? []), run]);
}

/** One producer with one codec: warm up, then the lag run and the two throughput runs. */
async function runMode(nameServer: string, mode: Mode, round: number): Promise<void> {
  const codec: MessageCodec = mode === "on" ? createPooledCodec() : createInlineCodec();
  const producer = new Producer({
    group: `send_lag_${mode}_${round}`,
    instanceName: `send_lag_${mode}_${round}`,
    nameServer,
    codec,
    sendTimeoutMs: opts.timeoutMs,
  });
  try {
    await producer.start();
    // Warm-up: route lookup, connection, JIT, and (pool on) the workers' start.
    for (const size of [64 * KIB, MIB]) await measure(producer, size, opts.warmup, false);
    if (mode === "on") {
      const pool = (codec as PooledMessageCodec).pool;
      poolInfo.push(
        pool ? `${pool.size} worker(s), ${pool.backend ?? "?"}` : "no workers (ran inline)",
      );
    }
    record("lag 1 MiB", mode, await measure(producer, MIB, opts.lagMessages, true));
    record("64 KiB", mode, await measure(producer, 64 * KIB, opts.messages64k, false));
    record("1 MiB", mode, await measure(producer, MIB, opts.messages1m, false));
  } finally {
    await producer.shutdown();
    await codec.close();
  }
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

function fmt(n: number | undefined, digits = 1): string {
  if (n === undefined || Number.isNaN(n)) return "n/a";
  return n >= 100 ? n.toFixed(0) : n.toFixed(digits);
}

function report(idle: Lag): void {
  const med = (runs: Run[], pick: (r: Run) => number | undefined): number | undefined => {
    const xs = runs.map(pick).filter((x): x is number => x !== undefined);
    return xs.length ? median(xs) : undefined;
  };
  const header = [
    "case",
    "pool",
    "p99 lag ms",
    "max lag ms",
    "msgs/s",
    "MiB/s",
    "p50 send ms",
    "p99 send ms",
    "main CPU ms/msg",
    "failed",
  ];
  const rows: string[][] = [["idle probe (1 s)", "-", fmt(idle.p99, 2), fmt(idle.max, 2)]];
  for (const c of ["lag 1 MiB", "64 KiB", "1 MiB"] as const) {
    for (const mode of ["off", "on"] as const) {
      const runs = results.get(`${c}|${mode}`) ?? [];
      if (runs.length === 0) continue;
      rows.push([
        c,
        mode,
        c.startsWith("lag") ? fmt(med(runs, (r) => r.lag?.p99), 2) : "-",
        c.startsWith("lag") ? fmt(med(runs, (r) => r.lag?.max), 2) : "-",
        fmt(med(runs, (r) => r.msgsPerSec)),
        fmt(med(runs, (r) => r.mibPerSec)),
        fmt(med(runs, (r) => r.p50Ms), 2),
        fmt(med(runs, (r) => r.p99Ms), 2),
        fmt(med(runs, (r) => r.cpuMsPerMsg), 2),
        String(runs.reduce((n, r) => n + r.failed, 0)),
      ]);
    }
  }
  console.log(
    formatTable(header, rows.map((r) => [...r, ...Array(header.length - r.length).fill("")])),
  );
  const lagOn = med(results.get("lag 1 MiB|on") ?? [], (r) => r.lag?.p99);
  if (lagOn !== undefined) {
    console.log(`target p99 lag ≤ 5 ms with the pool on: ${lagOn <= 5 ? "met" : "NOT met"}`);
  }
}

async function main(): Promise<void> {
  const cores = (globalThis as { navigator?: { hardwareConcurrency?: number } }).navigator
    ?.hardwareConcurrency;
  const watchdog = setTimeout(() => {
    console.error(`send_lag: watchdog (${opts.watchdogS} s) fired, exiting`);
    process.exit(3);
  }, opts.watchdogS * 1000);
  let cluster: SpawnedCluster | undefined;
  try {
    let nameServer = process.env.ROCKETMQ_NAMESRV;
    if (!nameServer) {
      // One broker, small retention: 1 MiB bodies are ~200 KiB compressed.
      cluster = await spawnCluster(["--brokers", "1", "--max-stored", "256"]);
      nameServer = cluster.namesrvAddr;
    }
    console.log(
      `## ${runtime}, ${cores ?? "?"} cores, name server ${nameServer}` +
        `${cluster ? " (embedded cluster, child process)" : ""}`,
    );
    console.log(
      `lag: ${opts.lagMessages} × 1 MiB; throughput: ${opts.messages64k} × 64 KiB, ` +
        `${opts.messages1m} × 1 MiB; ${opts.inFlight} awaited sends in flight; ` +
        `compressible text, compressOver 4096, level 5; repeat ${opts.repeat}`,
    );
    const idleProbe = startLagProbe();
    await new Promise((r) => setTimeout(r, 1000));
    const idle = idleProbe.stop();
    for (let round = 0; round < opts.repeat; round++) {
      // Alternate the order so neither mode always runs on a warmer (or more fragmented) process.
      const order: Mode[] = round % 2 === 0 ? ["off", "on"] : ["on", "off"];
      for (const mode of order) await runMode(nameServer, mode, round);
    }
    console.log(`pool: ${[...new Set(poolInfo)].join("; ")}`);
    report(idle);
  } finally {
    await cluster?.close();
    clearTimeout(watchdog);
  }
}

await main();
