/**
 * Producer benchmark (issue 4 "Performance"): N messages of `--size` bytes with C sends in flight,
 * for each C of `--concurrency`, driving three clients against the same cluster in one run:
 *
 * - `ours`: this package's {@link Producer}, `send()` awaited, C concurrent senders;
 * - `ali-ons`: the npm `ali-ons` producer (Node only; "n/a" under Deno and Bun), a dependency of
 *   bench/peers/package.json only: install it once with `npm install --prefix bench/peers`;
 * - `raw`: a pre-encoded SEND_MESSAGE_V2 frame pipeline with window C (bench/_raw_sender.ts), the
 *   ceiling any client can reach against this broker.
 *
 * The cluster runs in another process (scripts/cluster.ts, same runtime, one broker) unless
 * `ROCKETMQ_NAMESRV` is set. Each client is measured at each C in a child process of its own
 * (same runtime), one after the other, so none runs beside another client's heap, timers or JIT
 * state (ali-ons loaded in the same process measurably slowed ours); `--same-process` measures
 * all in this process instead. CPU is the measuring process's `process.cpuUsage()` delta divided
 * by N, so it is client CPU only; "server CPU" is the cluster process's (Linux `/proc`), which
 * shows when the broker, not the client, limits a run (two cores are shared by both processes).
 * RSS is the measuring process's, after a full GC before and after the timed run. Each timed run
 * starts in steady state: the warm-up, then for every run the RSS baseline GC followed by as many
 * sends again as the warm-up (a full GC shrinks V8's young generation and can drop optimized code;
 * timing right after it billed the clients for regrowing both). Loopback only; every loop is
 * bounded; the process exits by itself.
 *
 * Flags: `--messages N` (default 100000), `--concurrency 1,8,64`, `--size 1024`, `--warmup N`,
 * `--repeat R` (median of R measured runs, default 1), `--clients ours,ali-ons,raw`, `--topic T`,
 * `--same-process`. (`--child client nameServer pid` is how the bench starts its children.)
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
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { Producer } from "../mod.ts";
import { runtimeArgv, spawnCluster } from "./_cluster_process.ts";
import { type ClientRunOptions, CLIENTS, measureClient } from "./_producer_client.ts";
import { formatTable, mib, ratio, runBenchMain, type RunStats, throughput } from "./_stats.ts";

/** Flags of scripts/cluster.ts: one broker (all clients hit the same one), small retention. */
const CLUSTER_ARGS = ["--brokers", "1", "--max-stored", "1000"];

/** Command-line options. */
interface BenchOptions {
  messages: number;
  concurrency: number[];
  size: number;
  warmup: number;
  repeat: number;
  clients: Set<string>;
  topic: string;
  /** Measure each client in a child process of its own (default), or all in this one. */
  isolate: boolean;
  /** Child mode: the one client to measure, and where. */
  child?: { client: string; nameServer: string; serverPid?: number };
}

function parseArgs(argv: readonly string[]): BenchOptions {
  const opts: BenchOptions = {
    messages: 100_000,
    concurrency: [1, 8, 64],
    size: 1024,
    warmup: -1,
    repeat: 1,
    clients: new Set(CLIENTS),
    topic: "BenchTopic",
    isolate: true,
  };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    const value = argv[i + 1];
    const int = (): number => {
      const n = Number(value);
      if (!Number.isInteger(n) || n <= 0) {
        throw new Error(`${flag} needs a positive integer`);
      }
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
    } else if (flag === "--same-process") opts.isolate = false;
    else if (flag === "--child") {
      // --child <client> <nameServer> <serverPid|-> (spawned by the bench itself)
      const pid = argv[i + 3];
      opts.child = {
        client: String(value),
        nameServer: String(argv[i + 2]),
        serverPid: pid === "-" ? undefined : Number(pid),
      };
      i += 3;
    } else throw new Error(`unknown flag ${flag}`);
  }
  if (opts.warmup < 0) {
    opts.warmup = Math.min(
      20_000,
      Math.max(500, Math.floor(opts.messages / 5)),
    );
  }
  return opts;
}

function runtimeName(): string {
  const g = globalThis as Record<string, unknown>;
  if (g.Deno !== undefined) {
    return `deno ${(g.Deno as { version: { deno: string } }).version.deno}`;
  }
  if (g.Bun !== undefined) return `bun ${process.versions.bun}`;
  return `node ${process.versions.node}`;
}

