/**
 * The request header of a send (Java `SendMessageRequestHeaderV2`): the a…n
 * field table, the header of one attempt as an object (binary headers, one-way sends, hooks of
 * fakes) and as the JSON bytes written straight into the frame (the common path), byte-identical
 * to what `encodeFrame` writes for the object.
 *
 * The values of one attempt ({@link HeaderValues}) are carried by that attempt's own object (its
 * target, see sinks.ts), which is also the writer the remoting client calls: nothing another
 * attempt does can change them between the moment the attempt starts and the moment its header
 * is written. What is shared between attempts ({@link HeaderParts}) is a memo of bytes that depend
 * only on their key (producer, topic, broker, batch or not, born millisecond).
 *
 * @module
 */

import type { JsonFieldsWriter } from "../../remoting/json-request.ts";
import { intLength, writeInt } from "../../remoting/json-request.ts";
import { encodeUtf8 } from "../../remoting/_utf8.ts";
import type { MessageQueue } from "../../route/message-queue.ts";
import type { PreparedMessage } from "./prepare.ts";

/**
 * The fields of SEND_MESSAGE_V2 / SEND_BATCH_MESSAGE in the order the Java client writes them
 * (the Java client's order): wire name, then the field of `SendMessageRequestHeader` it abbreviates.
 * `l` (maxReconsumeTimes) belongs to retry topics and comes from a reserved property we never
 * carry, so it is never written.
 */
export const SEND_HEADER_FIELDS: readonly (readonly [wire: string, java: string])[] = [
  ["a", "producerGroup"],
  ["b", "topic"],
  ["c", "defaultTopic"],
  ["d", "defaultTopicQueueNums"],
  ["e", "queueId"],
  ["f", "sysFlag"],
  ["g", "bornTimestamp"],
  ["h", "flag"],
  ["i", "properties"],
  ["j", "reconsumeTimes"],
  ["k", "unitMode"],
  ["m", "batch"],
  ["n", "brokerName"],
];

/** `JSON.stringify` of a header string value. */
const q = JSON.stringify;
const F = encodeUtf8('","f":"');
const G = encodeUtf8('","g":"');
const H = encodeUtf8('","h":"');
const I = encodeUtf8('","i":');
/** Two-character escapes of JSON.stringify for control characters (others are `\u00xx`). */
const SHORT_ESCAPE: Record<number, number> = { 8: 0x62, 9: 0x74, 10: 0x6e, 12: 0x66, 13: 0x72 };
const HEX = encodeUtf8("0123456789abcdef");
const HEX_UPPER = encodeUtf8("0123456789ABCDEF");
/** Cached parts kept per producer at most (topics × brokers is small in practice). */
const MAX_CACHED = 10_000;

/**
 * The producer's constant header values and the bytes of the header's constant runs: `{"a":…,
 * "b":…,"c":…,"d":…,"e":"` per topic and `,"j":"0","k":"false","m":…,"n":…}` per broker and
 * batch flag, encoded once.
 */
export class HeaderParts {
  /** `a`: producer group (namespace applied). */
  readonly group: string;
  /** `c`: createTopicKey. */
  readonly createTopicKey: string;
  /** `d`: defaultTopicQueueNums as a string. */
  readonly defaultTopicQueueNums: string;
  readonly #heads = new Map<string, Uint8Array>();
  readonly #tails = new Map<string, Uint8Array>();
  // The topic and broker of the previous send are the likely ones: no map lookup then.
  #headTopic: string | undefined;
  #head: Uint8Array = F;
  #tailKey: string | undefined;
  #tail: Uint8Array = F;
  // Sends of the same millisecond share the digits of their bornTimestamp.
  #bornOf = NaN;
  #born: Uint8Array = F;

  /**
   * @param group producer group (namespace applied)
   * @param createTopicKey the auto-create template topic
   * @param defaultTopicQueueNums queues of an auto-created topic
   */
  constructor(group: string, createTopicKey: string, defaultTopicQueueNums: number) {
    this.group = group;
    this.createTopicKey = createTopicKey;
    this.defaultTopicQueueNums = String(defaultTopicQueueNums);
  }

