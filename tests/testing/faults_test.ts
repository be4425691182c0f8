/**
 * Fault injection of the embedded cluster: latency, injected response codes, dropped connections,
 * stop/start on the same port, blackhole, name-server stop/start, malformed frames. No timing
 * assertions: each test proves the effect by what arrives (or not) and in which order.
 */

import assert from "node:assert/strict";
import { startBroker, startCluster, startNameServer } from "../../src/testing/mod.ts";
import { call, RawClient, request, type RouteJson, routeOf, until, v2 } from "./_helpers.ts";

async function refused(address: string): Promise<boolean> {
  try {
    const c = await RawClient.connect(address);
    await c.close();
    return false;
  } catch {
    return true;
  }
}

Deno.test("failNextSends answers the next N sends with the code and does not store them", async () => {
  const c = await startCluster({ topics: [{ name: "T" }] });
  const a = await RawClient.connect(c.broker("broker-a").address);
  try {
    const broker = c.broker("broker-a");
    broker.failNextSends(2, 14, "[TEST] service not available");
    for (let i = 0; i < 2; i++) {
      const r = await call(a, 310, v2("T"), { body: "x" });
      assert.equal(r.code, 14);
      assert.equal(r.remark, "[TEST] service not available");
      assert.deepEqual(r.extFields, { TRACE_ON: "true", MSG_REGION: "DefaultRegion" });
    }
    assert.equal(broker.messages("T").length, 0);
    assert.equal((await call(a, 310, v2("T"), { body: "x" })).code, 0);
    // 10/11/12 mean "stored, but…": the message is kept and the full header comes back.
    broker.failNextSends(1, 10);
    const r = await call(a, 310, v2("T"), { body: "y" });
    assert.equal(r.code, 10);
    assert.match(r.extFields!.msgId, /^[0-9A-F]{32}$/);
    assert.equal(broker.messages("T").length, 2);
    // Other brokers are unaffected.
    const b = await RawClient.connect(c.broker("broker-b").address);
    try {
      c.broker("broker-a").failNextSends(1, 2);
      assert.equal((await call(b, 310, v2("T"), { body: "x" })).code, 0);
    } finally {
      await b.close();
    }
  } finally {
    await a.close();
    await c.close();
  }
});

Deno.test("setLatency defers answers; pending delayed answers die with the connection", async () => {
  const c = await startCluster({ topics: [{ name: "T" }] });
  const broker = c.broker("broker-a");
  try {
    broker.setLatency(2);
    let a = await RawClient.connect(broker.address);
    assert.equal((await call(a, 310, v2("T"), { body: "x" })).code, 0);
    await a.close();
    // A very long latency: the request is processed (stored) but no answer is written before
    // the connection is dropped, and no timer survives (the sanitizer checks).
    broker.setLatency(60_000);
    a = await RawClient.connect(broker.address);
    a.write(request(310, v2("T"), { body: "late" }).bytes);
    await until(() => broker.storedCount === 2);
    broker.dropConnections();
    assert.equal(await a.next(), undefined);
    await a.close();
    broker.setLatency(0);
    a = await RawClient.connect(broker.address);
    assert.equal((await call(a, 310, v2("T"), { body: "x" })).code, 0);
    await a.close();
  } finally {
    await c.close();
  }
});

Deno.test("dropConnections closes every client connection; new connections work", async () => {
  const c = await startCluster({ topics: [{ name: "T" }] });
  const broker = c.broker("broker-a");
  try {
    const a = await RawClient.connect(broker.address);
    const b = await RawClient.connect(broker.address);
    await call(a, 310, v2("T"), { body: "x" });
    await until(() => broker.connectionCount === 2);
    broker.dropConnections();
    await a.closed;
    await b.closed;
    assert.equal(broker.connectionCount, 0);
    const n = await RawClient.connect(broker.address);
    assert.equal((await call(n, 310, v2("T"), { body: "x" })).code, 0);
    await n.close();
  } finally {
    await c.close();
  }
});

Deno.test("broker stop/start: same port, route follows, messages kept", async () => {
  const c = await startCluster({ topics: [{ name: "T" }] });
  const broker = c.broker("broker-a");
  try {
    const port = broker.port;
    const a = await RawClient.connect(broker.address);
    await call(a, 310, v2("T"), { body: "x" });
    await broker.stop();
    await a.closed;
    assert.equal(broker.running, false);
    assert.equal(await refused(broker.address), true);
    let route = await routeOf(c.namesrvAddr, "T") as RouteJson;
    assert.deepEqual(route.brokerDatas.map((b) => b.brokerName), ["broker-b"]);
    await broker.start();
    assert.equal(broker.port, port);
    route = await routeOf(c.namesrvAddr, "T") as RouteJson;
    assert.deepEqual(route.brokerDatas.map((b) => b.brokerName).sort(), ["broker-a", "broker-b"]);
    const n = await RawClient.connect(broker.address);
    const r = await call(n, 310, v2("T"), { body: "y" });
    assert.equal(r.extFields!.queueOffset, "1");
    await n.close();
    // keepRoute: a broker that vanished without the name server noticing.
    await broker.stop({ keepRoute: true });
    route = await routeOf(c.namesrvAddr, "T") as RouteJson;
    assert.equal(route.brokerDatas.length, 2);
  } finally {
    await c.close();
  }
});

