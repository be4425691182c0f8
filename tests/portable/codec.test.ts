/**
 * The wire codec under every runtime (Deno, Bun, Node 22): fixture decode, byte-exact re-encode,
 * arbitrary chunking, and malformed input. node:test + node:assert/strict only.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { decodeFrame, encodeFrame } from "../../src/remoting/frame.ts";
import { FrameDecoder } from "../../src/remoting/frame-decoder.ts";
import { parseTolerantJson } from "../../src/remoting/tolerant-json.ts";
import type { RemotingCommand } from "../../src/remoting/command.ts";
import { ProtocolError } from "../../src/errors.ts";
import { expectedCommand, fromBase64, loadFixture, loadFixtureFrames } from "../fixtures.ts";
import { assertCommands, concat, mulberry32, randomChunks, sameBytes } from "../remoting/_util.ts";

const frames = await loadFixtureFrames();
const expected = frames.map((f) => expectedCommand(f.message));

function decodeAll(chunks: readonly Uint8Array[]): RemotingCommand[] {
  const out: RemotingCommand[] = [];
  const decoder = new FrameDecoder((cmd) => out.push(cmd));
  for (const c of chunks) decoder.push(c);
  assert.equal(decoder.bufferedBytes, 0);
  return out;
}

test("codec: every fixture frame decodes to its recorded header and body", () => {
  assert.ok(frames.length >= 40);
  for (let i = 0; i < frames.length; i++) {
    assertCommands([decodeFrame(frames[i].frame)], [expected[i]], frames[i].name);
  }
});

test("codec: re-encoding every fixture frame reproduces it byte for byte", () => {
  for (const f of frames) {
    const again = encodeFrame(decodeFrame(f.frame), {
      jsonStyle: f.isResponse ? "server" : "client",
    });
    assert.ok(sameBytes(again, f.frame), f.name);
  }
});

test("codec: random chunkings of all fixtures decode to the same commands", () => {
  const small = frames.filter((f) => f.frame.length < 100_000);
  const smallBytes = concat(small.map((f) => f.frame));
  const smallExpected = small.map((f) => expectedCommand(f.message));
  const ones: Uint8Array[] = [];
  for (let i = 0; i < smallBytes.length; i++) ones.push(smallBytes.subarray(i, i + 1));
  assertCommands(decodeAll(ones), smallExpected, "1-byte chunks");
  const all = concat(frames.map((f) => f.frame));
  assertCommands(decodeAll([all]), expected, "one chunk");
  for (let seed = 1; seed <= 8; seed++) {
    const maxChunk = [3, 50, 1000, 70_000][seed % 4];
    const [bytes, want] = maxChunk < 50 ? [smallBytes, smallExpected] : [all, expected];
    assertCommands(
      decodeAll(randomChunks(bytes, mulberry32(seed), maxChunk)),
      want,
      `seed ${seed}`,
    );
  }
});

function frameOf(serializeType: number, header: Uint8Array): Uint8Array {
  const f = new Uint8Array(8 + header.length);
  const v = new DataView(f.buffer);
  v.setInt32(0, 4 + header.length);
  v.setInt32(4, (serializeType << 24) | header.length);
  f.set(header, 8);
  return f;
}

test("codec: malformed frames throw ProtocolError and poison the decoder", async () => {
  const garbage = await loadFixture("garbage");
  const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s);
  const validBinary = encodeFrame({
    code: 1,
    language: 7,
    version: 401,
    opaque: 1,
    flag: 0,
    serializeType: 1,
    remark: "r",
  });
  const cases: [string, Uint8Array][] = [
    ...garbage.exchanges.map((
      e,
      i,
    ): [string, Uint8Array] => [`garbage #${i}`, fromBase64(e.request.frameBase64!)]),
    ["negative length", new Uint8Array([0x80, 0, 0, 0, 0, 0, 0, 0])],
    ["> 16 MiB length", new Uint8Array([0x01, 0, 0, 0])],
    ["header length > frame", frameOf(0, utf8("{}")).map((b, i) => (i === 7 ? 9 : b))],
    ["serialize type 5", frameOf(5, utf8("{}"))],
    ["truncated binary header", frameOf(1, validBinary.subarray(8, 8 + 18))],
    ["invalid JSON", frameOf(0, utf8('{"code":1'))],
    ["JSON not an object", frameOf(0, utf8("[]"))],
    ["invalid UTF-8", frameOf(0, new Uint8Array([0x22, 0xc3, 0x28, 0x22]))],
  ];
  for (const [name, bytes] of cases) {
    if (bytes.length >= 8) assert.throws(() => decodeFrame(bytes), ProtocolError, name);
    const decoder = new FrameDecoder(() => assert.fail(`${name}: no frame expected`));
    assert.throws(() => decoder.push(bytes), ProtocolError, name);
    assert.throws(() => decoder.push(frames[0].frame), ProtocolError, `${name}: poisoned`);
  }
});

test("codec: tolerant JSON parses the v399 route body like the v401 one", async () => {
  const dec = (b64: string): string => new TextDecoder().decode(fromBase64(b64));
  const v399 = dec((await loadFixture("route-quirk-v399")).exchanges[0].response!.bodyBase64!);
  const v401 = dec((await loadFixture("route-standard-v401")).exchanges[0].response!.bodyBase64!);
  assert.deepStrictEqual(parseTolerantJson(v399), JSON.parse(v401));
  assert.deepStrictEqual(parseTolerantJson('{-1:"{0:\\"x\\"}",2:"a:b,c"}'), {
    "-1": '{0:"x"}',
    "2": "a:b,c",
  });
});
