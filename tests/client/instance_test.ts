import assert from "node:assert/strict";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { Producer } from "../../src/producer/producer.ts";
import { clientInstanceCount } from "../../src/client/manager.ts";
import { startCluster } from "../../src/testing/mod.ts";
import { AbortedError, RouteNotFoundError, ValidationError } from "../../src/errors.ts";

const TOPIC = "ClientTopic";
const UNREGISTER_CLIENT = 35;

function waitFor<T = unknown>(
  target: EventTarget,
  type: string,
  pred: (detail: T) => boolean = () => true,
): Promise<T> {
  return new Promise((resolve) => {
    const h = (e: Event): void => {
      const d = (e as CustomEvent<T>).detail;
      if (pred(d)) {
        target.removeEventListener(type, h);
        resolve(d);
      }
    };
    target.addEventListener(type, h);
  });
}

Deno.test("route change is picked up by the refresh timer", async () => {
  const cluster = await startCluster({
    brokers: 2,
    topics: [{ name: TOPIC, brokers: ["broker-a"] }],
  });
  await using p = new Producer({
    nameServer: cluster.namesrvAddr,
    group: "route_group",
    pollNameServerIntervalMs: 50,
  });
  try {
    await p.start();
    for (let i = 0; i < 4; i++) {
      assert.equal((await p.send({ topic: TOPIC, body: "a" })).queue.brokerName, "broker-a");
    }
    const changed = waitFor<{ topic: string }>(
      p.events,
      "client.route.changed",
      (d) => d.topic === TOPIC,
    );
    cluster.broker("broker-b").createTopic(TOPIC);
    await changed;
    const brokers = new Set<string>();
    for (let i = 0; i < 8; i++) {
      brokers.add((await p.send({ topic: TOPIC, body: "b" })).queue.brokerName);
    }
    assert.deepEqual([...brokers].sort(), ["broker-a", "broker-b"]);
    const queues = await p.fetchPublishMessageQueues(TOPIC);
    assert.equal(queues.length, 8);
  } finally {
    await p.shutdown();
    await cluster.close();
  }
});

Deno.test("auto-create through TBW102, then the real route replaces it", async () => {
  const cluster = await startCluster({ brokers: 2 });
  await using p = new Producer({
    nameServer: cluster.namesrvAddr,
    group: "auto_group",
    pollNameServerIntervalMs: 50,
    defaultTopicQueueNums: 2,
  });
  try {
    await p.start();
    const r = await p.send({ topic: "BrandNewTopic", body: "first" });
    assert.equal(r.status, "SEND_OK");
    assert.ok(r.queue.queueId < 2);
    const cfg = cluster.broker(r.queue.brokerName).topicConfig("BrandNewTopic");
    assert.ok(cfg !== undefined);
    await waitFor<{ topic: string }>(
      p.events,
      "client.route.changed",
      (d) => d.topic === "BrandNewTopic",
    );
    assert.equal((await p.send({ topic: "BrandNewTopic", body: "second" })).status, "SEND_OK");
  } finally {
    await p.shutdown();
    await cluster.close();
  }
  const noAuto = await startCluster({ brokers: 1, autoCreateTopicEnable: false });
  const q = new Producer({ nameServer: noAuto.namesrvAddr, group: "auto_group" });
  try {
    await q.start();
    await assert.rejects(q.send({ topic: "Missing", body: "x" }), (e: unknown) => {
      assert.ok(e instanceof RouteNotFoundError);
      assert.equal(e.topic, "Missing");
      assert.match(e.message, /No route info of this topic/);
      return true;
    });
  } finally {
    await q.shutdown();
    await noAuto.close();
  }
});

Deno.test("name server down while routes are cached: sends keep working", async () => {
  const cluster = await startCluster({ brokers: 2, topics: [{ name: TOPIC }] });
  const p = new Producer({
    nameServer: cluster.namesrvAddr,
    group: "nsdown_group",
    pollNameServerIntervalMs: 20,
  });
  try {
    await p.start();
    await p.send({ topic: TOPIC, body: "warm" });
    await cluster.nameServer.stop();
    await new Promise((r) => setTimeout(r, 80)); // a few failing refreshes
    for (let i = 0; i < 5; i++) {
      assert.equal((await p.send({ topic: TOPIC, body: "x" })).status, "SEND_OK");
    }
    await assert.rejects(p.send({ topic: "Uncached", body: "x" }), RouteNotFoundError);
  } finally {
    await p.shutdown();
    await cluster.close();
  }
});

Deno.test("name-server failover: the dead address is skipped", async () => {
  const cluster = await startCluster({ brokers: 1, topics: [{ name: TOPIC }] });
  const failovers: unknown[] = [];
  // Several producers: with a random start index some begin on the dead address.
  const producers = [0, 1, 2, 3, 4, 5].map((i) =>
    new Producer({ nameServer: ["127.0.0.1:1", cluster.namesrvAddr], group: `fo_group_${i}` })
  );
  try {
    for (const p of producers) {
      p.events.addEventListener(
        "client.namesrv.failover",
        (e) => failovers.push((e as CustomEvent).detail),
      );
      await p.start();
      assert.equal((await p.send({ topic: TOPIC, body: "x" })).status, "SEND_OK");
    }
    for (const d of failovers) assert.equal((d as { from: string }).from, "127.0.0.1:1");
  } finally {
    for (const p of producers) await p.shutdown();
    await cluster.close();
  }
});

