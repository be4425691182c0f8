import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { unzlibSync } from "fflate";
import {
  createInlineCodec,
  createPooledCodec,
  DEFAULT_BATCH_OFFLOAD_THRESHOLD_TRANSFER,
  DEFAULT_OFFLOAD_THRESHOLD,
  type PooledMessageCodec,
} from "../../src/codec/message-codec.ts";
import { decodeBatchRecords } from "../../src/codec/batch.ts";
import { WORKER_SOURCE } from "../../src/codec/_worker_source.ts";
import { detectWorkerFactory, type WorkerFactory } from "../../src/codec/worker-pool.ts";
import { ValidationError, WorkerError } from "../../src/errors.ts";
import { FIXTURE_DIR } from "../fixtures.ts";
import { renderWorkerSource, WORKER_SOURCE_PATH } from "../../scripts/build-worker.ts";
import { Producer } from "../../src/producer/producer.ts";
import { startCluster } from "../../src/testing/mod.ts";

const root = new URL("../../", import.meta.url);
const inline = createInlineCodec();

function compressible(size: number, seed = 0): Uint8Array {
  const line = new TextEncoder().encode(`line ${seed}: rocketmq-edge compressible payload, fox. `);
  const out = new Uint8Array(size);
  for (let i = 0; i < size; i++) out[i] = line[i % line.length] ^ (i % 997 === 0 ? 7 : 0);
  return out;
}

function random(size: number): Uint8Array {
  const out = new Uint8Array(size);
  for (let i = 0; i < size; i += 65536) crypto.getRandomValues(out.subarray(i, i + 65536));
  return out;
}

/** Everything offloads: the pool path is what these tests exercise. */
function pooled(extra: Parameters<typeof createPooledCodec>[0] = {}): PooledMessageCodec {
  return createPooledCodec({ size: 2, offloadThreshold: 0, batchOffloadThreshold: 0, ...extra });
}

function fixture(): { recorded: Uint8Array; original: Uint8Array } {
  const json = JSON.parse(
    readFileSync(new URL("send-compressed.json", FIXTURE_DIR), "utf8"),
  );
  const recorded = Uint8Array.from(
    atob(json.exchanges[0].request.bodyBase64),
    (c) => c.charCodeAt(0),
  );
  return { recorded, original: unzlibSync(recorded) };
}

