/**
 * Message properties: the `name 0x01 value 0x02 …` string of Java `MessageDecoder.messageProperties2String`, and the well-known
 * property names (Java `MessageConst`).
 *
 * @module
 */

/** Separates a name from its value (Java `MessageDecoder.NAME_VALUE_SEPARATOR`). */
export const NAME_VALUE_SEPARATOR = "\u0001";
/** Separates two properties (Java `MessageDecoder.PROPERTY_SEPARATOR`). */
export const PROPERTY_SEPARATOR = "\u0002";

/** Well-known property names (Java `MessageConst`), keyed by their Java constant names. */
export const MessageConst = {
  PROPERTY_KEYS: "KEYS",
  PROPERTY_TAGS: "TAGS",
  PROPERTY_WAIT_STORE_MSG_OK: "WAIT",
  PROPERTY_DELAY_TIME_LEVEL: "DELAY",
  PROPERTY_RETRY_TOPIC: "RETRY_TOPIC",
  PROPERTY_REAL_TOPIC: "REAL_TOPIC",
  PROPERTY_REAL_QUEUE_ID: "REAL_QID",
  PROPERTY_TRANSACTION_PREPARED: "TRAN_MSG",
  PROPERTY_PRODUCER_GROUP: "PGROUP",
  PROPERTY_MIN_OFFSET: "MIN_OFFSET",
  PROPERTY_MAX_OFFSET: "MAX_OFFSET",
  PROPERTY_BUYER_ID: "BUYER_ID",
  PROPERTY_ORIGIN_MESSAGE_ID: "ORIGIN_MESSAGE_ID",
  PROPERTY_TRANSFER_FLAG: "TRANSFER_FLAG",
  PROPERTY_CORRECTION_FLAG: "CORRECTION_FLAG",
  PROPERTY_MQ2_FLAG: "MQ2_FLAG",
  PROPERTY_RECONSUME_TIME: "RECONSUME_TIME",
  PROPERTY_MSG_REGION: "MSG_REGION",
  PROPERTY_TRACE_SWITCH: "TRACE_ON",
  PROPERTY_UNIQ_CLIENT_MESSAGE_ID_KEYIDX: "UNIQ_KEY",
  PROPERTY_MAX_RECONSUME_TIMES: "MAX_RECONSUME_TIMES",
  PROPERTY_CONSUME_START_TIMESTAMP: "CONSUME_START_TIME",
  PROPERTY_TRANSACTION_PREPARED_QUEUE_OFFSET: "TRAN_PREPARED_QUEUE_OFFSET",
  PROPERTY_TRANSACTION_CHECK_TIMES: "TRANSACTION_CHECK_TIMES",
  PROPERTY_CHECK_IMMUNITY_TIME_IN_SECONDS: "CHECK_IMMUNITY_TIME_IN_SECONDS",
  PROPERTY_TRANSACTION_ID: "__transactionId__",
  PROPERTY_INSTANCE_ID: "INSTANCE_ID",
  PROPERTY_CORRELATION_ID: "CORRELATION_ID",
  PROPERTY_MESSAGE_REPLY_TO_CLIENT: "REPLY_TO_CLIENT",
  PROPERTY_MESSAGE_TTL: "TTL",
  PROPERTY_REPLY_MESSAGE_ARRIVE_TIME: "ARRIVE_TIME",
  PROPERTY_PUSH_REPLY_TIME: "PUSH_REPLY_TIME",
  PROPERTY_CLUSTER: "CLUSTER",
  PROPERTY_MESSAGE_TYPE: "MSG_TYPE",
  PROPERTY_POP_CK: "POP_CK",
  PROPERTY_SHARDING_KEY: "__SHARDINGKEY",
  PROPERTY_TIMER_DELIVER_MS: "TIMER_DELIVER_MS",
  PROPERTY_TIMER_DELAY_SEC: "TIMER_DELAY_SEC",
  PROPERTY_TIMER_DELAY_MS: "TIMER_DELAY_MS",
  PROPERTY_TIMER_OUT_MS: "TIMER_OUT_MS",
  /** Aliyun ONS only: no scheduling effect in Apache RocketMQ. */
  PROPERTY_START_DELIVER_TIME: "__STARTDELIVERTIME",
  /** Joins several keys in `KEYS` (one space). */
  KEY_SEPARATOR: " ",
} as const;

