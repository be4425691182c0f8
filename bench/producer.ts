/**
 * Producer benchmark (issue 4 "Performance"): N messages of `--size` bytes with C sends in flight,
 * for each C of `--concurrency`, driving three clients against the same cluster in one run:
 *
 * - `ours`: this package's {@link Producer}, `send()` awaited, C concurrent senders;
 * - `ali-ons`: the npm `ali-ons` producer (Node only; "n/a" under Deno and Bun);
 * - `raw`: a pre-encoded SEND_MESSAGE_V2 frame pipeline with window C (bench/_raw_sender.ts), the
 *   ceiling any client can reach against this broker.
 *
 * The cluster runs in another process (scripts/cluster.ts, same runtime, one broker) unless
 * `ROCKETMQ_NAMESRV` is set. CPU is this process's `process.cpuUsage()` delta divided by N, so it
 * is client CPU only; "server CPU" is the cluster process's (Linux `/proc`), which shows when the
 * broker, not the client, is what limits a run (two cores are shared by both processes).
 * Loopback only; every loop is bounded; the process exits by itself.
 *
 * Flags: `--messages N` (default 100000), `--concurrency 1,8,64`, `--size 1024`, `--warmup N`,
 * `--repeat R` (median of R measured runs, default 1), `--clients ours,ali-ons,raw`, `--topic T`.
 *
 * ```sh
 * npx -y node@22 bench/producer.ts --messages 100000 --concurrency 1,8,64 --size 1024
 * npx -y deno@2.9.6 run -A bench/producer.ts
 * npx -y node@22 bench/producer.ts --messages 1000000 --concurrency 64 --clients ours   # RSS check
 * ```
 *
 * @module
 */

import process from "node:process";
import { setTimeout as nodeSetTimeout } from "node:timers";
import { Producer } from "../mod.ts";
import { RemotingClient } from "../src/remoting/client.ts";
import { RequestCode, ResponseCode, SerializeType } from "../src/remoting/codes.ts";
import { parseTopicRouteData } from "../src/route/topic-route.ts";
import { runRawSender } from "./_raw_sender.ts";
import { spawnCluster } from "./_cluster_process.ts";
import { type AliOnsClient, aliOnsSupported, openAliOns } from "./_ali_ons.ts";
import {
  formatTable,
  LatencyHistogram,
  mib,
  processCpuMs,
  ratio,
  rss,
  runConcurrent,
  type RunStats,
  startMeter,
  throughput,
} from "./_stats.ts";

/** The spawned cluster's pid, for its CPU per message (undefined with ROCKETMQ_NAMESRV). */
let serverPid: number | undefined;

/** Flags of scripts/cluster.ts: one broker (all clients hit the same one), small retention. */
const CLUSTER_ARGS = ["--brokers", "1", "--max-stored", "1000"];

/** Master address of the first broker serving `topic`, from the name server's route. */
async function lookupBrokerAddress(nameServer: string, topic: string): Promise<string> {
  const client = new RemotingClient();
  const response = await client.invoke(nameServer, {
    code: RequestCode.GET_ROUTEINFO_BY_TOPIC,
    language: 7,
    version: 401,
    opaque: 1,
    flag: 0,
    extFields: { topic },
    serializeType: SerializeType.JSON,
  }, 5000).finally(() => client.close());
  if (response.code !== ResponseCode.SUCCESS || !response.body) {
    throw new Error(`route of ${topic}: code ${response.code} ${response.remark ?? ""}`);
  }
  const route = parseTopicRouteData(response.body);
  const broker = [...route.brokerDatas].sort((a, b) => a.brokerName < b.brokerName ? -1 : 1)
    .find((b) => b.brokerAddrs["0"] !== undefined);
  if (!broker) throw new Error(`route of ${topic} has no master broker`);
  return broker.brokerAddrs["0"];
}

/** Command-line options. */
interface BenchOptions {
  messages: number;
  concurrency: number[];
  size: number;
  warmup: number;
  repeat: number;
  clients: Set<string>;
  topic: string;
}