Deno.test("blackhole: requests are read but never answered until it is turned off", async () => {
  const c = await startCluster({ topics: [{ name: "T" }] });
  const broker = c.broker("broker-a");
  const a = await RawClient.connect(broker.address);
  try {
    broker.blackhole(true);
    const lost = request(310, v2("T"), { body: "lost" });
    a.write(lost.bytes);
    await until(() => broker.requestCount(310) === 1);
    broker.blackhole(false);
    const r = await call(a, 310, v2("T"), { body: "kept" });
    assert.equal(r.code, 0);
    assert.notEqual(r.extFields, undefined);
    assert.equal(broker.messages("T").length, 1);
    assert.equal(a.buffered, 0);
  } finally {
    await a.close();
    await c.close();
  }
});

Deno.test("name server stop/start on the same port keeps the routes", async () => {
  const c = await startCluster({ topics: [{ name: "T" }] });
  try {
    const addr = c.namesrvAddr;
    await c.nameServer.stop();
    assert.equal(await refused(addr), true);
    await c.nameServer.start();
    assert.equal(c.nameServer.address, addr);
    const route = await routeOf(addr, "T") as RouteJson;
    assert.equal(route.queueDatas.length, 2);
    assert.equal(c.nameServer.requestCount(105), 1);
  } finally {
    await c.close();
  }
});

Deno.test("malformed frames close the connection without an answer", async () => {
  const ns = await startNameServer();
  const broker = await startBroker({ nameServers: [ns] });
  try {
    for (const addr of [ns.address, broker.address]) {
      for (
        const bytes of [
          new Uint8Array([0xff, 0xff, 0xff, 0xff]), // negative length
          new Uint8Array([0x01, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00]), // > 16 MiB
          new Uint8Array([0, 0, 0, 6, 5, 0, 0, 2, 0x7b, 0x7d]), // serialize type 5
          new Uint8Array([0, 0, 0, 6, 0, 0, 0, 2, 0x7b, 0x5d]), // invalid JSON header
        ]
      ) {
        const conn = await RawClient.connect(addr);
        conn.write(bytes);
        assert.equal(await conn.next(), undefined);
        await conn.close();
      }
    }
    assert.equal(broker.running, true);
  } finally {
    await broker.stop();
    await ns.stop();
  }
});

Deno.test("custom setups: fixed ports, several name servers", async () => {
  const ns1 = await startNameServer();
  const ns2 = await startNameServer();
  const broker = await startBroker({
    name: "edge-1",
    clusterName: "EdgeCluster",
    nameServers: [ns1, ns2],
    topics: [{ name: "Custom", queues: 3 }],
  });
  try {
    for (const ns of [ns1, ns2]) {
      const route = await routeOf(ns.address, "Custom") as RouteJson;
      assert.deepEqual(route.brokerDatas, [{
        brokerAddrs: { "0": broker.address },
        brokerName: "edge-1",
        cluster: "EdgeCluster",
      }]);
      assert.equal(route.queueDatas[0].writeQueueNums, 3);
    }
    const again = await startNameServer({ port: ns1.port }).catch((e) => e);
    assert.ok(again instanceof Error, "a taken port is reported");
  } finally {
    await broker.stop();
    await ns1.stop();
    await ns2.stop();
  }
});

Deno.test("name server latency and blackhole; typed errors for unknown names", async () => {
  const c = await startCluster({ topics: [{ name: "T" }] });
  const conn = await RawClient.connect(c.namesrvAddr);
  try {
    c.nameServer.setLatency(1);
    assert.equal((await call(conn, 105, { topic: "T" })).code, 0);
    c.nameServer.setLatency(0);
    c.nameServer.blackhole(true);
    conn.write(request(105, { topic: "T" }).bytes);
    await until(() => c.nameServer.requestCount(105) === 2);
    c.nameServer.blackhole(false);
    const r = await call(conn, 105, { topic: "Missing" });
    assert.equal(r.code, 17);
    assert.equal(conn.buffered, 0);
    assert.throws(() => c.broker("broker-z"), (e: Error) => e.name === "ValidationError");
    assert.throws(
      () => c.broker("broker-a").setTopicPerm("Nope", 4),
      (e: Error) => e.name === "ValidationError",
    );
  } finally {
    await conn.close();
    await c.close();
  }
});
