/**
 * Allocation per send, by allocation site: our {@link Producer} against a one-broker embedded
 * cluster in another process, with V8's sampling heap profiler (Node's `node:inspector`) running
 * over a steady-state run. Prints the bytes allocated per send and the top sites.
 *
 * `--promoted` counts only what survived into the old generation (sampled objects collected by
 * a major GC): the figure that makes scavenges slow and RSS grow. It was 1 KiB per send before
 * the pending table stopped being a `Map` (see src/remoting/_pending_slots.ts).
 *
 * Flags: `--concurrency C` (64), `--messages N` (100000), `--interval B` (sampling interval in
 * bytes, 256), `--promoted`, `--top K` (25).
 *
 * ```sh
 * npx -y node@22 bench/alloc.ts --concurrency 8
 * npx -y node@22 bench/alloc.ts --promoted
 * ```
 *
 * @module
 */

import process from "node:process";
import { Session } from "node:inspector/promises";
import { Producer } from "../mod.ts";
import { spawnCluster } from "./_cluster_process.ts";

interface Options {
  concurrency: number;
  messages: number;
  interval: number;
  promoted: boolean;
  top: number;
}

function parseArgs(argv: readonly string[]): Options {
  const o: Options = {
    concurrency: 64,
    messages: 100_000,
    interval: 256,
    promoted: false,
    top: 25,
  };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    if (flag === "--promoted") {
      o.promoted = true;
      continue;
    }
    const n = Number(argv[++i]);
    if (!Number.isInteger(n) || n <= 0) throw new Error(`${flag} needs a positive integer`);
    if (flag === "--concurrency") o.concurrency = n;
    else if (flag === "--messages") o.messages = n;
    else if (flag === "--interval") o.interval = n;
    else if (flag === "--top") o.top = n;
    else throw new Error(`unknown flag ${flag}`);
  }
  return o;
}

/** A node of V8's sampling heap profile. */
interface ProfileNode {
  callFrame: { functionName: string; url: string; lineNumber: number };
  selfSize: number;
  children: ProfileNode[];
}

/** Bytes by `function file:line`, summed over the profile tree. */
function bySite(head: ProfileNode): Map<string, number> {
  const sites = new Map<string, number>();
  const stack: ProfileNode[] = [head];
  while (stack.length > 0) {
    const node = stack.pop()!;
    const f = node.callFrame;
    const file = f.url.split("/").slice(-2).join("/");
    const key = `${f.functionName || "(anonymous)"} ${file}:${f.lineNumber + 1}`;
    sites.set(key, (sites.get(key) ?? 0) + node.selfSize);
    stack.push(...node.children);
  }
  return sites;
}

async function main(): Promise<void> {
  const o = parseArgs(process.argv.slice(2));
  const cluster = await spawnCluster(["--brokers", "1", "--max-stored", "1000"]);
  const producer = new Producer({ group: "bench_alloc", nameServer: cluster.namesrvAddr });
  const topic = "BenchTopic";
  const body = new Uint8Array(1024).fill(0x61);
  const session = new Session();
  try {
    await producer.start();
    const run = async (count: number): Promise<void> => {
      let next = 0;
      const worker = async (): Promise<void> => {
        while (next < count) {
          next++;
          await producer.send({ topic, body, tags: "bench" });
        }
      };
      await Promise.all(Array.from({ length: o.concurrency }, worker));
    };
    await run(Math.min(20_000, o.messages)); // warm-up: JIT and route
    session.connect();
    await session.post("HeapProfiler.startSampling", {
      samplingInterval: o.interval,
      includeObjectsCollectedByMajorGC: true,
      includeObjectsCollectedByMinorGC: !o.promoted,
    });
    await run(o.messages);
    const { profile } = await session.post("HeapProfiler.stopSampling");
    const sites = bySite(profile.head as unknown as ProfileNode);
    let total = 0;
    for (const bytes of sites.values()) total += bytes;
    const what = o.promoted ? "promoted (collected by a major GC)" : "allocated";
    console.log(
      `# alloc: ${o.messages} sends of 1 KiB, C=${o.concurrency}, sampling every ${o.interval} B`,
    );
    console.log(`bytes ${what} per send: ${(total / o.messages).toFixed(0)}`);
    const top = [...sites].sort((a, b) => b[1] - a[1]).slice(0, o.top);
    for (const [site, bytes] of top) {
      console.log(`${(bytes / o.messages).toFixed(0).padStart(7)}  ${site}`);
    }
  } finally {
    session.disconnect();
    await producer.shutdown();
    await cluster.close();
  }
}

if (import.meta.main) await main();
