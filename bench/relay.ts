/**
 * Relay benchmark (issue 12): messages/s and p50/p99 through the HTTP relay, measured with `wrk`
 * (keep-alive, C connections, 1 KiB bodies), side by side in one run with the direct
 * {@link Producer} at the same concurrency (C concurrent `send`s):
 *
 * - `direct`: the relay's own producer, `send()` awaited by C concurrent senders in this process;
 * - `single`: `POST /v1/topics/:topic/messages`, one JSON message per request;
 * - `array`: the same route with a JSON array of `--batch` messages per request (sent as batches);
 * - `healthz`: `GET /healthz`, no send at all: what this runtime's HTTP server and wrk cost by
 *   themselves, so the relay-added latency can be split into HTTP and relay work.
 *
 * The relay runs in this process, served by this runtime's serve helper on 127.0.0.1:0; wrk runs
 * as a child process (C, microsecond percentiles); the cluster runs in a third process
 * (scripts/cluster.ts, one broker) unless `ROCKETMQ_NAMESRV` is set. Each route gets a warm-up,
 * then `--repeat` measured rounds (direct, single, array in turn) of `--duration` seconds each;
 * the relay's stored and failed message counts (from `GET /v1/status`) are checked after each
 * relay run, so a 207 with failed entries cannot pass for success. A last round at one connection
 * (direct, single, healthz) shows the latency the relay adds without queueing. Loopback only; every run
 * is bounded in time; the process exits by itself.
 *
 * Targets: single ≥ 0.5 × direct msgs/s; array ≥ 3 × single msgs/s; relay-added p50 ≤ 0.5 ms.
 *
 * Flags: `--duration S` (default 5), `--warmup S` (2), `--connections C` (64), `--threads T` (wrk
 * threads, 1), `--size B` (1024), `--batch N` (32), `--repeat R` (3), `--no-c1`, `--topic T`.
 *
 * ```sh
 * apt-get install -y wrk
 * npx -y deno@2.9.6 run -A bench/relay.ts
 * npx -y node@22 bench/relay.ts --repeat 5
 * npx -y bun@1.4.5 bench/relay.ts
 * ```
 *
 * @module
 */

import process from "node:process";
import { Producer } from "../mod.ts";
import { spawnCluster } from "./_cluster_process.ts";
import { formatTable, LatencyHistogram, runBenchMain, textBody } from "./_stats.ts";
import { runWrk, type WrkResult, wrkVersion } from "./_wrk.ts";
import { openBenchRelay, runtimeName } from "./_relay_server.ts";

/** Command-line options. */
interface BenchOptions {
  durationS: number;
  warmupS: number;
  connections: number;
  threads: number;
  size: number;
  batch: number;
  repeat: number;
  latencyRound: boolean;
  topic: string;
}

function parseArgs(argv: readonly string[]): BenchOptions {
  const opts: BenchOptions = {
    durationS: 5,
    warmupS: 2,
    connections: 64,
    threads: 1,
    size: 1024,
    batch: 32,
    repeat: 3,
    latencyRound: true,
    topic: "RelayBenchTopic",
  };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    const int = (max: number): number => {
      const n = Number(argv[++i]);
      if (!Number.isInteger(n) || n <= 0 || n > max) {
        throw new Error(`${flag} needs an integer in 1..${max}`);
      }
      return n;
    };
    if (flag === "--duration") opts.durationS = int(120);
    else if (flag === "--warmup") opts.warmupS = int(60);
    else if (flag === "--connections") opts.connections = int(1024);
    else if (flag === "--threads") opts.threads = int(16);
    else if (flag === "--size") opts.size = int(1 << 20);
    else if (flag === "--batch") opts.batch = int(1000);
    else if (flag === "--repeat") opts.repeat = int(20);
    else if (flag === "--no-c1") opts.latencyRound = false;
    else if (flag === "--topic") opts.topic = String(argv[++i]);
    else throw new Error(`unknown flag ${flag}`);
  }
  return opts;
}

/** One measured run of one route. */
interface RouteRun {
  route: "direct" | "single" | "array" | "healthz";
  connections: number;
  msgsPerSec: number;
  requestsPerSec: number;
  p50Ms: number;
  p99Ms: number;
  failed: number;
}

/**
 * Closed loop for `durationMs`: `concurrency` workers each await `send()` in turn (at most
 * `maxSends` in all), recording latencies in `histogram`.
 */
