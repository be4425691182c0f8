// delayTimeLevel 1..18 is sent as the DELAY property; 19 and above (which a default broker would
// silently clamp to its 2-hour level) is refused with a ValidationError before anything is sent.
import assert from "node:assert/strict";
import { Producer, ValidationError } from "../../mod.ts";
import { startCluster } from "../../src/testing/mod.ts";

Deno.test("delayTimeLevel 18 is stored with DELAY=18; 19 is a ValidationError", async () => {
  await using cluster = await startCluster({ brokers: 1, topics: [{ name: "Delayed" }] });
  const producer = new Producer({ nameServer: cluster.namesrvAddr, group: "delay_g" });
  await producer.start();
  try {
    await producer.send({ topic: "Delayed", body: "later", delayTimeLevel: 18 });
    const stored = cluster.broker("broker-a").messages("Delayed");
    assert.equal(stored.length, 1);
    assert.equal(stored[0].properties.get("DELAY"), "18");
    for (const level of [19, 100, 2 ** 31 - 1]) {
      await assert.rejects(
        producer.send({ topic: "Delayed", body: "typo", delayTimeLevel: level }),
        (e) =>
          e instanceof ValidationError && e.field === "delayTimeLevel" &&
          /0\.\.18/.test(e.rule),
      );
    }
    assert.equal(cluster.broker("broker-a").messages("Delayed").length, 1);
  } finally {
    await producer.shutdown();
  }
});
