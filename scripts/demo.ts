/**
 * The demo (README's main command): starts the embedded cluster (two brokers) unless
 * `ROCKETMQ_NAMESRV` is set, sends in every send mode and prints each SendResult, measures a short
 * throughput run, then stops one broker mid-run and shows that sends carry on.
 *
 * ```sh
 * npx -y deno@2.9.6 run -A scripts/demo.ts
 * npx -y node@22 scripts/demo.ts
 * ROCKETMQ_NAMESRV=127.0.0.1:9876 npx -y node@22 scripts/demo.ts   # a real cluster
 * ```
 *
 * `runDemo()` is exported so tests can run it in-process and check its output.
 *
 * @module
 */

import process from "node:process";
import { type Message, Producer, type SendResult } from "../mod.ts";
import { startCluster, type TestCluster } from "../src/testing/mod.ts";

/** Options of {@link runDemo}. */
export interface DemoOptions {
  /** Receives every output line; default `console.log`. */
  out?: (line: string) => void;
  /** Messages of the throughput run (the failover run sends the same number); default 5000. */
  messages?: number;
  /** Sends in flight during the throughput and failover runs; default 32. */
  inFlight?: number;
  /** Use this name server instead of starting the embedded cluster (no failover step then). */
  nameServer?: string;
}

/** Counts of the failover step, also printed. */
export interface FailoverCounts {
  /** Successful sends per broker name, started before the broker was stopped. */
  before: Record<string, number>;
  /** Successful sends per broker name, started after the stop was requested. */
  after: Record<string, number>;
  /** Sends that failed even after the producer's retries. */
  failed: number;
}

/** What {@link runDemo} measured. */
export interface DemoReport {
  /** Messages per second of the throughput run. */
  throughput: number;
  /** Failover counts; undefined when an external cluster was used. */
  failover?: FailoverCounts;
}

const TOPIC = "DemoTopic";
const enc = new TextEncoder();

/** One compact line for a SendResult. */
function describe(mode: string, r: SendResult): string {
  const ids = r.msgId.split(",");
  const id = ids.length > 1 ? `${ids.length} ids ${ids[0]},…` : r.msgId;
  return `${
    mode.padEnd(11)
  } ${r.status} ${r.queue.brokerName}/q${r.queue.queueId} offset ${r.queueOffset} msgId ${id}`;
}

function percentile(sorted: Float64Array, q: number): number {
  return sorted.length === 0
    ? 0
    : sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)];
}

/** `count` sends with `inFlight` awaited at a time; `onSent` sees each result or error. */
async function pump(
  count: number,
  inFlight: number,
  send: (i: number) => Promise<SendResult>,
  onSent: (i: number, r: SendResult | undefined, e: unknown) => void,
): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < count) {
      const i = next++;
      try {
        onSent(i, await send(i), undefined);
      } catch (e) {
        onSent(i, undefined, e);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(inFlight, count) }, worker));
}

async function sendModes(
  producer: Producer,
  cluster: TestCluster | undefined,
  out: (line: string) => void,
): Promise<void> {
  out(`== Send modes (topic ${TOPIC})`);
  out(describe(
    "sync",
    await producer.send({ topic: TOPIC, body: "hello, sync", tags: "TagA", keys: ["order-1"] }),
  ));

  const asyncResult = await new Promise<SendResult>((resolve, reject) => {
    producer.sendAsync({ topic: TOPIC, body: "hello, async", tags: "TagA" }, {
      onSuccess: resolve,
      onException: reject,
    });
  });
  out(describe("async", asyncResult));

  await producer.sendOneway({ topic: TOPIC, body: "hello, one-way", tags: "TagB" });
  out(`${"oneway".padEnd(11)} written (one-way sends get no SendResult by design)`);

  const batch: Message[] = [1, 2, 3].map((n) => ({
    topic: TOPIC,
    body: `batch ${n}`,
    tags: "TagC",
  }));
  out(describe("batch", await producer.sendBatch(batch)));

  // Ordered: every message of one order goes to the same queue (selector on the order id).
  const orderId = 42;
  const queues: string[] = [];
  for (const step of ["created", "paid", "shipped"]) {
    const r = await producer.send({
      topic: TOPIC,
      body: `order ${orderId} ${step}`,
      keys: String(orderId),
    }, {
      selector: (mqs, _message, arg) => mqs[(arg as number) % mqs.length],
      arg: orderId,
    });
    queues.push(`${r.queue.brokerName}/q${r.queue.queueId}`);
    out(describe("ordered", r));
  }
  out(
    `${"".padEnd(11)} order ${orderId}: ${
      new Set(queues).size === 1 ? "all steps on one queue" : "queues differ!"
    }`,
  );

  const big = enc.encode("compressible demo payload ".repeat(320)); // 8320 B ≥ compressOver 4096
  const rc = await producer.send({ topic: TOPIC, body: big });
  // With the embedded cluster, show what the broker actually stored.
  const stored = cluster?.broker(rc.queue.brokerName).messages(TOPIC)
    .find((m) => m.properties.get("UNIQ_KEY") === rc.msgId);
  const note = stored
    ? `, stored ${stored.body.length} B, sysFlag 0x${stored.sysFlag.toString(16)}`
    : "";
  out(`${describe("compressed", rc)} (${big.length} B body${note})`);

  out(
    `${
      describe("delayed", await producer.send({ topic: TOPIC, body: "in 10 s", delayTimeLevel: 3 }))
    } (level 3 = 10 s)`,
  );
}