Deno.test("the committed worker source is the bundle of workers/codec_worker.ts", async () => {
  const fresh = await renderWorkerSource(root);
  const committed = await Deno.readTextFile(new URL(WORKER_SOURCE_PATH, root));
  assert.equal(
    committed,
    fresh,
    "stale: run `deno run -A scripts/build-worker.ts`",
  );
  assert.ok(!/\bimport\s*[{*\w]|\bexport\b|import\.meta/.test(WORKER_SOURCE), "self-contained");
});

Deno.test("pooled compression equals inline byte for byte, fixture included", async () => {
  const codec = pooled();
  try {
    const { recorded, original } = fixture();
    const big = compressible(300_000);
    const inputs = [
      original,
      new Uint8Array(0),
      compressible(1),
      big,
      big.subarray(1000, 70_000), // a view: copied once, not the whole buffer
      random(50_000),
    ];
    for (const level of [-1, 1, 5, 9]) {
      const results = await Promise.all(inputs.map((b) => codec.compress(b, level)));
      for (let i = 0; i < inputs.length; i++) {
        assert.deepEqual(
          results[i],
          await inline.compress(inputs[i], level),
          `input ${i} @${level}`,
        );
        assert.deepEqual(unzlibSync(results[i]), inputs[i].slice());
      }
    }
    assert.deepEqual(await codec.compress(original, 5), recorded); // node:zlib in the worker too
    assert.equal(codec.pool?.backend, "node:zlib");
    assert.ok(codec.pool!.spawned >= 1 && codec.pool!.spawned <= 2);
  } finally {
    await codec.close();
  }
});

Deno.test("pooled batch encoding equals inline and decodes back", async () => {
  const codec = pooled();
  try {
    const shared = compressible(200_000, 3);
    const records = [
      { body: compressible(100_000, 1), flag: 0, properties: "KEYS\u0001k1\u0002UNIQ_KEY\u0001AB" },
      { body: shared.subarray(10, 5000), flag: -5, properties: "TAGS\u0001é" },
      { body: new Uint8Array(0), flag: 2147483647, properties: "" },
    ];
    const got = await codec.encodeBatch(records);
    assert.deepEqual(got, await inline.encodeBatch(records));
    const back = decodeBatchRecords(got);
    assert.equal(back.length, 3);
    assert.deepEqual(back[1].body, shared.subarray(10, 5000).slice());
    assert.equal(back[1].properties, "TAGS\u0001é");
  } finally {
    await codec.close();
  }
});

Deno.test("a ValidationError thrown in the worker comes back as a ValidationError", async () => {
  const codec = pooled();
  try {
    const records = [{ body: new Uint8Array(1), flag: 0, properties: "x".repeat(40_000) }];
    await assert.rejects(codec.encodeBatch(records), (e: unknown) => {
      assert.ok(e instanceof ValidationError);
      assert.equal(e.field, "messages[0].properties");
      return true;
    });
    await assert.rejects(inline.encodeBatch(records), ValidationError);
    await assert.rejects(codec.compress(new Uint8Array(1), 11), ValidationError);
  } finally {
    await codec.close();
  }
});

Deno.test("the caller's body is left intact by default and detached only with transfer: true", async () => {
  const copying = pooled();
  const transferring = pooled({ transfer: true });
  try {
    const body = compressible(100_000);
    const expected = await inline.compress(body, 5);
    assert.deepEqual(await copying.compress(body, 5), expected);
    assert.equal(body.byteLength, 100_000);
    assert.deepEqual(body, compressible(100_000));
    assert.deepEqual(await transferring.compress(body, 5), expected);
    assert.equal(body.byteLength, 0, "transferred to the worker");
    const view = compressible(100_000).subarray(1);
    assert.deepEqual(await transferring.compress(view, 5), await inline.compress(view, 5));
    assert.equal(view.byteLength, 99_999, "views are copied, never detached");
  } finally {
    await copying.close();
    await transferring.close();
  }
});

Deno.test("a job whose worker dies is retried once on a fresh worker", async () => {
  const codec = pooled({ size: 1 });
  try {
    const pool = (await codec.startPool())!;
    const body = compressible(2_000_000);
    const job = pool.run((id) => ({
      request: { id, op: "compress", body, level: 9 },
      transfer: [],
    }));
    assert.equal(pool.size, 1);
    pool.killWorker(0); // dies with the job in flight
    assert.equal(pool.size, 1, "a fresh worker took over");
    assert.deepEqual(await job, await inline.compress(body, 9));
    assert.equal(pool.spawned, 2);
  } finally {
    await codec.close();
  }
});

Deno.test("a job that kills its worker twice fails with WorkerError; others survive", async () => {
  const codec = pooled({ size: 1, allowCrashJobs: true });
  try {
    const pool = (await codec.startPool())!;
    const crash = pool.crash();
    await assert.rejects(crash, (e: unknown) => {
      assert.ok(e instanceof WorkerError);
      assert.match(e.message, /attempt 2/);
      return true;
    });
    assert.equal(pool.spawned, 2, "one retry on a fresh worker");
    // The pool recovers: the next job gets a third worker.
    const body = compressible(100_000);
    assert.deepEqual(await codec.compress(body, 5), await inline.compress(body, 5));
    assert.equal(pool.spawned, 3);
  } finally {
    await codec.close();
  }
});

Deno.test("without allowCrashJobs the crash hook is refused", async () => {
  const codec = pooled();
  try {
    const pool = (await codec.startPool())!;
    await assert.rejects(pool.crash(), WorkerError);
    assert.equal(pool.spawned, 0, "lazy: nothing started yet");
  } finally {
    await codec.close();
  }
});

Deno.test("with transfer: true a dead worker's job is not retried (its input is gone)", async () => {
  const codec = pooled({ size: 1, transfer: true });
  try {
    const pool = (await codec.startPool())!;
    const body = compressible(2_000_000);
    const job = pool.run((id) => ({
      request: { id, op: "compress", body, level: 9 },
      transfer: [body.buffer as ArrayBuffer],
    }), false);
    pool.killWorker(0);
    await assert.rejects(job, WorkerError);
  } finally {
    await codec.close();
  }
});

Deno.test("close rejects queued and running jobs with WorkerError and leaves no worker", async () => {
  const codec = pooled({ size: 1 });
  const bodies = Array.from({ length: 6 }, (_, i) => compressible(1_000_000, i));
  const outcome = Promise.allSettled(bodies.map((b) => codec.compress(b, 9)));
  const pool = (await codec.startPool())!;
  await Promise.resolve();
  await codec.close();
  const settled = await outcome;
  let rejected = 0;
  for (const s of settled) {
    if (s.status === "rejected") {
      assert.ok(s.reason instanceof WorkerError);
      rejected++;
    }
  }
  assert.ok(rejected >= 4, `queued jobs were rejected (${rejected})`);
  assert.equal(pool.size, 0);
  assert.equal(pool.closed, true);
  // After close the codec still works, inline, and starts no worker.
  assert.deepEqual(await codec.compress(bodies[0], 5), await inline.compress(bodies[0], 5));
  assert.equal(pool.size, 0);
  await codec.close(); // idempotent
});

Deno.test("workers: false runs inline with identical results and never starts a pool", async () => {
  const codec = createPooledCodec({ workers: false, offloadThreshold: 0 });
  const body = compressible(200_000);
  assert.deepEqual(await codec.compress(body, 5), await inline.compress(body, 5));
  const records = [{ body, flag: 1, properties: "a\u0001b" }];
  assert.deepEqual(await codec.encodeBatch(records), await inline.encodeBatch(records));
  assert.equal(await codec.startPool(), undefined);
  assert.equal(codec.pool, undefined);
  await codec.close();
});

Deno.test("a runtime that refuses to start workers falls back to inline", async () => {
  const refusing: WorkerFactory = {
    kind: "refusing",
    spawn() {
      throw new Error("workers are not allowed here");
    },
    dispose() {},
  };
  const codec = pooled({ workers: refusing });
  try {
    const body = compressible(100_000);
    assert.deepEqual(await codec.compress(body, 5), await inline.compress(body, 5));
    assert.ok(codec.pool?.unavailable instanceof Error);
    assert.deepEqual(await codec.compress(body, 1), await inline.compress(body, 1));
  } finally {
    await codec.close();
  }
});

Deno.test("when only some workers start, the pool makes do with those", async () => {
  const real = (await detectWorkerFactory())!;
  let spawns = 0;
  const once: WorkerFactory = {
    kind: "once",
    spawn(source, events) {
      if (spawns++ > 0) throw new Error("no second worker");
      return real.spawn(source, events);
    },
    dispose: () => real.dispose(),
  };
  const codec = pooled({ size: 3, workers: once });
  try {
    const bodies = [1, 2, 3, 4, 5].map((i) => compressible(50_000, i));
    const got = await Promise.all(bodies.map((b) => codec.compress(b, 5)));
    for (let i = 0; i < bodies.length; i++) {
      assert.deepEqual(got[i], await inline.compress(bodies[i], 5));
    }
    assert.equal(codec.pool!.size, 1);
    assert.equal(codec.pool!.unavailable, undefined);
  } finally {
    await codec.close();
  }
});

Deno.test("small bodies stay inline: no worker starts below the threshold", async () => {
  const codec = createPooledCodec({ offloadThreshold: 1024, batchOffloadThreshold: 1024 });
  try {
    await codec.compress(compressible(1023), 5);
    await codec.encodeBatch([{ body: compressible(100), flag: 0, properties: "" }]);
    assert.equal(codec.pool?.spawned ?? 0, 0);
    await codec.compress(compressible(1024), 5);
    assert.equal(codec.pool?.spawned, 1);
  } finally {
    await codec.close();
  }
});

Deno.test("options are validated", async () => {
  assert.throws(() => createPooledCodec({ size: 0 }), ValidationError);
  assert.throws(() => createPooledCodec({ size: 1.5 }), ValidationError);
  assert.throws(() => createPooledCodec({ offloadThreshold: -1 }), ValidationError);
  const codec = createPooledCodec();
  assert.equal(codec.offloadThreshold, DEFAULT_OFFLOAD_THRESHOLD);
  assert.equal(codec.batchOffloadThreshold, Number.POSITIVE_INFINITY, "copying batches never pays");
  const transferring = createPooledCodec({ transfer: true });
  assert.equal(transferring.batchOffloadThreshold, DEFAULT_BATCH_OFFLOAD_THRESHOLD_TRANSFER);
  await transferring.close();
  assert.equal((await detectWorkerFactory())?.kind, "web");
  await codec.close();
});

Deno.test("through the embedded cluster: inline and pooled codecs store the same compressed body", async () => {
  const cluster = await startCluster({ brokers: 1, topics: [{ name: "PoolTopic" }] });
  const text = Array.from({ length: 12_000 }, (_, i) => `pool line ${i % 977} payload\n`).join("");
  const codecs = [createInlineCodec(), pooled({ size: 1 })];
  const stored: Uint8Array[] = [];
  try {
    for (const codec of codecs) {
      const producer = new Producer({
        nameServer: cluster.namesrvAddr,
        group: "pool_group",
        codec,
      });
      try {
        await producer.start();
        const r = await producer.send({ topic: "PoolTopic", body: text });
        const m = cluster.broker(r.queue.brokerName).messages("PoolTopic").find((x) =>
          x.msgId === r.offsetMsgId
        )!;
        assert.equal(m.sysFlag, 769);
        assert.equal(new TextDecoder().decode(unzlibSync(m.body)), text);
        stored.push(m.body);
        const batch = await producer.sendBatch([
          { topic: "PoolTopic", body: text.slice(0, 50_000) },
          { topic: "PoolTopic", body: "second" },
        ]);
        assert.equal(batch.status, "SEND_OK");
      } finally {
        await producer.shutdown();
      }
    }
    assert.deepEqual(stored[1], stored[0]);
    assert.ok(
      (codecs[1] as PooledMessageCodec).pool!.spawned >= 1,
      "the pooled send used a worker",
    );
  } finally {
    for (const codec of codecs) await codec.close();
    await cluster.close();
  }
});
