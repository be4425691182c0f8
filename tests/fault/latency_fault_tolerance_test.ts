import assert from "node:assert/strict";
import { LatencyFaultTolerance } from "../../src/fault/latency-fault-tolerance.ts";

/** A manual clock. */
function manualClock(start = 1_000_000): { now: () => number; advance: (ms: number) => void } {
  let t = start;
  return { now: () => t, advance: (ms) => void (t += ms) };
}

Deno.test("fault item: unavailable until now + notAvailableDuration, then available", () => {
  const clock = manualClock();
  const lft = new LatencyFaultTolerance(clock.now, () => 0);
  assert.equal(lft.isAvailable("a"), true, "unknown brokers are available");
  lft.updateFaultItem("a", 600, 30000);
  assert.deepEqual(lft.get("a"), { name: "a", currentLatency: 600, startTimestamp: 1_030_000 });
  assert.equal(lft.isAvailable("a"), false);
  clock.advance(29999);
  assert.equal(lft.isAvailable("a"), false);
  clock.advance(1);
  assert.equal(lft.isAvailable("a"), true, "now - startTimestamp >= 0");
  // Updating overwrites latency and start time.
  lft.updateFaultItem("a", 20, 0);
  assert.deepEqual(lft.get("a"), { name: "a", currentLatency: 20, startTimestamp: 1_030_000 });
  assert.equal(lft.isAvailable("a"), true);
  lft.remove("a");
  assert.equal(lft.get("a"), undefined);
  assert.equal(lft.size, 0);
});

Deno.test("pickOneAtLeast: empty table → undefined; one or two items → the best", () => {
  const clock = manualClock();
  const lft = new LatencyFaultTolerance(clock.now, () => 0);
  assert.equal(lft.pickOneAtLeast(), undefined);
  lft.updateFaultItem("a", 100, 60000);
  assert.equal(lft.pickOneAtLeast(), "a");
  lft.updateFaultItem("b", 50, 60000);
  // half = 1: always index 0, the lower latency.
  for (let i = 0; i < 3; i++) assert.equal(lft.pickOneAtLeast(), "b");
});

Deno.test("pickOneAtLeast: sorted available first, then latency, then start; round-robin over the better half", () => {
  const clock = manualClock();
  // random 0: the counter starts at 0, the shuffle keeps insertion order reversed deterministically.
  const lft = new LatencyFaultTolerance(clock.now, () => 0);
  lft.updateFaultItem("slow-available", 5000, 0); // available (duration 0)
  lft.updateFaultItem("fast-late", 10, 600000);
  lft.updateFaultItem("fast-early", 10, 30000);
  lft.updateFaultItem("medium", 100, 60000);
  lft.updateFaultItem("worst", 9000, 600000);
  lft.updateFaultItem("worse", 8000, 600000);
  // Sorted: slow-available, fast-early, fast-late, medium, worse, worst; half = 3.
  const picks = Array.from({ length: 6 }, () => lft.pickOneAtLeast());
  // Counter starts at 0, incrementAndGet → 1, 2, 3, 4, … ; modulo 3.
  assert.deepEqual(picks, [
    "fast-early",
    "fast-late",
    "slow-available",
    "fast-early",
    "fast-late",
    "slow-available",
  ]);
  assert.ok(!picks.includes("worst") && !picks.includes("worse") && !picks.includes("medium"));
  // Time passes: everything becomes available; then latency decides.
  clock.advance(600000);
  const later = new Set(Array.from({ length: 6 }, () => lft.pickOneAtLeast()));
  assert.deepEqual([...later].sort(), ["fast-early", "fast-late", "medium"]);
});

Deno.test("pickOneAtLeast: ties are shuffled with the injected random source", () => {
  const clock = manualClock();
  const seq = (values: number[]): () => number => {
    let i = 0;
    return () => values[i++ % values.length];
  };
  const pick = (values: number[]): string | undefined => {
    const lft = new LatencyFaultTolerance(clock.now, seq(values));
    lft.updateFaultItem("x", 100, 1000);
    lft.updateFaultItem("y", 100, 1000);
    return lft.pickOneAtLeast();
  };
  // Two equal items, half = 1: the winner is whichever the shuffle put first.
  const results = new Set([pick([0, 0]), pick([0, 0.99]), pick([0.99, 0.99]), pick([0.99, 0])]);
  assert.deepEqual([...results].sort(), ["x", "y"]);
});
