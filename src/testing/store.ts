/**
 * The in-memory message store of an embedded broker: topic configs, per-queue offsets, a
 * commit-log offset counter that advances by the real stored-record size, and the stored-record
 * encoding (Java `MessageDecoder.encode`) used by VIEW_MESSAGE_BY_ID and transaction check-backs.
 *
 * The hot path keeps raw fields only; properties are parsed when a test inspects them.
 *
 * @module
 */

import { decodeProperties } from "../codec/properties.ts";
import { javaHashMapOrder } from "./_java-order.ts";

const encoder = new TextEncoder();

/** A topic's configuration on one broker. */
export interface TopicConfig {
  /** Topic name. */
  topic: string;
  /** Readable queue count. */
  readQueueNums: number;
  /** Writable queue count. */
  writeQueueNums: number;
  /** Permission bits (6 = read/write, 7 adds inherit). */
  perm: number;
  /** Topic system flag. */
  topicSysFlag: number;
}

/** A stored message, decoded for inspection. */
export interface StoredMessage {
  /** Topic it was stored in. */
  topic: string;
  /** Queue id. */
  queueId: number;
  /** Offset in its consume queue. */
  queueOffset: number;
  /** Physical commit-log offset. */
  commitLogOffset: bigint;
  /** offsetMsgId (store host + commit-log offset, upper-case hex). */
  msgId: string;
  /** Body bytes exactly as received (compressed if `sysFlag & 1`). */
  body: Uint8Array;
  /** Properties as stored (with the broker's `CLUSTER`, without `WAIT`). */
  properties: Map<string, string>;
  /** The properties as the client sent them (for a batch entry: the entry's own). */
  sentProperties: Map<string, string>;
  /** Message sysFlag. */
  sysFlag: number;
  /** User flag (`Message.flag`). */
  flag: number;
  /** Client's born timestamp (ms). */
  bornTimestamp: number;
  /** Broker's store timestamp (ms). */
  storeTimestamp: number;
  /** Client `ip:port`. */
  bornHost: string;
  /** Producer group from the request header. */
  producerGroup: string;
  /** Reconsume times from the request header. */
  reconsumeTimes: number;
  /** True when stored by SEND_BATCH_MESSAGE. */
  batch: boolean;
  /** Request code that stored it (10, 310, 320; 37 for a committed transaction). */
  requestCode: number;
}

/** Raw stored record (hot path: no parsing). */
export interface RawRecord {
  topic: string;
  queueId: number;
  queueOffset: number;
  commitLogOffset: number;
  /** Stored properties string (already in the broker's order). */
  props: string | undefined;
  /** When set, `props` is computed lazily from these (sent string, extra batch string). */
  sentProps: string;
  batchProps: string | undefined;
  body: Uint8Array;
  sysFlag: number;
  flag: number;
  bornTimestamp: number;
  storeTimestamp: number;
  bornHost: string;
  producerGroup: string;
  reconsumeTimes: number;
  requestCode: number;
  batch: boolean;
}

/** Parse a properties string with Java's rules (empty or absent → empty map). */
export function parseProperties(s: string | undefined): Map<string, string> {
  return s ? decodeProperties(s) : new Map();
}

/** Serialize properties in Java HashMap order (as `MessageDecoder.messageProperties2String`). */
export function javaPropertiesString(map: Map<string, string>, maxSize = map.size): string {
  return javaHashMapOrder([...map.keys()], maxSize).map((k) => `${k}\u0001${map.get(k)}`).join(
    "\u0002",
  );
}

/**
 * The properties a 4.9.8 broker stores for a single message: the sent map, re-serialized in
 * HashMap order, with `CLUSTER` added and `WAIT` dropped.
 */
export function storedSingleProperties(sent: string, cluster: string): string {
  const map = parseProperties(sent);
  map.set("CLUSTER", cluster);
  const size = map.size;
  map.delete("WAIT");
  return javaPropertiesString(map, size);
}

/** Byte length of a string's UTF-8 form (ASCII fast path). */
export function utf8Length(s: string): number {
  for (let i = 0; i < s.length; i++) {
    if (s.charCodeAt(i) >= 0x80) return encoder.encode(s).length;
  }
  return s.length;
}

/**
 * UTF-8 length of the properties a broker would store, computed without building them: the sent
 * string minus a `WAIT` pair plus a `CLUSTER` pair (single messages).
 */
export function storedSinglePropertiesLength(sent: string, clusterPairLength: number): number {
  let len = utf8Length(sent);
  let wait = -1;
  if (sent.startsWith("WAIT\u0001")) wait = 0;
  else {
    const i = sent.indexOf("\u0002WAIT\u0001");
    if (i >= 0) wait = i + 1;
  }
  if (wait >= 0) {
    const end = sent.indexOf("\u0002", wait);
    const pair = (end < 0 ? sent.length : end) - wait;
    len -= pair + (len > pair ? 1 : 0);
  }
  return len + (len > 0 ? 1 : 0) + clusterPairLength;
}

/** Size of a stored record (4.9 layout, IPv4 hosts, V1 magic). */
export function storedRecordSize(bodyLen: number, topicLen: number, propsLen: number): number {
  return 84 + 4 + bodyLen + 1 + topicLen + 2 + propsLen;
}

let crcTable: Int32Array | undefined;

