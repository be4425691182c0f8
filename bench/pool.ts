/**
 * Codec pool benchmark. Runs under Deno, Bun and Node 22:
 *
 *   npx -y deno@2.9.6 run -A bench/pool.ts
 *   npx -y bun@1.4.5 bench/pool.ts
 *   npx -y node@22 bench/pool.ts
 *
 * (a) zlib level 5 on compressible text bodies, 1 KiB … 1 MiB: every backend inline (µs/op,
 *     ops/s), then the pool: one job at a time (latency), 8 in flight (ops/s), and the MAIN THREAD's
 *     CPU per job (Linux `/proc/self/task/<pid>/stat`, so worker threads are not counted). The
 *     offload threshold is the smallest size whose pooled main-thread CPU is below inline node:zlib
 *     time. Also: copy-once (default) vs transfer, and batch encoding inline vs pooled.
 * (b) Event-loop lag (max, p99 of a 1 ms interval timer's delay) while compressing 200 × 1 MiB
 *     bodies with 8 in flight: inline codec vs pooled codec (default options).
 *
 * @module
 */

import process from "node:process";
import { loadZlibBackend, type ZlibBackend } from "../src/codec/compression.ts";
import {
  createInlineCodec,
  createPooledCodec,
  DEFAULT_OFFLOAD_THRESHOLD,
  type MessageCodec,
} from "../src/codec/message-codec.ts";
import { encodeBatchRecords } from "../src/codec/batch.ts";
import { mainThreadCpuMs, startLagProbe, textBody } from "./_stats.ts";

const LEVEL = 5;
const runtime = "Deno" in globalThis
  ? `deno ${(globalThis as unknown as { Deno: { version: { deno: string } } }).Deno.version.deno}`
  : "Bun" in globalThis
  ? `bun ${(globalThis as unknown as { Bun: { version: string } }).Bun.version}`
  : `node ${process.versions.node}`;

function fmt(n: number, digits = 1): string {
  return n >= 100 ? n.toFixed(0) : n.toFixed(digits);
}

/** Run `op` sequentially for ~`ms` (at least 3 times); returns µs per op. */
async function timeSequential(op: () => unknown, ms: number): Promise<number> {
  for (let i = 0; i < 3; i++) await op(); // warm up
  let n = 0;
  const t0 = performance.now();
  let t = t0;
  while (n < 3 || t - t0 < ms) {
    await op();
    n++;
    t = performance.now();
  }
  return ((t - t0) * 1000) / n;
}

/** Run `total` ops with `inFlight` concurrent; returns ops/s and main-thread CPU µs per op. */
async function timeConcurrent(
  op: () => Promise<unknown>,
  total: number,
  inFlight: number,
): Promise<{ opsPerSec: number; cpuUsPerOp: number | undefined }> {
  let started = 0;
  const cpu0 = mainThreadCpuMs();
  const t0 = performance.now();
  const lane = async (): Promise<void> => {
    while (started < total) {
      started++;
      await op();
    }
  };
  await Promise.all(Array.from({ length: inFlight }, lane));
  const wall = performance.now() - t0;
  const cpu1 = mainThreadCpuMs();
  return {
    opsPerSec: (total * 1000) / wall,
    cpuUsPerOp: cpu0 === undefined || cpu1 === undefined ? undefined : ((cpu1 - cpu0) * 1000) /
      total,
  };
}

/** Node's async deflate runs in libuv's thread pool (Deno and Bun emulate it): an extra contender. */
async function nodeAsyncDeflate(): Promise<ZlibBackend | undefined> {
  try {
    const spec = "node:zlib";
    const z = await import(spec) as {
      deflate(
        b: Uint8Array,
        o: { level: number },
        cb: (e: Error | null, r: Uint8Array) => void,
      ): void;
    };
    return {
      name: "node:zlib" as const,
      honoursLevel: true,
      deflate: (body, level) =>
        new Promise<Uint8Array>((resolve, reject) =>
          z.deflate(body, { level }, (e, r) => (e ? reject(e) : resolve(r)))
        ),
    };
  } catch {
    return undefined;
  }
}

