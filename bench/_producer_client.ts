/**
 * One client of bench/producer.ts measured at each concurrency: ours (this package's
 * {@link Producer}), ali-ons, or the raw pre-encoded sender. Used in the bench's own process
 * (`--same-process`) or, by default, in a child process per client and concurrency
 * (`--child`), so no client runs with another one's heap, timers or JIT state around it.
 *
 * @module
 */

import { Producer } from "../mod.ts";
import { RemotingClient } from "../src/remoting/client.ts";
import { RequestCode, ResponseCode, SerializeType } from "../src/remoting/codes.ts";
import { parseTopicRouteData } from "../src/route/topic-route.ts";
import { runRawSender } from "./_raw_sender.ts";
import { aliOnsSupported, openAliOns } from "./_ali_ons.ts";
import {
  LatencyHistogram,
  processCpuMs,
  rss,
  rssBaseline,
  runConcurrent,
  type RunStats,
  startMeter,
  throughput,
} from "./_stats.ts";

/** The clients the bench knows, in report order. */
export const CLIENTS = ["ours", "ali-ons", "raw"] as const;

/** What a client run needs. */
export interface ClientRunOptions {
  messages: number;
  size: number;
  warmup: number;
  repeat: number;
  topic: string;
  /** The cluster process, for its CPU per message (undefined with an external cluster). */
  serverPid?: number;
}

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

/** Sends run between a run's RSS baseline GC and its clocks: as many as the warm-up. */
function rewarmCount(opts: ClientRunOptions): number {
  return Math.max(1, opts.warmup);
}

/** Warm-up then measured run of one client at one concurrency. */
async function measure(
  client: string,
  opts: ClientRunOptions,
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
  opts: ClientRunOptions,
  concurrency: number,
  histogram: LatencyHistogram,
  run: (messages: number, histogram: LatencyHistogram) => Promise<RunOutcome>,
  splitForRss: boolean,
): Promise<RunStats> {
  // The RSS baseline needs a full GC, and a full GC shrinks V8's young generation and can drop
  // optimized code (maps only weakly held die when no send is in flight). Timing right after it
  // billed every client for growing both back: at C=8, ali-ons 2-3 µs/msg more, ours ~1. So the
  // baseline is taken first and a re-warm-up as long as the warm-up runs before the clocks start:
  // the timed run sees each client's steady state.
  const rssBefore = rssBaseline();
  await run(rewarmCount(opts), histogram);
  histogram.reset();
  const meter = startMeter(client, concurrency, rssBefore);
  const server0 = opts.serverPid === undefined ? undefined : processCpuMs(opts.serverPid);
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
  const server1 = opts.serverPid === undefined ? undefined : processCpuMs(opts.serverPid);
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

/**
 * Measure `client` at each concurrency of `concurrency` against `nameServer`.
 *
 * @returns the median run per concurrency; undefined for ali-ons outside Node
 */
export async function measureClient(
  client: string,
  opts: ClientRunOptions,
  nameServer: string,
  concurrency: readonly number[],
): Promise<Map<number, RunStats> | undefined> {
  const results = new Map<number, RunStats>();
  const histogram = new LatencyHistogram();
  const body = new Uint8Array(opts.size).fill(0x61);
  if (client === "ours") {
    const producer = new Producer({ group: "bench_ours", nameServer });
    try {
      await producer.start();
      const send = (): Promise<unknown> =>
        producer.send({ topic: opts.topic, body, tags: "bench" });
      for (const c of concurrency) {
        const run = (n: number, h: LatencyHistogram) => runConcurrent(n, c, send, h);
        results.set(c, await measure("ours", opts, c, histogram, run, true));
      }
    } finally {
      await producer.shutdown();
    }
  } else if (client === "ali-ons") {
    if (!aliOnsSupported()) return undefined;
    const ali = await openAliOns(nameServer, opts.topic, opts.size);
    try {
      for (const c of concurrency) {
        results.set(c, await measure("ali-ons", opts, c, histogram, (n, h) => ali.run(n, c, h)));
      }
    } finally {
      await ali.close();
    }
  } else if (client === "raw") {
    const address = await lookupBrokerAddress(nameServer, opts.topic);
    for (const c of concurrency) {
      const run = (n: number) => runRaw(address, opts.topic, opts.size, n, c);
      results.set(c, await measure("raw", opts, c, histogram, run));
    }
  } else throw new Error(`unknown client ${client}`);
  return results;
}
