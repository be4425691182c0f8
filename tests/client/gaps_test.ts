import assert from "node:assert/strict";
import { Producer } from "../../src/producer/producer.ts";
import { clientInstanceCount, getOrCreateClientInstance } from "../../src/client/manager.ts";
import type { ClientInstance } from "../../src/client/client-instance.ts";
import { startCluster } from "../../src/testing/mod.ts";

const TOPIC = "RouteRefreshTopic";
const GET_ROUTEINFO_BY_TOPIC = 105;

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** Poll `cond` every 10 ms; fail (instead of hanging) after ~5 s. */
async function until(cond: () => boolean, what: string): Promise<void> {
  for (let i = 0; !cond(); i++) {
    assert.ok(i < 500, `timed out waiting for ${what}`);
    await sleep(10);
  }
}

/** The running client instance of a producer started with this clientIP and instanceName. */
function instanceOf(p: Producer, nameServer: string): ClientInstance {
  const [clientIP, instanceName] = p.clientId.split("@");
  const before = clientInstanceCount();
  const instance = getOrCreateClientInstance({
    clientIP,
    instanceName,
    unitName: undefined,
    nameServer: [nameServer],
    addressServerUrl: undefined,
    addressServerPollIntervalMs: 120_000,
    pollNameServerIntervalMs: 50,
    heartbeatIntervalMs: 30_000,
    serializeType: 0,
    transport: undefined,
  });
  assert.equal(clientInstanceCount(), before, "the producer's instance, not a new one");
  assert.equal(instance.state, "RUNNING");
  return instance;
}

Deno.test("route refresh: no change → no event and publish info kept; one change → one event", async () => {
  const cluster = await startCluster({ brokers: 1, topics: [{ name: TOPIC, queues: 4 }] });
  const p = new Producer({
    nameServer: cluster.namesrvAddr,
    group: "route_refresh_group",
    clientIP: "127.0.0.1",
    instanceName: "route_refresh_instance",
    pollNameServerIntervalMs: 50,
  });
  try {
    await p.start();
    for (let i = 0; i < 4; i++) await p.send({ topic: TOPIC, body: "x" });
    const instance = instanceOf(p, cluster.namesrvAddr);

    // Count publish-info installations for TOPIC on the producer's entry of the instance.
    const inner = instance.producerTable.get("route_refresh_group");
    assert.ok(inner);
    const original = inner.updateTopicPublishInfo;
    let installs = 0;
    inner.updateTopicPublishInfo = (topic, info) => {
      if (topic === TOPIC) installs++;
      original(topic, info);
    };
    const changes: string[] = [];
    p.events.addEventListener("client.route.changed", (e) => {
      const topic = (e as CustomEvent<{ topic: string }>).detail.topic;
      if (topic === TOPIC) changes.push(topic);
    });

    const route = instance.topicRouteTable.get(TOPIC);
    assert.ok(route);
    // ≥ 3 refresh rounds (each asks for at most TOPIC and TBW102) with nothing changed.
    const wait = async (): Promise<void> => {
      const start = cluster.nameServer.requestCount(GET_ROUTEINFO_BY_TOPIC);
      await until(
        () => cluster.nameServer.requestCount(GET_ROUTEINFO_BY_TOPIC) >= start + 6,
        "refresh rounds",
      );
    };
    await wait();
    assert.deepEqual(changes, [], "no route.changed while the route is unchanged");
    assert.equal(installs, 0, "publish info not replaced while the route is unchanged");
    assert.equal(instance.topicRouteTable.get(TOPIC), route, "same route object kept");

    cluster.createTopic(TOPIC, { queues: 8 }); // re-registers: the route now has 8 queues
    await until(() => changes.length > 0, "the route change");
    await wait(); // more unchanged rounds after the change
    assert.deepEqual(changes, [TOPIC], "exactly one route.changed");
    assert.equal(installs, 1, "publish info replaced once");
    assert.notEqual(instance.topicRouteTable.get(TOPIC), route);
    assert.equal((await p.fetchPublishMessageQueues(TOPIC)).length, 8);
    inner.updateTopicPublishInfo = original;
  } finally {
    await p.shutdown();
    await cluster.close();
  }
});
