/**
 * Client-side validation (Java 4.9 `Validators`, `TopicValidator`, `Message.putUserProperty`;
 * Java `Validators`). Every check throws {@link ValidationError} naming the field and the rule.
 *
 * @module
 */

import { ValidationError } from "../errors.ts";
import { RESERVED_PROPERTY_NAMES } from "../codec/properties.ts";

/** Longest topic name (Java `Validators.TOPIC_MAX_LENGTH`). */
export const TOPIC_MAX_LENGTH = 127;
/** Longest group name (Java `Validators.CHARACTER_MAX_LENGTH`). */
export const CHARACTER_MAX_LENGTH = 255;
/** Default largest message body, bytes (4 MiB). */
export const DEFAULT_MAX_MESSAGE_SIZE = 4 * 1024 * 1024;
/** The topic whose route lets brokers auto-create topics (Java `AUTO_CREATE_TOPIC_KEY_TOPIC`). */
export const AUTO_CREATE_TOPIC_KEY = "TBW102";
/** Prefix of retry topics, which batches may not use. */
export const RETRY_GROUP_TOPIC_PREFIX = "%RETRY%";
/** Prefix of system topics (Java `TopicValidator.SYSTEM_TOPIC_PREFIX`). */
export const SYSTEM_TOPIC_PREFIX = "rmq_sys_";
/** The allowed characters of topics and groups. */
export const TOPIC_PATTERN = "^[%|a-zA-Z0-9_-]+$";

const VALID = /^[%|a-zA-Z0-9_-]+$/;

/** Topics no client may send to (Java 4.9.x `TopicValidator.NOT_ALLOWED_SEND_TOPIC_SET`). */
export const NOT_ALLOWED_SEND_TOPICS: ReadonlySet<string> = new Set([
  "SCHEDULE_TOPIC_XXXX",
  "RMQ_SYS_TRANS_HALF_TOPIC",
  "RMQ_SYS_TRANS_OP_HALF_TOPIC",
  "TRANS_CHECK_MAX_TIME_TOPIC",
  "SELF_TEST_TOPIC",
  "OFFSET_MOVED_EVENT",
  "SCHEDULE_TOPIC_XXXX_V2",
]);

/** System topics (Java 4.9 `SYSTEM_TOPIC_SET`); names starting `rmq_sys_` are system topics too. */
export const SYSTEM_TOPICS: ReadonlySet<string> = new Set([
  ...NOT_ALLOWED_SEND_TOPICS,
  AUTO_CREATE_TOPIC_KEY,
  "BenchmarkTest",
  "RMQ_SYS_TRACE_TOPIC",
]);

/**
 * Whether a topic is a system topic (Java `TopicValidator.isSystemTopic`).
 *
 * @param topic topic name
 * @returns true for {@link SYSTEM_TOPICS} and `rmq_sys_*`
 */
export function isSystemTopic(topic: string): boolean {
  return SYSTEM_TOPICS.has(topic) || topic.startsWith(SYSTEM_TOPIC_PREFIX);
}

function checkName(field: string, value: unknown, max: number): asserts value is string {
  if (typeof value !== "string") {
    throw new ValidationError(field, `must be a string, got ${typeof value}`);
  }
  if (value.trim() === "") throw new ValidationError(field, "must not be blank");
  if (value.length > max) {
    throw new ValidationError(field, `must be at most ${max} characters, got ${value.length}`);
  }
  if (!VALID.test(value)) throw new ValidationError(field, `must match ${TOPIC_PATTERN}`);
}

/**
 * Check a topic for sending: non-blank, ≤ 127 characters, `^[%|a-zA-Z0-9_-]+$`, not in
 * {@link NOT_ALLOWED_SEND_TOPICS}, not `TBW102`, not `rmq_sys_*`, not `%RETRY%*`.
 *
 * @param topic the topic
 * @param field field name for the error (default "topic")
 * @throws ValidationError
 */
export function checkTopic(topic: unknown, field = "topic"): asserts topic is string {
  // Validity depends on the text alone: the topic checked last (the usual case) passes at once.
  if (topic === lastValidTopic) return;
  checkName(field, topic, TOPIC_MAX_LENGTH);
  if (NOT_ALLOWED_SEND_TOPICS.has(topic)) {
    throw new ValidationError(field, `must not be a system topic closed to sending (${topic})`);
  }
  // Past Java's client check: the template and rmq_sys_ topics belong to the cluster, and a
  // %RETRY% topic to a consumer group's redelivery (the broker moves its messages to the DLQ).
  if (topic === AUTO_CREATE_TOPIC_KEY || topic.startsWith(SYSTEM_TOPIC_PREFIX)) {
    throw new ValidationError(field, `must not be a system topic (${topic})`);
  }
  if (topic.startsWith(RETRY_GROUP_TOPIC_PREFIX)) {
    throw new ValidationError(
      field,
      `must not be a consumer group's retry topic (${RETRY_GROUP_TOPIC_PREFIX}…): ${topic}`,
    );
  }
  lastValidTopic = topic;
}

