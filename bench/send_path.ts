/**
 * Send-path micro-bench: our {@link Producer} against a one-broker embedded cluster in another
 * process, with a counting transport around the runtime's, so a run shows how well writes
 * coalesce (frames per socket write) next to msgs/s and client CPU µs per message.
 *
 * Flags: `--messages N` (default 100000), `--concurrency 1,8,64`, `--size 1024`, `--repeat R`
 * (median by msgs/s), `--serialize JSON|ROCKETMQ`.
 *
 * ```sh
 * npx -y node@22 bench/send_path.ts --concurrency 8,64 --repeat 3
 * npx -y node@22 --cpu-prof bench/send_path.ts --concurrency 8
 * ```
 *
 * @module
 */

import process from "node:process";
import { Producer } from "../mod.ts";
import { detectTransport } from "../src/transport/detect.ts";
import type { RawSocket, SocketHandlers, Transport } from "../src/transport/types.ts";
import { spawnCluster } from "./cluster.ts";

interface Options {
  messages: number;
  concurrency: number[];
  size: number;
  repeat: number;
  serializeType: "JSON" | "ROCKETMQ";
}

function parseArgs(argv: string[]): Options {
  const o: Options = {
    messages: 100_000,
    concurrency: [1, 8, 64],
    size: 1024,
    repeat: 1,
    serializeType: "JSON",
  };
  for (let i = 0; i < argv.length; i += 2) {
    const [flag, value] = [argv[i], argv[i + 1]];
    if (flag === "--messages") o.messages = Number(value);
    else if (flag === "--concurrency") o.concurrency = value.split(",").map(Number);
    else if (flag === "--size") o.size = Number(value);
    else if (flag === "--repeat") o.repeat = Number(value);
    else if (flag === "--serialize") o.serializeType = value === "ROCKETMQ" ? "ROCKETMQ" : "JSON";
    else throw new Error(`unknown flag ${flag}`);
  }
  return o;
}

/** Socket writes and bytes written through the wrapped transport. */
const counters = { writes: 0, bytes: 0, reads: 0 };

function counting(inner: Transport): Transport {
  return {
    name: inner.name,
    async connect(options, handlers: SocketHandlers): Promise<RawSocket> {
      const socket = await inner.connect(options, {
        onData(chunk: Uint8Array): void {
          counters.reads++;
          handlers.onData(chunk);
        },
        onClose: handlers.onClose,
      });
      return {
        write(data: Uint8Array): Promise<void> | undefined {
          counters.writes++;
          counters.bytes += data.length;
          return socket.write(data);
        },
        close: () => socket.close(),
      };
    },
  };
}

interface Run {
  msgsPerSec: number;
  cpuUs: number;
  sysUs: number;
  framesPerWrite: number;
  readsPerMsg: number;
}

async function runOnce(
  producer: Producer,
  topic: string,
  body: Uint8Array,
  n: number,
  c: number,
): Promise<Run> {
  counters.writes = 0;
  counters.bytes = 0;
  counters.reads = 0;
  let next = 0;
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const worker = async (): Promise<void> => {
    while (next < n) {
      next++;
      await producer.send({ topic, body, tags: "bench" });
    }
  };
  const workers: Promise<void>[] = [];
  for (let i = 0; i < c; i++) workers.push(worker());
  await Promise.all(workers);
  const ms = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  return {
    msgsPerSec: (n / ms) * 1000,
    cpuUs: (cpu.user + cpu.system) / n,
    sysUs: cpu.system / n,
    framesPerWrite: n / counters.writes,
    readsPerMsg: counters.reads / n,
  };
}

async function main(): Promise<void> {
  const o = parseArgs(process.argv.slice(2));
  const cluster = await spawnCluster(["--brokers", "1", "--max-stored", "1000"]);
  const transport = counting(await detectTransport());
  const producer = new Producer({
    group: "bench_send_path",
    nameServer: cluster.namesrvAddr,
    transport,
    serializeType: o.serializeType,
  });
  const topic = "BenchTopic";
  const body = new Uint8Array(o.size).fill(0x61);
  try {
    await producer.start();
    await producer.send({ topic, body, tags: "bench" });
    console.log(
      `# send_path: ${o.messages} x ${o.size} B, ${o.serializeType}, median of ${o.repeat}`,
    );
    console.log("C\tmsgs/s\tCPU µs/msg (sys)\tframes/write\treads/msg");
    for (const c of o.concurrency) {
      await runOnce(producer, topic, body, Math.min(o.messages, 20_000), c); // warm-up
      const runs: Run[] = [];
      for (let r = 0; r < o.repeat; r++) {
        runs.push(await runOnce(producer, topic, body, o.messages, c));
      }
      runs.sort((a, b) => a.msgsPerSec - b.msgsPerSec);
      const m = runs[Math.floor(runs.length / 2)];
      console.log(
        `${c}\t${Math.round(m.msgsPerSec)}\t${m.cpuUs.toFixed(2)} (${m.sysUs.toFixed(2)})\t${
          m.framesPerWrite.toFixed(2)
        }\t${m.readsPerMsg.toFixed(3)}\t(all: ${
          runs.map((x) => Math.round(x.msgsPerSec)).join(" ")
        })`,
      );
    }
  } finally {
    await producer.shutdown();
    await cluster.close();
  }
}

if (import.meta.main) await main();