function parseArgs(argv: readonly string[]): BenchOptions {
  const opts: BenchOptions = {
    messages: 100_000,
    concurrency: [1, 8, 64],
    size: 1024,
    warmup: -1,
    repeat: 1,
    clients: new Set(["ours", "ali-ons", "raw"]),
    topic: "BenchTopic",
  };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    const value = argv[i + 1];
    const int = (): number => {
      const n = Number(value);
      if (!Number.isInteger(n) || n <= 0) throw new Error(`${flag} needs a positive integer`);
      i++;
      return n;
    };
    if (flag === "--messages") opts.messages = int();
    else if (flag === "--size") opts.size = int();
    else if (flag === "--warmup") opts.warmup = int();
    else if (flag === "--repeat") opts.repeat = int();
    else if (flag === "--concurrency") {
      opts.concurrency = String(value).split(",").map(Number);
      if (opts.concurrency.some((c) => !Number.isInteger(c) || c <= 0)) {
        throw new Error("--concurrency needs positive integers, e.g. 1,8,64");
      }
      i++;
    } else if (flag === "--clients") {
      opts.clients = new Set(String(value).split(","));
      i++;
    } else if (flag === "--topic") {
      opts.topic = String(value);
      i++;
    } else throw new Error(`unknown flag ${flag}`);
  }
  if (opts.warmup < 0) opts.warmup = Math.min(5_000, Math.max(500, opts.messages / 10));
  return opts;
}

function runtimeName(): string {
  const g = globalThis as Record<string, unknown>;
  if (g.Deno !== undefined) return `deno ${(g.Deno as { version: { deno: string } }).version.deno}`;
  if (g.Bun !== undefined) return `bun ${process.versions.bun}`;
  return `node ${process.versions.node}`;
}

/** What one client run reports to {@link measure}. */
interface RunOutcome {
  ok: number;
  failed: number;
  firstError?: unknown;
  p50Ms?: number;
  p99Ms?: number;
}

/** The raw pre-encoded sender (bench/_raw_sender.ts) with window `c`, as a {@link RunOutcome}. */
async function runRaw(
  address: string,
  topic: string,
  size: number,
  messages: number,
  c: number,
): Promise<RunOutcome> {
  // The same message as the other clients send (1 KiB body, tags "bench").
  const r = await runRawSender({
    address,
    frames: messages,
    window: c,
    bodySize: size,
    topic,
    tags: "bench",
  });
  return { ok: r.acked, failed: r.errors, p50Ms: r.p50Ms, p99Ms: r.p99Ms };
}

/** Warm-up then measured run of one client at one concurrency. */
async function measure(
  client: string,
  opts: BenchOptions,
  concurrency: number,
  histogram: LatencyHistogram,
  run: (messages: number, histogram: LatencyHistogram) => Promise<RunOutcome>,
  splitForRss = false,
): Promise<RunStats> {
  histogram.reset();
  await run(opts.warmup, histogram);
  // On a shared machine a single run can be unlucky: keep the median of `--repeat` runs.
  const runs: RunStats[] = [];
  for (let r = 0; r < opts.repeat; r++) {
    runs.push(await measureOnce(client, opts, concurrency, histogram, run, splitForRss));
  }
  runs.sort((x, y) => throughput(x) - throughput(y));
  return runs[Math.floor(runs.length / 2)];
}

