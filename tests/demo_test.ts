import assert from "node:assert/strict";
import { runDemo } from "../scripts/demo.ts";
import { assertSendModes } from "./_demo_output.ts";

Deno.test("demo: every send mode, throughput summary and failover against the embedded cluster", async () => {
  const lines: string[] = [];
  const report = await runDemo({ out: (line) => lines.push(line), messages: 300, inFlight: 8 });
  const text = lines.join("\n");

  assertSendModes(text);
  // The embedded broker stored the 8 KiB body zlib-compressed (sysFlag COMPRESSED | ZLIB).
  assert.match(text, /^compressed .* \(8320 B body, stored \d+ B, sysFlag 0x301\)$/m);
  assert.match(
    text,
    /^300 sent in [\d.]+ s: \d+ msgs\/s, p50 [\d.]+ ms, p99 [\d.]+ ms, failed 0$/m,
  );

  // Failover: the stopped broker (the first one) takes no sends afterwards, the other takes them
  // all, and nothing failed after the producer's retries.
  assert.ok(report.failover, "failover ran");
  const { before, after, failed } = report.failover;
  assert.equal(failed, 0);
  assert.match(text, /^ {2}failed after retries: 0$/m);
  const afterTotal = Object.values(after).reduce((a, b) => a + b, 0);
  const beforeTotal = Object.values(before).reduce((a, b) => a + b, 0);
  assert.equal(beforeTotal + afterTotal, 300);
  assert.ok(afterTotal > 0, "sends after the stop succeeded");
  assert.match(text, /^ {2}stopping broker-a /m);
  assert.ok(
    (before["broker-a"] ?? 0) > 0 && (before["broker-b"] ?? 0) > 0,
    "both brokers used before",
  );
  assert.equal(after["broker-a"] ?? 0, 0, "nothing lands on the stopped broker");
  assert.equal(after["broker-b"], afterTotal);
  assert.match(text, /^ {2}after stop: {2}\S+ \d+/m);
  assert.equal(lines.at(-1), "done");
});
