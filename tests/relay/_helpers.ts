/**
 * Shared set-up of the relay tests: the embedded cluster, a started producer, a relay served with
 * `Deno.serve` on a free loopback port; all closed afterwards whatever the test did.
 */

import { Producer } from "../../src/producer/producer.ts";
import type { ProducerOptions } from "../../src/producer/types.ts";
import { createRelay, type Relay } from "../../src/relay/app.ts";
import type { RelayOptions } from "../../src/relay/options.ts";
import { serveRelay } from "../../src/relay/serve-deno.ts";
import type { RelayServer } from "../../src/relay/types.ts";
import { type ClusterOptions, startCluster, type TestCluster } from "../../src/testing/mod.ts";

/** What a relay test gets. */
export interface RelayFixture {
  cluster: TestCluster;
  producer: Producer;
  relay: Relay;
  server: RelayServer;
  /** `fetch(server.url + path, init)`. */
  call(path: string, init?: RequestInit): Promise<Response>;
}

/** Options of {@link withRelay}. */
export interface WithRelayOptions {
  relay?: Partial<RelayOptions>;
  producer?: Partial<ProducerOptions>;
  topics?: string[];
  cluster?: Partial<ClusterOptions>;
}

let groups = 0;

/**
 * Run `fn` against a served relay (auth off unless `options.relay.auth` says otherwise).
 *
 * @param fn the test body
 * @param options relay / producer options, topics to create (default `RelayTopic`)
 */
export async function withRelay(
  fn: (f: RelayFixture) => Promise<void>,
  options: WithRelayOptions = {},
): Promise<void> {
  const topics = options.topics ?? ["RelayTopic"];
  const cluster = await startCluster({
    brokers: 2,
    topics: topics.map((name) => ({ name })),
    ...options.cluster,
  });
  const producer = new Producer({
    nameServer: cluster.namesrvAddr,
    group: `relay_test_${++groups}`,
    ...options.producer,
  });
  let server: RelayServer | undefined;
  try {
    await producer.start();
    const relay = createRelay({ producer, auth: false, ...options.relay });
    server = await serveRelay(relay, { port: 0 });
    const base = server.url;
    await fn({
      cluster,
      producer,
      relay,
      server,
      call: (path, init) => fetch(base + path, init),
    });
  } finally {
    if (server !== undefined) await server.close();
    else await producer.shutdown();
    await cluster.close();
  }
}

/** Every message of `topic` stored on any broker of the cluster. */
export function stored(
  cluster: TestCluster,
  topic: string,
): ReturnType<TestCluster["brokers"][0]["messages"]> {
  return cluster.brokers.flatMap((b) => b.messages(topic));
}

/** POST JSON. */
export function json(body: unknown, headers: Record<string, string> = {}): RequestInit {
  return {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: JSON.stringify(body),
  };
}

/**
 * Wait until `cond()` holds, checking every 10 ms, for at most `timeoutMs` (then throw).
 *
 * @param cond the condition
 * @param what what is awaited (for the error)
 * @param timeoutMs bound that catches a hang
 */
export async function until(cond: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}