  /** The bytes from `{"a":` up to the opening quote of `e` for `topic`. */
  head(topic: string): Uint8Array {
    if (topic === this.#headTopic) return this.#head;
    let head = this.#heads.get(topic);
    if (head === undefined) {
      head = encodeUtf8(
        '{"a":' + q(this.group) + ',"b":' + q(topic) + ',"c":' + q(this.createTopicKey) +
          ',"d":' + q(this.defaultTopicQueueNums) + ',"e":"',
      );
      if (this.#heads.size >= MAX_CACHED) this.#heads.clear();
      this.#heads.set(topic, head);
    }
    this.#headTopic = topic;
    this.#head = head;
    return head;
  }

  /** The decimal digits of `bornTimestamp`. */
  bornDigits(bornTimestamp: number): Uint8Array {
    if (bornTimestamp === this.#bornOf) return this.#born;
    const digits = new Uint8Array(intLength(bornTimestamp));
    writeInt(digits, 0, bornTimestamp);
    this.#bornOf = bornTimestamp;
    this.#born = digits;
    return digits;
  }

  /** The bytes from `,"j":` to the closing brace for a batch or not, to `brokerName`. */
  tail(batch: boolean, brokerName: string): Uint8Array {
    const key = batch ? "\u0001" + brokerName : brokerName;
    if (key === this.#tailKey) return this.#tail;
    let tail = this.#tails.get(key);
    if (tail === undefined) {
      tail = encodeUtf8(
        ',"j":"0","k":"false","m":"' + (batch ? "true" : "false") + '","n":' + q(brokerName) +
          "}",
      );
      if (this.#tails.size >= MAX_CACHED) this.#tails.clear();
      this.#tails.set(key, tail);
    }
    this.#tailKey = key;
    this.#tail = tail;
    return tail;
  }
}

/** The values of one attempt's header (the attempt's target carries them: see sinks.ts). */
export interface HeaderValues {
  /** The message. */
  readonly prepared: PreparedMessage;
  /** The queue of the attempt (`e`, `n`). */
  readonly queue: MessageQueue;
  /** The attempt's start, client epoch ms (`g`). */
  readonly bornTimestamp: number;
}

/**
 * One attempt's header as the extFields object, in {@link SEND_HEADER_FIELDS} order.
 *
 * @param k the producer's header parts
 * @param v the attempt's values
 * @returns the extFields
 */
export function sendHeaderFields(k: HeaderParts, v: HeaderValues): Record<string, string> {
  const p = v.prepared;
  return {
    a: k.group,
    b: p.topic,
    c: k.createTopicKey,
    d: k.defaultTopicQueueNums,
    e: String(v.queue.queueId),
    f: String(p.sysFlag),
    g: String(v.bornTimestamp),
    h: String(p.flag),
    i: p.properties,
    j: "0",
    k: "false",
    m: p.batch ? "true" : "false",
    n: v.queue.brokerName,
  };
}

/**
 * The length of {@link writeSendHeader}'s bytes.
 *
 * @param k the producer's header parts
 * @param v the attempt's values
 * @returns bytes
 */
export function sendHeaderLength(k: HeaderParts, v: HeaderValues): number {
  const p = v.prepared;
  return k.head(p.topic).length + intLength(v.queue.queueId) + F.length + intLength(p.sysFlag) +
    G.length + k.bornDigits(v.bornTimestamp).length + H.length + intLength(p.flag) + I.length +
    propsLength(p) + k.tail(p.batch, v.queue.brokerName).length;
}

/** JSON length of the properties, quotes included. */
function propsLength(p: PreparedMessage): number {
  if (p.propsHead !== undefined) {
    // Cached JSON of both parts (quotes included) around the id, which is hex: no escaping.
    return p.propsHead.json.length + p.idStem!.bytes.length + 4 + p.propsTail!.json.length;
  }
  const n = escapedAsciiLength(p.properties);
  return n < 0 ? encodeUtf8(q(p.properties)).length : n + 2;
}

/**
 * One attempt's header as the JSON bytes `encodeFrame` writes for {@link sendHeaderFields}.
 *
 * @param k the producer's header parts
 * @param v the attempt's values
 * @param buf where to write ({@link sendHeaderLength} bytes)
 * @param at where in `buf`
 */
export function writeSendHeader(
  k: HeaderParts,
  v: HeaderValues,
  buf: Uint8Array,
  at: number,
): void {
  const p = v.prepared;
  let w = writeBytes(buf, at, k.head(p.topic));
  w = writeNumber(buf, w, v.queue.queueId);
  w = writeNumber(buf, nextField(buf, w, 0x66), p.sysFlag); // f
  w = writeBytes(buf, nextField(buf, w, 0x67), k.bornDigits(v.bornTimestamp)); // g
  w = writeNumber(buf, nextField(buf, w, 0x68), p.flag); // h
  w = nextField(buf, w, 0x69) - 1; // i: its value is JSON text with its own quotes
  if (p.propsHead !== undefined) {
    w = writeBytes(buf, w, p.propsHead.json);
    // The UNIQ_KEY from the generator's bytes: its stem, then 4 upper-case hex digits.
    w = writeBytes(buf, w, p.idStem!.bytes);
    const c = p.idCounter;
    buf[w] = HEX_UPPER[(c >>> 12) & 15];
    buf[w + 1] = HEX_UPPER[(c >>> 8) & 15];
    buf[w + 2] = HEX_UPPER[(c >>> 4) & 15];
    buf[w + 3] = HEX_UPPER[c & 15];
    w = writeBytes(buf, w + 4, p.propsTail!.json);
  } else if (escapedAsciiLength(p.properties) < 0) {
    w = writeBytes(buf, w, encodeUtf8(q(p.properties)));
  } else {
    buf[w++] = 0x22;
    w = writeEscapedAscii(buf, w, p.properties);
    buf[w++] = 0x22;
  }
  buf.set(k.tail(p.batch, v.queue.brokerName), w);
}

/**
 * An attempt's header as a `JsonFieldsWriter` of its own (tests, and callers without a target).
 *
 * @param k the producer's header parts
 * @param v the attempt's values
 * @returns the writer
 */
export function sendHeaderWriter(k: HeaderParts, v: HeaderValues): JsonFieldsWriter {
  return { byteLength: sendHeaderLength(k, v), write: (buf, at) => writeSendHeader(k, v, buf, at) };
}

/** `writeInt`, with the one-digit numbers most fields hold written directly. */
function writeNumber(buf: Uint8Array, at: number, n: number): number {
  if (n >= 0 && n < 10) {
    buf[at] = 0x30 + n;
    return at + 1;
  }
  return writeInt(buf, at, n);
}

/**
 * `","<name>":"`: the end of one string field and the start of the next, stored directly (a
 * `set` of a 7-byte constant costs more than the stores).
 */
function nextField(buf: Uint8Array, at: number, name: number): number {
  buf[at] = 0x22;
  buf[at + 1] = 0x2c;
  buf[at + 2] = 0x22;
  buf[at + 3] = name;
  buf[at + 4] = 0x22;
  buf[at + 5] = 0x3a;
  buf[at + 6] = 0x22;
  return at + 7;
}

function writeBytes(buf: Uint8Array, at: number, bytes: Uint8Array): number {
  buf.set(bytes, at);
  return at + bytes.length;
}

/** Bytes of `JSON.stringify(s)` without its quotes when `s` is ASCII, else -1. */
function escapedAsciiLength(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0x80) return -1;
    if (c >= 0x20) n += c === 0x22 || c === 0x5c ? 2 : 1;
    else n += SHORT_ESCAPE[c] !== undefined ? 2 : 6;
  }
  return n;
}

/** Write what {@link escapedAsciiLength} measured. */
function writeEscapedAscii(buf: Uint8Array, p: number, s: string): number {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0x20 && c !== 0x22 && c !== 0x5c) {
      buf[p++] = c;
    } else if (c >= 0x20) {
      buf[p++] = 0x5c;
      buf[p++] = c;
    } else if (SHORT_ESCAPE[c] !== undefined) {
      buf[p++] = 0x5c;
      buf[p++] = SHORT_ESCAPE[c];
    } else {
      buf[p++] = 0x5c;
      buf[p++] = 0x75;
      buf[p++] = 0x30;
      buf[p++] = 0x30;
      buf[p++] = HEX[c >> 4];
      buf[p++] = HEX[c & 15];
    }
  }
  return p;
}
