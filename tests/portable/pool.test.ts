// The codec worker pool under Deno (Web Worker), Bun (Web Worker) and Node 22 (worker_threads):
// the bundled worker source must start from a blob URL / eval in each, give the inline bytes,
// survive a worker death, and let the process exit after close.
import { test } from "node:test";
import assert from "node:assert/strict";
import { unzlibSync } from "fflate";
import { createInlineCodec, createPooledCodec } from "../../src/codec/message-codec.ts";
import { decodeBatchRecords } from "../../src/codec/batch.ts";
import { WorkerError } from "../../src/errors.ts";
import { Buffer } from "node:buffer";

function compressible(size: number): Uint8Array {
  const line = new TextEncoder().encode("portable pool line: the quick brown fox jumps. ");
  const out = new Uint8Array(size);
  for (let i = 0; i < size; i++) out[i] = line[i % line.length] ^ (i % 509 === 0 ? 3 : 0);
  return out;
}

const inline = createInlineCodec();

test("pooled compress and encodeBatch round-trip and equal the inline bytes", async () => {
  const codec = createPooledCodec({ size: 2, offloadThreshold: 0, batchOffloadThreshold: 0 });
  try {
    const big = compressible(500_000);
    const bodies = [big, big.subarray(7, 70_007), compressible(10), new Uint8Array(0)];
    const results = await Promise.all(bodies.map((b) => codec.compress(b, 5)));
    for (let i = 0; i < bodies.length; i++) {
      assert.deepEqual(results[i], await inline.compress(bodies[i], 5));
      assert.deepEqual(unzlibSync(results[i]), bodies[i].slice());
    }
    assert.equal(big.byteLength, 500_000, "the caller's body is not detached");
    const pool = codec.pool;
    assert.ok(pool !== undefined, "this runtime runs a pool");
    assert.equal(pool.backend, "node:zlib");
    const records = [
      { body: big.subarray(0, 100_000), flag: 3, properties: "TAGS\u0001a\u0002KEYS\u0001é" },
      { body: compressible(5), flag: 0, properties: "" },
    ];
    const batch = await codec.encodeBatch(records);
    assert.deepEqual(batch, await inline.encodeBatch(records));
    assert.equal(decodeBatchRecords(batch)[0].properties, "TAGS\u0001a\u0002KEYS\u0001é");
  } finally {
    await codec.close();
  }
  assert.equal(codec.pool?.size, 0);
});

test("Node Buffers (views into the shared allocation pool) cross safely and stay usable", async () => {
  const codec = createPooledCodec({ size: 1, offloadThreshold: 0, batchOffloadThreshold: 0 });
  try {
    const small = Buffer.from("a pooled buffer: ".repeat(20)); // < 4 KiB: from Node's pool
    const neighbour = Buffer.from("neighbour in the same pool");
    const z = await codec.compress(small, 5);
    assert.equal(z.constructor, Uint8Array);
    assert.deepEqual(z, await inline.compress(small, 5));
    assert.deepEqual(unzlibSync(z), new Uint8Array(small));
    const records = [{ body: small, flag: 0, properties: "" }, {
      body: neighbour,
      flag: 1,
      properties: "K\u0001v",
    }];
    assert.deepEqual(await codec.encodeBatch(records), await inline.encodeBatch(records));
    assert.equal(small.toString(), "a pooled buffer: ".repeat(20));
    assert.equal(neighbour.toString(), "neighbour in the same pool");
    assert.equal(Buffer.from("still allocatable").toString(), "still allocatable");
  } finally {
    await codec.close();
  }
});

test("a worker death is retried once, a second one fails with WorkerError", async () => {
  const codec = createPooledCodec({ size: 1, offloadThreshold: 0, allowCrashJobs: true });
  try {
    const pool = (await codec.startPool())!;
    const body = compressible(1_000_000);
    const job = pool.run((id) => ({
      request: { id, op: "compress", body, level: 9 },
      transfer: [],
    }));
    pool.killWorker(0);
    assert.deepEqual(await job, await inline.compress(body, 9));
    await assert.rejects(pool.crash(), WorkerError);
    assert.equal(pool.spawned, 3, "first, its replacement, and the crash retry's fresh worker");
  } finally {
    await codec.close();
  }
  assert.equal(codec.pool?.size, 0);
});

test("close rejects pending jobs with WorkerError and stops every worker", async () => {
  const codec = createPooledCodec({ size: 1, offloadThreshold: 0 });
  const jobs = [1, 2, 3, 4].map(() => codec.compress(compressible(800_000), 9));
  const outcome = Promise.allSettled(jobs); // handled from the start: no unhandled rejection
  await codec.startPool();
  await codec.close();
  const settled = await outcome;
  assert.ok(settled.some((s) => s.status === "rejected" && s.reason instanceof WorkerError));
  assert.equal(codec.pool?.size, 0);
});
