import assert from "node:assert/strict";
import { json, stored, until, withRelay } from "./_helpers.ts";

const PATH = "/v1/topics/RelayTopic/messages";

Deno.test("relay shutdown: refuses new work, drains in-flight sends, then stops the producer", async () => {
  await withRelay(async ({ call, cluster, relay, server, producer }) => {
    for (const b of cluster.brokers) b.setLatency(300);
    const sync = Array.from({ length: 5 }, (_, i) => call(PATH, json({ body: `sync${i}` })));
    const accepted = await call(PATH + "?async=true", json([{ body: "bg0" }, { body: "bg1" }]));
    assert.equal(accepted.status, 202);
    await accepted.body?.cancel();
    await until(() => relay.status().totals.inFlight === 7, "7 sends in flight");

    const closing = server.close();
    assert.equal(relay.closing, true);
    // a publish through the relay now is refused (the socket may already be closed too)
    await assert.rejects(
      relay.publish("RelayTopic", { topic: "RelayTopic", body: "late" }, {}),
      { status: 503, errorCode: "UNAVAILABLE" },
    );
    const answers = await Promise.all(sync);
    assert.deepEqual(answers.map((r) => r.status), [200, 200, 200, 200, 200]);
    const ids = await Promise.all(answers.map(async (r) => (await r.json()).messageId));
    await closing;
    assert.equal(producer.state, "SHUTDOWN_ALREADY");
    assert.equal(relay.status().totals.inFlight, 0);
    const all = stored(cluster, "RelayTopic");
    const bodies = all.map((m) => new TextDecoder().decode(m.body)).sort();
    assert.deepEqual(bodies, ["bg0", "bg1", "sync0", "sync1", "sync2", "sync3", "sync4"]);
    for (const id of ids) assert.ok(all.some((m) => m.properties.get("UNIQ_KEY") === id));
    await assert.rejects(fetch(server.url + "/healthz"));
  });
});

Deno.test("relay shutdown: NDJSON lines after shutdown began are refused in place", async () => {
  await withRelay(async ({ call, relay }) => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const enc = new TextEncoder();
    const body = new ReadableStream<Uint8Array>({
      async start(c) {
        c.enqueue(enc.encode(JSON.stringify({ body: "before" }) + "\n"));
        await gate;
        c.enqueue(enc.encode(JSON.stringify({ body: "after" }) + "\n"));
        c.close();
      },
    });
    const res = await call(PATH, {
      method: "POST",
      headers: { "content-type": "application/x-ndjson" },
      body,
      duplex: "half",
    } as RequestInit);
    const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
    let text = "";
    while (!text.includes("\n")) text += (await reader.read()).value ?? "";
    const closing = relay.shutdown();
    release();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      text += value;
    }
    const lines = text.trim().split("\n").map((l) => JSON.parse(l));
    assert.deepEqual(lines.map((l) => [l.ok, l.error_code]), [[true, undefined], [
      false,
      "UNAVAILABLE",
    ]]);
    await closing;
  });
});

Deno.test("relay shutdown: an upload held open does not hold the shutdown up (503)", async () => {
  await withRelay(async ({ server, relay }) => {
    const conn = await Deno.connect({ hostname: "127.0.0.1", port: server.port });
    try {
      const half = '{"body":"never finished';
      await conn.write(new TextEncoder().encode(
        `POST ${PATH} HTTP/1.1\r\nhost: relay\r\ncontent-type: application/json\r\n` +
          `transfer-encoding: chunked\r\n\r\n${half.length.toString(16)}\r\n${half}\r\n`,
      ));
      await new Promise((r) => setTimeout(r, 50));
      const closing = server.close();
      const buf = new Uint8Array(4096);
      const n = await conn.read(buf);
      const answer = new TextDecoder().decode(buf.subarray(0, n ?? 0));
      assert.match(answer, /^HTTP\/1\.1 503/);
      assert.match(answer, /"error_code":"UNAVAILABLE"/);
      conn.close(); // the server would otherwise wait for the rest of the body to reuse the socket
      await closing;
      assert.equal(relay.closing, true);
    } finally {
      try {
        conn.close();
      } catch {
        // closed above
      }
    }
  });
});
