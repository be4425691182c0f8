import assert from "node:assert/strict";
import { decodeFrame, encodeFrame } from "../../src/remoting/frame.ts";
import { FrameDecoder } from "../../src/remoting/frame-decoder.ts";
import type { RemotingCommand } from "../../src/remoting/command.ts";
import { expectedCommand, loadFixtureFrames } from "../fixtures.ts";
import { assertCommands, concat, mulberry32, randomChunks, sameBytes } from "./_util.ts";

const frames = await loadFixtureFrames();

Deno.test("fixtures: there are frames of both header types, requests and responses", () => {
  assert.ok(frames.length >= 40, `only ${frames.length} frames`);
  assert.ok(frames.some((f) => f.message.headerType === "ROCKETMQ" && f.isResponse));
  assert.ok(frames.some((f) => f.message.headerType === "ROCKETMQ" && !f.isResponse));
  assert.ok(frames.some((f) => f.name.startsWith("error-too-large") && !f.isResponse));
});

Deno.test("decodeFrame: every fixture frame decodes to the recorded header and body", () => {
  for (const f of frames) {
    assertCommands([decodeFrame(f.frame)], [expectedCommand(f.message)], f.name);
  }
});

Deno.test("decodeFrame: the body is a subarray of the frame, not a copy", () => {
  const f = frames.find((f) => f.name.startsWith("send-v2-json#0 request"))!;
  const cmd = decodeFrame(f.frame);
  assert.equal(cmd.body!.buffer, f.frame.buffer);
});

Deno.test("encodeFrame: re-encoding each fixture frame reproduces its bytes", () => {
  for (const f of frames) {
    const cmd = decodeFrame(f.frame);
    const again = encodeFrame(cmd, { jsonStyle: f.isResponse ? "server" : "client" });
    assert.ok(sameBytes(again, f.frame), f.name);
  }
});

Deno.test("encodeFrame: client style is the default", () => {
  const f = frames.find((f) => f.name.startsWith("send-v2-json#0 request"))!;
  assert.deepStrictEqual(encodeFrame(decodeFrame(f.frame)), f.frame);
});

function decodeAll(chunks: readonly Uint8Array[]): RemotingCommand[] {
  const out: RemotingCommand[] = [];
  const decoder = new FrameDecoder((cmd) => out.push(cmd));
  for (const c of chunks) decoder.push(c);
  assert.equal(decoder.bufferedBytes, 0);
  return out;
}

const expected = frames.map((f) => expectedCommand(f.message));
const small = frames.filter((f) => f.frame.length < 100_000);
const smallExpected = small.map((f) => expectedCommand(f.message));
const all = concat(frames.map((f) => f.frame));

Deno.test("FrameDecoder: all fixture frames in one chunk", () => {
  assertCommands(decodeAll([all]), expected);
});

Deno.test("FrameDecoder: one frame per chunk", () => {
  assertCommands(decodeAll(frames.map((f) => f.frame)), expected);
});

Deno.test("FrameDecoder: 1-byte chunks", () => {
  const bytes = concat(small.map((f) => f.frame));
  const chunks: Uint8Array[] = [];
  for (let i = 0; i < bytes.length; i++) chunks.push(bytes.subarray(i, i + 1));
  assertCommands(decodeAll(chunks), smallExpected);
});

Deno.test("FrameDecoder: the 4 MiB frame in 16-byte chunks", () => {
  const big = frames.find((f) => f.frame.length > 1_000_000)!;
  const out: RemotingCommand[] = [];
  const decoder = new FrameDecoder((cmd) => out.push(cmd));
  const one = big.frame;
  for (let i = 0; i < one.length; i += 16) decoder.push(one.subarray(i, i + 16));
  assertCommands(out, [expectedCommand(big.message)]);
});

Deno.test("FrameDecoder: each frame split across 3 chunks", () => {
  const chunks: Uint8Array[] = [];
  for (const f of frames) {
    const a = Math.floor(f.frame.length / 3);
    const b = Math.floor((2 * f.frame.length) / 3);
    chunks.push(f.frame.subarray(0, a), f.frame.subarray(a, b), f.frame.subarray(b));
  }
  assertCommands(decodeAll(chunks), expected);
});

Deno.test("FrameDecoder: random chunkings (seeded) decode to the same commands", () => {
  const allSmall = concat(small.map((f) => f.frame));
  for (let seed = 1; seed <= 24; seed++) {
    const rand = mulberry32(seed);
    const maxChunk = [2, 7, 64, 500, 5000, 100_000][seed % 6];
    // Tiny chunks of the 4 MiB frame only cost time; the 16-byte test above covers it.
    const [bytes, want] = maxChunk < 64 ? [allSmall, smallExpected] : [all, expected];
    const chunks = randomChunks(bytes, rand, maxChunk);
    assertCommands(decodeAll(chunks), want, `seed ${seed}, maxChunk ${maxChunk}`);
  }
});

Deno.test("FrameDecoder: an error thrown by onFrame propagates without poisoning", () => {
  const seen: number[] = [];
  const decoder = new FrameDecoder((cmd) => {
    seen.push(cmd.opaque);
    if (seen.length === 1) throw new Error("handler failed");
  });
  const two = concat([frames[0].frame, frames[1].frame]);
  assert.throws(() => decoder.push(two), /handler failed/);
  decoder.push(new Uint8Array(0)); // delivers the frame still buffered
  decoder.push(frames[2].frame);
  assert.deepStrictEqual(seen, [0, 1, 2].map((i) => expected[i].opaque));
});

Deno.test("FrameDecoder intercept: offered frames inside a chunk; false decodes as usual", () => {
  const frames = [1, 2, 3, 4].map((opaque) =>
    encodeFrame({ code: 0, language: 0, version: 1, opaque, flag: 1, serializeType: 0 })
  );
  const all = new Uint8Array(frames.reduce((n, f) => n + f.length, 0));
  let at = 0;
  for (const f of frames) {
    all.set(f, at);
    at += f.length;
  }
  const offered: number[] = [];
  const decoded: number[] = [];
  const decoder = new FrameDecoder((cmd) => decoded.push(cmd.opaque), {
    intercept(bytes, offset, length) {
      const cmd = decodeFrame(bytes.subarray(offset, offset + length));
      offered.push(cmd.opaque);
      return cmd.opaque % 2 === 1; // odd ones consumed, even ones handed back
    },
  });
  // Frame 3 straddles the two chunks: not offered, decoded from the reassembled copy.
  const cut = frames[0].length + frames[1].length + 5;
  decoder.push(all.subarray(0, cut));
  decoder.push(all.subarray(cut));
  assert.deepEqual(offered, [1, 2, 4]);
  assert.deepEqual(decoded, [2, 3, 4]);
  assert.equal(decoder.bufferedBytes, 0);
});
