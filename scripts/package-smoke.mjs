/**
 * The packaging smoke test (scripts/package-smoke.sh copies it into fresh projects that installed
 * the packed tarball, and rewrites the two specifiers for `npm:` and `jsr:` under Deno): start the
 * embedded cluster from `@rocketmq-edge/client/testing`, send one message with the producer (its
 * body compressed in the worker pool, so the bundled worker source is loaded from the installed
 * package), check the broker stored it, print the SendResult as one JSON line.
 *
 * Plain JavaScript so it runs unchanged under Node 20, Node 22, Bun and Deno.
 *
 * @module
 */

import process from "node:process";
import { createPooledCodec, Producer } from "@rocketmq-edge/client";
import { startCluster } from "@rocketmq-edge/client/testing";

const g = /** @type {{ Deno?: { version: { deno: string } }, Bun?: { version: string } }} */ (
  globalThis
);
const runtime = g.Deno
  ? `deno ${g.Deno.version.deno}`
  : g.Bun
  ? `bun ${g.Bun.version}`
  : `node ${process.version}`;

const cluster = await startCluster({ brokers: 1, topics: [{ name: "Smoke" }] });
// offloadThreshold 0: every compressed body goes through a worker.
const codec = createPooledCodec({ size: 1, offloadThreshold: 0 });
const producer = new Producer({ nameServer: cluster.namesrvAddr, group: "smoke", codec });
try {
  await producer.start();
  const body = "compressible text ".repeat(512);
  const result = await producer.send({ topic: "Smoke", body, tags: "smoke" });
  const pool = codec.pool;
  if (pool === undefined || pool.spawned < 1) throw new Error("the worker pool did not start");
  const stored = cluster.brokers[0].messages("Smoke");
  if (stored.length !== 1 || (stored[0].sysFlag & 1) === 0) {
    throw new Error(`expected one compressed stored message, got ${stored.length}`);
  }
  console.log(JSON.stringify({ runtime, worker: pool.backend, result }));
} finally {
  await producer.shutdown();
  await codec.close();
  await cluster.close();
}
