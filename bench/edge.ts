/**
 * The Producer inside workerd (Cloudflare's runtime, through Miniflare) against the same Producer
 * on Node, in one run, against one embedded cluster in a child process: messages/s and p50/p99 at
 * C = 8 and 64 (1 KiB bodies), and the cold start of a Worker isolate to its first SendResult.
 *
 * Inside workerd the producer lives in a Durable Object (it keeps its sockets across requests);
 * one request runs a whole closed-loop measurement there (after a warm-up request). msgs/s is
 * taken on the Node side around that request (one local HTTP round trip more than the sends).
 * Latencies come from inside: workerd's clock has millisecond steps and advances only with I/O
 * (every send waits for its response), so p50/p99 there are whole milliseconds. CPU µs/msg is
 * the producer's process (this one for Node, the workerd process for workerd; Linux /proc, 10 ms
 * ticks): it moves far less than msgs/s when the machine is shared.
 *
 * Flags: `--messages N` (per measured run, default 20000), `--warmup N` (default 5000),
 * `--repeat R` (runs per cell, default 3; the table shows the median and the range), `--cold K`
 * (cold starts, default 5).
 *
 * @example
 * ```sh
 * node scripts/install-peers.mjs tests/peers scripts/peers # miniflare, esbuild (once)
 * npx -y node@22 bench/edge.ts --repeat 3
 * ```
 *
 * @module
 */

import { readdirSync, readFileSync } from "node:fs";
import process from "node:process";
import { Producer } from "../mod.ts";
import { spawnCluster } from "./_cluster_process.ts";
import { formatTable, LatencyHistogram, processCpuMs, runConcurrent } from "./_stats.ts";
import type { RunAnswer, RunRequest } from "./_edge_worker.ts";
import { bundleOnce, startWorker } from "../tests/edge/_miniflare.ts";

const TOPIC = "BenchEdge";
const SIZE = 1024;

function intFlag(name: string, fallback: number): number {
  const i = process.argv.indexOf(name);
  if (i < 0) return fallback;
  const n = Number(process.argv[i + 1]);
  if (!Number.isInteger(n) || n < 1) throw new Error(`${name} must be a positive integer`);
  return n;
}

const MESSAGES = intFlag("--messages", 20_000);
const WARMUP = intFlag("--warmup", 5_000);
const REPEAT = intFlag("--repeat", 3);
const COLD = intFlag("--cold", 5);
const CONCURRENCIES = [8, 64];

interface Cell {
  msgsPerSec: number;
  p50Ms: number;
  p99Ms: number;
  /** CPU per message of the process that ran the producer (Linux), µs; NaN where unknown. */
  cpuUsPerMsg: number;
}

/** The workerd process Miniflare started (a child of this one), from /proc (Linux). */
function workerdPid(): number | undefined {
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      if (stat.includes("(workerd)") && Number(fields[1]) === process.pid) return Number(entry);
    } catch {
      // gone meanwhile
    }
  }
  return undefined;
}

async function nodeRun(producer: Producer, concurrency: number): Promise<Cell> {
  const body = new Uint8Array(SIZE).fill(97);
  const send = (): Promise<unknown> => producer.send({ topic: TOPIC, body });
  await runConcurrent(WARMUP, concurrency, send, new LatencyHistogram());
  const histogram = new LatencyHistogram();
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const r = await runConcurrent(MESSAGES, concurrency, send, histogram);
  const elapsed = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  if (r.failed > 0) throw new Error(`node: ${r.failed} sends failed: ${r.firstError}`);
  return {
    msgsPerSec: (r.ok * 1000) / elapsed,
    p50Ms: histogram.percentile(0.5),
    p99Ms: histogram.percentile(0.99),
    cpuUsPerMsg: (cpu.user + cpu.system) / r.ok,
  };
}

