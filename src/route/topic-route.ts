/**
 * Route data returned by GET_ROUTEINFO_BY_TOPIC (Java `TopicRouteData`, `QueueData`, `BrokerData`): types, a tolerant parser, a
 * deep clone, the order-insensitive equality the refresh timer uses for change detection, and the
 * TBW102 auto-create rewrite.
 *
 * @module
 */

import { ProtocolError } from "../errors.ts";
import { parseTolerantJson } from "../remoting/tolerant-json.ts";

/** Queue layout of a topic on one broker. */
export interface QueueData {
  /** Broker name. */
  brokerName: string;
  /** Number of read queues. */
  readQueueNums: number;
  /** Number of write queues (ids 0..n−1 receive sends). */
  writeQueueNums: number;
  /** Permission bits (`PermName`: 4 read, 2 write, 1 inherit). */
  perm: number;
  /** Topic system flag (`topicSynFlag` up to 4.8.0, accepted too). */
  topicSysFlag: number;
}

/** One broker set (master and slaves) of a cluster. */
export interface BrokerData {
  /** Cluster name. */
  cluster: string;
  /** Broker name. */
  brokerName: string;
  /** Broker id (as a decimal string; "0" is the master) → `ip:port`. */
  brokerAddrs: Record<string, string>;
  /** 5.x: whether a slave may act as master. */
  enableActingMaster?: boolean;
  /** 5.x: zone name. */
  zoneName?: string;
}

/** The route of one topic. */
export interface TopicRouteData {
  /** `brokerName:queueNums;…` when the name server has an order config for the topic. */
  orderTopicConf?: string;
  /** Queue layout per broker. */
  queueDatas: QueueData[];
  /** Brokers serving the topic. */
  brokerDatas: BrokerData[];
  /** Legacy filter servers: broker address → filter server addresses. Usually empty. */
  filterServerTable: Record<string, string[]>;
}

const decoder = new TextDecoder("utf-8", { fatal: true });

function describe(v: unknown): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return "an array";
  if (typeof v === "string") return JSON.stringify(v.length > 40 ? v.slice(0, 40) + "…" : v);
  if (typeof v === "object") return "an object";
  return String(v);
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function fail(field: string, rule: string, value: unknown): never {
  throw new ProtocolError(`route ${field} ${rule}, got ${describe(value)}`);
}

function join(path: string, key: string): string {
  return path === "" ? key : `${path}.${key}`;
}

function str(o: Record<string, unknown>, key: string, path: string): string {
  const v = o[key];
  if (typeof v !== "string") fail(join(path, key), "must be a string", v);
  return v;
}

function int(o: Record<string, unknown>, key: string, path: string): number {
  const v = o[key];
  if (typeof v !== "number" || !Number.isInteger(v)) {
    fail(`${path}.${key}`, "must be an integer", v);
  }
  return v;
}

function parseQueueData(v: unknown, path: string): QueueData {
  if (!isObject(v)) fail(path, "must be an object", v);
  let flag: number;
  if (v.topicSysFlag !== undefined && v.topicSysFlag !== null) flag = int(v, "topicSysFlag", path);
  else if (v.topicSynFlag !== undefined && v.topicSynFlag !== null) {
    flag = int(v, "topicSynFlag", path);
  } else flag = 0;
  return {
    brokerName: str(v, "brokerName", path),
    readQueueNums: int(v, "readQueueNums", path),
    writeQueueNums: int(v, "writeQueueNums", path),
    perm: int(v, "perm", path),
    topicSysFlag: flag,
  };
}

function parseBrokerData(v: unknown, path: string): BrokerData {
  if (!isObject(v)) fail(path, "must be an object", v);
  const addrs = v.brokerAddrs;
  if (!isObject(addrs)) fail(`${path}.brokerAddrs`, "must be an object", addrs);
  const brokerAddrs: Record<string, string> = {};
  for (const id of Object.keys(addrs)) {
    // Java keys are Longs; after tolerant parsing they arrive as decimal strings.
    if (!/^-?\d+$/.test(id)) fail(`${path}.brokerAddrs key`, "must be an integer broker id", id);
    brokerAddrs[String(Number(id))] = str(addrs, id, `${path}.brokerAddrs`);
  }
  const out: BrokerData = {
    cluster: v.cluster === undefined || v.cluster === null ? "" : str(v, "cluster", path),
    brokerName: str(v, "brokerName", path),
    brokerAddrs,
  };
  if (typeof v.enableActingMaster === "boolean") out.enableActingMaster = v.enableActingMaster;
  if (typeof v.zoneName === "string") out.zoneName = v.zoneName;
  return out;
}

function parseFilterServerTable(v: unknown): Record<string, string[]> {
  if (v === undefined || v === null) return {};
  if (!isObject(v)) fail("filterServerTable", "must be an object", v);
  const out: Record<string, string[]> = {};
  for (const k of Object.keys(v)) {
    const list = v[k];
    if (!Array.isArray(list) || !list.every((s) => typeof s === "string")) {
      fail(`filterServerTable[${JSON.stringify(k)}]`, "must be an array of strings", list);
    }
    out[k] = list.slice();
  }
  return out;
}

/**
 * Parse a GET_ROUTEINFO_BY_TOPIC response body. Accepts standard JSON and fastjson's unquoted
 * integer keys (`{0:"ip:port"}`), and `topicSynFlag` as well as `topicSysFlag`. Unknown fields
 * (5.x `topicQueueMappingByBroker`, …) are ignored.
 *
 * @param body the response body (UTF-8 bytes or text)
 * @returns the route
 * @throws ProtocolError naming the offending field when the body is not a route
 */
