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

import process from "node:process";
import { fileURLToPath } from "node:url";
import { runRawSender } from "./_raw_sender.ts";
import { spawnCluster } from "./_cluster_process.ts";

export { spawnCluster } from "./_cluster_process.ts";
export type { SpawnedCluster } from "./_cluster_process.ts";

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
