import assert from "node:assert/strict";
import { json, stored, withRelay } from "./_helpers.ts";
import { IdempotencyStore } from "../../src/relay/idempotency.ts";

const PATH = "/v1/topics/RelayTopic/messages";

Deno.test("relay: a repeated Idempotency-Key replays the first answer without sending again", async () => {
  await withRelay(async ({ call, cluster }) => {
    const send = () => call(PATH, json({ body: "once" }, { "idempotency-key": "order-1" }));
    const [a, b] = await Promise.all([send(), send()]); // concurrent: the second waits for the first
    const c = await send();
    const bodies = [await a.json(), await b.json(), await c.json()];
    assert.deepEqual([a.status, b.status, c.status], [200, 200, 200]);
    assert.equal(bodies[1].messageId, bodies[0].messageId);
    assert.equal(bodies[2].messageId, bodies[0].messageId);
    assert.equal(
      [a, b, c].filter((r) => r.headers.get("idempotent-replayed") === "true").length,
      2,
    );
    const all = stored(cluster, "RelayTopic");
    assert.equal(all.length, 1);
    assert.equal(all[0].properties.get("KEYS"), "order-1");
    // another key sends again; an array with a key is replayed whole
    const d = await call(PATH, json([{ body: "x" }, { body: "y" }], { "idempotency-key": "k2" }));
    const e = await call(PATH, json([{ body: "x" }, { body: "y" }], { "idempotency-key": "k2" }));
    assert.deepEqual(await e.json(), await d.json());
    assert.equal(stored(cluster, "RelayTopic").length, 3);
  });
});

Deno.test("relay: a failed send under an Idempotency-Key is not remembered", async () => {
  await withRelay(async ({ call, cluster }) => {
    for (const b of cluster.brokers) b.blackhole(true);
    const first = await call(PATH, json({ body: "retry me" }, { "idempotency-key": "k" }));
    assert.equal(first.status, 504);
    await first.body?.cancel();
    for (const b of cluster.brokers) b.blackhole(false);
    const again = await call(PATH, json({ body: "retry me" }, { "idempotency-key": "k" }));
    assert.equal(again.status, 200);
    assert.equal(again.headers.get("idempotent-replayed"), null);
    await again.body?.cancel();
    assert.equal(stored(cluster, "RelayTopic").length, 1);
  }, { relay: { sendTimeoutMs: 300 } });
});

Deno.test("idempotency store: LRU bound and TTL", async () => {
  let now = 0;
  const store = new IdempotencyStore(1000, 2, () => now);
  let runs = 0;
  const run = () => Promise.resolve({ status: 200, body: ++runs });
  await store.answer("a", run);
  await store.answer("b", run);
  assert.equal((await store.answer("a", run)).replayed, true); // a is now the most recent
  await store.answer("c", run); // evicts b
  assert.equal(store.size, 2);
  assert.equal((await store.answer("b", run)).replayed, false); // evicts a
  now = 2000;
  const late = await store.answer("c", run); // expired
  assert.equal(late.replayed, false);
  assert.equal(runs, 5);
});
