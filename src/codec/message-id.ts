/**
 * Message ids (Java `MessageClientIDSetter`, `MessageDecoder.createMessageId`): the client `UNIQ_KEY` (Java `MessageClientIDSetter`) and the
 * broker's offsetMsgId (Java `MessageDecoder.createMessageId` / `decodeMessageId`).
 *
 * @module
 */

import { ValidationError } from "../errors.ts";

/** Upper-case two-digit hex of every byte value (Java `UtilAll.bytes2string` alphabet). */
const HEX: readonly string[] = Array.from(
  { length: 256 },
  (_, i) => i.toString(16).toUpperCase().padStart(2, "0"),
);

function toHex(bytes: Uint8Array): string {
  let s = "";
  for (let i = 0; i < bytes.length; i++) s += HEX[bytes[i]];
  return s;
}

function fromHex(field: string, hex: string): Uint8Array {
  if (hex.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(hex)) {
    throw new ValidationError(field, `must be hexadecimal with an even length, got "${hex}"`);
  }
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  return out;
}

function randomUint32(random: (() => number) | undefined): number {
  if (random !== undefined) return Math.floor(random() * 0x1_0000_0000) >>> 0;
  const a = new Uint32Array(1);
  crypto.getRandomValues(a);
  return a[0];
}

/** Start of the month containing `ms`, and of the next one, in local time (Java `Calendar`). */
function monthBounds(ms: number): [number, number] {
  const d = new Date(ms);
  const y = d.getFullYear(), m = d.getMonth();
  return [new Date(y, m, 1).getTime(), new Date(y, m + 1, 1).getTime()];
}

/** Options of {@link UniqIdGenerator}. */
export interface UniqIdGeneratorOptions {
  /** Local IP, 4 or 16 bytes (default 127.0.0.1). */
  ip?: Uint8Array;
  /** Process id; the low 16 bits are used (default random). */
  pid?: number;
  /** Per-process int standing in for Java's class-loader hash (default random). */
  hash?: number;
  /** Millisecond clock (default `Date.now`). */
  clock?: () => number;
  /** Random source for the defaults above (default `crypto.getRandomValues`). */
  random?: () => number;
  /** First counter value (default 0, as Java); only the low 16 bits are used. */
  counter?: number;
}

/**
 * Generates client message ids (`UNIQ_KEY`) in Java's layout: IP, PID (16 bits), a per-process
 * int, milliseconds since the start of the current month in local time (int32), a 16-bit
 * counter. Upper-case hex, 32 characters for IPv4 and 56 for IPv6. Only the last 12 hex
 * characters change between ids, so the prefix is computed once.
 */
export class UniqIdGenerator {
  readonly #prefix: string;
  readonly #clock: () => number;
  #startTime = 0;
  #nextStartTime = 0;
  #counter = 0;
  /** The time field of {@link lastStem}. */
  #timedDiff = NaN;

  /**
   * Create a generator.
   *
   * @param options ip, pid, hash, clock
   * @throws ValidationError when `ip` is not 4 or 16 bytes
   */
  constructor(options: UniqIdGeneratorOptions = {}) {
    const ip = options.ip ?? new Uint8Array([127, 0, 0, 1]);
    if (!(ip instanceof Uint8Array) || (ip.length !== 4 && ip.length !== 16)) {
      throw new ValidationError("ip", "must be 4 (IPv4) or 16 (IPv6) bytes");
    }
    const pid = options.pid ?? randomUint32(options.random);
    const hash = options.hash ?? randomUint32(options.random);
    const fixed = new Uint8Array(ip.length + 6);
    fixed.set(ip, 0);
    const view = new DataView(fixed.buffer);
    view.setUint16(ip.length, pid & 0xffff);
    view.setInt32(ip.length + 2, hash | 0);
    this.#prefix = toHex(fixed);
    this.#clock = options.clock ?? Date.now;
    this.#counter = (options.counter ?? 0) & 0xffff;
    this.#setStartTime(this.#clock());
  }

  #setStartTime(ms: number): void {
    [this.#startTime, this.#nextStartTime] = monthBounds(ms);
  }

  /** The fixed hex prefix (IP, PID, hash) shared by every id of this generator. */
  get prefix(): string {
    return this.#prefix;
  }

