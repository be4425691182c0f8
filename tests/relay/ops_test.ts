import assert from "node:assert/strict";
import { json, until, withRelay } from "./_helpers.ts";
import type { RelayStatus } from "../../src/relay/types.ts";

Deno.test("relay: /healthz, /readyz, /metrics and /v1/status", async () => {
  await withRelay(async ({ call, cluster, relay }) => {
    await until(() => relay.ready(), "readiness");
    const health = await call("/healthz");
    assert.equal(health.status, 200);
    assert.deepEqual(await health.json(), { ok: true });
    const ready = await call("/readyz");
    assert.equal(ready.status, 200);
    assert.deepEqual(await ready.json(), { ready: true });

    const ok = await call("/v1/topics/RelayTopic/messages", json([{ body: "a" }, { body: "b" }]));
    await ok.body?.cancel();
    const bad = await call("/v1/topics/RelayTopic/messages", json({ body: "" }));
    await bad.body?.cancel();

    const metrics = await call("/metrics");
    assert.match(metrics.headers.get("content-type")!, /^text\/plain; version=0\.0\.4/);
    const text = await metrics.text();
    assert.match(
      text,
      /relay_http_requests_total\{route="\/v1\/topics\/:topic\/messages",status="207"\} 1/,
    );
    assert.match(
      text,
      /relay_http_requests_total\{route="\/v1\/topics\/:topic\/messages",status="400"\} 1/,
    );
    assert.match(text, /relay_messages_total\{route="native",status="200"\} 2/);
    assert.match(text, /relay_messages_total\{route="native",status="400"\} 1/);
    assert.match(text, /relay_send_duration_seconds_count 1\n/);
    assert.match(text, /relay_send_duration_seconds_bucket\{le="\+Inf"\} 1\n/);
    assert.match(text, /relay_in_flight_messages 0\n/);
    assert.match(text, /relay_message_bytes_total 2\n/);

    const res = await call("/v1/status");
    assert.equal(res.status, 200);
    const s: RelayStatus = await res.json();
    assert.equal(s.ready, true);
    assert.ok(s.startedAt <= s.now);
    assert.deepEqual(s.nameServers.map((n) => n.address), [cluster.namesrvAddr]);
    assert.ok(s.nameServers[0].lastOkAt! <= s.now);
    assert.deepEqual(s.brokers.map((b) => [b.name, b.available]), [
      ["broker-a", true],
      ["broker-b", true],
    ]);
    assert.equal(s.brokers[0].address, cluster.broker("broker-a").address);
    assert.deepEqual(s.totals, { requests: 5, messages: 2, failures: 1, inFlight: 0, bytes: 2 });
    assert.equal(s.series.length, 300);
    assert.ok(s.series.every((p, i) => i === 0 || p.t === s.series[i - 1].t + 1000));
    const last = s.series.slice(-2);
    assert.equal(last.reduce((n, p) => n + p.messages, 0), 2);
    assert.ok(last.some((p) => p.p99Ms !== null && p.p99Ms >= 0));
    assert.equal(s.recentErrors.length, 1);
    assert.equal(s.recentErrors[0].code, "VALIDATION");
    assert.equal(s.recentErrors[0].topic, "RelayTopic");
  });
});

Deno.test("relay: brokers avoided by the fault strategy show as unavailable", async () => {
  await withRelay(async ({ call, relay, cluster }) => {
    cluster.broker("broker-a").failNextSends(1, 1, "injected");
    cluster.broker("broker-b").failNextSends(1, 1, "injected");
    for (let i = 0; i < 3; i++) {
      const r = await call("/v1/topics/RelayTopic/messages", json({ body: `m${i}` }));
      await r.body?.cancel();
    }
    const s = relay.status();
    assert.ok(s.brokers.some((b) => !b.available && b.faultUntil! > s.now), JSON.stringify(s));
  }, { producer: { sendLatencyFaultEnable: true } });
});

Deno.test("relay: /readyz is 503 once shutting down", async () => {
  await withRelay(async ({ call, relay }) => {
    // the producer's first route poll (10 ms after start) is the first name-server answer
    await until(() => relay.ready(), "readiness");
    const closing = relay.shutdown();
    const res = await call("/readyz");
    assert.equal(res.status, 503);
    assert.deepEqual(await res.json(), { ready: false });
    await closing;
  });
});
