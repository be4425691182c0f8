/**
 * Codec micro-benchmark: ns per encode, decode, and encode+decode of a SEND_MESSAGE_V2 frame with
 * a 1 KiB body, JSON header vs ROCKETMQ binary header. Runs under Deno, Bun and Node 22:
 *
 *   npx -y deno@2.9.6 run -A bench/codec.ts
 *   npx -y bun@1.4.5 bench/codec.ts
 *   npx -y node@22 bench/codec.ts
 *
 * @module
 */

import { decodeFrame, encodeFrame } from "../src/remoting/frame.ts";
import { FrameDecoder } from "../src/remoting/frame-decoder.ts";
import type { RemotingCommand } from "../src/remoting/command.ts";

/** The header of fixture send-v2-json (a real SEND_MESSAGE_V2 request) with a 1 KiB body. */
function sendCommand(serializeType: 0 | 1): RemotingCommand {
  return {
    code: 310,
    language: 7,
    version: 401,
    opaque: 601,
    flag: 0,
    serializeType,
    extFields: {
      a: "fixture_group",
      b: "FixtureTopic",
      c: "TBW102",
      d: "4",
      e: "0",
      f: "0",
      g: "1795561674218",
      h: "0",
      i: "TAGS\u0001TagA\u0002KEYS\u0001fixtureKey1 fixtureKey2\u0002UNIQ_KEY\u0001" +
        "7F0000014E200BADCAFE05F5E1000601\u0002WAIT\u0001true\u0002fixtureUserProp\u0001fixtureValue",
      j: "0",
      k: "false",
      m: "false",
      n: "broker-a",
    },
    body: new Uint8Array(1024).fill(0x61),
  };
}

let sink = 0;

/** Best ns per call of `fn` over 9 timed rounds, after warm-up (min: robust to a busy machine). */
function measure(fn: () => void): number {
  let iterations = 1000;
  // Warm up and size a round to ~100 ms.
  for (;;) {
    const t0 = performance.now();
    for (let i = 0; i < iterations; i++) fn();
    const ms = performance.now() - t0;
    if (ms > 50) {
      iterations = Math.max(1, Math.round((iterations * 100) / ms));
      break;
    }
    iterations *= 4;
  }
  const rounds: number[] = [];
  for (let r = 0; r < 9; r++) {
    const t0 = performance.now();
    for (let i = 0; i < iterations; i++) fn();
    rounds.push(((performance.now() - t0) * 1e6) / iterations);
  }
  return Math.min(...rounds);
}

const runtime = "Deno" in globalThis
  ? `Deno ${(globalThis as unknown as { Deno: { version: { deno: string } } }).Deno.version.deno}`
  : "Bun" in globalThis
  ? `Bun ${(globalThis as unknown as { Bun: { version: string } }).Bun.version}`
  : `Node ${(globalThis as unknown as { process: { version: string } }).process.version}`;

const rows: string[][] = [];
for (const [name, type] of [["JSON", 0], ["binary", 1]] as const) {
  const cmd = sendCommand(type);
  const frame = encodeFrame(cmd);
  let decoded = 0;
  const decoder = new FrameDecoder((c) => {
    decoded += c.opaque;
  });
  const encode = measure(() => {
    sink += encodeFrame(cmd).length;
  });
  const decode = measure(() => {
    sink += decodeFrame(frame).code;
  });
  const both = measure(() => {
    sink += decodeFrame(encodeFrame(cmd)).code;
  });
  const push = measure(() => decoder.push(frame));
  sink += decoded;
  rows.push([
    name,
    String(frame.length),
    encode.toFixed(0),
    decode.toFixed(0),
    both.toFixed(0),
    push.toFixed(0),
  ]);
}

const head = ["header", "frame B", "encode ns", "decode ns", "enc+dec ns", "push ns"];
const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
const line = (cells: string[]): string => cells.map((c, i) => c.padStart(widths[i])).join("  ");
console.log(`codec bench, ${runtime}: SEND_MESSAGE_V2, 13 extFields, 1 KiB body`);
console.log(line(head));
for (const r of rows) console.log(line(r));
if (sink === 42) console.log("");