Deno.test("heartbeats register client and groups; shutdown unregisters", async () => {
  const cluster = await startCluster({ brokers: 2, topics: [{ name: TOPIC }] });
  const p = new Producer({
    nameServer: cluster.namesrvAddr,
    group: "hb_group",
    heartbeatIntervalMs: 30,
  });
  try {
    await p.start();
    await p.send({ topic: TOPIC, body: "x" });
    await waitFor<{ ok: boolean; brokerName: string }>(p.events, "client.heartbeat", (d) => d.ok);
    const b = cluster.brokers.find((b) => b.clients().length > 0)!;
    const [client] = b.clients();
    assert.equal(client.clientId, p.clientId);
    assert.equal(client.language, 7);
    assert.equal(client.version, 401);
    assert.deepEqual([...client.producerGroups].sort(), ["CLIENT_INNER_PRODUCER", "hb_group"]);
    assert.ok(b.producerGroups().includes("hb_group"));
  } finally {
    await p.shutdown();
  }
  try {
    assert.ok(cluster.brokers.every((b) => b.requestCount(UNREGISTER_CLIENT) >= 1));
    assert.ok(cluster.brokers.every((b) => !b.producerGroups().includes("hb_group")));
  } finally {
    await cluster.close();
  }
});

Deno.test("shutdown with sends in flight: every promise settles", async () => {
  const cluster = await startCluster({ brokers: 2, topics: [{ name: TOPIC }] });
  const p = new Producer({
    nameServer: cluster.namesrvAddr,
    group: "inflight_group",
    shutdownTimeoutMs: 50,
  });
  try {
    await p.start();
    await p.send({ topic: TOPIC, body: "warm" });
    cluster.brokers.forEach((b) => b.blackhole(true));
    const sends = Promise.allSettled(
      Array.from({ length: 5 }, () => p.send({ topic: TOPIC, body: "x" }, { timeoutMs: 10_000 })),
    );
    const asyncDone = new Promise<Error>((resolve, reject) =>
      p.sendAsync({ topic: TOPIC, body: "y" }, {
        onSuccess: () => reject(new Error("success?")),
        onException: resolve,
      }, {
        timeoutMs: 10_000,
      })
    );
    await new Promise((r) => setTimeout(r, 20));
    await p.shutdown();
    const results = await sends;
    for (const r of results) {
      assert.equal(r.status, "rejected");
      assert.ok((r as PromiseRejectedResult).reason instanceof AbortedError);
    }
    assert.ok((await asyncDone) instanceof AbortedError);
    assert.equal(p.state, "SHUTDOWN_ALREADY");
  } finally {
    await p.shutdown();
    cluster.brokers.forEach((b) => b.blackhole(false));
    await cluster.close();
  }
});

Deno.test("client instances: shared per clientId, group registered once", async () => {
  const cluster = await startCluster({ brokers: 1, topics: [{ name: TOPIC }] });
  const before = clientInstanceCount();
  const common = { nameServer: cluster.namesrvAddr, clientIP: "127.0.0.1", instanceName: "shared" };
  const a = new Producer({ ...common, group: "g_one" });
  const b = new Producer({ ...common, group: "g_two" });
  const dup = new Producer({ ...common, group: "g_one" });
  const solo = new Producer({ nameServer: cluster.namesrvAddr, group: "g_one" });
  try {
    await a.start();
    await b.start();
    assert.equal(a.clientId, "127.0.0.1@shared");
    assert.equal(b.clientId, a.clientId);
    assert.equal(clientInstanceCount(), before + 1);
    await assert.rejects(dup.start(), (e: unknown) => {
      assert.ok(e instanceof ValidationError);
      assert.match(
        e.message,
        /The producer group\[g_one\] has been created before, specify another name please\./,
      );
      return true;
    });
    assert.equal(dup.state, "CREATE_JUST");
    await solo.start(); // default instance name pid#time: its own instance
    assert.notEqual(solo.clientId, a.clientId);
    assert.equal(clientInstanceCount(), before + 2);
    await a.send({ topic: TOPIC, body: "a" });
    await a.shutdown();
    assert.equal(clientInstanceCount(), before + 2); // b still uses it
    assert.equal((await b.send({ topic: TOPIC, body: "b" })).status, "SEND_OK");
  } finally {
    await a.shutdown();
    await b.shutdown();
    await solo.shutdown();
    await cluster.close();
  }
  assert.equal(clientInstanceCount(), before);
});

Deno.test("address server: name-server addresses fetched over HTTP", async () => {
  const cluster = await startCluster({ brokers: 1, topics: [{ name: TOPIC }] });
  let hits = 0;
  const server = createServer((_req, res) => {
    hits++;
    res.end(`${cluster.namesrvAddr}\n`);
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const port = (server.address() as AddressInfo).port;
  const p = new Producer({
    addressServerUrl: `http://127.0.0.1:${port}/rocketmq/nsaddr`,
    addressServerPollIntervalMs: 30,
    group: "addr_group",
  });
  try {
    await p.start();
    assert.equal((await p.send({ topic: TOPIC, body: "x" })).status, "SEND_OK");
    while (hits < 2) await new Promise((r) => setTimeout(r, 10));
  } finally {
    await p.shutdown();
    await new Promise((r) => server.close(r));
    await cluster.close();
  }
});