/** One measured run (no warm-up) of {@link measure}. */
async function measureOnce(
  client: string,
  opts: BenchOptions,
  concurrency: number,
  histogram: LatencyHistogram,
  run: (messages: number, histogram: LatencyHistogram) => Promise<RunOutcome>,
  splitForRss: boolean,
): Promise<RunStats> {
  histogram.reset();
  const meter = startMeter(client, concurrency);
  const server0 = serverPid === undefined ? undefined : processCpuMs(serverPid);
  let result: RunOutcome;
  let rssAt10: number | undefined;
  if (splitForRss) {
    // Two back-to-back segments (10% + 90%) with an RSS sample in between, on the same histogram.
    const first = Math.floor(opts.messages / 10);
    const a = await run(first, histogram);
    // No forced GC here: a full collection in the middle of a timed run costs far more than its
    // pause (measured: +0.8 us CPU per send over the next 90k sends at C=64, the young
    // generation shrinks and regrows), and the other clients get none. The 10% sample therefore
    // includes garbage not yet collected; the before/after samples are taken after a full GC.
    rssAt10 = rss();
    const b = await run(opts.messages - first, histogram);
    result = {
      ok: a.ok + b.ok,
      failed: a.failed + b.failed,
      firstError: a.firstError ?? b.firstError,
    };
  } else {
    result = await run(opts.messages, histogram);
  }
  const stats = meter.finish(result.ok, result.failed, histogram);
  const server1 = serverPid === undefined ? undefined : processCpuMs(serverPid);
  if (server0 !== undefined && server1 !== undefined && stats.messages > 0) {
    stats.serverCpuUsPerMsg = ((server1 - server0) * 1000) / stats.messages;
  }
  stats.rssAt10 = rssAt10;
  // The raw sender keeps its own histogram and reports percentiles.
  if (result.p50Ms !== undefined) stats.p50Ms = result.p50Ms;
  if (result.p99Ms !== undefined) stats.p99Ms = result.p99Ms;
  if (result.failed > 0) {
    console.error(
      `${client} C=${concurrency}: ${result.failed} sends failed, first:`,
      result.firstError,
    );
  }
  return stats;
}

function row(s: RunStats | undefined, client: string, c: number): string[] {
  if (s === undefined) return [client, String(c), "n/a", "", "", "", "", "", "", ""];
  return [
    client,
    String(c),
    Math.round(throughput(s)).toLocaleString("en-US"),
    s.p50Ms.toFixed(3),
    s.p99Ms.toFixed(3),
    s.cpuUsPerMsg.toFixed(1),
    s.serverCpuUsPerMsg === undefined ? "n/a" : s.serverCpuUsPerMsg.toFixed(1),
    mib(s.rssBefore),
    mib(s.rssAfter),
    String(s.failures),
  ];
}