async function partA(): Promise<void> {
  const sizes = [1024, 4096, 8192, 16384, 32768, 65536, 262144, 1048576];
  const backends: [string, ZlibBackend][] = [];
  for (const name of ["node:zlib", "fflate", "compression-stream"] as const) {
    const b = await loadZlibBackend(name);
    if (b) backends.push([name === "node:zlib" ? "node:zlib sync" : name, b]);
  }
  const nodeAsync = await nodeAsyncDeflate();
  if (nodeAsync) backends.push(["node:zlib async", nodeAsync]);

  const pooled = createPooledCodec({ offloadThreshold: 0, batchOffloadThreshold: 0 });
  const transferring = createPooledCodec({
    offloadThreshold: 0,
    batchOffloadThreshold: 0,
    transfer: true,
  });
  const pool = await pooled.startPool();
  console.log(`\n## ${runtime}: (a) zlib level ${LEVEL}, compressible text`);
  const cores = (globalThis as { navigator?: { hardwareConcurrency?: number } }).navigator
    ?.hardwareConcurrency;
  console.log(`cores: ${cores}; pool: ${pool ? "default size (cores − 1, min 1)" : "none"}`);
  const header = ["size", "ratio"];
  for (const [n] of backends) header.push(`${n} µs`);
  header.push("pool µs (1 at a time)", "pool ops/s (8 in flight)", "pool main-thread CPU µs/op");
  header.push("inline sync ops/s");
  console.log(`| ${header.join(" | ")} |`);
  console.log(`|${header.map(() => "---").join("|")}|`);
  let crossover: number | undefined;
  for (const size of sizes) {
    const body = textBody(size, size);
    const row = [size >= 1048576 ? `${size / 1048576} MiB` : `${size / 1024} KiB`];
    const z = await backends[0][1].deflate(body, LEVEL);
    row.push(`${fmt(size / z.length)}×`);
    const budget = size >= 262144 ? 1500 : 600;
    let inlineUs = 0;
    for (const [name, b] of backends) {
      const us = await timeSequential(() => b.deflate(body, LEVEL), budget);
      if (name === "node:zlib sync" || (inlineUs === 0 && name === "fflate")) inlineUs = us;
      row.push(fmt(us));
    }
    const latency = await timeSequential(() => pooled.compress(body, LEVEL), budget);
    const total = Math.max(16, Math.min(4000, Math.round((budget * 1000) / Math.max(latency, 1))));
    const conc = await timeConcurrent(() => pooled.compress(body, LEVEL), total, 8);
    row.push(
      fmt(latency),
      fmt(conc.opsPerSec),
      conc.cpuUsPerOp === undefined ? "n/a" : fmt(conc.cpuUsPerOp),
    );
    row.push(fmt(1e6 / inlineUs));
    // Offload pays when it saves the main thread at least 5× AND the pool keeps within 20% of
    // inline throughput (below that the round trip dominates and workers become the bottleneck).
    const pays = conc.cpuUsPerOp !== undefined && conc.cpuUsPerOp * 5 <= inlineUs &&
      conc.opsPerSec >= 0.8e6 / inlineUs;
    if (!pays) crossover = undefined;
    else crossover ??= size;
    console.log(`| ${row.join(" | ")} |`);
  }
  console.log(
    `offload pays (main-thread CPU ≤ inline/5, ops/s ≥ 0.8 × inline) from: ${
      crossover ?? "never"
    } ` +
      `bytes on; ` +
      `default offloadThreshold = ${DEFAULT_OFFLOAD_THRESHOLD}`,
  );

  // Copy-once vs transfer for 1 MiB: main-thread CPU per job.
  const mib = textBody(1048576, 9);
  const copyCpu = await timeConcurrent(() => pooled.compress(mib, LEVEL), 200, 8);
  const xferCpu = await timeConcurrent(() => transferring.compress(mib.slice(), LEVEL), 200, 8);
  const sliceUs = await timeSequential(() => mib.slice(), 300);
  console.log(
    `1 MiB main-thread CPU µs/op: copy-once ${fmt(copyCpu.cpuUsPerOp ?? NaN)}, ` +
      `transfer ${fmt(xferCpu.cpuUsPerOp ?? NaN)} (includes the bench's own slice: ` +
      `${fmt(sliceUs)} µs)`,
  );

  // Batch: 64 × 64 KiB (4 MiB) and 32 × 4 KiB (128 KiB).
  for (const [count, each] of [[32, 4096], [64, 16384], [64, 65536]]) {
    const records = Array.from({ length: count }, (_, i) => ({
      body: textBody(each, i + 1),
      flag: 0,
      properties:
        `KEYS\u0001k${i}\u0002UNIQ_KEY\u00017F0000014E200BADCAFE05F5E10009${i}\u0002WAIT\u0001true`,
    }));
    const inlineUs = await timeSequential(() => encodeBatchRecords(records), 600);
    const n = Math.max(50, Math.min(2000, Math.round(1e6 / inlineUs)));
    const conc = await timeConcurrent(() => pooled.encodeBatch(records), n, 4);
    // Transfer mode detaches the bodies: give it fresh copies (made before the clock starts).
    const fresh = Array.from(
      { length: n + 4 },
      () => records.map((r) => ({ ...r, body: r.body.slice() })),
    );
    const xfer = await timeConcurrent(() => transferring.encodeBatch(fresh.pop()!), n, 4);
    const cpu = (c: { cpuUsPerOp: number | undefined }): string =>
      c.cpuUsPerOp === undefined ? "n/a" : fmt(c.cpuUsPerOp);
    console.log(
      `batch ${count} × ${each / 1024} KiB: inline ${
        fmt(inlineUs)
      } µs/op; pooled main-thread CPU ` +
        `${cpu(conc)} µs/op (copy-once), ${cpu(xfer)} µs/op (transfer); ` +
        `pooled ${fmt(conc.opsPerSec)} ops/s`,
    );
  }
  await pooled.close();
  await transferring.close();
}

