import assert from "node:assert/strict";
import { runDemo } from "../scripts/demo.ts";
import { assertSendModes } from "./_demo_output.ts";
import { startCluster } from "../src/testing/mod.ts";

Deno.test("demo against an external name server: every send mode, no failover step", async () => {
  // The "external" cluster: the demo only gets its name-server address (as with
  // ROCKETMQ_NAMESRV) and must not start one of its own. DemoTopic exists there, as it would on a
  // real cluster: were it auto-created through TBW102, the first route refresh (10 ms after start,
  // as in Java) could swap the 8-queue TBW102 view for the real route between the ordered sends.
  const cluster = await startCluster({ brokers: 2, topics: [{ name: "DemoTopic" }] });
  try {
    const lines: string[] = [];
    const report = await runDemo({
      nameServer: cluster.namesrvAddr,
      messages: 200,
      inFlight: 8,
      out: (line) => lines.push(line),
    });
    const text = lines.join("\n");

    assert.ok(lines.includes(`external cluster: name server ${cluster.namesrvAddr}`));
    assert.doesNotMatch(text, /^embedded cluster:/m);
    assertSendModes(text);
    // No embedded broker to inspect: the compressed line carries no "stored …" note.
    assert.match(text, /^compressed .* \(8320 B body\)$/m);
    assert.match(
      text,
      /^200 sent in [\d.]+ s: \d+ msgs\/s, p50 [\d.]+ ms, p99 [\d.]+ ms, failed 0$/m,
    );

    // No failover section: only the "skipped" line, and no failover counts.
    assert.equal(report.failover, undefined);
    assert.ok(lines.includes("== Failover skipped (only with the embedded cluster)"));
    assert.doesNotMatch(text, /^== Failover \(/m);
    assert.doesNotMatch(text, /stopping broker|failed after retries/);
    assert.equal(lines.at(-1), "done");

    // Everything went to the external cluster: sync, async, one-way, 3 batch, 3 ordered,
    // compressed, delayed, and the 200 of the throughput run. At least that many: on a loaded
    // machine a send can time out after the broker stored it, and its retry stores it again
    // (at-least-once, as with the Java client).
    const stored = cluster.brokers.reduce((n, b) => n + b.messages("DemoTopic").length, 0);
    assert.ok(stored >= 1 + 1 + 1 + 3 + 3 + 1 + 1 + 200, `stored ${stored}`);
    assert.ok(cluster.brokers.every((b) => b.running), "the demo stopped none of our brokers");
  } finally {
    await cluster.close();
  }
});