async function main(): Promise<void> {
  const opts = parseArgs(process.argv.slice(2));
  const envNamesrv = process.env.ROCKETMQ_NAMESRV;
  const cluster = envNamesrv ? undefined : await spawnCluster(CLUSTER_ARGS);
  serverPid = cluster?.pid;
  const nameServer = envNamesrv ?? cluster!.namesrvAddr;
  const histogram = new LatencyHistogram();
  const results = new Map<string, RunStats | undefined>();
  const key = (client: string, c: number): string => `${client}@${c}`;
  let producer: Producer | undefined;
  let ali: AliOnsClient | undefined;
  const body = new Uint8Array(opts.size).fill(0x61);
  console.log(
    `# producer bench: ${runtimeName()}, ${opts.messages} x ${opts.size} B, C = ${
      opts.concurrency.join(",")
    }, warm-up ${opts.warmup}, median of ${opts.repeat}, name server ${nameServer}${
      cluster ? " (embedded, own process)" : ""
    }`,
  );
  try {
    if (opts.clients.has("ours")) {
      producer = new Producer({ group: "bench_ours", nameServer });
      await producer.start();
      // Creates the topic through TBW102 so every client below finds a route.
      await producer.send({ topic: opts.topic, body, tags: "bench" });
    }
    const useAli = opts.clients.has("ali-ons") && aliOnsSupported();
    if (useAli) ali = await openAliOns(nameServer, opts.topic, opts.size);
    let brokerAddress: string | undefined;
    if (opts.clients.has("raw")) {
      brokerAddress = cluster?.brokers[0].address ??
        await lookupBrokerAddress(nameServer, opts.topic);
    }
    const checkCluster = (): void => {
      if (cluster && !cluster.alive) {
        throw new Error("the cluster process died; numbers would be meaningless");
      }
    };
    for (const c of opts.concurrency) {
      checkCluster();
      if (producer) {
        const p = producer;
        results.set(
          key("ours", c),
          await measure(
            "ours",
            opts,
            c,
            histogram,
            (n, h) =>
              runConcurrent(n, c, () => p.send({ topic: opts.topic, body, tags: "bench" }), h),
            true,
          ),
        );
      }
      checkCluster();
      if (ali) {
        const a = ali;
        results.set(
          key("ali-ons", c),
          await measure("ali-ons", opts, c, histogram, (n, h) => a.run(n, c, h)),
        );
      }
      checkCluster();
      if (brokerAddress !== undefined) {
        const address = brokerAddress;
        results.set(
          key("raw", c),
          await measure(
            "raw",
            opts,
            c,
            histogram,
            (n) => runRaw(address, opts.topic, opts.size, n, c),
          ),
        );
      }
    }
  } finally {
    await producer?.shutdown();
    await ali?.close();
    await cluster?.close();
  }

  const rows: string[][] = [];
  for (const c of opts.concurrency) {
    for (const client of ["ours", "ali-ons", "raw"]) {
      if (!opts.clients.has(client)) continue;
      rows.push(row(results.get(key(client, c)), client, c));
    }
  }
  console.log();
  console.log(
    formatTable(
      [
        "client",
        "C",
        "msgs/s",
        "p50 ms",
        "p99 ms",
        "CPU µs/msg",
        "server CPU µs/msg",
        "RSS MB before",
        "after",
        "failed",
      ],
      rows,
    ),
  );
  console.log();
  const ratioRows: string[][] = [];
  for (const c of opts.concurrency) {
    const ours = results.get(key("ours", c));
    const raw = results.get(key("raw", c));
    const aliStats = results.get(key("ali-ons", c));
    const vsRaw = ours && raw ? throughput(ours) / throughput(raw) : undefined;
    const vsAliCpu = ours && aliStats ? ours.cpuUsPerMsg / aliStats.cpuUsPerMsg : undefined;
    const growth = ours ? (ours.rssAfter - ours.rssBefore) / (1024 * 1024) : undefined;
    const steady = ours?.rssAt10 !== undefined
      ? (ours.rssAfter - ours.rssAt10) / (1024 * 1024)
      : undefined;
    ratioRows.push([
      String(c),
      ratio(ours && throughput(ours), raw && throughput(raw)),
      c >= 8 && vsRaw !== undefined ? (vsRaw >= 0.9 ? "yes" : "NO") : "-",
      ratio(ours?.cpuUsPerMsg, aliStats?.cpuUsPerMsg),
      vsAliCpu !== undefined ? (vsAliCpu <= 1 / 3 ? "yes" : "NO") : "-",
      growth !== undefined ? growth.toFixed(1) : "n/a",
      steady !== undefined ? steady.toFixed(1) : "n/a",
    ]);
  }
  console.log(
    formatTable(
      [
        "C",
        "ours/raw msgs/s",
        "≥0.9 (C≥8)",
        "ours/ali-ons CPU",
        "≤0.33",
        "ours RSS Δ MB",
        "Δ after first 10%",
      ],
      ratioRows,
    ),
  );
  console.log(
    `\nTargets: ≥ 0.9× raw msgs/s at C=8 and C=64; CPU/msg ≤ 1/3 of ali-ons; RSS growth ≤ 20 MB over 1 M sends (run with --messages 1000000; this run: ${opts.messages}).`,
  );
}

if (import.meta.main) {
  let code = 0;
  try {
    await main();
  } catch (e) {
    console.error(e);
    code = 1;
  }
  process.exitCode = code;
  // ali-ons keeps interval timers of its shared client instance alive after close(); the bench
  // must still end on its own. An unref'd timer only fires if something else holds the loop.
  nodeSetTimeout(() => process.exit(code), 3000).unref();
}
