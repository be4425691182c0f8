import assert from "node:assert/strict";
import { decodeFrame, encodeFrame } from "../../src/remoting/frame.ts";
import { FrameDecoder } from "../../src/remoting/frame-decoder.ts";
import type { RemotingCommand } from "../../src/remoting/command.ts";
import { ProtocolError } from "../../src/errors.ts";
import { fromBase64, loadFixture } from "../fixtures.ts";

/** Build a frame from a header-length word and header bytes (totalLength computed). */
function rawFrame(serializeType: number, header: Uint8Array, body = new Uint8Array(0)): Uint8Array {
  const f = new Uint8Array(8 + header.length + body.length);
  const v = new DataView(f.buffer);
  v.setInt32(0, 4 + header.length + body.length);
  v.setInt32(4, (serializeType << 24) | header.length);
  f.set(header, 8);
  f.set(body, 8 + header.length);
  return f;
}

const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s);

function assertRejected(frame: Uint8Array, pattern: RegExp): void {
  assert.throws(
    () => decodeFrame(frame),
    (e) => e instanceof ProtocolError && pattern.test(e.message),
  );
  const decoder = new FrameDecoder(() => assert.fail("no frame expected"));
  assert.throws(
    () => decoder.push(frame),
    (e) => e instanceof ProtocolError && pattern.test(e.message),
  );
  // Poisoned: even a valid frame is refused now.
  assert.throws(() => decoder.push(encodeFrame(valid)), ProtocolError);
}

const valid: RemotingCommand = {
  code: 105,
  language: 7,
  version: 401,
  opaque: 1,
  flag: 0,
  serializeType: 0,
};

Deno.test("malformed: garbage.json frames are rejected", async () => {
  const fx = await loadFixture("garbage");
  for (const ex of fx.exchanges) {
    const frame = fromBase64(ex.request.frameBase64!);
    assertRejected(frame, ex.request.header === null ? /header length/ : /serialize type 5/);
  }
});

Deno.test("malformed: negative total length", () => {
  assertRejected(new Uint8Array([0xff, 0xff, 0xff, 0xfe, 0, 0, 0, 0]), /negative/);
});

Deno.test("malformed: total length below 4", () => {
  assertRejected(new Uint8Array([0, 0, 0, 3, 0, 0, 0]), /too small/);
});

Deno.test("malformed: > 16 MiB length is refused from the prefix alone, before buffering", () => {
  const decoder = new FrameDecoder(() => assert.fail("no frame expected"));
  // Only the 4-byte prefix is pushed: the decoder must fail now, not wait for (or allocate) 16 MiB.
  assert.throws(() => decoder.push(new Uint8Array([0x01, 0x00, 0x00, 0x00])), /exceeds/);
  assert.equal(decoder.bufferedBytes, 0);
  // Exactly at the limit (totalLength + 4 = 16 MiB) is accepted and waited for.
  const ok = new FrameDecoder(() => {});
  ok.push(new Uint8Array([0x00, 0xff, 0xff, 0xfc]));
  assert.equal(ok.bufferedBytes, 4);
  const small = new FrameDecoder(() => {}, { maxFrameLength: 100 });
  assert.throws(() => small.push(new Uint8Array([0, 0, 0, 97])), ProtocolError);
});

Deno.test("malformed: header length larger than the frame", () => {
  const f = rawFrame(0, utf8("{}"));
  new DataView(f.buffer).setInt32(4, 3);
  assertRejected(f, /header length 3/);
});

Deno.test("malformed: serialize type 5", () => {
  assertRejected(rawFrame(5, utf8("{}")), /serialize type 5/);
});

Deno.test("malformed: invalid JSON and non-object JSON headers", () => {
  assertRejected(rawFrame(0, utf8('{"code":')), /invalid JSON/);
  assertRejected(rawFrame(0, utf8("")), /invalid JSON/);
  assertRejected(rawFrame(0, utf8("[1,2]")), /not an object/);
  assertRejected(rawFrame(0, utf8("null")), /not an object/);
  assertRejected(rawFrame(0, utf8('{"code":"10"}')), /code/);
  assertRejected(rawFrame(0, utf8('{"code":1.5}')), /code/);
  assertRejected(rawFrame(0, utf8('{"opaque":4294967296}')), /opaque/);
  assertRejected(rawFrame(0, utf8('{"remark":7}')), /remark/);
  assertRejected(rawFrame(0, utf8('{"extFields":[]}')), /extFields/);
  assertRejected(rawFrame(0, utf8('{"extFields":{"a":{}}}')), /extFields\.a/);
  assertRejected(rawFrame(0, utf8('{"language":true}')), /language/);
});

Deno.test("malformed: invalid UTF-8 in JSON and binary headers", () => {
  assertRejected(rawFrame(0, new Uint8Array([0x7b, 0x22, 0xff, 0x22, 0x3a, 0x31, 0x7d])), /UTF-8/);
  const bin = encodeFrame({ ...valid, serializeType: 1, remark: "éé" });
  const at = bin.indexOf(0xc3);
  bin[at] = 0xff;
  assertRejected(bin, /UTF-8 in remark/);
});

