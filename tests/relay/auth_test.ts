import assert from "node:assert/strict";
import { json, stored, withRelay } from "./_helpers.ts";
import { createRelay } from "../../src/relay/app.ts";
import { Producer } from "../../src/producer/producer.ts";

const PATH = "/v1/topics/RelayTopic/messages";
const bearer = (t: string) => ({ authorization: `Bearer ${t}` });

async function status(res: Promise<Response>): Promise<[number, string]> {
  const r = await res;
  const body = await r.json();
  return [r.status, body.error_code ?? body.status];
}

Deno.test("relay auth: 401 without or with an unknown token, 403 outside the allow-list", async () => {
  await withRelay(async ({ call, cluster }) => {
    assert.deepEqual(await status(call(PATH, json({ body: "x" }))), [401, "UNAUTHORIZED"]);
    assert.deepEqual(
      await status(call(PATH, json({ body: "x" }, { authorization: "Basic abc" }))),
      [401, "UNAUTHORIZED"],
    );
    assert.deepEqual(await status(call(PATH, json({ body: "x" }, bearer("nope")))), [
      401,
      "UNAUTHORIZED",
    ]);
    assert.deepEqual(await status(call(PATH, json({ body: "x" }, bearer("open")))), [
      200,
      "SEND_OK",
    ]);
    assert.deepEqual(await status(call(PATH, json({ body: "x" }, bearer("orders-only")))), [
      403,
      "FORBIDDEN",
    ]);
    assert.deepEqual(
      await status(call("/v1/topics/Orders/messages", json({ body: "x" }, bearer("orders-only")))),
      [200, "SEND_OK"],
    );
    assert.deepEqual(await status(call(PATH, json({ body: "x" }, bearer("dyn-ok")))), [
      200,
      "SEND_OK",
    ]);
    assert.deepEqual(await status(call(PATH, json({ body: "x" }, bearer("dyn-no")))), [
      401,
      "UNAUTHORIZED",
    ]);
    assert.equal(stored(cluster, "RelayTopic").length, 2);
    // operations routes need no token
    const health = await call("/healthz");
    assert.equal(health.status, 200);
    await health.body?.cancel();
  }, {
    topics: ["RelayTopic", "Orders"],
    relay: {
      auth: {
        tokens: ["open", { token: "orders-only", topics: ["Orders"] }],
        verify: (t) => Promise.resolve(t.startsWith("dyn-ok") ? { topics: ["RelayTopic"] } : null),
      },
    },
  });
});

Deno.test("relay auth: a token's rate limit answers 429 with Retry-After once the bucket is empty", async () => {
  let now = 1_000_000;
  await withRelay(async ({ call }) => {
    for (let i = 0; i < 2; i++) {
      assert.deepEqual(await status(call(PATH, json({ body: "x" }, bearer("slow")))), [
        200,
        "SEND_OK",
      ]);
    }
    const res = await call(PATH, json({ body: "x" }, bearer("slow")));
    assert.equal(res.status, 429);
    assert.equal(res.headers.get("retry-after"), "1");
    assert.equal((await res.json()).error_code, "RATE_LIMITED");
    now += 1000; // one token back
    assert.deepEqual(await status(call(PATH, json({ body: "x" }, bearer("slow")))), [
      200,
      "SEND_OK",
    ]);
  }, {
    relay: {
      auth: { tokens: [{ token: "slow", ratePerSecond: 1, burst: 2 }] },
      now: () => now,
      readyWindowMs: 1e12,
    },
  });
});

Deno.test("relay auth: the auth option is required; false turns it off explicitly", () => {
  const producer = new Producer({ nameServer: "127.0.0.1:1", group: "g" });
  assert.throws(
    () => createRelay({ producer } as unknown as Parameters<typeof createRelay>[0]),
    { field: "options.auth" },
  );
  assert.ok(createRelay({ producer, auth: false }));
});
