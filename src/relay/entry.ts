/**
 * One message of the native JSON / NDJSON API, checked and turned into a producer
 * {@link Message} plus the relay's extras. Unknown fields are refused (nothing silently dropped).
 *
 * ```json
 * { "id": "a1", "body": "hello", "encoding": "utf8", "tags": "TagA", "keys": ["k1"],
 *   "properties": { "source": "web" }, "shardingKey": "order-42", "delayLevel": 3,
 *   "deliverAt": 1767225600000 }
 * ```
 *
 * @module
 */

import { ValidationError } from "../errors.ts";
import type { Message } from "../producer/types.ts";
import { checkProperties } from "../producer/validation.ts";
import { badRequest } from "./publisher.ts";
import type { RelayPublishExtra } from "./types.ts";

/** A checked entry. */
export interface RelayEntry {
  /** The caller's `id`, or the entry's index when it has none. */
  id: string | number;
  /** The message (topic filled in by the route). */
  message: Message;
  /** Sharding key / delivery time. */
  extra: RelayPublishExtra;
  /** Body bytes. */
  bytes: number;
}

const FIELDS = new Set([
  "id",
  "body",
  "encoding",
  "tags",
  "keys",
  "properties",
  "shardingKey",
  "delayLevel",
  "deliverAt",
]);
const BASE64_RE = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const encoder = new TextEncoder();

function decodeBase64(field: string, s: string): Uint8Array {
  const clean = s.replace(/[\r\n]/g, "");
  if (!BASE64_RE.test(clean)) throw badRequest(field, "is not valid base64");
  // atob runs on every runtime we support (workerd included).
  const bin = atob(clean);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

/**
 * Check one JSON entry.
 *
 * @param value the parsed JSON value
 * @param topic the route's topic
 * @param index position in the array / line number in the stream (default id)
 * @param prefix field-name prefix for errors (`""`, `"[3]."`, `"line 3: "`)
 * @returns the entry
 * @throws RelayHttpError 400 naming the field
 */
export function parseEntry(
  value: unknown,
  topic: string,
  index: number,
  prefix: string,
): RelayEntry {
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    throw badRequest(prefix === "" ? "message" : prefix.replace(/\.$/, ""), "must be an object");
  }
  const v = value as Record<string, unknown>;
  for (const k of Object.keys(v)) {
    if (!FIELDS.has(k)) throw badRequest(prefix + k, "is not a known field");
  }
  const id = v.id ?? index;
  if (typeof id !== "string" && typeof id !== "number") {
    throw badRequest(prefix + "id", "must be a string or a number");
  }
  if (typeof v.body !== "string") throw badRequest(prefix + "body", "is required (a string)");
  const encoding = v.encoding ?? "utf8";
  if (encoding !== "utf8" && encoding !== "base64") {
    throw badRequest(prefix + "encoding", 'must be "utf8" or "base64"');
  }
  const body = encoding === "base64"
    ? decodeBase64(prefix + "body", v.body)
    : encoder.encode(v.body);
  if (body.length === 0) throw badRequest(prefix + "body", "must not be empty");
  const message: Message = { topic, body };
  if (v.tags !== undefined) {
    if (typeof v.tags !== "string") throw badRequest(prefix + "tags", "must be a string");
    message.tags = v.tags;
  }
  if (v.keys !== undefined) {
    const ok = typeof v.keys === "string" ||
      (Array.isArray(v.keys) && v.keys.every((k) => typeof k === "string"));
    if (!ok) throw badRequest(prefix + "keys", "must be a string or an array of strings");
    message.keys = v.keys as string | string[];
  }
  if (v.properties !== undefined) {
    const p = v.properties;
    if (p === null || typeof p !== "object" || Array.isArray(p)) {
      throw badRequest(prefix + "properties", "must be an object of strings");
    }
    for (const [k, pv] of Object.entries(p)) {
      if (typeof pv !== "string") throw badRequest(`${prefix}properties.${k}`, "must be a string");
    }
    // The producer's own check, here so that one bad entry fails alone, not its whole batch.
    try {
      checkProperties(p as Record<string, string>, prefix + "properties");
    } catch (e) {
      if (e instanceof ValidationError) {
        throw badRequest(e.field ?? prefix + "properties", e.message);
      }
      throw e;
    }
    message.properties = { ...(p as Record<string, string>) };
  }
  if (v.delayLevel !== undefined) {
    if (typeof v.delayLevel !== "number") {
      throw badRequest(prefix + "delayLevel", "must be an integer 1..18");
    }
    message.delayTimeLevel = v.delayLevel;
  }
  const extra: RelayPublishExtra = {};
  if (v.shardingKey !== undefined) {
    if (typeof v.shardingKey !== "string" || v.shardingKey === "") {
      throw badRequest(prefix + "shardingKey", "must be a non-empty string");
    }
    extra.shardingKey = v.shardingKey;
  }
  if (v.deliverAt !== undefined) {
    if (typeof v.deliverAt !== "number" || !Number.isSafeInteger(v.deliverAt) || v.deliverAt <= 0) {
      throw badRequest(prefix + "deliverAt", "must be a positive integer (epoch ms)");
    }
    extra.deliverAt = v.deliverAt;
  }
  return { id, message, extra, bytes: body.length };
}

/**
 * Whether an entry can go out inside a RocketMQ batch (batches carry no delay and no selector).
 *
 * @param e the entry
 * @returns true for a plain message
 */
export function isPlainEntry(e: RelayEntry): boolean {
  return e.extra.shardingKey === undefined && e.extra.deliverAt === undefined &&
    (e.message.delayTimeLevel === undefined || e.message.delayTimeLevel === 0);
}

/**
 * Add the `Idempotency-Key` to a message's keys.
 *
 * @param m the message (changed in place)
 * @param key the idempotency key
 */
export function addKey(m: Message, key: string): void {
  if (m.keys === undefined) m.keys = key;
  else if (typeof m.keys === "string") m.keys = [m.keys, key];
  else m.keys = [...m.keys, key];
}
