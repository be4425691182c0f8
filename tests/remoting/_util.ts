/**
 * Helpers shared by the codec tests: a seeded PRNG and stream chunkers.
 *
 * @module
 */

import assert from "node:assert/strict";
import type { RemotingCommand } from "../../src/remoting/command.ts";

/** Deterministic 32-bit PRNG (mulberry32): returns floats in [0, 1). */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Concatenate byte arrays. */
export function concat(parts: readonly Uint8Array[]): Uint8Array {
  let n = 0;
  for (const p of parts) n += p.length;
  const out = new Uint8Array(n);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** Split `bytes` into chunks of random sizes in [1, maxChunk] (copies, like socket reads). */
export function randomChunks(
  bytes: Uint8Array,
  rand: () => number,
  maxChunk: number,
): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (let at = 0; at < bytes.length;) {
    const n = Math.min(bytes.length - at, 1 + Math.floor(rand() * maxChunk));
    out.push(bytes.slice(at, at + n));
    at += n;
  }
  return out;
}

/** True when two byte arrays hold the same bytes. */
export function sameBytes(a: Uint8Array | undefined, b: Uint8Array | undefined): boolean {
  if (a === undefined || b === undefined) return a === b;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/**
 * Assert two command lists are equal; bodies are compared byte by byte first, because an assert
 * diff of a 4 MiB array exhausts memory.
 */
export function assertCommands(
  actual: readonly RemotingCommand[],
  expected: readonly RemotingCommand[],
  message?: string,
): void {
  assert.equal(actual.length, expected.length, `${message ?? ""}: command count`);
  for (let i = 0; i < actual.length; i++) {
    const { body: a, ...restA } = actual[i];
    const { body: b, ...restB } = expected[i];
    assert.ok(sameBytes(a, b), `${message ?? ""}: body of command ${i} differs`);
    assert.deepStrictEqual(restA, restB, `${message ?? ""}: command ${i}`);
    assert.equal(
      "body" in actual[i],
      "body" in expected[i],
      `${message ?? ""}: body presence ${i}`,
    );
  }
}
