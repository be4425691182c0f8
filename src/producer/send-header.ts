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
/** Slots of the template cache (direct-mapped by topic, broker and queue). */
const TEMPLATE_SLOTS = 256;

/** A cached part with a small number identifying it in template slots. */
interface Part {
  readonly bytes: Uint8Array;
  readonly id: number;
}

/**
 * The whole extFields of a plain message for one (topic, broker, queue, flags, properties parts),
 * with room for the two values that change from send to send: bornTimestamp's digits at
 * `bornAt` and the UNIQ_KEY at `idAt`. A send then copies one run of bytes and patches those.
 */
interface Template {
  readonly head: Part;
  readonly tail: Part;
  readonly propsHead: Uint8Array;
  readonly propsTail: Uint8Array;
  readonly queueId: number;
  readonly sysFlag: number;
  readonly flag: number;
  readonly bornLength: number;
  readonly idHeadLength: number;
  readonly bytes: Uint8Array;
  readonly bornAt: number;
  readonly idAt: number;
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

/**
 * A reusable {@link JsonFieldsWriter} for send headers: {@link prepare} it, then hand it to the
 * encoder at once (it holds one send's values at a time).
 */
export class SendHeaderWriter implements JsonFieldsWriter {
  /** Bytes {@link write} writes for the prepared send. */
  byteLength = 0;
  readonly #k: HeaderConstants;
  readonly #heads = new Map<string, Part>();
  readonly #tails = new Map<string, Part>();
  #partIds = 0;
  #head: Part = { bytes: F, id: -1 };
  #headTopic: string | undefined;
  #tail: Part = { bytes: F, id: -1 };
  #tailKey: string | undefined;
  readonly #templates: (Template | undefined)[] = new Array(TEMPLATE_SLOTS).fill(undefined);
  /** The template of the prepared send, when it is a plain message. */
  #template: Template | undefined;
  /** Where the last {@link #writeFields} put the born digits and the id. */
  #bornAt = 0;
  #idAt = 0;
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
      head = this.#part(
        '{"a":' + q(k.group) + ',"b":' + q(p.topic) + ',"c":' + q(k.createTopicKey) +
          ',"d":' + q(k.defaultTopicQueueNums) + ',"e":"',
      );
      if (this.#heads.size >= MAX_CACHED) this.#heads.clear();
      this.#heads.set(p.topic, head);
    }
    const tailKey = p.batch ? "\u0001" + brokerName : brokerName;
    let tail = tailKey === this.#tailKey ? this.#tail : this.#tails.get(tailKey);
    if (tail === undefined) {
      tail = this.#part(
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
    if (p.propsHead !== undefined && p.propsTail !== undefined) {
      // Cached JSON of both parts (quotes included) around the id, which is hex: no escaping.
      // The id is written from the generator's bytes: its head, then 4 hex digits.
      this.#propsHead = p.propsHead.json;
      this.#propsTail = p.propsTail.json;
      this.#idHead = p.idStem!.bytes;
      this.#idCounter = p.idCounter;
      this.#propsLength = -2;
      const t = this.#templateOf(head, tail, queueId, p.sysFlag, p.flag);
      this.#template = t;
      this.byteLength = t.bytes.length;
      return this;
    }
    this.#template = undefined;
    const props = p.properties;
    this.#props = props;
    let propsBytes = escapedAsciiLength(props);
    if (propsBytes < 0) {
      this.#propsJson = encodeUtf8(q(props));
      this.#propsLength = -1;
      propsBytes = this.#propsJson.length;
    } else {
      this.#propsJson = undefined;
      this.#propsLength = propsBytes;
      propsBytes += 2;
    }
    this.byteLength = head.bytes.length + intLength(queueId) + F.length +
      intLength(p.sysFlag) + G.length + this.#bornDigits.length + H.length + intLength(p.flag) +
      I.length + propsBytes + tail.bytes.length;
    return this;
  }

  #part(text: string): Part {
    return { bytes: encodeUtf8(text), id: this.#partIds++ };
  }

  /** The template of the prepared plain send: cached, or written now. */
  #templateOf(head: Part, tail: Part, queueId: number, sysFlag: number, flag: number): Template {
    const slot = (queueId + 8 * tail.id + 64 * head.id) & (TEMPLATE_SLOTS - 1);
    const t = this.#templates[slot];
    if (
      t !== undefined && t.head === head && t.tail === tail && t.queueId === queueId &&
      t.propsHead === this.#propsHead && t.propsTail === this.#propsTail &&
      t.sysFlag === sysFlag && t.flag === flag && t.bornLength === this.#bornDigits.length &&
      t.idHeadLength === this.#idHead.length
    ) return t;
    // Written by the general writer once; only the born digits and the id vary afterwards.
    const length = head.bytes.length + intLength(queueId) + F.length + intLength(sysFlag) +
      G.length + this.#bornDigits.length + H.length + intLength(flag) + I.length +
      this.#propsHead.length + this.#idHead.length + 4 + this.#propsTail.length +
      tail.bytes.length;
    const bytes = new Uint8Array(length);
    this.#writeFields(bytes, 0);
    const made: Template = {
      head,
      tail,
      propsHead: this.#propsHead,
      propsTail: this.#propsTail,
      queueId,
      sysFlag,
      flag,
      bornLength: this.#bornDigits.length,
      idHeadLength: this.#idHead.length,
      bytes,
      bornAt: this.#bornAt,
      idAt: this.#idAt,
    };
    this.#templates[slot] = made;
    return made;
  }

  /** Write the prepared extFields JSON at `buf[at]`. */
  write(buf: Uint8Array, at: number): void {
    const t = this.#template;
    if (t === undefined) return this.#writeFields(buf, at);
    buf.set(t.bytes, at);
    buf.set(this.#bornDigits, at + t.bornAt);
    this.#writeId(buf, at + t.idAt);
  }

  /** Write field by field, noting where the born digits and the id went (for templates). */
  #writeFields(buf: Uint8Array, at: number): void {
    const head = this.#head.bytes;
    buf.set(head, at);
    let p = writeInt(buf, at + head.length, this.#queueId);
    buf.set(F, p);
    p = writeInt(buf, p + F.length, this.#sysFlag);
    buf.set(G, p);
    p += G.length;
    this.#bornAt = p - at;
    buf.set(this.#bornDigits, p);
    p += this.#bornDigits.length;
    buf.set(H, p);
    p = writeInt(buf, p + H.length, this.#flag);
    buf.set(I, p);
    p += I.length;
    if (this.#propsLength === -2) {
      const propsHead = this.#propsHead;
      buf.set(propsHead, p);
      p += propsHead.length;
      this.#idAt = p - at;
      p = this.#writeId(buf, p);
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
    buf.set(this.#tail.bytes, p);
  }

  /** The UNIQ_KEY from the generator's bytes: its head, then 4 upper-case hex digits. */
  #writeId(buf: Uint8Array, p: number): number {
    buf.set(this.#idHead, p);
    p += this.#idHead.length;
    const c = this.#idCounter;
    buf[p] = HEX_UPPER[(c >>> 12) & 15];
    buf[p + 1] = HEX_UPPER[(c >>> 8) & 15];
    buf[p + 2] = HEX_UPPER[(c >>> 4) & 15];
    buf[p + 3] = HEX_UPPER[c & 15];
    return p + 4;
  }
}