/**
 * Names `Message.putUserProperty` refuses (Java 4.9 `MessageConst.STRING_HASH_SET`): the client
 * or the broker owns them.
 */
export const RESERVED_PROPERTY_NAMES: ReadonlySet<string> = new Set([
  "TRACE_ON",
  "MSG_REGION",
  "KEYS",
  "TAGS",
  "WAIT",
  "DELAY",
  "RETRY_TOPIC",
  "REAL_TOPIC",
  "REAL_QID",
  "TRAN_MSG",
  "PGROUP",
  "MIN_OFFSET",
  "MAX_OFFSET",
  "BUYER_ID",
  "ORIGIN_MESSAGE_ID",
  "TRANSFER_FLAG",
  "CORRECTION_FLAG",
  "MQ2_FLAG",
  "RECONSUME_TIME",
  "UNIQ_KEY",
  "MAX_RECONSUME_TIMES",
  "CONSUME_START_TIME",
  "INSTANCE_ID",
  "CORRELATION_ID",
  "REPLY_TO_CLIENT",
  "TTL",
  "ARRIVE_TIME",
  "PUSH_REPLY_TIME",
  "CLUSTER",
  "MSG_TYPE",
]);

/**
 * Encode properties as Java ≤ 5.1 does: `name 0x01 value` pairs joined by 0x02, no trailing
 * separator. Entries whose value is `undefined` or `null` are skipped. No escaping: callers
 * validate that names and values contain neither separator.
 *
 * @param props entries in wire order (a `Map`, an array of pairs, or a plain record)
 * @returns the encoded string ("" when empty)
 */
export function encodeProperties(
  props: Iterable<readonly [string, string]> | Readonly<Record<string, string>>,
): string {
  // String concatenation builds a rope in every engine: no array, no join, one pass.
  let out = "";
  let sep = "";
  if (Symbol.iterator in props) {
    for (const [k, v] of props as Iterable<readonly [string, string]>) {
      if (v === undefined || v === null) continue;
      out += sep + k + NAME_VALUE_SEPARATOR + v;
      sep = PROPERTY_SEPARATOR;
    }
    return out;
  }
  const rec = props as Readonly<Record<string, string>>;
  for (const k in rec) {
    const v = rec[k];
    if (v === undefined || v === null) continue;
    out += sep + k + NAME_VALUE_SEPARATOR + v;
    sep = PROPERTY_SEPARATOR;
  }
  return out;
}

/**
 * Decode a properties string with Java's rules (`MessageDecoder.string2messageProperties`):
 * split on 0x02; a segment shorter than 3 characters, or whose first 0x01 is at its start or is
 * its last character (empty value), is ignored; the value runs from the first 0x01 to the
 * segment end (it may contain 0x01); later duplicates win. A trailing 0x02 (Java ≥ 5.2) is fine.
 *
 * @param s the encoded properties
 * @returns name → value, in first-seen order
 */
export function decodeProperties(s: string): Map<string, string> {
  const map = new Map<string, string>();
  const len = s.length;
  let index = 0;
  while (index < len) {
    let end = s.indexOf(PROPERTY_SEPARATOR, index);
    if (end < 0) end = len;
    if (end - index >= 3) {
      const kv = s.indexOf(NAME_VALUE_SEPARATOR, index);
      if (kv > index && kv < end - 1) map.set(s.slice(index, kv), s.slice(kv + 1, end));
    }
    index = end + 1;
  }
  return map;
}
