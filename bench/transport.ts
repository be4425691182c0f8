/**
 * Transport benchmark: round-trip latency and pipelined throughput of ~1 KiB SEND_MESSAGE_V2-like
 * frames against a loopback responder running in a separate process (`bench/_responder.ts`), for
 * each socket adapter available in the running runtime (its own, plus `node:net`).
 *
 * Two layers are measured:
 * - `raw`: `Connection` with pre-encoded frames, responses only counted (adapter + coalescing);
 * - `client`: `RemotingClient.invoke` (encode, pending table, decode, promise per request).
 *
 * ```
 * npx -y deno@2.9.6 run -A bench/transport.ts [--frames 200000] [--inflight 256] [--pings 20000]
 *   [--body 1024] [--binary] [--responder <path>]
 * npx -y bun@1.4.5 bench/transport.ts
 * npx -y node@22 bench/transport.ts
 * ```
 *
 * The responder runs under the same runtime unless `--responder <path to deno|bun|node>` says
 * otherwise; a slow responder caps the `raw` numbers, so compare adapters with the same one.
 *
 * @module
 */

import process from "node:process";
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { RemotingClient } from "../src/remoting/client.ts";
import type { RemotingCommand } from "../src/remoting/command.ts";
import { encodeFrame } from "../src/remoting/frame.ts";
import { Connection } from "../src/transport/connection.ts";
import { detectTransport } from "../src/transport/detect.ts";
import { nodeTransport } from "../src/transport/node.ts";
import type { Transport } from "../src/transport/types.ts";
import { formatTable, LatencyHistogram, runConcurrent, startMeter } from "./_stats.ts";

function option(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}

const FRAMES = option("frames", 200_000);
const INFLIGHT = option("inflight", 256);
const PINGS = option("pings", 20_000);
const BODY = option("body", 1024);
/** `--binary`: ROCKETMQ binary headers instead of JSON. */
const SERIALIZE_TYPE = process.argv.includes("--binary") ? 1 : 0;
const runtime = "Deno" in globalThis ? "deno" : "Bun" in globalThis ? "bun" : "node";

/** A SEND_MESSAGE_V2 request as the fixtures record it, with a BODY-byte body. */
function sendRequest(): RemotingCommand {
  return {
    code: 310,
    language: 7,
    version: 401,
    opaque: 0,
    flag: 0,
    extFields: {
      a: "bench_group",
      b: "BenchTopic",
      c: "TBW102",
      d: "4",
      e: "0",
      f: "0",
      g: String(Date.now()),
      h: "0",
      i: "UNIQ_KEY\u00017F0000014E200BADCAFE05F5E1000601\u0002WAIT\u0001true",
      j: "0",
      k: "false",
      m: "false",
      n: "broker-a",
    },
    body: new Uint8Array(BODY).fill(0x61),
    serializeType: SERIALIZE_TYPE,
  };
}

/**
 * Start `_responder.ts --serve` in a child process: under the running runtime, or under the
 * executable given with `--responder <path>` (a `deno`, `bun` or `node` binary), so adapters can
 * be compared against the same responder. Resolves with its port.
 */
async function spawnResponder(): Promise<
  { port: number; name: string; stop: () => Promise<void> }
> {
  const script = fileURLToPath(new URL("./_responder.ts", import.meta.url));
  const i = process.argv.indexOf("--responder");
  const exec = i >= 0 ? process.argv[i + 1] : process.execPath;
  const isDeno = /(^|[\\/])deno(\.exe)?$/.test(exec);
  const args = isDeno ? ["run", "-A", script, "--serve"] : [script, "--serve"];
  const child = spawn(exec, args, { stdio: ["pipe", "pipe", "inherit"] });
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const port = await new Promise<number>((resolve, reject) => {
    let out = "";
    child.stdout!.on("data", (chunk: Uint8Array) => {
      out += new TextDecoder().decode(chunk);
      const m = /PORT (\d+)/.exec(out);
      if (m) resolve(Number(m[1]));
    });
    child.once("exit", (code) => reject(new Error(`responder exited with ${code}`)));
  });
  return {
    port,
    name: `${exec.split(/[\\/]/).pop()} (child process)`,
    stop: async () => {
      child.stdin!.end();
      await exited;
    },
  };
}

interface Row {
  adapter: string;
  layer: string;
  rttUs: number;
  p50Us: number;
  p99Us: number;
  framesPerSec: number;
  cpuUsPerFrame: number;
}

