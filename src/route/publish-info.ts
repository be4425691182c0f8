/**
 * Publish info: the queues a producer may send to for one topic, built from the route exactly as
 * Java's `MQClientInstance.topicRouteData2TopicPublishInfo` (4.9), and the round-robin queue
 * selection of Java's `TopicPublishInfo`.
 *
 * @module
 */

import { ProtocolError, RouteNotFoundError } from "../errors.ts";
import { PermName } from "../remoting/codes.ts";
import { type MessageQueue, messageQueue } from "./message-queue.ts";
import { javaAbsMod, type RandomSource, RoundRobinIndex } from "./round-robin.ts";
import type { TopicRouteData } from "./topic-route.ts";

/** Broker id of the master in `brokerAddrs` (Java `MixAll.MASTER_ID`). */
export const MASTER_ID = "0";

/** Fields of a {@link TopicPublishInfo}. */
export interface TopicPublishInfoInit {
  /** The topic. */
  topic: string;
  /** Queues, in selection order. */
  messageQueueList?: readonly MessageQueue[];
  /** The route the queues came from. */
  route?: TopicRouteData;
  /** True when built from `orderTopicConf`. */
  orderTopic?: boolean;
  /** True once a route lookup succeeded for the topic. */
  haveTopicRouterInfo?: boolean;
  /** Random source for the round-robin start (default `Math.random`). */
  random?: RandomSource;
}

/** The queues of one topic and the round-robin index used to pick among them. */
export class TopicPublishInfo {
  /** The topic. */
  readonly topic: string;
  /** True when the queues came from `orderTopicConf`. */
  orderTopic: boolean;
  /** True once a route lookup succeeded for the topic (set by the route table). */
  haveTopicRouterInfo: boolean;
  /** Queues in selection order. Shared, frozen instances: never mutate. */
  readonly messageQueueList: readonly MessageQueue[];
  /** The route this info was built from, if any. */
  readonly route: TopicRouteData | undefined;
  /** The round-robin index (Java `sendWhichQueue`); the fault strategy advances it too. */
  readonly sendWhichQueue: RoundRobinIndex;

  /**
   * Create the publish info.
   *
   * @param init topic, queues and route
   */
  constructor(init: TopicPublishInfoInit) {
    this.topic = init.topic;
    this.messageQueueList = Object.freeze((init.messageQueueList ?? []).slice());
    this.route = init.route;
    this.orderTopic = init.orderTopic ?? false;
    this.haveTopicRouterInfo = init.haveTopicRouterInfo ?? false;
    this.sendWhichQueue = new RoundRobinIndex(init.random);
  }

  /** True when there is at least one queue to send to. */
  ok(): boolean {
    return this.messageQueueList.length > 0;
  }

  /**
   * Pick the next queue round-robin. With `lastBrokerName` (a retry), skip queues of that broker
   * for up to one full turn; if every queue is on it, fall back to plain round-robin.
   *
   * @param lastBrokerName broker of the previous failed attempt
   * @returns the queue
   * @throws RouteNotFoundError when there are no queues
   */
  selectOneMessageQueue(lastBrokerName?: string): MessageQueue {
    const list = this.messageQueueList;
    const n = list.length;
    if (n === 0) throw new RouteNotFoundError(this.topic);
    if (lastBrokerName !== undefined) {
      for (let i = 0; i < n; i++) {
        const mq = list[javaAbsMod(this.sendWhichQueue.incrementAndGet(), n)];
        if (mq.brokerName !== lastBrokerName) return mq;
      }
    }
    return list[javaAbsMod(this.sendWhichQueue.incrementAndGet(), n)];
  }

  /**
   * Write queue count of a broker in the route (Java `getQueueIdByBroker`).
   *
   * @param brokerName broker name
   * @returns `writeQueueNums` of the first queue data of that broker, or −1
   */
  writeQueueNumsOf(brokerName: string): number {
    const qds = this.route?.queueDatas;
    if (qds === undefined) return -1;
    for (const q of qds) if (q.brokerName === brokerName) return q.writeQueueNums;
    return -1;
  }

  /**
   * Queue ids of a broker among the publishable queues.
   *
   * @param brokerName broker name
   * @returns the ids, in list order (empty when the broker has none)
   */
  queueIdsOf(brokerName: string): number[] {
    const ids: number[] = [];
    for (const mq of this.messageQueueList) if (mq.brokerName === brokerName) ids.push(mq.queueId);
    return ids;
  }
}

function parseOrderTopicConf(topic: string, conf: string): MessageQueue[] {
  const out: MessageQueue[] = [];
  for (const broker of conf.split(";")) {
    if (broker === "") continue; // Java's split drops trailing empties; skip inner ones too.
    const item = broker.split(":");
    const nums = item.length >= 2 && /^[+-]?\d+$/.test(item[1]) ? Number(item[1]) : NaN;
    if (!Number.isSafeInteger(nums)) {
      throw new ProtocolError(
        `route orderTopicConf must be brokerName:queueNums;…, got ${JSON.stringify(conf)}`,
      );
    }
    for (let i = 0; i < nums; i++) out.push(messageQueue(topic, item[0], i));
  }
  return out;
}

/**
 * Build publish info from a route like Java 4.9: with a non-empty `orderTopicConf`, queues
 * 0..nums−1 per listed broker and `orderTopic = true`; otherwise queue data sorted by broker name,
 * writable perm only, only brokers whose broker data has a master (id "0"), ids
 * 0..writeQueueNums−1. `haveTopicRouterInfo` is left false; the route table sets it.
 *
 * @param topic the topic
 * @param route its route (kept by reference; pass a clone if you will mutate it)
 * @param random random source for the round-robin start
 * @returns the publish info
 * @throws ProtocolError when `orderTopicConf` is malformed
 */
export function topicRouteToPublishInfo(
  topic: string,
  route: TopicRouteData,
  random?: RandomSource,
): TopicPublishInfo {
  if (route.orderTopicConf !== undefined && route.orderTopicConf.length > 0) {
    return new TopicPublishInfo({
      topic,
      route,
      random,
      orderTopic: true,
      messageQueueList: parseOrderTopicConf(topic, route.orderTopicConf),
    });
  }
  // Java sorts the route's own list in place; sort a copy so the caller's route stays as parsed.
  const qds = route.queueDatas.slice().sort((a, b) =>
    a.brokerName < b.brokerName ? -1 : a.brokerName > b.brokerName ? 1 : 0
  );
  const list: MessageQueue[] = [];
  for (const qd of qds) {
    if ((qd.perm & PermName.WRITE) === 0) continue;
    const bd = route.brokerDatas.find((b) => b.brokerName === qd.brokerName);
    if (bd === undefined || !Object.hasOwn(bd.brokerAddrs, MASTER_ID)) continue;
    for (let i = 0; i < qd.writeQueueNums; i++) list.push(messageQueue(topic, qd.brokerName, i));
  }
  return new TopicPublishInfo({ topic, route, random, orderTopic: false, messageQueueList: list });
}

/**
 * Address of the master of a broker in a route (`brokerAddrs["0"]`), where sends go.
 *
 * @param route the route
 * @param brokerName broker name
 * @returns `ip:port`, or undefined when the broker or its master is unknown
 */
export function findBrokerAddressInPublish(
  route: TopicRouteData | undefined,
  brokerName: string,
): string | undefined {
  if (route === undefined) return undefined;
  for (const bd of route.brokerDatas) {
    if (bd.brokerName === brokerName && Object.hasOwn(bd.brokerAddrs, MASTER_ID)) {
      return bd.brokerAddrs[MASTER_ID];
    }
  }
  return undefined;
}
