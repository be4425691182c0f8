/**
 * Where the memory of a long run goes: our {@link Producer} sends `--messages` 1 KiB messages with
 * C in flight against a one-broker embedded cluster in another process, and after the warm-up and
 * after every fifth of the run it collects garbage and prints RSS, V8's heap total, its new
 * (young), old and large-object spaces and the memory outside the heap (external, of which
 * ArrayBuffers). A leak shows as old or external memory that keeps growing; V8 enlarging its
 * young generation (new space 8 → 16 → 32 MB as the bytes surviving scavenges add up) shows as
 * steps in "new" that stop at its maximum.
 *
 * Needs `--expose-gc` (Node) or `--v8-flags=--expose-gc` (Deno).
 *
 * Flags: `--messages N` (default 1000000), `--concurrency C` (64).
 *
 * ```sh
 * npx -y node@22 --expose-gc bench/memory.ts
 * npx -y node@22 --expose-gc bench/memory.ts --concurrency 8
 * ```
 *
 * @module
 */

import process from "node:process";
import v8 from "node:v8";
import { Producer } from "../mod.ts";
import { spawnCluster } from "./_cluster_process.ts";

interface Options {
  messages: number;
  concurrency: number;
}

function parseArgs(argv: readonly string[]): Options {
  const o: Options = { messages: 1_000_000, concurrency: 64 };
  for (let i = 0; i < argv.length; i += 2) {
    const value = Number(argv[i + 1]);
    if (!Number.isInteger(value) || value < 1) {
      throw new Error(`${argv[i]} needs a positive integer`);
    }
    if (argv[i] === "--messages") o.messages = value;
    else if (argv[i] === "--concurrency") o.concurrency = value;
    else throw new Error(`unknown flag ${argv[i]}`);
  }
  return o;
}

const MIB = 2 ** 20;

/** One line of figures after a full GC. */
function sample(label: string, gc: () => void): string {
  gc();
  const m = process.memoryUsage();
  const space = (name: string): string => {
    const s = v8.getHeapSpaceStatistics().find((x) => x.space_name === name);
    return s === undefined ? "-" : (s.space_size / MIB).toFixed(1);
  };
  const mib = (n: number): string => (n / MIB).toFixed(1);
  return [
    label.padStart(9),
    mib(m.rss).padStart(7),
    mib(m.heapTotal).padStart(10),
    space("new_space").padStart(5),
    space("old_space").padStart(5),
    space("large_object_space").padStart(5),
    mib(m.external).padStart(8),
    mib(m.arrayBuffers).padStart(12),
  ].join("  ");
}

async function main(): Promise<void> {
  const o = parseArgs(process.argv.slice(2));
  const gc = (globalThis as { gc?: () => void }).gc;
  if (gc === undefined) throw new Error("run with --expose-gc (see the module docs)");
  const cluster = await spawnCluster(["--brokers", "1", "--max-stored", "1000"]);
  const producer = new Producer({ group: "bench_memory", nameServer: cluster.namesrvAddr });
  const topic = "BenchTopic";
  const body = new Uint8Array(1024).fill(0x61);
  const run = async (count: number): Promise<void> => {
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next++ < count) await producer.send({ topic, body, tags: "bench" });
    };
    await Promise.all(Array.from({ length: o.concurrency }, worker));
  };
  try {
    await producer.start();
    console.log(
      `# memory: ${o.messages} sends of 1 KiB, C=${o.concurrency}; MiB after a full GC`,
    );
    console.log("    sends      rss  heapTotal    new    old  large  external  arrayBuffers");
    await run(20_000);
    console.log(sample("warm-up", gc));
    const step = Math.max(1, Math.floor(o.messages / 5));
    for (let done = 0; done < o.messages; done += step) {
      await run(Math.min(step, o.messages - done));
      console.log(sample(`+${Math.min(done + step, o.messages)}`, gc));
    }
  } finally {
    await producer.shutdown();
    await cluster.close();
  }
}

if (import.meta.main) await main();