let lastValidTopic: string | undefined;

/**
 * Check a producer group: non-blank, ≤ 255 characters, `^[%|a-zA-Z0-9_-]+$`.
 *
 * @param group the group
 * @param field field name for the error (default "group")
 * @throws ValidationError
 */
export function checkGroup(group: unknown, field = "group"): asserts group is string {
  checkName(field, group, CHARACTER_MAX_LENGTH);
}

/**
 * Check a message body: bytes, non-empty, at most `maxMessageSize` bytes.
 *
 * @param body the body (already UTF-8 encoded when given as a string)
 * @param maxMessageSize limit in bytes (default 4 MiB)
 * @param field field name for the error (default "body")
 * @throws ValidationError
 */
export function checkBody(
  body: unknown,
  maxMessageSize: number = DEFAULT_MAX_MESSAGE_SIZE,
  field = "body",
): asserts body is Uint8Array {
  if (!(body instanceof Uint8Array)) {
    throw new ValidationError(field, "must be a Uint8Array or a string");
  }
  if (body.length === 0) throw new ValidationError(field, "must not be empty");
  if (body.length > maxMessageSize) {
    throw new ValidationError(
      field,
      `must be at most ${maxMessageSize} bytes, got ${body.length}`,
    );
  }
}

/** True when `s` contains a properties separator (0x01 or 0x02). */
function hasSeparator(s: string): boolean {
  return s.indexOf("\u0001") >= 0 || s.indexOf("\u0002") >= 0;
}

/**
 * Check a property-like string (tags, keys, values): a string without 0x01/0x02, which the
 * properties encoding cannot escape.
 *
 * @param field field name for the error
 * @param value the value
 * @throws ValidationError
 */
export function checkPropertyText(field: string, value: unknown): asserts value is string {
  if (typeof value !== "string") {
    throw new ValidationError(field, `must be a string, got ${typeof value}`);
  }
  if (hasSeparator(value)) {
    throw new ValidationError(field, "must not contain the characters \\u0001 or \\u0002");
  }
}

/**
 * Check user properties (Java `putUserProperty`): names and values non-blank strings without
 * 0x01/0x02, names not in {@link RESERVED_PROPERTY_NAMES}. Errors name `properties.<name>`.
 *
 * @param props user properties
 * @param field field prefix for the error (default "properties"; e.g. `messages[2].properties`)
 * @throws ValidationError
 */
export function checkProperties(
  props: Iterable<readonly [string, unknown]> | Readonly<Record<string, unknown>>,
  field = "properties",
): void {
  if (typeof props !== "object" || props === null) {
    throw new ValidationError(field, "must be an object mapping names to strings");
  }
  const entries = Symbol.iterator in props
    ? props as Iterable<readonly [string, unknown]>
    : Object.entries(props);
  for (const [name, value] of entries) {
    const f = `${field}.${name}`;
    if (typeof name !== "string" || name.trim() === "") {
      throw new ValidationError(f, "name must not be blank");
    }
    if (hasSeparator(name)) {
      throw new ValidationError(f, "name must not contain the characters \\u0001 or \\u0002");
    }
    if (RESERVED_PROPERTY_NAMES.has(name)) {
      throw new ValidationError(f, `name is reserved by RocketMQ (${name})`);
    }
    checkPropertyText(f, value);
    if (value.trim() === "") throw new ValidationError(f, "value must not be blank");
  }
}

/** The broker's default `messageDelayLevel` has 18 levels: 1s 5s 10s 30s 1m … 10m 20m 30m 1h 2h. */
export const MAX_DELAY_TIME_LEVEL = 18;

/**
 * Check a delay level: an integer in 0..18 (0 = none; 1..18 the levels of the broker's default
 * `messageDelayLevel`). The Java client sends any level and the broker silently clamps one above
 * its maximum to the longest delay (2 h); we refuse it instead, so a typo is not a 2-hour delay.
 *
 * @param level the level
 * @param field field name for the error (default "delayTimeLevel")
 * @throws ValidationError
 */
export function checkDelayTimeLevel(
  level: unknown,
  field = "delayTimeLevel",
): asserts level is number {
  if (
    typeof level !== "number" || !Number.isInteger(level) || level < 0 ||
    level > MAX_DELAY_TIME_LEVEL
  ) {
    throw new ValidationError(
      field,
      `must be an integer in 0..${MAX_DELAY_TIME_LEVEL} (1..${MAX_DELAY_TIME_LEVEL}: 1s 5s 10s 30s ` +
        `1m 2m 3m 4m 5m 6m 7m 8m 9m 10m 20m 30m 1h 2h; 0: no delay), got ${String(level)}`,
    );
  }
}

/**
 * Check a message flag (`Message.flag`): an int32.
 *
 * @param flag the flag
 * @param field field name for the error (default "flag")
 * @throws ValidationError
 */
