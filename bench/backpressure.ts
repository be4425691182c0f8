/**
 * Back-pressure under overload (issue 15, items 2–3): `--sends N` sends fired at once at a
 * blackholed broker (accepts, reads, never answers) with `sendTimeoutMs` 3000, once with the
 * default bounds (`maxInFlight` / `maxInFlightBytes`) and once unbounded (the behaviour before
 * back-pressure). Reports how long the N `send()` calls took to return, RSS growth per queued
 * send once they returned, the slowest settle against the 3000 ms budget, and how many settled
 * more than 100 ms past it. Also, with a live broker, msgs/s at growing `maxInFlight` (which
 * bound stops buying throughput). The embedded cluster runs in this process (its memory is in
 * the RSS of both configurations alike). Loopback only; bounded in count and time.
 *
 * ```sh
 * npx -y deno@2.9.6 run -A bench/backpressure.ts --sends 100000
 * ```
 *
 * @module
 */

import process from "node:process";
import { createLogger, Producer, type ProducerOptions } from "../mod.ts";
import { startCluster } from "../src/testing/mod.ts";
import { collectGarbage, rss } from "./_stats.ts";

const argv = process.argv.slice(2);
const flag = (name: string, def: number): number => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? Number(argv[i + 1]) : def;
};
const SENDS = flag("sends", 100_000);
const BUDGET_MS = 3000;
const body = new Uint8Array(1024).fill(120);
const silent = createLogger({ level: "silent" });

await using cluster = await startCluster({ brokers: 1, topics: [{ name: "Overload" }] });
const broker = cluster.broker("broker-a");

async function overload(label: string, extra: Partial<ProducerOptions>): Promise<string[]> {
  broker.blackhole(false);
  const producer = new Producer({
    nameServer: cluster.namesrvAddr,
    group: `overload_${label.replace(/\W/g, "_")}`,
    sendTimeoutMs: BUDGET_MS,
    shutdownTimeoutMs: 0,
    logger: silent,
    ...extra,
  });
  await producer.start();
  await producer.send({ topic: "Overload", body });
  broker.blackhole(true);
  collectGarbage();
  const rssBefore = rss();
  let slowest = 0;
  let late = 0;
  let settled = 0;
  const begin = performance.now();
  const all: Promise<void>[] = [];
  for (let i = 0; i < SENDS; i++) {
    const start = performance.now();
    all.push(
      producer.send({ topic: "Overload", body }).then(() => undefined, () => undefined)
        .then(() => {
          const ms = performance.now() - start;
          if (ms > slowest) slowest = ms;
          if (ms > BUDGET_MS + 100) late++;
          settled++;
        }),
    );
  }
  const callsMs = performance.now() - begin;
  const perSend = (rss() - rssBefore) / SENDS;
  await Promise.race([
    Promise.all(all),
    new Promise((r) => setTimeout(r, BUDGET_MS * 10)),
  ]);
  const wallMs = performance.now() - begin;
  await producer.shutdown();
  broker.blackhole(false);
  return [
    label,
    String(SENDS),
    callsMs.toFixed(0),
    perSend.toFixed(0),
    slowest.toFixed(0),
    String(late),
    `${settled}/${SENDS}`,
    wallMs.toFixed(0),
  ];
}

async function throughputAt(maxInFlight: number): Promise<string[]> {
  const producer = new Producer({
    nameServer: cluster.namesrvAddr,
    group: `tput_${maxInFlight}`,
    maxInFlight,
    logger: silent,
  });
  await producer.start();
  await producer.send({ topic: "Overload", body });
  const n = 20_000;
  const begin = performance.now();
  await Promise.all(
    Array.from({ length: n }, () => producer.send({ topic: "Overload", body }).catch(() => 0)),
  );
  const ms = performance.now() - begin;
  await producer.shutdown();
  broker.clearMessages();
  return [String(maxInFlight), String(n), Math.round(n / (ms / 1000)).toLocaleString("en")];
}

const rows = [
  await overload("default bounds", {}),
  await overload("unbounded", { maxInFlight: 1e9, maxInFlightBytes: 2 ** 52 }),
];
const header = [
  "config",
  "sends",
  "calls ms",
  "RSS B/send",
  "slowest ms",
  ">budget+100",
  "settled",
  "wall ms",
];
console.log(`# overload: ${SENDS} sends at once at a blackholed broker, budget ${BUDGET_MS} ms`);
console.log(header.join(" | "));
for (const r of rows) console.log(r.join(" | "));
console.log("\n# throughput at maxInFlight (20000 x 1 KiB fired at once, live broker)");
console.log("maxInFlight | sends | msgs/s");
for (const c of [64, 512, 2048, 8192, 32768]) console.log((await throughputAt(c)).join(" | "));
