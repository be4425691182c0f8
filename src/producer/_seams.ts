/**
 * Test seams of the producer, kept off its public signature: a producer created with
 * {@link withClientFactories} builds its client instance's remoting client and codec from the
 * given factories (tests without sockets, or with a failing socket layer).
 *
 * @module
 */

import type { ClientInstanceFactories } from "../client/manager.ts";
import type { ProducerOptions } from "./types.ts";

/** Options key under which the factories travel (not part of `ProducerOptions`). */
const CLIENT_FACTORIES: unique symbol = Symbol("rocketmq-edge.clientFactories");

type OptionsWithSeams = ProducerOptions & { [CLIENT_FACTORIES]?: ClientInstanceFactories };

/**
 * Producer options whose client instance is built from `factories`.
 *
 * @param options the producer options
 * @param factories remoting client / codec factories of a new client instance
 * @returns options to pass to `new Producer(...)`
 */
export function withClientFactories(
  options: ProducerOptions,
  factories: ClientInstanceFactories,
): ProducerOptions {
  const seamed: OptionsWithSeams = { ...options, [CLIENT_FACTORIES]: factories };
  return seamed;
}

/**
 * The factories given through {@link withClientFactories}, if any.
 *
 * @param options the producer options
 * @returns the factories (empty: the defaults)
 */
export function clientFactoriesOf(options: ProducerOptions): ClientInstanceFactories {
  return (options as OptionsWithSeams)[CLIENT_FACTORIES] ?? {};
}
