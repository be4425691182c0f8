/**
 * Benchmark of the embedded cluster: starts `scripts/cluster.ts` in its own process (same runtime
 * as this script), then drives broker-a with the raw pipelining sender (pre-encoded 1 KiB
 * SEND_MESSAGE_V2 frames) and prints acknowledged sends per second. Target: ≥ 50 000/s.
 *
 *   deno run -A bench/cluster.ts [--frames 300000] [--window 512] [--connections 2] [--binary]
 *   node bench/cluster.ts …      bun bench/cluster.ts …
 *
 * @module
 */

import { spawn } from "node:child_process";
import process from "node:process";
import { fileURLToPath } from "node:url";
import { runRawSender } from "./_raw_sender.ts";

function flag(name: string, fallback: number): number {
  const i = process.argv.indexOf(name);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}

const frames = flag("--frames", 300_000);
const window = flag("--window", 512);
const connections = flag("--connections", 2);
const binary = process.argv.includes("--binary");

const script = fileURLToPath(new URL("../scripts/cluster.ts", import.meta.url));
const isDeno = "Deno" in globalThis;
const runtime = isDeno ? "deno" : "Bun" in globalThis ? "bun" : "node";
const args = isDeno
  ? ["run", "-A", script, "--max-stored", "10000"]
  : [script, "--max-stored", "10000"];
const child = spawn(process.execPath, args, { stdio: ["ignore", "pipe", "inherit"] });
const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));

const lines: string[] = await new Promise((resolve, reject) => {
  let text = "";
  child.stdout!.on("data", (d: Uint8Array) => {
    text += new TextDecoder().decode(d);
    const ls = text.split("\n");
    if (ls.length >= 4) resolve(ls);
  });
  child.on("exit", () => reject(new Error(`cluster exited early:\n${text}`)));
});
const namesrv = lines[0].replace("ROCKETMQ_NAMESRV=", "");
const brokerA = lines[1].split(" ")[1];
console.log(`cluster (${runtime}) namesrv ${namesrv}, broker-a ${brokerA}`);

try {
  // Warm-up: auto-creates the topic and lets the JIT settle.
  await runRawSender({
    address: brokerA,
    frames: 20_000,
    window,
    connections,
    serializeType: binary ? "binary" : "json",
  });
  const r = await runRawSender({
    address: brokerA,
    frames,
    window,
    connections,
    bodySize: 1024,
    serializeType: binary ? "binary" : "json",
  });
  console.log(
    `${frames} × 1 KiB SEND_MESSAGE_V2 (${binary ? "binary" : "JSON"} header), window ${window}, ` +
      `${connections} connection(s): ${Math.round(r.msgsPerSec)} acked sends/s ` +
      `(errors ${r.errors}, p50 ${r.p50Ms.toFixed(2)} ms, p99 ${r.p99Ms.toFixed(2)} ms, ` +
      `${(r.elapsedMs / 1000).toFixed(2)} s)`,
  );
} finally {
  child.kill("SIGTERM");
  await exited;
}
