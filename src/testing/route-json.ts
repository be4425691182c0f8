/**
 * Serializes a topic route the way a 4.9.8 name server does (Java `TopicRouteData.encode`, fastjson), byte for byte:
 * fastjson's sorted member order, unquoted integer map keys in the legacy mode, quoted keys and
 * `\uXXXX`-escaped non-ASCII in the standard (`BrowserCompatible`) mode.
 *
 * @module
 */

/** One broker's queues of a topic, as listed in a route. */
export interface RouteQueueData {
  /** Broker name. */
  brokerName: string;
  /** Readable queue count. */
  readQueueNums: number;
  /** Writable queue count. */
  writeQueueNums: number;
  /** Permission bits (Java `PermName`). */
  perm: number;
  /** Topic system flag (0 for normal topics). */
  topicSysFlag: number;
}

/** One broker of a route: its cluster and addresses by broker id (0 = master). */
export interface RouteBrokerData {
  /** Cluster name. */
  cluster: string;
  /** Broker name. */
  brokerName: string;
  /** Broker id → `ip:port`. */
  brokerAddrs: ReadonlyMap<number, string>;
}

/** The route of one topic, in the order the server lists it. */
export interface RouteData {
  /** `brokerName:queueNums;…` when the topic is ordered. */
  orderTopicConf?: string;
  /** Queue data, one per broker. */
  queueDatas: RouteQueueData[];
  /** Broker data, one per broker. */
  brokerDatas: RouteBrokerData[];
}

/**
 * A JSON string literal as fastjson writes it: like `JSON.stringify` in the default mode; with
 * every non-ASCII UTF-16 unit as `\uXXXX` in the standard (`BrowserCompatible`) mode.
 *
 * @param s the string
 * @param standard BrowserCompatible escaping
 * @returns the quoted literal
 */
export function jsonString(s: string, standard = false): string {
  return str(s, standard);
}

function str(s: string, standard: boolean): string {
  const json = JSON.stringify(s);
  if (!standard) return json;
  // BrowserCompatible: every non-ASCII UTF-16 unit as \uXXXX.
  let out = "";
  for (let i = 0; i < json.length; i++) {
    const c = json.charCodeAt(i);
    out += c < 0x80 ? json[i] : `\\u${c.toString(16).toUpperCase().padStart(4, "0")}`;
  }
  return out;
}

/**
 * Serialize a route body.
 *
 * @param route the route
 * @param standard true for standard JSON (request version ≥ 401 or `acceptStandardJsonOnly`),
 *   false for fastjson's default output with unquoted integer keys
 * @returns the JSON text
 */
export function serializeRoute(route: RouteData, standard: boolean): string {
  let s = '{"brokerDatas":[';
  route.brokerDatas.forEach((b, i) => {
    if (i > 0) s += ",";
    s += '{"brokerAddrs":{';
    const ids = [...b.brokerAddrs.keys()].sort((x, y) => x - y);
    ids.forEach((id, j) => {
      s += `${j > 0 ? "," : ""}${standard ? `"${id}"` : id}:${
        str(b.brokerAddrs.get(id)!, standard)
      }`;
    });
    s += `},"brokerName":${str(b.brokerName, standard)},"cluster":${str(b.cluster, standard)}}`;
  });
  s += '],"filterServerTable":{}';
  if (route.orderTopicConf !== undefined) {
    s += `,"orderTopicConf":${str(route.orderTopicConf, standard)}`;
  }
  s += ',"queueDatas":[';
  route.queueDatas.forEach((q, i) => {
    if (i > 0) s += ",";
    s +=
      `{"brokerName":${
        str(q.brokerName, standard)
      },"perm":${q.perm},"readQueueNums":${q.readQueueNums}` +
      `,"topicSysFlag":${q.topicSysFlag},"writeQueueNums":${q.writeQueueNums}}`;
  });
  return s + "]}";
}

/** One cluster's brokers, for {@link serializeClusterInfo}. */
export interface ClusterInfoData {
  /** brokerName → broker data, in the name server's HashMap iteration order. */
  brokers: RouteBrokerData[];
  /** cluster name → broker names, both in HashMap/HashSet iteration order. */
  clusters: Array<[cluster: string, brokerNames: string[]]>;
}

/**
 * Serialize a `ClusterInfo` body (GET_BROKER_CLUSTER_INFO) the way 4.9.8 does: plain
 * `RemotingSerializable.encode`, i.e. fastjson defaults whatever the request version, so broker
 * ids are unquoted integer keys (`{0:"ip:port"}`) even for version ≥ 401 clients.
 *
 * @param info brokers and clusters in iteration order
 * @returns the JSON text
 */
export function serializeClusterInfo(info: ClusterInfoData): string {
  let s = '{"brokerAddrTable":{';
  info.brokers.forEach((b, i) => {
    s += `${i > 0 ? "," : ""}${str(b.brokerName, false)}:{"brokerAddrs":{`;
    // HashMap<Long, String>: small non-negative Longs hash to themselves, so ascending order.
    const ids = [...b.brokerAddrs.keys()].sort((x, y) => x - y);
    ids.forEach((id, j) => {
      s += `${j > 0 ? "," : ""}${id}:${str(b.brokerAddrs.get(id)!, false)}`;
    });
    s += `},"brokerName":${str(b.brokerName, false)},"cluster":${str(b.cluster, false)}}`;
  });
  s += '},"clusterAddrTable":{';
  info.clusters.forEach(([cluster, names], i) => {
    s += `${i > 0 ? "," : ""}${str(cluster, false)}:[${names.map((n) => str(n, false)).join(",")}]`;
  });
  return s + "}}";
}

/**
 * Serialize a `TopicList` body (GET_ALL_TOPIC_LIST_FROM_NAMESERVER): `{"topicList":[…]}` (the
 * null `brokerAddr` is omitted by fastjson).
 *
 * @param topics topic names in HashSet iteration order
 * @returns the JSON text
 */
export function serializeTopicList(topics: readonly string[]): string {
  return `{"topicList":[${topics.map((t) => str(t, false)).join(",")}]}`;
}
