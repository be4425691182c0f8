import assert from "node:assert/strict";
import { decodeFrame, encodeFrame } from "../../src/remoting/frame.ts";
import { FrameDecoder } from "../../src/remoting/frame-decoder.ts";
import type { RemotingCommand } from "../../src/remoting/command.ts";
import { assertCommands, concat, mulberry32, randomChunks } from "./_util.ts";

const rand = mulberry32(2024);
const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)];
const UNITS = [
  "a",
  "Z",
  "0",
  " ",
  ":",
  ",",
  "{",
  '"',
  "\\",
  "\u0001",
  "\u0002",
  "\n",
  "é",
  "✓",
  "😀",
  "\u007f",
];

function randomString(min: number): string {
  let s = "";
  const n = min + Math.floor(rand() * 20);
  for (let i = 0; i < n; i++) s += pick(UNITS);
  return s;
}

function randomCommand(serializeType: 0 | 1): RemotingCommand {
  const cmd: RemotingCommand = {
    code: Math.floor(rand() * 32768),
    language: Math.floor(rand() * 14),
    version: Math.floor(rand() * 500),
    opaque: (rand() * 2 ** 32) | 0,
    flag: Math.floor(rand() * 4),
    serializeType,
  };
  if (rand() < 0.5) cmd.remark = randomString(1);
  if (rand() < 0.8) {
    const ext: Record<string, string> = {};
    const n = Math.floor(rand() * 8);
    // Letter-prefixed keys: integer-like keys would be reordered by JS objects.
    for (let i = 0; i < n; i++) ext["k" + randomString(0)] = randomString(1);
    if (n > 0 || serializeType === 0) cmd.extFields = ext;
  }
  if (rand() < 0.7) {
    cmd.body = new Uint8Array(Math.floor(rand() * 3000)).map(() => Math.floor(rand() * 256));
    if (cmd.body.length === 0) delete cmd.body;
  }
  return cmd;
}

Deno.test("round trip: random commands, both header types, both JSON styles", () => {
  for (let n = 0; n < 2000; n++) {
    const cmd = randomCommand(n % 2 === 0 ? 0 : 1);
    const style = n % 4 < 2 ? "client" : "server";
    const frame = encodeFrame(cmd, { jsonStyle: style });
    assertCommands([decodeFrame(frame)], [cmd], `command ${n}`);
  }
});

Deno.test("round trip: random command streams through FrameDecoder in random chunks", () => {
  const cmds = Array.from({ length: 300 }, (_, i) => randomCommand(i % 3 === 0 ? 1 : 0));
  const stream = concat(cmds.map((c) => encodeFrame(c)));
  for (const maxChunk of [1, 13, 4096]) {
    const out: RemotingCommand[] = [];
    const decoder = new FrameDecoder((c) => out.push(c));
    for (const chunk of randomChunks(stream, rand, maxChunk)) decoder.push(chunk);
    assertCommands(out, cmds, `maxChunk ${maxChunk}`);
    assert.equal(decoder.bufferedBytes, 0);
  }
});
