/**
 * The SEND_MESSAGE_V2 / SEND_BATCH_MESSAGE extFields written as bytes straight into the frame
 * (see `RemotingClient.invokeJsonTo`): the parts that depend only on the producer, topic and broker
 * are encoded once and cached; per send only queueId, sysFlag, bornTimestamp, flag and the
 * properties are written. Byte-identical to `encodeFrame` of `buildSendHeader`'s object.
 *
 * @module
 */

import type { JsonFieldsWriter } from "../remoting/json-request.ts";
import { intLength, writeInt } from "../remoting/json-request.ts";
import { encodeUtf8 } from "../remoting/_utf8.ts";
import type { HeaderConstants } from "./kernel.ts";
import type { PreparedMessage } from "./message.ts";

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

/**
 * A reusable {@link JsonFieldsWriter} for send headers: {@link prepare} it, then hand it to the
 * encoder at once (it holds one send's values at a time).
 */
export class SendHeaderWriter implements JsonFieldsWriter {
  /** Bytes {@link write} writes for the prepared send. */
  byteLength = 0;
  readonly #k: HeaderConstants;
  readonly #heads = new Map<string, Uint8Array>();
  readonly #tails = new Map<string, Uint8Array>();
  #head: Uint8Array = F;
  #headTopic: string | undefined;
  #tail: Uint8Array = F;
  #tailKey: string | undefined;
  #queueId = 0;
  #sysFlag = 0;
  #flag = 0;
  #props = "";
  /**
   * Escaped properties length, or -1 when `#propsJson` holds them (non-ASCII), or -2 when they
   * are written from the cached parts around the id (`#propsHead`, `#idHead` + `#idCounter`,
   * `#propsTail`).
   */
  #propsLength = 0;
  #propsJson: Uint8Array | undefined;
  #propsHead: Uint8Array = F;
  #propsTail: Uint8Array = F;
  #idHead: Uint8Array = F;
  #idCounter = 0;
  /** Decimal digits of the last bornTimestamp: sends of the same millisecond reuse them. */
  #bornDigits: Uint8Array = F;
  #bornDigitsOf = NaN;

  /** @param k the producer's header constants */
  constructor(k: HeaderConstants) {
    this.#k = k;
  }

  /**
   * Load one send's values.
   *
   * @param p prepared message
   * @param queueId target queue id
   * @param brokerName target broker name
   * @param bornTimestamp client epoch ms
   * @returns this writer
   */
  prepare(
    p: PreparedMessage,
    queueId: number,
    brokerName: string,
    bornTimestamp: number,
  ): this {
    const k = this.#k;
    // The topic and broker of the previous send are the likely ones: no map lookup then.
    let head = p.topic === this.#headTopic ? this.#head : this.#heads.get(p.topic);
    if (head === undefined) {
      head = encodeUtf8(
        '{"a":' + q(k.group) + ',"b":' + q(p.topic) + ',"c":' + q(k.createTopicKey) +
          ',"d":' + q(k.defaultTopicQueueNums) + ',"e":"',
      );
      if (this.#heads.size >= MAX_CACHED) this.#heads.clear();
      this.#heads.set(p.topic, head);
    }
    const tailKey = p.batch ? "\u0001" + brokerName : brokerName;
    let tail = tailKey === this.#tailKey ? this.#tail : this.#tails.get(tailKey);
    if (tail === undefined) {
      tail = encodeUtf8(
        ',"j":"0","k":"false","m":"' + (p.batch ? "true" : "false") + '","n":' + q(brokerName) +
          "}",
      );
      if (this.#tails.size >= MAX_CACHED) this.#tails.clear();
      this.#tails.set(tailKey, tail);
    }
    this.#head = head;
    this.#headTopic = p.topic;
    this.#tail = tail;
    this.#tailKey = tailKey;
    this.#queueId = queueId;
    this.#sysFlag = p.sysFlag;
    if (bornTimestamp !== this.#bornDigitsOf) {
      const digits = new Uint8Array(intLength(bornTimestamp));
      writeInt(digits, 0, bornTimestamp);
      this.#bornDigits = digits;
      this.#bornDigitsOf = bornTimestamp;
    }
    this.#flag = p.flag;
    let propsBytes: number;
    if (p.propsHead !== undefined && p.propsTail !== undefined) {
      // Cached JSON of both parts (quotes included) around the id, which is hex: no escaping.
      // The id is written from the generator's bytes: its head, then 4 hex digits.
      this.#propsHead = p.propsHead.json;
      this.#propsTail = p.propsTail.json;
      this.#idHead = p.idHead!;
      this.#idCounter = p.idCounter;
      this.#propsLength = -2;
      propsBytes = p.propsHead.json.length + this.#idHead.length + 4 + p.propsTail.json.length;
    } else {
      const props = p.properties;
      this.#props = props;
      propsBytes = escapedAsciiLength(props);
      if (propsBytes < 0) {
        this.#propsJson = encodeUtf8(q(props));
        this.#propsLength = -1;
        propsBytes = this.#propsJson.length;
      } else {
        this.#propsJson = undefined;
        this.#propsLength = propsBytes;
        propsBytes += 2;
      }
    }
    this.byteLength = head.length + intLength(queueId) + F.length + intLength(p.sysFlag) +
      G.length + this.#bornDigits.length + H.length + intLength(p.flag) + I.length +
      propsBytes + tail.length;
    return this;
  }

  /** Write the prepared extFields JSON at `buf[at]`. */
  write(buf: Uint8Array, at: number): void {
    buf.set(this.#head, at);
    let p = writeInt(buf, at + this.#head.length, this.#queueId);
    buf.set(F, p);
    p = writeInt(buf, p + F.length, this.#sysFlag);
    buf.set(G, p);
    p += G.length;
    buf.set(this.#bornDigits, p);
    p += this.#bornDigits.length;
    buf.set(H, p);
    p = writeInt(buf, p + H.length, this.#flag);
    buf.set(I, p);
    p += I.length;
    if (this.#propsLength === -2) {
      const head = this.#propsHead;
      buf.set(head, p);
      p += head.length;
      buf.set(this.#idHead, p);
      p += this.#idHead.length;
      const c = this.#idCounter;
      buf[p++] = HEX_UPPER[(c >>> 12) & 15];
      buf[p++] = HEX_UPPER[(c >>> 8) & 15];
      buf[p++] = HEX_UPPER[(c >>> 4) & 15];
      buf[p++] = HEX_UPPER[c & 15];
      buf.set(this.#propsTail, p);
      p += this.#propsTail.length;
    } else if (this.#propsLength < 0) {
      buf.set(this.#propsJson!, p);
      p += this.#propsJson!.length;
    } else {
      buf[p++] = 0x22;
      p = writeEscapedAscii(buf, p, this.#props);
      buf[p++] = 0x22;
    }
    buf.set(this.#tail, p);
  }
}