function row(s: RunStats | undefined, client: string, c: number): string[] {
  if (s === undefined) {
    return [client, String(c), "n/a", "", "", "", "", "", "", ""];
  }
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

/** Prefix of the line a child prints its results on. */
const RESULT = "RESULT ";

/** Child mode: measure one client at every concurrency and print the stats as JSON. */
async function childMain(opts: BenchOptions): Promise<void> {
  const child = opts.child!;
  const results = await measureClient(
    child.client,
    { ...opts, serverPid: child.serverPid },
    child.nameServer,
    opts.concurrency,
  );
  console.log(
    RESULT + JSON.stringify(results === undefined ? null : [...results]),
  );
}

/** Run this script as a child measuring `client` at concurrency `c`; its stats, if any. */
function runChild(
  opts: BenchOptions,
  client: string,
  c: number,
  nameServer: string,
  serverPid: number | undefined,
): Promise<RunStats | undefined> {
  const script = fileURLToPath(import.meta.url);
  const args = [
    "--child",
    client,
    nameServer,
    serverPid === undefined ? "-" : String(serverPid),
    "--concurrency",
    String(c),
    "--messages",
    String(opts.messages),
    "--size",
    String(opts.size),
    "--warmup",
    String(opts.warmup),
    "--repeat",
    String(opts.repeat),
    "--topic",
    opts.topic,
  ];
  const proc = spawn(process.execPath, runtimeArgv(script, args), {
    stdio: ["ignore", "pipe", "inherit"],
  });
  let out = "";
  proc.stdout!.setEncoding("utf8");
  proc.stdout!.on("data", (chunk: string) => (out += chunk));
  return new Promise((resolve, reject) => {
    proc.once("error", reject);
    proc.once("exit", (code) => {
      const line = out.split("\n").find((l) => l.startsWith(RESULT));
      if (code !== 0 || line === undefined) {
        reject(new Error(`${client} C=${c}: child exited with ${code}`));
        return;
      }
      const entries = JSON.parse(line.slice(RESULT.length)) as [
        number,
        RunStats,
      ][] | null;
      resolve(entries === null ? undefined : new Map(entries).get(c));
    });
  });
}

async function main(): Promise<void> {
  const opts = parseArgs(process.argv.slice(2));
  if (opts.child !== undefined) return await childMain(opts);
  const envNamesrv = process.env.ROCKETMQ_NAMESRV;
  const cluster = envNamesrv ? undefined : await spawnCluster(CLUSTER_ARGS);
  const nameServer = envNamesrv ?? cluster!.namesrvAddr;
  const results = new Map<string, RunStats | undefined>();
  const key = (client: string, c: number): string => `${client}@${c}`;
  const clients = CLIENTS.filter((c) => opts.clients.has(c));
  console.log(
    `# producer bench: ${runtimeName()}, ${opts.messages} x ${opts.size} B, C = ${
      opts.concurrency.join(",")
    }, warm-up ${opts.warmup}, median of ${opts.repeat}, ${
      opts.isolate ? "each client in its own process" : "all clients in this process"
    }, name server ${nameServer}${cluster ? " (embedded, own process)" : ""}`,
  );
  try {
    // Create the topic through TBW102 first, so every client finds a route.
    const creator = new Producer({ group: "bench_setup", nameServer });
    try {
      await creator.start();
      await creator.send({ topic: opts.topic, body: "setup", tags: "bench" });
    } finally {
      await creator.shutdown();
    }
    const checkCluster = (): void => {
      if (cluster && !cluster.alive) {
        throw new Error(
          "the cluster process died; numbers would be meaningless",
        );
      }
    };
    if (opts.isolate) {
      for (const c of opts.concurrency) {
        for (const client of clients) {
          checkCluster();
          results.set(
            key(client, c),
            await runChild(opts, client, c, nameServer, cluster?.pid),
          );
        }
      }
    } else {
      const run: ClientRunOptions = { ...opts, serverPid: cluster?.pid };
      for (const client of clients) {
        checkCluster();
        const byC = await measureClient(
          client,
          run,
          nameServer,
          opts.concurrency,
        );
        for (const c of opts.concurrency) {
          results.set(key(client, c), byC?.get(c));
        }
      }
    }
  } finally {
    await cluster?.close();
  }

  const rows: string[][] = [];
  for (const c of opts.concurrency) {
    for (const client of clients) {
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

if (import.meta.main) await runBenchMain(main);
