/**
 * Shared set-up of the producer tests: a two-broker embedded cluster with one topic and a started
 * producer, both closed afterwards whatever the test did (sanitizers stay quiet).
 */

import { Producer } from "../../src/producer/producer.ts";
import type { ProducerOptions } from "../../src/producer/types.ts";
import { startCluster, type TestCluster } from "../../src/testing/mod.ts";

/** Runs `fn` with a started producer and its cluster; extra options override the defaults. */
export type WithProducer = (
  fn: (p: Producer, c: TestCluster) => Promise<void>,
  options?: Partial<ProducerOptions>,
) => Promise<void>;

/**
 * A {@link WithProducer} for `topic` (4 queues on broker-a and broker-b) and producer `group`.
 *
 * @param topic the topic every test of the file uses
 * @param group producer group
 * @returns the runner
 */
export function producerTest(topic: string, group: string): WithProducer {
  return async (fn, options = {}) => {
    const cluster = await startCluster({ brokers: 2, topics: [{ name: topic }] });
    const producer = new Producer({ nameServer: cluster.namesrvAddr, group, ...options });
    try {
      await producer.start();
      await fn(producer, cluster);
    } finally {
      await producer.shutdown();
      await cluster.close();
    }
  };
}