async function throughputRun(
  producer: Producer,
  messages: number,
  inFlight: number,
  out: (line: string) => void,
): Promise<number> {
  out(`== Throughput (${messages} x 1 KiB, ${inFlight} in flight)`);
  const body = new Uint8Array(1024).fill(0x62);
  const latencies = new Float64Array(messages);
  const starts = new Float64Array(messages);
  let failed = 0;
  const t0 = performance.now();
  await pump(messages, inFlight, (i) => {
    starts[i] = performance.now();
    return producer.send({ topic: TOPIC, body });
  }, (i, r) => {
    if (r) latencies[i] = performance.now() - starts[i];
    else failed++;
  });
  const seconds = (performance.now() - t0) / 1000;
  const rate = (messages - failed) / seconds;
  latencies.sort();
  const ok = latencies.subarray(failed); // failed sends left 0 entries, sorted first
  out(
    `${messages - failed} sent in ${seconds.toFixed(2)} s: ${Math.round(rate)} msgs/s, p50 ${
      percentile(ok, 0.5).toFixed(2)
    } ms, p99 ${percentile(ok, 0.99).toFixed(2)} ms, failed ${failed}`,
  );
  return rate;
}

async function failoverRun(
  producer: Producer,
  cluster: TestCluster,
  messages: number,
  inFlight: number,
  out: (line: string) => void,
): Promise<FailoverCounts> {
  const victim = cluster.brokers[0];
  out(`== Failover (${messages} sends, ${victim.name} stopped after ${Math.floor(messages / 3)})`);
  const counts: FailoverCounts = { before: {}, after: {}, failed: 0 };
  const body = "failover demo";
  let stopRequested = false;
  let stopping: Promise<void> | undefined;
  let done = 0;
  await pump(messages, inFlight, (i) => {
    const startedAfterStop = stopRequested;
    return producer.send({ topic: TOPIC, body, keys: `f${i}` }).then((r) => {
      const bucket = startedAfterStop ? counts.after : counts.before;
      bucket[r.queue.brokerName] = (bucket[r.queue.brokerName] ?? 0) + 1;
      return r;
    });
  }, (_i, r, e) => {
    if (!r) {
      counts.failed++;
      if (counts.failed === 1) {
        out(`  first failure: ${e instanceof Error ? e.message : String(e)}`);
      }
    }
    if (++done === Math.floor(messages / 3) && !stopRequested) {
      stopRequested = true;
      out(`  stopping ${victim.name} (${victim.address}) while sends carry on`);
      stopping = victim.stop();
    }
  });
  await stopping;
  const fmt = (m: Record<string, number>): string =>
    Object.keys(m).sort().map((b) => `${b} ${m[b]}`).join(", ") || "none";
  out(`  before stop: ${fmt(counts.before)}`);
  out(`  after stop:  ${fmt(counts.after)}`);
  out(`  failed after retries: ${counts.failed}`);
  return counts;
}

/** Runs the whole demo; resolves when everything is shut down. */
export async function runDemo(options: DemoOptions = {}): Promise<DemoReport> {
  const out = options.out ?? ((line: string) => console.log(line));
  const messages = options.messages ?? 5000;
  const inFlight = options.inFlight ?? 32;
  let cluster: TestCluster | undefined;
  let producer: Producer | undefined;
  try {
    out("== rocketmq-edge demo");
    let nameServer = options.nameServer;
    if (nameServer === undefined) {
      // The topic exists on both brokers up front (as an operator would create it), so sends
      // spread over both and the failover step has something to fail over from.
      cluster = await startCluster({ brokers: 2, topics: [{ name: TOPIC, queues: 4 }] });
      nameServer = cluster.namesrvAddr;
      const brokers = cluster.brokers.map((b) => `${b.name} ${b.address}`).join(", ");
      out(`embedded cluster: name server ${nameServer}, ${brokers}`);
    } else {
      out(`external cluster: name server ${nameServer}`);
    }
    producer = new Producer({ group: "demo_producer", nameServer, sendLatencyFaultEnable: true });
    await producer.start();
    out(`producer ${producer.clientId} ${producer.state}`);
    await sendModes(producer, cluster, out);
    const rate = await throughputRun(producer, messages, inFlight, out);
    let failover: FailoverCounts | undefined;
    if (cluster) failover = await failoverRun(producer, cluster, messages, inFlight, out);
    else out("== Failover skipped (only with the embedded cluster)");
    out("== Shutdown");
    await producer.shutdown();
    producer = undefined;
    await cluster?.close();
    cluster = undefined;
    out("done");
    return { throughput: rate, failover };
  } finally {
    await producer?.shutdown();
    await cluster?.close();
  }
}

if (import.meta.main) {
  try {
    await runDemo({ nameServer: process.env.ROCKETMQ_NAMESRV || undefined });
  } catch (e) {
    console.error("demo failed:", e);
    process.exitCode = 1;
  }
}
