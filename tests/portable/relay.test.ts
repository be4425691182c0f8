// The HTTP relay under every runtime: the embedded cluster, a producer, and the relay served by
// this runtime's own serve helper (Deno.serve, Bun.serve or @hono/node-server), driven by fetch
// over loopback sockets.
import { test } from "node:test";
import assert from "node:assert/strict";
import { Producer } from "../../mod.ts";
import { createRelay, type Relay, type RelayServer } from "../../src/relay/mod.ts";
import { startCluster, type TestCluster } from "../../src/testing/mod.ts";

const g = globalThis as { Deno?: unknown; Bun?: unknown };
const runtime = g.Deno !== undefined ? "deno" : g.Bun !== undefined ? "bun" : "node";
const PATH = "/v1/topics/PortableRelay/messages";
const AUTH = { authorization: "Bearer portable" };

async function serve(relay: Relay): Promise<RelayServer> {
  if (runtime === "deno") {
    return (await import("../../src/relay/serve-deno.ts")).serveRelay(relay, { port: 0 });
  }
  if (runtime === "bun") {
    return (await import("../../src/relay/serve-bun.ts")).serveRelay(relay, { port: 0 });
  }
  return (await import("../../src/relay/serve-node.ts")).serveRelay(relay, { port: 0 });
}

function stored(cluster: TestCluster): number {
  return cluster.brokers.reduce((n, b) => n + b.messages("PortableRelay").length, 0);
}

test(`relay (${runtime}): JSON, arrays, NDJSON, raw, auth, limits and a draining shutdown`, async () => {
  const cluster = await startCluster({ brokers: 2, topics: [{ name: "PortableRelay" }] });
  const producer = new Producer({
    nameServer: cluster.namesrvAddr,
    group: `portable_relay_${runtime}`,
  });
  let server: RelayServer | undefined;
  try {
    await producer.start();
    const relay = createRelay({
      producer,
      auth: { tokens: ["portable"] },
      limits: { maxRequestBytes: 256 * 1024 },
    });
    server = await serve(relay);
    const url = server.url + PATH;
    const post = (body: BodyInit, type: string, extra: Record<string, string> = {}) =>
      fetch(url, { method: "POST", headers: { ...AUTH, "content-type": type, ...extra }, body });

    const one = await post(
      JSON.stringify({ body: "hello", tags: "T", keys: ["k"] }),
      "application/json",
    );
    assert.equal(one.status, 200);
    const r = await one.json();
    assert.equal(r.status, "SEND_OK");
    assert.ok(one.headers.get("x-request-id"));

    const many = await post(
      JSON.stringify([{ id: "a", body: "1" }, { body: "" }, { body: "3" }]),
      "application/json",
    );
    assert.equal(many.status, 207);
    const m = await many.json();
    assert.deepEqual(m.successes.map((s: { id: unknown }) => s.id), ["a", 2]);
    assert.deepEqual(
      m.failures.map((f: { id: unknown; error_code: string }) => [f.id, f.error_code]),
      [[1, "VALIDATION"]],
    );

    const lines = Array.from(
      { length: 20 },
      (_, i) => JSON.stringify({ id: `n${i}`, body: `n${i}` }),
    );
    const nd = await post(lines.join("\n"), "application/x-ndjson");
    assert.equal(nd.status, 200);
    const answers = (await nd.text()).trim().split("\n").map((l) => JSON.parse(l));
    assert.deepEqual(answers.map((a) => a.id), lines.map((_, i) => `n${i}`));
    assert.ok(answers.every((a) => a.ok === true));

    const raw = await post(new Uint8Array([1, 2, 3]), "application/octet-stream", {
      "x-rocketmq-tags": "Raw",
    });
    assert.equal(raw.status, 200);
    await raw.body?.cancel();

    const anon = await fetch(url, { method: "POST", body: "x" });
    assert.equal(anon.status, 401);
    assert.equal((await anon.json()).error_code, "UNAUTHORIZED");

    // a streamed body over the limit: 413 before the client has sent it all (32 MiB: more than
    // loopback socket buffers can swallow)
    let pulled = 0;
    const big = new ReadableStream<Uint8Array>({
      pull(c) {
        if (pulled >= 512) return c.close();
        pulled++;
        c.enqueue(new Uint8Array(64 * 1024));
      },
    }, { highWaterMark: 0 });
    const tooBig = await fetch(url, {
      method: "POST",
      headers: { ...AUTH, "content-type": "application/octet-stream" },
      body: big,
      duplex: "half",
    } as RequestInit);
    assert.equal(tooBig.status, 413);
    assert.equal((await tooBig.json()).error_code, "PAYLOAD_TOO_LARGE");
    assert.ok(pulled < 512, `the client produced ${pulled} of 512 chunks`);

    const metrics = await (await fetch(server.url + "/metrics")).text();
    assert.match(metrics, /relay_messages_total\{route="native",status="200"\} 24/);

    // shutdown drains: slow sends in flight all finish and are stored
    for (const b of cluster.brokers) b.setLatency(200);
    const before = stored(cluster);
    const slow = Array.from(
      { length: 4 },
      (_, i) => post(JSON.stringify({ body: `s${i}` }), "application/json"),
    );
    const end = Date.now() + 10_000;
    while (relay.status().totals.inFlight < 4 && Date.now() < end) {
      await new Promise((ok) => setTimeout(ok, 5));
    }
    const closing = server.close();
    const statuses = await Promise.all(slow.map(async (p) => {
      const res = await p;
      await res.body?.cancel();
      return res.status;
    }));
    assert.deepEqual(statuses, [200, 200, 200, 200]);
    await closing;
    assert.equal(producer.state, "SHUTDOWN_ALREADY");
    assert.equal(stored(cluster) - before, 4);
  } finally {
    if (server !== undefined) await server.close();
    else await producer.shutdown();
    await cluster.close();
  }
});