/** Delay of a 1 ms interval timer (ms late per tick) while `work` runs. */
async function lagDuring(
  work: () => Promise<void>,
): Promise<{ max: number; p99: number; ms: number }> {
  const probe = startLagProbe();
  const t0 = performance.now();
  let lag;
  try {
    await work();
  } finally {
    lag = probe.stop();
  }
  return { max: lag.max, p99: lag.p99, ms: performance.now() - t0 };
}

async function partB(): Promise<void> {
  const bodies = Array.from({ length: 8 }, (_, i) => textBody(1048576, 100 + i));
  const run = (codec: MessageCodec) => async (): Promise<void> => {
    let started = 0;
    const lane = async (): Promise<void> => {
      while (started < 200) await codec.compress(bodies[started++ % bodies.length], LEVEL);
    };
    await Promise.all(Array.from({ length: 8 }, lane));
  };
  console.log(`\n## ${runtime}: (b) event-loop lag, 200 × 1 MiB compressible, 8 in flight`);
  console.log("| codec | p99 lag ms | max lag ms | total ms | MiB/s |");
  console.log("|---|---|---|---|---|");
  const idle = await lagDuring(() => new Promise((r) => setTimeout(r, 2000)));
  console.log(`| idle baseline (2 s) | ${fmt(idle.p99, 2)} | ${fmt(idle.max, 2)} | - | - |`);
  const cases: [string, () => MessageCodec][] = [
    ["inline (pool off)", () => createInlineCodec()],
    ["pooled (default)", () => createPooledCodec()],
  ];
  for (const [name, make] of cases) {
    const codec = make();
    await run(codec)(); // warm up (and start the pool)
    const r = await lagDuring(run(codec));
    await codec.close();
    console.log(
      `| ${name} | ${fmt(r.p99, 2)} | ${fmt(r.max, 2)} | ${fmt(r.ms)} | ${fmt(200000 / r.ms)} |`,
    );
  }
}

const which = process.argv.slice(2).find((a) => a === "a" || a === "b");
if (which !== "b") await partA();
if (which !== "a") await partB();
