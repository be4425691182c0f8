/**
 * Route refresh as the client instance does it (Java `MQClientInstance`
 * `getTopicRouteInfoFromNameServer` / `updateTopicRouteInfoFromNameServer` / `cleanOfflineBroker`):
 * ask the name servers for a topic's route, install a changed route into the broker address table
 * and every producer's publish info, and drop broker addresses no route mentions any more.
 *
 * @module
 */

import { ConnectionError, RouteNotFoundError } from "../errors.ts";
import { RequestCode, ResponseCode } from "../remoting/codes.ts";
import type { RemotingCommand } from "../remoting/command.ts";
import {
  parseTopicRouteData,
  type TopicRouteData,
  topicRouteEquals,
  withDefaultQueueNums,
} from "../route/topic-route.ts";
import { topicRouteToPublishInfo } from "../route/publish-info.ts";
import type { ClientInstanceState } from "./client-instance.ts";
import type { NameServerList } from "./name-server.ts";
import type { ProducerInner, RemotingLike } from "./types.ts";
import type { ClientEventMap } from "./events.ts";

/** What fetching and installing routes needs from the client instance. */
export interface RouteHost {
  /** Remoting client (closes connections to offline brokers). */
  readonly remoting: RemotingLike;
  /** Name servers. */
  readonly nameServers: NameServerList;
  /** Lifecycle state (a route arriving after shutdown is not installed). */
  readonly state: ClientInstanceState;
  /** topic → last route seen. */
  readonly topicRouteTable: Map<string, TopicRouteData>;
  /** brokerName → brokerId → address. */
  readonly brokerAddrTable: Map<string, Record<string, string>>;
  /** group → producer. */
  readonly producerTable: ReadonlyMap<string, ProducerInner>;
  /** brokerName → address → protocol version. */
  readonly brokerVersionTable: Map<string, Map<string, number>>;
  /** Build a request with the client's language, version and encoding. */
  request(code: number, extFields?: Record<string, string>, body?: Uint8Array): RemotingCommand;
  /** Report an event to the producers. */
  emit<K extends keyof ClientEventMap>(type: K, detail: ClientEventMap[K]): void;
}

/**
 * GET_ROUTEINFO_BY_TOPIC (105), standard JSON requested, parsed tolerantly anyway.
 *
 * @param host the client instance
 * @param topic topic
 * @param timeoutMs per-name-server timeout
 * @returns the route, or undefined on TOPIC_NOT_EXIST
 * @throws ConnectionError/TimeoutError when no name server answered; BrokerError on other codes
 */
export async function fetchTopicRoute(
  host: RouteHost,
  topic: string,
  timeoutMs: number,
): Promise<TopicRouteData | undefined> {
  const req = host.request(RequestCode.GET_ROUTEINFO_BY_TOPIC, {
    topic,
    acceptStandardJsonOnly: "true",
  });
  const res = await host.nameServers.invoke(req, timeoutMs);
  if (res.code === ResponseCode.TOPIC_NOT_EXIST) return undefined;
  if (res.code !== ResponseCode.SUCCESS) {
    throw new RouteNotFoundError(topic, {
      cause: new ConnectionError(
        host.nameServers.chosen ?? "",
        `name server answered code ${res.code}${res.remark ? `: ${res.remark}` : ""}`,
      ),
    });
  }
  if (res.body === undefined || res.body.length === 0) return undefined;
  return parseTopicRouteData(res.body);
}

/**
 * Install a freshly fetched route when it changed (or a producer lacks usable publish info):
 * broker addresses, publish info of every producer, route table; a changed route is a
 * "client.route.changed" event.
 *
 * @param host the client instance
 * @param topic topic (namespace applied)
 * @param fetched the route as the name server answered (undefined: nothing to install)
 * @param defaultQueueNums when set, the route is a template's: cap its queue numbers at this
 * @returns true when the route was installed
 */
export function installTopicRoute(
  host: RouteHost,
  topic: string,
  fetched: TopicRouteData | undefined,
  defaultQueueNums: number | undefined,
): boolean {
  if (fetched === undefined) return false;
  const route = defaultQueueNums === undefined
    ? fetched
    : withDefaultQueueNums(fetched, defaultQueueNums);
  if (host.state === "SHUTDOWN_ALREADY") return false;
  const old = host.topicRouteTable.get(topic);
  let changed = old === undefined || !topicRouteEquals(old, route);
  const routeChanged = changed;
  if (!changed) {
    for (const p of host.producerTable.values()) {
      if (p.isPublishTopicNeedUpdate(topic)) changed = true;
    }
  }
  if (!changed) return false;
  for (const bd of route.brokerDatas) host.brokerAddrTable.set(bd.brokerName, bd.brokerAddrs);
  const info = topicRouteToPublishInfo(topic, route);
  info.haveTopicRouterInfo = true;
  for (const p of host.producerTable.values()) p.updateTopicPublishInfo(topic, info);
  host.topicRouteTable.set(topic, route);
  if (routeChanged) host.emit("client.route.changed", { topic, route, previous: old });
  return true;
}

/**
 * Drop broker addresses no route mentions any more, closing their connections and forgetting
 * their versions (Java `cleanOfflineBroker`).
 *
 * @param host the client instance
 */
export function cleanOfflineBrokers(host: RouteHost): void {
  const live = new Set<string>();
  for (const route of host.topicRouteTable.values()) {
    for (const bd of route.brokerDatas) {
      for (const a of Object.values(bd.brokerAddrs)) live.add(a);
    }
  }
  for (const [name, addrs] of host.brokerAddrTable) {
    const kept: Record<string, string> = {};
    let any = false;
    for (const [id, addr] of Object.entries(addrs)) {
      if (live.has(addr)) {
        kept[id] = addr;
        any = true;
      } else {
        host.remoting.closeConnection(addr);
        host.brokerVersionTable.get(name)?.delete(addr);
      }
    }
    if (any) host.brokerAddrTable.set(name, kept);
    else {
      host.brokerAddrTable.delete(name);
      host.brokerVersionTable.delete(name);
    }
  }
}
