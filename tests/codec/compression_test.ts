import assert from "node:assert/strict";
import { inflateSync } from "node:zlib";
import { readFileSync } from "node:fs";
import { unzlibSync } from "fflate";
import {
  checkCompressionLevel,
  compressZlib,
  detectZlibBackend,
  loadZlibBackend,
  ZLIB_BACKEND_ORDER,
} from "../../src/codec/compression.ts";
import { ValidationError } from "../../src/errors.ts";
import { FIXTURE_DIR } from "../fixtures.ts";

const FIXTURE = new URL("send-compressed.json", FIXTURE_DIR);

/** The compressed body the real 4.9.8 recording sent (Node deflateSync level 5). */
function fixtureBody(): Uint8Array {
  const json = JSON.parse(readFileSync(FIXTURE, "utf8"));
  const b64: string = json.exchanges[0].request.bodyBase64;
  return Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
}

function compressible(size: number): Uint8Array {
  const line = new TextEncoder().encode("rocketmq-edge compressible line, the quick brown fox. ");
  const out = new Uint8Array(size);
  for (let i = 0; i < size; i++) out[i] = line[i % line.length] ^ (i % 251 === 0 ? 1 : 0);
  return out;
}

function random(size: number): Uint8Array {
  const out = new Uint8Array(size);
  for (let i = 0; i < size; i += 65536) crypto.getRandomValues(out.subarray(i, i + 65536));
  return out;
}

function assertZlibHeader(z: Uint8Array): void {
  // RFC 1950: CM = 8 (deflate), CINFO ≤ 7, (CMF*256 + FLG) % 31 == 0. Java's Inflater needs this.
  assert.equal(z[0] & 0x0f, 8);
  assert.ok(z[0] >> 4 <= 7);
  assert.equal(((z[0] << 8) | z[1]) % 31, 0);
}

Deno.test("the fixture body inflates to 8192 bytes and our level 5 output equals it on node:zlib", async () => {
  const recorded = fixtureBody();
  const original = new Uint8Array(inflateSync(recorded));
  assert.equal(original.length, 8192);
  assert.ok(new TextDecoder().decode(original).startsWith("RocketMQ fixture line 0000"));
  const ours = await compressZlib(original, 5);
  assertZlibHeader(ours);
  assert.deepEqual(unzlibSync(ours), original);
  assert.deepEqual(new Uint8Array(inflateSync(ours)), original);
  const backend = await detectZlibBackend();
  assert.equal(backend.name, "node:zlib"); // Deno ships node:zlib: it must be picked first
  assert.deepEqual(ours, recorded);
  assert.equal(ours.constructor, Uint8Array);
});

Deno.test("every available backend round-trips at every level, all sizes", async () => {
  const inputs = [
    new Uint8Array(0),
    new Uint8Array([1]),
    compressible(4096),
    compressible(70_000),
    random(10_000),
  ];
  let tried = 0;
  for (const name of ZLIB_BACKEND_ORDER) {
    const backend = await loadZlibBackend(name);
    assert.ok(backend, `${name} is available under Deno`);
    for (const level of backend.honoursLevel ? [-1, 0, 1, 5, 9] : [5]) {
      for (const input of inputs) {
        const z = await backend.deflate(input, level);
        assertZlibHeader(z);
        assert.deepEqual(unzlibSync(z), input, `${name} level ${level} size ${input.length}`);
        assert.deepEqual(new Uint8Array(inflateSync(z)), input);
        tried++;
      }
    }
  }
  assert.equal(tried, 5 * 5 + 5 * 5 + 5);
});

Deno.test("compression shrinks compressible bodies and never touches the input", async () => {
  const input = compressible(1 << 20);
  const copy = input.slice();
  const z = await compressZlib(input, 5);
  assert.ok(z.length < input.length / 20);
  assert.deepEqual(input, copy);
});

Deno.test("compressing a subarray view compresses only the view", async () => {
  const big = compressible(10_000);
  const view = big.subarray(100, 5100);
  const z = await compressZlib(view, 5);
  assert.deepEqual(unzlibSync(z), view.slice());
});

Deno.test("levels outside -1..9 are rejected with a ValidationError naming the rule", async () => {
  for (const bad of [10, -2, 1.5, Number.NaN]) {
    assert.throws(() => checkCompressionLevel(bad), ValidationError);
    await assert.rejects(compressZlib(new Uint8Array(1), bad), (e: unknown) => {
      assert.ok(e instanceof ValidationError);
      assert.equal(e.field, "compressLevel");
      assert.equal(e.rule, "must be an integer from -1 to 9");
      return true;
    });
  }
});