/** `raw` layer: one Connection; every response frame received releases the next request. */
async function runRaw(transport: Transport, port: number, frame: Uint8Array): Promise<Row> {
  let received = 0;
  let target = 0;
  let carry = 0; // bytes of a response frame still to skip, or -n for a split length prefix
  let prefix: number[] = [];
  let wake: (() => void) | undefined;
  let onFrame = (): void => {};
  const count = (chunk: Uint8Array): void => {
    let pos = 0;
    while (pos < chunk.length) {
      if (carry > 0) {
        const take = Math.min(carry, chunk.length - pos);
        carry -= take;
        pos += take;
        if (carry === 0) onFrame();
        continue;
      }
      prefix.push(chunk[pos++]);
      if (prefix.length === 4) {
        carry = ((prefix[0] << 24) | (prefix[1] << 16) | (prefix[2] << 8) | prefix[3]) >>> 0;
        prefix = [];
      }
    }
  };
  const conn = await Connection.open(transport, { hostname: "127.0.0.1", port, timeoutMs: 3000 }, {
    onData: count,
  });
  const histogram = new LatencyHistogram();
  // Ping-pong.
  let t0 = 0;
  onFrame = () => {
    received++;
    histogram.record(performance.now() - t0);
    if (received < target) {
      t0 = performance.now();
      conn.send(frame);
    } else wake?.();
  };
  const pingPong = async (n: number): Promise<number> => {
    received = 0;
    target = n;
    const start = performance.now();
    const done = new Promise<void>((r) => (wake = r));
    t0 = performance.now();
    conn.send(frame);
    await done;
    return (performance.now() - start) / n;
  };
  await pingPong(Math.min(2000, PINGS));
  histogram.reset();
  const rttMs = await pingPong(PINGS);
  // Pipelined: INFLIGHT frames outstanding, each response sends one more until FRAMES were sent.
  let sent = 0;
  onFrame = () => {
    received++;
    if (sent < target) {
      sent++;
      conn.send(frame);
    }
    if (received === target) wake?.();
  };
  const pipelined = async (n: number): Promise<void> => {
    received = 0;
    sent = 0;
    target = n;
    const done = new Promise<void>((r) => (wake = r));
    for (; sent < Math.min(INFLIGHT, n); sent++) conn.send(frame);
    await done;
  };
  await pipelined(Math.min(20_000, FRAMES));
  const meter = startMeter("raw", INFLIGHT);
  await pipelined(FRAMES);
  const stats = meter.finish(FRAMES, 0, new LatencyHistogram());
  conn.close();
  await conn.closed;
  return {
    adapter: transport.name,
    layer: "raw",
    rttUs: rttMs * 1000,
    p50Us: histogram.percentile(0.5) * 1000,
    p99Us: histogram.percentile(0.99) * 1000,
    framesPerSec: (FRAMES * 1000) / stats.elapsedMs,
    cpuUsPerFrame: stats.cpuUsPerMsg,
  };
}

/** `client` layer: RemotingClient.invoke, sequential then INFLIGHT concurrent callers. */
async function runClient(transport: Transport, port: number): Promise<Row> {
  const client = new RemotingClient({ transport });
  const address = `127.0.0.1:${port}`;
  const request = sendRequest();
  const send = (): Promise<unknown> => client.invoke(address, request, 10_000);
  const histogram = new LatencyHistogram();
  await runConcurrent(Math.min(2000, PINGS), 1, send, histogram);
  histogram.reset();
  const start = performance.now();
  const pings = await runConcurrent(PINGS, 1, send, histogram);
  const rttMs = (performance.now() - start) / PINGS;
  await runConcurrent(Math.min(20_000, FRAMES), INFLIGHT, send, new LatencyHistogram());
  const meter = startMeter("client", INFLIGHT);
  const piped = await runConcurrent(FRAMES, INFLIGHT, send, new LatencyHistogram());
  const stats = meter.finish(piped.ok, piped.failed, new LatencyHistogram());
  await client.close();
  if (pings.failed + piped.failed > 0) {
    throw new Error(`requests failed: ${String(pings.firstError ?? piped.firstError)}`);
  }
  return {
    adapter: transport.name,
    layer: "client",
    rttUs: rttMs * 1000,
    p50Us: histogram.percentile(0.5) * 1000,
    p99Us: histogram.percentile(0.99) * 1000,
    framesPerSec: (FRAMES * 1000) / stats.elapsedMs,
    cpuUsPerFrame: stats.cpuUsPerMsg,
  };
}

const detected = await detectTransport();
const transports = detected === nodeTransport ? [nodeTransport] : [detected, nodeTransport];
const frame = encodeFrame(sendRequest());
const responder = await spawnResponder();
const rows: Row[] = [];
try {
  for (const transport of transports) {
    rows.push(await runRaw(transport, responder.port, frame));
    rows.push(await runClient(transport, responder.port));
  }
} finally {
  await responder.stop();
}
console.log(
  `transport bench under ${runtime}: ${frame.length}-byte SEND_MESSAGE_V2 frames ` +
    `(${SERIALIZE_TYPE === 1 ? "binary" : "JSON"} header), ` +
    `${PINGS} ping-pongs, ${FRAMES} pipelined with ${INFLIGHT} in flight, responder: ${responder.name}`,
);
console.log(formatTable(
  ["adapter", "layer", "rtt µs", "p50 µs", "p99 µs", "frames/s", "CPU µs/frame"],
  rows.map((r) => [
    r.adapter,
    r.layer,
    r.rttUs.toFixed(1),
    r.p50Us.toFixed(0),
    r.p99Us.toFixed(0),
    Math.round(r.framesPerSec).toLocaleString("en-US"),
    r.cpuUsPerFrame.toFixed(2),
  ]),
));