async function workerdRun(
  post: (path: string, body: unknown) => Promise<RunAnswer>,
  concurrency: number,
  pid: number | undefined,
): Promise<Cell> {
  const run = (messages: number): RunRequest => ({ concurrency, messages, warmup: 0, size: SIZE });
  await post("/object/bench", run(WARMUP));
  const cpu0 = pid === undefined ? undefined : processCpuMs(pid);
  const t0 = performance.now();
  const r = await post("/object/bench", run(MESSAGES));
  const elapsed = performance.now() - t0;
  const cpu1 = pid === undefined ? undefined : processCpuMs(pid);
  if (r.failed > 0) throw new Error(`workerd: ${r.failed} sends failed: ${r.firstError}`);
  const cpuUsPerMsg = cpu0 === undefined || cpu1 === undefined
    ? NaN
    : ((cpu1 - cpu0) * 1000) / r.ok;
  return { msgsPerSec: (r.ok * 1000) / elapsed, p50Ms: r.p50Ms, p99Ms: r.p99Ms, cpuUsPerMsg };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

function range(xs: number[], digits = 0): string {
  const f = (x: number): string => x.toLocaleString("en-US", { maximumFractionDigits: digits });
  return `${f(median(xs))} (${f(Math.min(...xs))}–${f(Math.max(...xs))})`;
}

const cluster = await spawnCluster(["--brokers", "1", "--max-stored", "1000"]);
const worker = await startWorker({
  entry: "bench/_edge_worker.ts",
  bindings: { NAMESRV: cluster.namesrvAddr, TOPIC },
  durableObjects: { BENCH: "BenchObject" },
});
const pid = workerdPid();
const producer = new Producer({ nameServer: cluster.namesrvAddr, group: "bench_node" });
try {
  await producer.start();
  await producer.send({ topic: TOPIC, body: "create the topic" });
  const post = (path: string, body: unknown): Promise<RunAnswer> =>
    worker.post<RunAnswer>(path, body);
  const cells = new Map<string, Cell[]>();
  for (let round = 0; round < REPEAT; round++) {
    for (const c of CONCURRENCIES) {
      for (
        const [where, run] of [["node", () => nodeRun(producer, c)], [
          "workerd",
          () => workerdRun(post, c, pid),
        ]] as const
      ) {
        const cell = await run();
        const key = `${where} ${c}`;
        cells.set(key, [...(cells.get(key) ?? []), cell]);
        console.error(`round ${round + 1} ${key}: ${Math.round(cell.msgsPerSec)} msgs/s`);
      }
    }
  }
  const rows: string[][] = [];
  for (const c of CONCURRENCIES) {
    const node = cells.get(`node ${c}`)!;
    const edge = cells.get(`workerd ${c}`)!;
    const ratios = edge.map((e, i) => e.msgsPerSec / node[i].msgsPerSec);
    for (const [where, list] of [["node", node], ["workerd", edge]] as const) {
      rows.push([
        String(c),
        where,
        range(list.map((x) => x.msgsPerSec)),
        range(list.map((x) => x.p50Ms), 2),
        range(list.map((x) => x.p99Ms), 2),
        range(list.map((x) => x.cpuUsPerMsg), 1),
        where === "workerd" ? range(ratios, 2) : "",
      ]);
    }
  }
  console.log(`\nProducer, ${SIZE} B bodies, ${MESSAGES} sends per run, ${REPEAT} runs per cell`);
  console.log(formatTable(
    ["C", "runtime", "msgs/s", "p50 ms", "p99 ms", "CPU µs/msg", "workerd/node msgs/s"],
    rows,
  ));

  // Cold starts: a new workerd process per sample; "ready" is when its isolate has loaded the
  // Worker, "first" is from then to the first SendResult (name-server lookup, broker connect, send).
  const bundle = await bundleOnce("bench/_edge_worker.ts");
  const launch: number[] = [];
  const first: number[] = [];
  for (let i = 0; i < COLD; i++) {
    const t0 = performance.now();
    const cold = await startWorker({
      entry: "bench/_edge_worker.ts",
      bundle,
      bindings: { NAMESRV: cluster.namesrvAddr, TOPIC },
      durableObjects: { BENCH: "BenchObject" },
    });
    const t1 = performance.now();
    try {
      const result = await cold.post<{ status: string }>("/first", {});
      if (result.status !== "SEND_OK") throw new Error(`first send: ${JSON.stringify(result)}`);
      first.push(performance.now() - t1);
      launch.push(t1 - t0);
    } finally {
      await cold.close();
    }
  }
  console.log(`\nCold start, ${COLD} samples (median (min–max), ms)`);
  console.log(formatTable(["workerd launch → isolate ready", "isolate ready → first SendResult"], [[
    range(launch, 1),
    range(first, 1),
  ]]));
} finally {
  await producer.shutdown();
  await worker.close();
  await cluster.close();
}