export function parseTopicRouteData(body: Uint8Array | string): TopicRouteData {
  let text: string;
  if (typeof body === "string") text = body;
  else {
    try {
      text = decoder.decode(body);
    } catch (e) {
      throw new ProtocolError("route body is not valid UTF-8", { cause: e });
    }
  }
  const root = parseTolerantJson(text);
  if (!isObject(root)) fail("body", "must be a JSON object", root);
  const qds = root.queueDatas;
  if (!Array.isArray(qds)) fail("queueDatas", "must be an array", qds);
  const bds = root.brokerDatas;
  if (!Array.isArray(bds)) fail("brokerDatas", "must be an array", bds);
  const route: TopicRouteData = {
    queueDatas: qds.map((q, i) => parseQueueData(q, `queueDatas[${i}]`)),
    brokerDatas: bds.map((b, i) => parseBrokerData(b, `brokerDatas[${i}]`)),
    filterServerTable: parseFilterServerTable(root.filterServerTable),
  };
  const conf = root.orderTopicConf;
  if (conf !== undefined && conf !== null) route.orderTopicConf = str(root, "orderTopicConf", "");
  return route;
}

/**
 * Deep copy of a route (publish info keeps its own copy, the TBW102 rewrite edits a copy).
 *
 * @param route the route
 * @returns an independent copy
 */
export function cloneTopicRouteData(route: TopicRouteData): TopicRouteData {
  const out: TopicRouteData = {
    queueDatas: route.queueDatas.map((q) => ({ ...q })),
    brokerDatas: route.brokerDatas.map((b) => ({ ...b, brokerAddrs: { ...b.brokerAddrs } })),
    filterServerTable: Object.fromEntries(
      Object.entries(route.filterServerTable).map(([k, v]) => [k, v.slice()]),
    ),
  };
  if (route.orderTopicConf !== undefined) out.orderTopicConf = route.orderTopicConf;
  return out;
}

function recordEquals<T>(
  a: Record<string, T>,
  b: Record<string, T>,
  eq: (x: T, y: T) => boolean,
): boolean {
  const ka = Object.keys(a);
  if (ka.length !== Object.keys(b).length) return false;
  for (const k of ka) {
    if (!Object.hasOwn(b, k) || !eq(a[k], b[k])) return false;
  }
  return true;
}

function queueDataEquals(a: QueueData, b: QueueData): boolean {
  return a.brokerName === b.brokerName && a.readQueueNums === b.readQueueNums &&
    a.writeQueueNums === b.writeQueueNums && a.perm === b.perm &&
    a.topicSysFlag === b.topicSysFlag;
}

function brokerDataEquals(a: BrokerData, b: BrokerData): boolean {
  return a.cluster === b.cluster && a.brokerName === b.brokerName &&
    a.enableActingMaster === b.enableActingMaster && a.zoneName === b.zoneName &&
    recordEquals(a.brokerAddrs, b.brokerAddrs, (x, y) => x === y);
}

/** Sort by broker name (Java `compareTo`), then by content so duplicates compare stably. */
function sortedBy<T extends { brokerName: string }>(list: readonly T[]): T[] {
  return list.slice().sort((x, y) => {
    if (x.brokerName !== y.brokerName) return x.brokerName < y.brokerName ? -1 : 1;
    const sx = JSON.stringify(x), sy = JSON.stringify(y);
    return sx < sy ? -1 : sx > sy ? 1 : 0;
  });
}

function listEquals<T extends { brokerName: string }>(
  a: readonly T[],
  b: readonly T[],
  eq: (x: T, y: T) => boolean,
): boolean {
  if (a.length !== b.length) return false;
  const sa = sortedBy(a), sb = sortedBy(b);
  for (let i = 0; i < sa.length; i++) if (!eq(sa[i], sb[i])) return false;
  return true;
}

/**
 * Route equality as Java's change detection (`topicRouteDataIsChange`): queue data and broker
 * data are compared after sorting by broker name, so list order does not matter.
 *
 * @param a one route
 * @param b the other route
 * @returns true when both describe the same route
 */
export function topicRouteEquals(a: TopicRouteData, b: TopicRouteData): boolean {
  return a.orderTopicConf === b.orderTopicConf &&
    listEquals(a.queueDatas, b.queueDatas, queueDataEquals) &&
    listEquals(a.brokerDatas, b.brokerDatas, brokerDataEquals) &&
    recordEquals(
      a.filterServerTable,
      b.filterServerTable,
      (x, y) => x.length === y.length && x.every((s, i) => s === y[i]),
    );
}

/**
 * The auto-create rewrite of the `createTopicKey` (TBW102) route (Java
 * `updateTopicRouteInfoFromNameServer`, isDefault branch): every queue data gets read and write
 * queue nums `min(defaultTopicQueueNums, readQueueNums)`.
 *
 * @param route the TBW102 route
 * @param defaultTopicQueueNums the producer's `defaultTopicQueueNums` (default 4)
 * @returns a rewritten copy; `route` is not modified
 */
export function withDefaultQueueNums(
  route: TopicRouteData,
  defaultTopicQueueNums: number,
): TopicRouteData {
  const copy = cloneTopicRouteData(route);
  for (const q of copy.queueDatas) {
    const nums = Math.min(defaultTopicQueueNums, q.readQueueNums);
    q.readQueueNums = nums;
    q.writeQueueNums = nums;
  }
  return copy;
}