export function checkFlag(flag: unknown, field = "flag"): asserts flag is number {
  if (
    typeof flag !== "number" || !Number.isInteger(flag) || flag < -0x80000000 || flag > 0x7fffffff
  ) {
    throw new ValidationError(field, `must be a 32-bit integer, got ${String(flag)}`);
  }
}

/**
 * Check message keys: a string or array of strings, each non-empty and free of separators. Keys
 * are joined with one space on the wire, so a key containing a space becomes two keys.
 *
 * @param keys the keys
 * @param field field name for the error (default "keys")
 * @throws ValidationError
 */
export function checkKeys(keys: unknown, field = "keys"): asserts keys is string | string[] {
  const list = Array.isArray(keys) ? keys : [keys];
  for (let i = 0; i < list.length; i++) {
    const f = Array.isArray(keys) ? `${field}[${i}]` : field;
    checkPropertyText(f, list[i]);
    if (list[i] === "") throw new ValidationError(f, "must not be empty");
  }
}

/**
 * Check a positive integer option (timeouts, sizes, counts).
 *
 * @param field option name, e.g. `options.sendTimeoutMs`
 * @param value the value
 * @param min smallest allowed value (default 1)
 * @throws ValidationError
 */
export function checkIntegerOption(
  field: string,
  value: unknown,
  min = 1,
): asserts value is number {
  if (typeof value !== "number" || !Number.isSafeInteger(value) || value < min) {
    throw new ValidationError(field, `must be an integer ≥ ${min}, got ${String(value)}`);
  }
}

/** What {@link checkBatchMessage} needs of each message of a batch. */
export interface BatchMessageShape {
  /** Topic. */
  topic: string;
  /** Delay level, if any. */
  delayTimeLevel?: number;
  /** Whether the broker should wait for the store (default true). */
  waitStoreMsgOK?: boolean;
}

/**
 * Check the batch rules of Java `MessageBatch.generateFromList` for message `i`, against the first
 * message: same topic, no delay level, not a `%RETRY%` topic, equal `waitStoreMsgOK`.
 *
 * @param msg message i
 * @param first message 0
 * @param i its index
 * @throws ValidationError naming `messages[i].<field>`
 */
export function checkBatchMessage(
  msg: BatchMessageShape,
  first: BatchMessageShape,
  i: number,
): void {
  if (msg.delayTimeLevel !== undefined && msg.delayTimeLevel > 0) {
    throw new ValidationError(`messages[${i}].delayTimeLevel`, "must be unset in a batch");
  }
  if (msg.topic.startsWith(RETRY_GROUP_TOPIC_PREFIX)) {
    throw new ValidationError(
      `messages[${i}].topic`,
      `must not start with ${RETRY_GROUP_TOPIC_PREFIX} in a batch`,
    );
  }
  if (msg.topic !== first.topic) {
    throw new ValidationError(
      `messages[${i}].topic`,
      `must equal the first message's topic "${first.topic}" in a batch, got "${msg.topic}"`,
    );
  }
  if ((msg.waitStoreMsgOK ?? true) !== (first.waitStoreMsgOK ?? true)) {
    throw new ValidationError(
      `messages[${i}].waitStoreMsgOK`,
      "must equal the first message's waitStoreMsgOK in a batch",
    );
  }
}

/**
 * Largest properties text of one message, in UTF-8 bytes: the broker refuses a longer one
 * (`Short.MAX_VALUE`, answered as code 13 MESSAGE_ILLEGAL).
 */
export const MAX_PROPERTIES_BYTES = 0x7fff;

/** UTF-16 units past which a string may exceed {@link MAX_PROPERTIES_BYTES} in UTF-8. */
const MAY_EXCEED = Math.floor(MAX_PROPERTIES_BYTES / 3);

function utf8Length(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) n += 1;
    else if (c < 0x800) n += 2;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
      n += 4;
      i++;
    } else n += 3;
  }
  return n;
}

/**
 * Check a message's properties text against the broker's limit ({@link MAX_PROPERTIES_BYTES}).
 * Counting runs only when the text is long enough to possibly exceed it; the error names the
 * largest field (`tags`, `keys` or `properties.<name>`), the one to shorten.
 *
 * @param text the properties text as sent
 * @param fields the fields it was built from, by name (prefix included)
 * @throws ValidationError naming the largest field
 */
export function checkPropertiesSize(
  text: string,
  fields: () => Iterable<readonly [string, string]>,
): void {
  if (text.length <= MAY_EXCEED) return;
  const total = utf8Length(text);
  if (total <= MAX_PROPERTIES_BYTES) return;
  let largest = "properties";
  let largestBytes = -1;
  for (const [name, value] of fields()) {
    const n = utf8Length(value);
    if (n > largestBytes) [largest, largestBytes] = [name, n];
  }
  throw new ValidationError(
    largest,
    `is ${largestBytes} bytes; a message's properties must total at most ` +
      `${MAX_PROPERTIES_BYTES} bytes in UTF-8 (the broker's limit), got ${total}`,
  );
}