async function runFor(
  durationMs: number,
  concurrency: number,
  maxSends: number,
  send: () => Promise<unknown>,
  histogram: LatencyHistogram,
): Promise<{ ok: number; failed: number; elapsedMs: number; firstError?: unknown }> {
  const t0 = performance.now();
  const deadline = t0 + durationMs;
  const result = { ok: 0, failed: 0, elapsedMs: 0, firstError: undefined as unknown };
  let started = 0;
  const worker = async (): Promise<void> => {
    while (started < maxSends && performance.now() < deadline) {
      started++;
      const s = performance.now();
      try {
        await send();
        histogram.record(performance.now() - s);
        result.ok++;
      } catch (e) {
        result.failed++;
        result.firstError ??= e;
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  result.elapsedMs = performance.now() - t0;
  return result;
}

function fmt(n: number, digits = 0): string {
  return n.toLocaleString("en-US", {
    maximumFractionDigits: digits,
    minimumFractionDigits: digits,
  });
}

function range(values: number[], digits = 0): string {
  if (values.length === 0) return "n/a";
  const lo = Math.min(...values);
  const hi = Math.max(...values);
  return lo === hi ? fmt(lo, digits) : `${fmt(lo, digits)}–${fmt(hi, digits)}`;
}

async function main(): Promise<void> {
  const opts = parseArgs(process.argv.slice(2));
  const wrk = wrkVersion();
  if (wrk === undefined) throw new Error("wrk is not installed: apt-get install -y wrk");
  const envNamesrv = process.env.ROCKETMQ_NAMESRV;
  const cluster = envNamesrv
    ? undefined
    : await spawnCluster(["--brokers", "1", "--max-stored", "1000"]);
  const nameServer = envNamesrv ?? cluster!.namesrvAddr;
  const producer = new Producer({ group: "bench_relay", nameServer });
  await producer.start();
  const relay = await openBenchRelay(producer);
  console.log(
    `# relay bench: ${runtimeName()}, ${wrk}, ${opts.size} B bodies, C = ${opts.connections}, ` +
      `array of ${opts.batch}, ${opts.durationS} s per run (warm-up ${opts.warmupS} s), ` +
      `${opts.repeat} rounds, relay ${relay.url}, name server ${nameServer}` +
      (cluster ? " (embedded, own process)" : ""),
  );
  const runs: RouteRun[] = [];
  try {
    const bodyText = new TextDecoder().decode(textBody(opts.size, 7));
    const body = new TextEncoder().encode(bodyText);
    const message = { body: bodyText, tags: "bench" };
    const singleJson = JSON.stringify(message);
    const arrayJson = JSON.stringify(Array.from({ length: opts.batch }, () => message));
    const url = `${relay.url}/v1/topics/${encodeURIComponent(opts.topic)}/messages`;
    const headers = { "content-type": "application/json", ...relay.headers };
    // Creates the topic (through TBW102) before any timed run.
    await producer.send({ topic: opts.topic, body, tags: "bench" });

    const histogram = new LatencyHistogram();
    const direct = async (connections: number, durationS: number): Promise<RouteRun> => {
      histogram.reset();
      const send = (): Promise<unknown> =>
        producer.send({ topic: opts.topic, body, tags: "bench" });
      const r = await runFor(durationS * 1000, connections, 50_000_000, send, histogram);
      if (r.failed > 0) console.error(`direct: ${r.failed} sends failed, first:`, r.firstError);
      const perSec = (r.ok * 1000) / r.elapsedMs;
      return {
        route: "direct",
        connections,
        msgsPerSec: perSec,
        requestsPerSec: perSec,
        p50Ms: histogram.percentile(0.5),
        p99Ms: histogram.percentile(0.99),
        failed: r.failed,
      };
    };
    const viaRelay = async (
      route: "single" | "array" | "healthz",
      connections: number,
      durationS: number,
    ): Promise<RouteRun> => {
      const perRequest = route === "array" ? opts.batch : 1;
      const before = await relay.totals();
      const r: WrkResult = await runWrk({
        url: route === "healthz" ? `${relay.url}/healthz` : url,
        connections,
        threads: Math.min(opts.threads, connections),
        durationS,
        method: route === "healthz" ? "GET" : "POST",
        headers: route === "healthz" ? {} : headers,
        body: route === "array" ? arrayJson : route === "single" ? singleJson : "",
      });
      const after = await relay.totals();
      // A failed message answers a non-2xx status (single) or fails an entry of a 207 (array):
      // the relay's own counter sees both, wrk only the first.
      const failed = Math.max(after.failures - before.failures, r.non2xx * perRequest) +
        r.socketErrors;
      if (failed > 0) console.error(`${route} C=${connections}: ${failed} messages failed`);
      return {
        route,
        connections,
        msgsPerSec: ((r.requests - r.non2xx) * perRequest * 1000) / r.durationMs,
        requestsPerSec: (r.requests * 1000) / r.durationMs,
        p50Ms: r.p50Ms,
        p99Ms: r.p99Ms,
        failed,
      };
    };

    const c = opts.connections;
    await direct(c, opts.warmupS);
    await viaRelay("single", c, opts.warmupS);
    await viaRelay("array", c, opts.warmupS);
    for (let round = 0; round < opts.repeat; round++) {
      runs.push(await direct(c, opts.durationS));
      runs.push(await viaRelay("single", c, opts.durationS));
      runs.push(await viaRelay("array", c, opts.durationS));
      runs.push(await viaRelay("healthz", c, opts.durationS));
      if (cluster && !cluster.alive) throw new Error("the cluster process died");
    }
    if (opts.latencyRound) {
      for (let round = 0; round < opts.repeat; round++) {
        runs.push(await direct(1, opts.durationS));
        runs.push(await viaRelay("single", 1, opts.durationS));
        runs.push(await viaRelay("healthz", 1, opts.durationS));
      }
    }
  } finally {
    await relay.close();
    await cluster?.close();
  }

  console.log();
  console.log(formatTable(
    ["route", "C", "msgs/s", "requests/s", "p50 ms", "p99 ms", "failed"],
    runs.map((r) => [
      r.route,
      String(r.connections),
      fmt(r.msgsPerSec),
      fmt(r.requestsPerSec),
      r.p50Ms.toFixed(3),
      r.p99Ms.toFixed(3),
      String(r.failed),
    ]),
  ));
  // Ratios within each round (the machine's load moves between rounds).
  const pick = (route: string, conns: number): RouteRun[] =>
    runs.filter((r) => r.route === route && r.connections === conns);
  const c = opts.connections;
  const [d, s, a] = [pick("direct", c), pick("single", c), pick("array", c)];
  const singleVsDirect = s.map((r, i) => r.msgsPerSec / d[i].msgsPerSec);
  const arrayVsSingle = a.map((r, i) => r.msgsPerSec / s[i].msgsPerSec);
  const addedP50 = s.map((r, i) => r.p50Ms - d[i].p50Ms);
  const d1 = pick("direct", 1);
  const added1 = pick("single", 1).map((r, i) => r.p50Ms - d1[i].p50Ms);
  // In how many rounds a target was met.
  const verdict = (values: number[], ok: (v: number) => boolean): string =>
    `${values.filter(ok).length}/${values.length} rounds`;
  console.log();
  console.log(formatTable(
    ["measure (range over rounds)", "value", "target", "met"],
    [
      ["direct msgs/s, C=" + c, range(d.map((r) => r.msgsPerSec)), "", ""],
      ["single msgs/s, C=" + c, range(s.map((r) => r.msgsPerSec)), "", ""],
      ["array msgs/s, C=" + c, range(a.map((r) => r.msgsPerSec)), "", ""],
      [
        "single / direct msgs/s",
        range(singleVsDirect, 2),
        "≥ 0.5",
        verdict(singleVsDirect, (v) => v >= 0.5),
      ],
      [
        "array / single msgs/s",
        range(arrayVsSingle, 2),
        "≥ 3",
        verdict(arrayVsSingle, (v) => v >= 3),
      ],
      [
        "relay-added p50 ms, C=" + c,
        range(addedP50, 3),
        "≤ 0.5",
        verdict(addedP50, (v) => v <= 0.5),
      ],
      ...(added1.length > 0
        ? [
          [
            "relay-added p50 ms, C=1",
            range(added1, 3),
            "≤ 0.5",
            verdict(added1, (v) => v <= 0.5),
          ],
          [
            "  of which HTTP (GET /healthz p50), C=1",
            range(pick("healthz", 1).map((r) => r.p50Ms), 3),
            "",
            "",
          ],
        ]
        : []),
      [
        "GET /healthz requests/s, C=" + c,
        range(pick("healthz", c).map((r) => r.requestsPerSec)),
        "",
        "",
      ],
    ],
  ));
}

if (import.meta.main) await runBenchMain(main);
