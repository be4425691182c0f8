/**
 * Namespaces (Java `NamespaceUtil`): a namespace `ns` turns topic `T` into `ns%T` on the wire and
 * `%RETRY%G` into `%RETRY%ns%G`; system resources are never wrapped.
 *
 * @module
 */

const RETRY = "%RETRY%";
const DLQ = "%DLQ%";

/** Topics the Java client never wraps (`TopicValidator.SYSTEM_TOPIC_SET` + TBW102). */
const SYSTEM_TOPICS: ReadonlySet<string> = new Set([
  "TBW102",
  "SCHEDULE_TOPIC_XXXX",
  "BenchmarkTest",
  "RMQ_SYS_TRANS_HALF_TOPIC",
  "RMQ_SYS_TRACE_TOPIC",
  "RMQ_SYS_TRANS_OP_HALF_TOPIC",
  "TRANS_CHECK_MAX_TIME_TOPIC",
  "SELF_TEST_TOPIC",
  "OFFSET_MOVED_EVENT",
]);

function isSystemResource(resource: string): boolean {
  return SYSTEM_TOPICS.has(resource) || resource.startsWith("rmq_sys_") ||
    resource.startsWith("CID_RMQ_SYS_");
}

function stripRetryDlq(resource: string): [prefix: string, rest: string] {
  if (resource.startsWith(RETRY)) return [RETRY, resource.slice(RETRY.length)];
  if (resource.startsWith(DLQ)) return [DLQ, resource.slice(DLQ.length)];
  return ["", resource];
}

/**
 * Prefix a topic or group with the namespace (Java `NamespaceUtil.wrapNamespace`).
 *
 * @param namespace namespace, or undefined
 * @param resource topic or group without namespace
 * @returns the wire name
 */
export function wrapNamespace(namespace: string | undefined, resource: string): string {
  if (!namespace || !resource || isSystemResource(resource)) return resource;
  const [prefix, rest] = stripRetryDlq(resource);
  if (rest.startsWith(namespace + "%")) return resource;
  return prefix + namespace + "%" + rest;
}

/**
 * Remove the namespace from a wire name (Java `NamespaceUtil.withoutNamespace(resource, ns)`).
 *
 * @param namespace namespace, or undefined
 * @param resource wire name
 * @returns the name the caller knows
 */
export function withoutNamespace(namespace: string | undefined, resource: string): string {
  if (!namespace || !resource) return resource;
  const [prefix, rest] = stripRetryDlq(resource);
  const head = namespace + "%";
  return rest.startsWith(head) ? prefix + rest.slice(head.length) : resource;
}