/** `UtilAll.crc32`: CRC-32 (IEEE) masked to a non-negative int. */
export function crc32(bytes: Uint8Array): number {
  if (!crcTable) {
    crcTable = new Int32Array(256);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      crcTable[n] = c;
    }
  }
  let crc = -1;
  for (let i = 0; i < bytes.length; i++) crc = crcTable[(crc ^ bytes[i]) & 0xff] ^ (crc >>> 8);
  return (crc ^ -1) & 0x7fffffff;
}

function hostBytes(hostPort: string): { ip: number[]; port: number } {
  const i = hostPort.lastIndexOf(":");
  const ip = hostPort.slice(0, i).replace(/^::ffff:/, "").split(".").map(Number);
  return {
    ip: ip.length === 4 && ip.every((n) => n >= 0 && n < 256) ? ip : [127, 0, 0, 1],
    port: Number(hostPort.slice(i + 1)),
  };
}

/**
 * Encode a record in the stored-message format (`MessageDecoder.encode`, V1 magic, IPv4 hosts).
 *
 * @param r the record
 * @param props the stored properties string
 * @param storeHost the broker's `ip:port`
 * @param overrides topic/queue to show instead (check-backs show the real topic), and
 *   `storeSize0` to write 0 as total size like `MessageDecoder.encode(msg, false)`
 */
export function encodeStoredRecord(
  r: RawRecord,
  props: string,
  storeHost: string,
  overrides?: { topic?: string; queueId?: number; storeSize0?: boolean },
): Uint8Array {
  const topic = encoder.encode(overrides?.topic ?? r.topic);
  const propBytes = encoder.encode(props);
  const size = storedRecordSize(r.body.length, topic.length, propBytes.length);
  const out = new Uint8Array(size);
  const v = new DataView(out.buffer);
  let p = 0;
  v.setInt32(p, overrides?.storeSize0 ? 0 : size);
  v.setUint32(p + 4, 0xdaa320a7);
  v.setInt32(p + 8, crc32(r.body));
  v.setInt32(p + 12, overrides?.queueId ?? r.queueId);
  v.setInt32(p + 16, r.flag);
  v.setBigInt64(p + 20, BigInt(r.queueOffset));
  v.setBigInt64(p + 28, BigInt(r.commitLogOffset));
  v.setInt32(p + 36, r.sysFlag);
  v.setBigInt64(p + 40, BigInt(r.bornTimestamp));
  p = 48;
  const born = hostBytes(r.bornHost);
  out.set(born.ip, p);
  v.setInt32(p + 4, born.port);
  v.setBigInt64(p + 8, BigInt(r.storeTimestamp));
  const store = hostBytes(storeHost);
  out.set(store.ip, p + 16);
  v.setInt32(p + 20, store.port);
  v.setInt32(p + 24, r.reconsumeTimes);
  v.setBigInt64(p + 28, 0n);
  p += 36;
  v.setInt32(p, r.body.length);
  out.set(r.body, p + 4);
  p += 4 + r.body.length;
  out[p] = topic.length;
  out.set(topic, p + 1);
  p += 1 + topic.length;
  v.setInt16(p, propBytes.length);
  out.set(propBytes, p + 2);
  return out;
}

/** Append-only in-memory log with per-queue offsets and optional retention. */
export class MessageLog {
  #log: RawRecord[] = [];
  #queueOffsets = new Map<string, number[]>();
  /** Next physical offset. */
  commitLogOffset = 0;
  /** Messages stored since start (including ones no longer retained). */
  totalStored = 0;
  /** Keep at most this many records (oldest dropped first). */
  maxRetained: number;

  /** @param maxRetained retention limit (default: unlimited) */
  constructor(maxRetained = Infinity) {
    this.maxRetained = maxRetained;
  }

  /** Reserve `n` consecutive offsets in a queue; returns the first. */
  nextQueueOffset(topic: string, queueId: number, n = 1): number {
    let offs = this.#queueOffsets.get(topic);
    if (!offs) this.#queueOffsets.set(topic, offs = []);
    const first = offs[queueId] ?? 0;
    offs[queueId] = first + n;
    return first;
  }

  /** Current max offset (next offset) of a queue. */
  queueMaxOffset(topic: string, queueId: number): number {
    return this.#queueOffsets.get(topic)?.[queueId] ?? 0;
  }

  /** Append a record whose `commitLogOffset` was taken from {@link reserve}. */
  append(r: RawRecord): void {
    this.#log.push(r);
    this.totalStored++;
    if (this.#log.length > this.maxRetained) {
      // Drop in chunks so the splice cost is amortized.
      this.#log.splice(0, Math.max(this.#log.length - this.maxRetained, this.maxRetained >> 2, 1));
    }
  }

  /** Reserve `size` bytes of commit log; returns the record's physical offset. */
  reserve(size: number): number {
    const at = this.commitLogOffset;
    this.commitLogOffset += size;
    return at;
  }

  /** The record stored at a physical offset (binary search: the log is sorted by offset). */
  findByOffset(offset: number): RawRecord | undefined {
    let lo = 0;
    let hi = this.#log.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const o = this.#log[mid].commitLogOffset;
      if (o === offset) return this.#log[mid];
      if (o < offset) lo = mid + 1;
      else hi = mid - 1;
    }
    return undefined;
  }

  /** Retained records, oldest first. */
  records(): readonly RawRecord[] {
    return this.#log;
  }

  /** Forget every retained record (offsets keep counting). */
  clear(): void {
    this.#log = [];
  }
}
