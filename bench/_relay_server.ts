/**
 * The relay of bench/relay.ts: `createRelay` around a started producer, served on 127.0.0.1:0 by
 * the serve helper of the runtime running the bench (Deno.serve, Bun.serve, or
 * `@hono/node-server` on Node), with one bearer token.
 *
 * @module
 */

import process from "node:process";
import type { Producer } from "../mod.ts";
import { createRelay, type Relay } from "../src/relay/app.ts";
import type { RelayServer } from "../src/relay/types.ts";

/** A served relay. */
export interface BenchRelay {
  /** `http://127.0.0.1:<port>`. */
  url: string;
  /** Headers every request needs (the bearer token). */
  headers: Record<string, string>;
  /** The relay's message counters (from its status). */
  totals(): Promise<{ messages: number; failures: number }>;
  /** Stops the server, drains the relay and shuts the producer down. */
  close(): Promise<void>;
}

/** The runtime running this script, with its version. */
export function runtimeName(): string {
  const g = globalThis as Record<string, unknown>;
  if (g.Deno !== undefined) return `deno ${(g.Deno as { version: { deno: string } }).version.deno}`;
  if (g.Bun !== undefined) return `bun ${process.versions.bun}`;
  return `node ${process.versions.node}`;
}

const TOKEN = "relay-bench-token";

/**
 * Create and serve the relay.
 *
 * @param producer a started producer; the relay owns it from here on
 * @returns the served relay
 */
export async function openBenchRelay(producer: Producer): Promise<BenchRelay> {
  const relay = createRelay({
    producer,
    auth: { tokens: [TOKEN] },
    // The bench measures throughput, not admission: room for every connection's batch.
    limits: { maxInFlightMessages: 100_000, maxInFlightBytes: 512 * 1024 * 1024 },
  });
  const served = await serveOnLoopback(relay);
  return {
    url: served.url,
    headers: { authorization: `Bearer ${TOKEN}` },
    totals: () => Promise.resolve(relay.status().totals),
    // Stops accepting, drains the relay and shuts the producer down.
    close: () => served.close(),
  };
}

/** Serve the relay on 127.0.0.1:0 with this runtime's serve helper (src/relay/serve-*.ts). */
async function serveOnLoopback(relay: Relay): Promise<RelayServer> {
  const g = globalThis as Record<string, unknown>;
  const options = { hostname: "127.0.0.1", port: 0 };
  if (g.Deno !== undefined) {
    return (await import("../src/relay/serve-deno.ts")).serveRelay(relay, options);
  }
  if (g.Bun !== undefined) {
    return (await import("../src/relay/serve-bun.ts")).serveRelay(relay, options);
  }
  return (await import("../src/relay/serve-node.ts")).serveRelay(relay, options);
}
