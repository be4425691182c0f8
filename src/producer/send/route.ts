/**
 * A producer's publish-info table (Java `DefaultMQProducerImpl.topicPublishInfoTable`) and the
 * route lookup of a send (Java `tryToFindTopicPublishInfo`): cache → name server → the
 * createTopicKey (TBW102) route, so that a broker with auto-create on creates the topic.
 *
 * @module
 */

import { RouteNotFoundError } from "../../errors.ts";
import { TopicPublishInfo, topicRouteToPublishInfo } from "../../route/publish-info.ts";
import type { ClientInstance } from "../../client/client-instance.ts";
import { wrapNamespace } from "../../client/namespace.ts";
import type { MessageQueue } from "../types.ts";
import { type SendBound, within } from "./bounded.ts";

/** Topic → publish info of one producer. */
export class PublishTable {
  readonly #table = new Map<string, TopicPublishInfo>();

  /**
   * Cached info, if usable (the hot path: no promise).
   *
   * @param topic wire topic
   * @returns the info when it has queues
   */
  cached(topic: string): TopicPublishInfo | undefined {
    const info = this.#table.get(topic);
    return info !== undefined && info.ok() ? info : undefined;
  }

  /** Register a topic with empty info (Java puts createTopicKey in at start). */
  addPlaceholder(topic: string): void {
    if (!this.#table.has(topic)) this.#table.set(topic, new TopicPublishInfo({ topic }));
  }

  /** Topics this producer publishes to (the route refresh task's list). */
  topics(): IterableIterator<string> {
    return this.#table.keys();
  }

  /** True when the topic's info is missing or has no queues. */
  needsUpdate(topic: string): boolean {
    const info = this.#table.get(topic);
    return info === undefined || !info.ok();
  }

  /** Replace a topic's info; Java only replaces topics the producer already publishes to. */
  update(topic: string, info: TopicPublishInfo): void {
    if (this.#table.has(topic)) this.#table.set(topic, info);
  }

  /**
   * Java `tryToFindTopicPublishInfo`, within the send's budget and signal when `bound` is given:
   * the lookups stay shared with other sends (and run to their own end), but this caller stops
   * waiting when its deadline passes or its signal fires.
   *
   * @param instance the client instance doing the lookups
   * @param topic wire topic
   * @param createTopicKey the auto-create template topic
   * @param defaultTopicQueueNums queues of auto-created topics
   * @param bound the send's deadline and signal (undefined: wait for the lookups)
   * @returns usable publish info
   * @throws RouteNotFoundError ("No route info of this topic") with the last lookup error as cause;
   *   TimeoutError when the budget ran out first; AbortedError when the signal fired first
   */
  async find(
    instance: ClientInstance,
    topic: string,
    createTopicKey: string,
    defaultTopicQueueNums: number,
    bound?: SendBound,
  ): Promise<TopicPublishInfo> {
    let info = this.#table.get(topic);
    if (info !== undefined && info.ok()) return info;
    this.addPlaceholder(topic);
    const what = `the route of ${topic}`;
    const first = await within(instance.updateTopicRouteInfoFromNameServer(topic), bound, what);
    let cause = first.ok ? undefined : first.error;
    info = this.#table.get(topic);
    if (info !== undefined && (info.haveTopicRouterInfo || info.ok())) {
      if (info.ok()) return info;
      throw new RouteNotFoundError(topic, { cause });
    }
    const template = await within(
      instance.updateTopicRouteInfoFromNameServer(
        topic,
        true,
        createTopicKey,
        defaultTopicQueueNums,
      ),
      bound,
      what,
    );
    if (!template.ok) cause = template.error;
    info = this.#table.get(topic);
    if (info === undefined || !info.ok()) throw new RouteNotFoundError(topic, { cause });
    return info;
  }
}

/**
 * The queues a topic can be sent to, fresh from the name server (Java `fetchPublishMessageQueues`).
 *
 * @param instance the running client instance
 * @param namespace the producer's namespace
 * @param topic topic without namespace
 * @returns the queues (topic without namespace)
 * @throws RouteNotFoundError when the topic has no route
 */
export async function fetchPublishQueues(
  instance: ClientInstance,
  namespace: string | undefined,
  topic: string,
): Promise<MessageQueue[]> {
  const wire = wrapNamespace(namespace, topic);
  const route = await instance.getTopicRouteInfoFromNameServer(wire);
  const list = route === undefined ? [] : topicRouteToPublishInfo(wire, route).messageQueueList;
  if (list.length === 0) throw new RouteNotFoundError(topic);
  return list.map((q) => ({ topic, brokerName: q.brokerName, queueId: q.queueId }));
}