  /**
   * The stem (prefix and time field) of the last id made by {@link next} or {@link advance},
   * shared by the ids of one millisecond: with {@link lastCounter} it spells the id
   * ({@link idText}), so a writer can copy the id into a frame and a caller can build the string
   * only when it needs it. Replaced, never mutated.
   */
  lastStem: IdStem = { text: "", bytes: new Uint8Array(0) };
  /** The counter (last 4 hex characters) of the last id made. */
  lastCounter = 0;

  /**
   * The next id.
   *
   * @param now the current time in ms, when the caller has just read the clock (default: the
   *   generator's clock)
   * @returns 32 (IPv4) or 56 (IPv6) upper-case hex characters
   */
  next(now: number = this.#clock()): string {
    this.advance(now);
    return idText(this.lastStem, this.lastCounter);
  }

  /**
   * Make the next id without building its string: it is {@link lastStem} and
   * {@link lastCounter} afterwards (see {@link idText}).
   *
   * @param now as {@link next}
   */
  advance(now: number = this.#clock()): void {
    if (now >= this.#nextStartTime) this.#setStartTime(now);
    // Java: (int) (current - startTime); a month overflows int32 after ~24.8 days, as in Java.
    let diff = (now - this.#startTime) | 0;
    if (diff < 0 && diff > -1_000_000) diff = 0; // small backward steps (NTP)
    const c = this.#counter;
    this.#counter = (c + 1) & 0xffff;
    if (diff !== this.#timedDiff) {
      // The time field changes at most once per millisecond: build prefix + time once, flat.
      const text = this.#prefix + HEX[(diff >>> 24) & 0xff] + HEX[(diff >>> 16) & 0xff] +
        HEX[(diff >>> 8) & 0xff] + HEX[diff & 0xff];
      const bytes = new Uint8Array(text.length);
      // charCodeAt flattens the concatenation once, not once per id.
      for (let i = 0; i < bytes.length; i++) bytes[i] = text.charCodeAt(i);
      this.lastStem = { text, bytes };
      this.#timedDiff = diff;
    }
    this.lastCounter = c;
  }
}

/** An id but its last 4 hex digits, as text and as ASCII bytes (see {@link UniqIdGenerator}). */
export interface IdStem {
  /** Prefix and time field, upper-case hex. */
  readonly text: string;
  /** The same characters as bytes. */
  readonly bytes: Uint8Array;
}

/**
 * The id spelled by a stem and a counter (see {@link UniqIdGenerator.lastStem}).
 *
 * @param stem prefix and time field
 * @param counter the 16-bit counter
 * @returns the id
 */
export function idText(stem: IdStem, counter: number): string {
  return stem.text + (HEX[counter >>> 8] + HEX[counter & 0xff]);
}

/**
 * Approximate creation time of a client id (Java `getNearlyTimeFromID`): the time field is read
 * as milliseconds since the start of the current local month, or of the previous month when that
 * would lie in the future.
 *
 * @param id a `UNIQ_KEY`
 * @param now current time (default `Date.now()`)
 * @returns epoch milliseconds
 * @throws ValidationError when `id` is not 32 or 56 hex characters
 */
export function decodeUniqIdTime(id: string, now: number = Date.now()): number {
  if (id.length !== 32 && id.length !== 56) {
    throw new ValidationError("id", `must be 32 or 56 hex characters, got ${id.length}`);
  }
  const bytes = fromHex("id", id);
  const ipLength = bytes.length === 28 ? 16 : 4;
  const span = new DataView(bytes.buffer).getUint32(ipLength + 6);
  const d = new Date(now);
  let monthStart = new Date(d.getFullYear(), d.getMonth(), 1).getTime();
  if (monthStart + span >= now) {
    monthStart = new Date(d.getFullYear(), d.getMonth() - 1, 1).getTime();
  }
  return monthStart + span;
}

function ipv4Bytes(ip: string): Uint8Array | undefined {
  const parts = ip.split(".");
  if (parts.length !== 4) return undefined;
  const out = new Uint8Array(4);
  for (let i = 0; i < 4; i++) {
    if (!/^\d{1,3}$/.test(parts[i]) || Number(parts[i]) > 255) return undefined;
    out[i] = Number(parts[i]);
  }
  return out;
}

function ipv6Bytes(ip: string): Uint8Array | undefined {
  let s = ip.startsWith("[") && ip.endsWith("]") ? ip.slice(1, -1) : ip;
  const zone = s.indexOf("%");
  if (zone >= 0) s = s.slice(0, zone);
  const words: number[] = [];
  const halves = s.split("::");
  if (halves.length > 2) return undefined;
  const parse = (part: string): number[] | undefined => {
    if (part === "") return [];
    const out: number[] = [];
    const groups = part.split(":");
    for (let i = 0; i < groups.length; i++) {
      const g = groups[i];
      if (i === groups.length - 1 && g.includes(".")) {
        const v4 = ipv4Bytes(g);
        if (v4 === undefined) return undefined;
        out.push((v4[0] << 8) | v4[1], (v4[2] << 8) | v4[3]);
      } else if (/^[0-9a-fA-F]{1,4}$/.test(g)) out.push(parseInt(g, 16));
      else return undefined;
    }
    return out;
  };
  const head = parse(halves[0]);
  const tail = halves.length === 2 ? parse(halves[1]) : [];
  if (head === undefined || tail === undefined) return undefined;
  if (halves.length === 2) {
    if (head.length + tail.length > 7) return undefined;
    words.push(...head, ...new Array<number>(8 - head.length - tail.length).fill(0), ...tail);
  } else {
    if (head.length !== 8) return undefined;
    words.push(...head);
  }
  const out = new Uint8Array(16);
  for (let i = 0; i < 8; i++) {
    out[2 * i] = words[i] >> 8;
    out[2 * i + 1] = words[i] & 0xff;
  }
  return out;
}

/** RFC 5952 text of 16 address bytes (lower case, longest zero run of ≥ 2 groups as `::`). */
function formatIpv6(b: Uint8Array): string {
  const w: number[] = [];
  for (let i = 0; i < 8; i++) w.push((b[2 * i] << 8) | b[2 * i + 1]);
  let bestStart = -1, bestLen = 0;
  for (let i = 0; i < 8;) {
    if (w[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && w[j] === 0) j++;
    if (j - i > bestLen) [bestStart, bestLen] = [i, j - i];
    i = j;
  }
  const hex = (xs: number[]): string => xs.map((x) => x.toString(16)).join(":");
  if (bestLen < 2) return hex(w);
  return hex(w.slice(0, bestStart)) + "::" + hex(w.slice(bestStart + bestLen));
}

/**
 * Build a broker offsetMsgId: store IP (4 or 16 bytes), port (int32), commit-log offset (int64),
 * as upper-case hex.
 *
 * @param ip store host IPv4 or IPv6 text
 * @param port store host port
 * @param offset commit-log physical offset
 * @returns 32 (IPv4) or 56 (IPv6) hex characters
 * @throws ValidationError when the IP or port is invalid
 */
export function createOffsetMessageId(ip: string, port: number, offset: bigint): string {
  const addr = ipv4Bytes(ip) ?? ipv6Bytes(ip);
  if (addr === undefined) {
    throw new ValidationError("ip", `must be an IPv4 or IPv6 address, got "${ip}"`);
  }
  if (!Number.isInteger(port) || port < 0 || port > 0xffff) {
    throw new ValidationError("port", `must be an integer in 0..65535, got ${port}`);
  }
  const bytes = new Uint8Array(addr.length + 12);
  bytes.set(addr, 0);
  const view = new DataView(bytes.buffer);
  view.setInt32(addr.length, port);
  view.setBigUint64(addr.length + 4, BigInt.asUintN(64, offset));
  return toHex(bytes);
}

/** A decoded offsetMsgId. */
export interface OffsetMessageId {
  /** Store host IP (dotted IPv4, or RFC 5952 IPv6). */
  address: string;
  /** Store host port. */
  port: number;
  /** Commit-log physical offset. */
  offset: bigint;
}

/**
 * Decode a broker offsetMsgId: 32 hex characters mean IPv4, anything else IPv6 (as Java).
 *
 * @param id the offsetMsgId (either case)
 * @returns address, port and offset
 * @throws ValidationError when `id` is not 32 or 56 hex characters
 */
export function decodeOffsetMessageId(id: string): OffsetMessageId {
  if (id.length !== 32 && id.length !== 56) {
    throw new ValidationError("offsetMsgId", `must be 32 or 56 hex characters, got ${id.length}`);
  }
  const bytes = fromHex("offsetMsgId", id);
  const ipLength = id.length === 32 ? 4 : 16;
  const view = new DataView(bytes.buffer);
  const ip = bytes.subarray(0, ipLength);
  return {
    address: ipLength === 4 ? ip.join(".") : formatIpv6(ip),
    port: view.getInt32(ipLength),
    offset: view.getBigInt64(ipLength + 4),
  };
}
