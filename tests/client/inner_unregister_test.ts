import assert from "node:assert/strict";
import { Producer } from "../../src/producer/producer.ts";
import { startCluster } from "../../src/testing/mod.ts";

const UNREGISTER_CLIENT = 35;

Deno.test("the last producer's shutdown also unregisters CLIENT_INNER_PRODUCER from every broker (Java)", async () => {
  const cluster = await startCluster({ brokers: 2, topics: [{ name: "InnerTopic" }] });
  const p = new Producer({ nameServer: cluster.namesrvAddr, group: "inner_group" });
  try {
    await p.start();
    await p.send({ topic: "InnerTopic", body: "x" });
  } finally {
    await p.shutdown();
  }
  try {
    for (const b of cluster.brokers) {
      assert.equal(b.requestCount(UNREGISTER_CLIENT), 2, b.name);
      assert.ok(!b.producerGroups().includes("inner_group"), b.name);
      assert.ok(!b.producerGroups().includes("CLIENT_INNER_PRODUCER"), b.name);
    }
  } finally {
    await cluster.close();
  }
});
