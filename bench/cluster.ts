/**
 * Benchmark of the embedded cluster: starts `scripts/cluster.ts` in its own process (same runtime
 * as this script), then drives broker-a with the raw pipelining sender (pre-encoded 1 KiB
 * SEND_MESSAGE_V2 frames) and prints acknowledged sends per second. Target: ≥ 50 000/s.
 *
 *   deno run -A bench/cluster.ts [--frames 300000] [--window 512] [--connections 2] [--binary]
 *   node bench/cluster.ts …      bun bench/cluster.ts …
 *
 * Also exports {@link spawnCluster} so other benchmarks can run a cluster out of process.
 *
 * @module
 */

import { spawn } from "node:child_process";
import process from "node:process";
import { fileURLToPath } from "node:url";
import { runRawSender } from "./_raw_sender.ts";

/** A cluster running in a child process. */
export interface SpawnedCluster {
  /** `127.0.0.1:<port>` of the name server. */
  namesrvAddr: string;
  /** Brokers in order, with their addresses. */
  brokers: Array<{ name: string; address: string }>;
  /** SIGTERM the child and wait for it to exit. */
  close(): Promise<void>;
}

/**
 * Start `scripts/cluster.ts` in a child process of the current runtime and parse its output.
 *
 * @param args extra flags for the script (e.g. `["--brokers", "3"]`)
 * @returns the addresses and a close function
 */
export async function spawnCluster(args: string[] = []): Promise<SpawnedCluster> {
  const script = fileURLToPath(new URL("../scripts/cluster.ts", import.meta.url));
  const isDeno = "Deno" in globalThis;
  const argv = isDeno ? ["run", "-A", script, ...args] : [script, ...args];
  const child = spawn(process.execPath, argv, { stdio: ["ignore", "pipe", "inherit"] });
  const exited = new Promise<void>((resolve) => child.on("exit", () => resolve()));
  const i = args.indexOf("--brokers");
  const want = 1 + (i >= 0 ? Number(args[i + 1]) : 2);
  const lines = await new Promise<string[]>((resolve, reject) => {
    let text = "";
    child.stdout!.on("data", (d: Uint8Array) => {
      text += new TextDecoder().decode(d);
      const ls = text.split("\n");
      if (ls.length > want) resolve(ls.slice(0, want));
    });
    child.on("exit", () => reject(new Error(`cluster exited early:\n${text}`)));
  });
  return {
    namesrvAddr: lines[0].replace("ROCKETMQ_NAMESRV=", ""),
    brokers: lines.slice(1).map((l) => {
      const [name, address] = l.split(" ");
      return { name, address };
    }),
    async close(): Promise<void> {
      child.kill("SIGTERM");
      await exited;
    },
  };
}

function flag(name: string, fallback: number): number {
  const i = process.argv.indexOf(name);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}

async function main(): Promise<void> {
  const frames = flag("--frames", 300_000);
  const window = flag("--window", 512);
  const connections = flag("--connections", 2);
  const serializeType = process.argv.includes("--binary") ? "binary" : "json";
  const runtime = "Deno" in globalThis ? "deno" : "Bun" in globalThis ? "bun" : "node";
  const cluster = await spawnCluster(["--max-stored", "10000"]);
  const brokerA = cluster.brokers[0].address;
  console.log(`cluster (${runtime}) namesrv ${cluster.namesrvAddr}, broker-a ${brokerA}`);
  try {
    // Warm-up: auto-creates the topic and lets the JIT settle.
    await runRawSender({ address: brokerA, frames: 20_000, window, connections, serializeType });
    const r = await runRawSender({
      address: brokerA,
      frames,
      window,
      connections,
      bodySize: 1024,
      serializeType,
    });
    console.log(
      `${frames} × 1 KiB SEND_MESSAGE_V2 (${serializeType} header), window ${window}, ` +
        `${connections} connection(s): ${Math.round(r.msgsPerSec)} acked sends/s ` +
        `(errors ${r.errors}, p50 ${r.p50Ms.toFixed(2)} ms, p99 ${r.p99Ms.toFixed(2)} ms, ` +
        `${(r.elapsedMs / 1000).toFixed(2)} s)`,
    );
  } finally {
    await cluster.close();
  }
}

// Run only when executed, not when imported for spawnCluster.
if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) await main();