Deno.test("malformed: truncated binary headers", () => {
  const cmd: RemotingCommand = {
    ...valid,
    serializeType: 1,
    remark: "r",
    extFields: { key: "value" },
  };
  const good = encodeFrame(cmd);
  const headerLength = new DataView(good.buffer).getInt32(4) & 0xffffff;
  const header = good.subarray(8, 8 + headerLength);
  // Every strictly shorter header is invalid: some length field runs past its end.
  for (let n = 0; n < header.length; n++) {
    assertRejected(rawFrame(1, header.slice(0, n)), /truncated binary header/);
  }
  // Lengths that lie: remark, map, key and value lengths pointing past the header.
  const lie = (offset: number, value: number, int16 = false): Uint8Array => {
    const h = header.slice();
    const v = new DataView(h.buffer);
    if (int16) v.setInt16(offset, value);
    else v.setInt32(offset, value);
    return rawFrame(1, h);
  };
  assertRejected(lie(13, 1000), /remark/);
  assertRejected(lie(13, -1), /remark/);
  assertRejected(lie(18, 1000), /extFields map/);
  assertRejected(lie(22, 1000, true), /extFields key/);
  assertRejected(lie(22, -5, true), /extFields key/);
  assertRejected(lie(27, 1000), /extFields value/);
});

Deno.test("decoded binary headers: length-0 strings read as absent", () => {
  const cmd = decodeFrame(encodeFrame({ ...valid, serializeType: 1 }));
  assert.deepStrictEqual(cmd, { ...valid, serializeType: 1 });
});

Deno.test("encodeFrame: binary rejects empty strings, naming the field", () => {
  const b = { ...valid, serializeType: 1 as const };
  assert.throws(() => encodeFrame({ ...b, remark: "" }), /remark/);
  assert.throws(() => encodeFrame({ ...b, extFields: { "": "v" } }), /extFields key/);
  assert.throws(() => encodeFrame({ ...b, extFields: { topic: "" } }), /extFields\.topic/);
  assert.throws(() => encodeFrame({ ...b, extFields: { topic: "" } }), ProtocolError);
});

Deno.test("encodeFrame: binary code and version must fit int16, language a byte", () => {
  const b = { ...valid, serializeType: 1 as const };
  assert.throws(() => encodeFrame({ ...b, code: 200050 }), /code/);
  assert.throws(() => encodeFrame({ ...b, code: 32768 }), /code/);
  assert.doesNotThrow(() => encodeFrame({ ...b, code: 32767 }));
  assert.throws(() => encodeFrame({ ...b, version: 40000 }), /version/);
  assert.throws(() => encodeFrame({ ...b, language: 256 }), /language/);
  // JSON carries any int32 code.
  assert.equal(decodeFrame(encodeFrame({ ...valid, code: 200050 })).code, 200050);
});

Deno.test("encodeFrame: JSON needs a named language", () => {
  assert.throws(() => encodeFrame({ ...valid, language: -1 }), /language -1/);
  assert.throws(() => encodeFrame({ ...valid, language: 99 }), ProtocolError);
});

Deno.test("encodeFrame: oversize frames are refused", () => {
  const body = new Uint8Array(16 * 1024 * 1024 - 8);
  assert.throws(() => encodeFrame({ ...valid, body }), /exceeds/);
});

Deno.test("decodeFrame: prefix must match the frame length", () => {
  const f = encodeFrame(valid);
  assert.throws(() => decodeFrame(f.subarray(0, f.length - 1)), /does not match/);
  assert.throws(() => decodeFrame(f.subarray(0, 5)), /does not match/);
  assert.throws(() => decodeFrame(f.subarray(0, 3)), /shorter than its length prefix/);
});

Deno.test("fuzz: mutated fixture frames decode or throw ProtocolError, nothing else", async () => {
  const { loadFixtureFrames } = await import("../fixtures.ts");
  const { mulberry32 } = await import("./_util.ts");
  const frames = (await loadFixtureFrames()).filter((f) => f.frame.length < 10_000);
  const rand = mulberry32(99);
  let rejected = 0;
  for (let n = 0; n < 5000; n++) {
    const f = frames[n % frames.length].frame.slice();
    const flips = 1 + Math.floor(rand() * 4);
    for (let k = 0; k < flips; k++) {
      // Bias toward the length words and the start of the header, where structure lives.
      const at = rand() < 0.5
        ? Math.floor(rand() * Math.min(40, f.length))
        : Math.floor(rand() * f.length);
      f[at] = Math.floor(rand() * 256);
    }
    try {
      decodeFrame(f);
    } catch (e) {
      // "undecodable frame" would mean an unchecked error escaped a decoder (then wrapped).
      assert.ok(
        e instanceof ProtocolError && !e.message.startsWith("undecodable"),
        `mutation ${n}: ${e}`,
      );
      rejected++;
    }
    const decoder = new FrameDecoder(() => {}, { maxFrameLength: 1 << 16 });
    try {
      decoder.push(f);
    } catch (e) {
      assert.ok(e instanceof ProtocolError, `mutation ${n} (decoder): ${e}`);
    }
  }
  assert.ok(rejected > 500, `only ${rejected} rejected`);
});

Deno.test("FrameDecoder: a bad header word is refused from the first 8 bytes", () => {
  const word = (total: number, w: number): Uint8Array => {
    const b = new Uint8Array(8);
    new DataView(b.buffer).setInt32(0, total);
    new DataView(b.buffer).setInt32(4, w);
    return b;
  };
  // Serialize type 5 in a frame announcing 1 MB: fails before the megabyte arrives.
  let d = new FrameDecoder(() => assert.fail("no frame expected"));
  assert.throws(() => d.push(word(1 << 20, (5 << 24) | 10)), /serialize type 5/);
  // Header length beyond the frame, delivered byte by byte across the two words.
  d = new FrameDecoder(() => assert.fail("no frame expected"));
  const bytes = word(100, 200);
  for (let i = 0; i < 7; i++) d.push(bytes.subarray(i, i + 1));
  assert.throws(() => d.push(bytes.subarray(7)), /header length 200/);
  // A valid word waits for the rest.
  d = new FrameDecoder(() => assert.fail("no frame expected"));
  d.push(word(100, (1 << 24) | 21));
  assert.equal(d.bufferedBytes, 8);
});
