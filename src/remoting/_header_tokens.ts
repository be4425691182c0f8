/**
 * A one-pass scanner for JSON headers in the shape every RocketMQ peer writes (fastjson or our
 * encoder: no whitespace, integer members, `extFields` an object of plain ASCII strings). It
 * records where each member lies instead of building strings and objects, so a consumer that
 * needs three values of a response (the producer's send path) reads just those; `toCommand`
 * builds the full command for everyone else.
 *
 * Anything outside that shape (escapes, non-ASCII, whitespace, other value types, a member of
 * the wrong type, more than {@link MAX_PAIRS} fields) makes {@link HeaderTokens.scan} answer
 * false, and the caller decodes with `JSON.parse`, which gives the same command or the precise
 * error. Private to the codec.
 *
 * @module
 */

import { LANGUAGE_BY_NAME, SerializeType } from "./codes.ts";
import type { RemotingCommand } from "./command.ts";

const QUOTE = 0x22;
const COMMA = 0x2c;
const MINUS = 0x2d;
const COLON = 0x3a;
const BACKSLASH = 0x5c;
const LBRACE = 0x7b;
const RBRACE = 0x7d;
const EMPTY = new Uint8Array(0);
/** extFields entries a header may have for the fast path. */
const MAX_PAIRS = 32;

/** ASCII bytes of a member or field name, for comparing in place. */
export function nameBytes(s: string): Uint8Array {
  return Uint8Array.from(s, (c) => c.charCodeAt(0));
}

const CODE = nameBytes("code");
const FLAG = nameBytes("flag");
const OPAQUE = nameBytes("opaque");
const REMARK = nameBytes("remark");
const VERSION = nameBytes("version");
const LANGUAGE = nameBytes("language");
const EXT_FIELDS = nameBytes("extFields");
const JAVA = nameBytes("JAVA");
const PROTO = nameBytes("__proto__");

/** Which top-level member a key is (0: none we read). */
const M_CODE = 1;
const M_FLAG = 2;
const M_OPAQUE = 3;
const M_REMARK = 4;
const M_VERSION = 5;
const M_LANGUAGE = 6;
const M_EXT = 7;

/**
 * 1 for the bytes a plain string may hold (printable ASCII without `"` and `\`), by byte: one
 * load per byte in the scanning loops instead of four comparisons.
 */
const PLAIN = new Uint8Array(256);
for (let c = 0x20; c < 0x7f; c++) PLAIN[c] = c === QUOTE || c === BACKSLASH ? 0 : 1;

/** The scanned members of one header; reused from frame to frame (a `ScannedResponse`). */
export class HeaderTokens {
  /** Members (Java defaults when absent). */
  code = 0;
  language = 0;
  version = 0;
  opaque = 0;
  flag = 0;
  /** `remark` string bounds, or -1 when absent. */
  remarkStart = -1;
  remarkEnd = -1;
  /** True when an `extFields` object was present. */
  hasExt = false;
  /** Entries of `extFields`: key start, key end, value start, value end (string contents). */
  readonly pairs: Int32Array = new Int32Array(4 * MAX_PAIRS);
  pairCount = 0;
  /** The scanned bytes, until {@link release}. */
  bytes: Uint8Array = EMPTY;

  /**
   * Scan the header at `bytes[start, end)`.
   *
   * @returns true when it has the simple shape (members filled in); false to fall back
   */
  scan(bytes: Uint8Array, start: number, end: number): boolean {
    this.bytes = bytes;
    this.code =
      this.language =
      this.version =
      this.opaque =
      this.flag =
        0;
    this.remarkStart = this.remarkEnd = -1;
    this.hasExt = false;
    this.pairCount = 0;
    const b = bytes;
    // Every read below is guarded by `end`: the bytes after the header are the body.
    let p = start;
    if (end - start < 2 || b[p] !== LBRACE) return false;
    p++;
    if (b[p] === RBRACE) return p + 1 === end;
    for (;;) {
      // Key.
      if (p >= end || b[p] !== QUOTE) return false;
      const ks = p + 1;
      let ke = ks;
      while (ke < end && PLAIN[b[ke]] === 1) ke++;
      if (ke + 2 >= end || b[ke] !== QUOTE || b[ke + 1] !== COLON) return false;
      const member = memberOf(b, ks, ke);
      p = ke + 2;
      if (member === M_EXT) {
        p = this.#scanPairs(b, p, end);
        if (p < 0) return false;
      } else if (b[p] === QUOTE) {
        const vs = p + 1;
        let ve = vs;
        while (ve < end && PLAIN[b[ve]] === 1) ve++;
        if (ve >= end || b[ve] !== QUOTE) return false;
        p = ve + 1;
        if (member === M_REMARK) {
          this.remarkStart = vs;
          this.remarkEnd = ve;
        } else if (member === M_LANGUAGE) {
          this.language = equalAt(b, vs, ve, JAVA)
            ? 0
            : LANGUAGE_BY_NAME.get(ascii(b, vs, ve)) ?? -1;
        } else if (member !== 0) return false; // a string where an int belongs
      } else {
        // An int32 written plainly: -?[0-9]+ without leading zeros, not -0.
        const negative = b[p] === MINUS;
        if (negative) p++;
        const ds = p;
        let n = 0;
        while (p < end && b[p] >= 0x30 && b[p] <= 0x39) n = n * 10 + (b[p++] - 0x30);
        const digits = p - ds;
        if (digits === 0 || digits > 10 || (digits > 1 && b[ds] === 0x30)) return false;
        if (negative) {
          if (n === 0) return false;
          n = -n;
        }
        if ((n | 0) !== n) return false;
        if (member === M_CODE) this.code = n;
        else if (member === M_OPAQUE) this.opaque = n;
        else if (member === M_FLAG) this.flag = n;
        else if (member === M_VERSION) this.version = n;
        else if (member === M_LANGUAGE) {
          if (n < 0 || n > 255) return false;
          this.language = n;
        } else if (member === M_REMARK) return false;
      }
      if (p >= end) return false;
      const c = b[p];
      if (c === RBRACE) return p + 1 === end; // trailing bytes: JSON.parse rejects them
      if (c !== COMMA) return false;
      p++;
    }
  }

  /** `{"k":"v",…}` into {@link pairs}; the index after `}`, or -1. */
  #scanPairs(b: Uint8Array, p: number, end: number): number {
    // A repeated extFields member replaces the earlier one, as in JSON.parse.
    this.hasExt = true;
    this.pairCount = 0;
    if (p + 1 >= end || b[p] !== LBRACE) return -1;
    p++;
    if (b[p] === RBRACE) return p + 1;
    const pairs = this.pairs;
    for (;;) {
      if (p >= end || b[p] !== QUOTE) return -1;
      const ks = p + 1;
      let ke = ks;
      while (ke < end && PLAIN[b[ke]] === 1) ke++;
      if (ke + 3 >= end || b[ke] !== QUOTE || b[ke + 1] !== COLON || b[ke + 2] !== QUOTE) {
        return -1;
      }
      const vs = ke + 3;
      let ve = vs;
      while (ve < end && PLAIN[b[ve]] === 1) ve++;
      if (ve >= end || b[ve] !== QUOTE) return -1;
      // JSON.parse makes "__proto__" an own property; a plain assignment would not.
      if (this.pairCount === MAX_PAIRS || equalAt(b, ks, ke, PROTO)) return -1;
      const i = 4 * this.pairCount++;
      pairs[i] = ks;
      pairs[i + 1] = ke;
      pairs[i + 2] = vs;
      pairs[i + 3] = ve;
      p = ve + 1;
      if (p >= end) return -1;
      const c = b[p];
      if (c === RBRACE) return p + 1;
      if (c !== COMMA) return -1;
      p++;
    }
  }

  /**
   * Where each of `fields` is among the extFields entries, in one pass: `out[k]` is the entry
   * index of `fields.names[k]` (the last one when repeated, as JSON.parse keeps it), or -1.
   */
  locate(fields: FieldNames, out: Int32Array): void {
    out.fill(-1);
    const b = this.bytes;
    const pairs = this.pairs;
    const byLength = fields.byLength;
    for (let i = 0; i < this.pairCount; i++) {
      const ks = pairs[4 * i];
      const ke = pairs[4 * i + 1];
      const candidates = byLength[ke - ks];
      if (candidates === undefined) continue;
      for (let c = 0; c < candidates.length; c++) {
        const k = candidates[c];
        if (equalAt(b, ks, ke, fields.names[k])) {
          out[k] = i;
          break;
        }
      }
    }
  }

  /** The value of entry `i` as a string. */
  value(i: number): string {
    return ascii(this.bytes, this.pairs[4 * i + 2], this.pairs[4 * i + 3]);
  }

  /** True when the value of entry `i` is exactly `text` (ASCII bytes). */
  valueIs(i: number, text: Uint8Array): boolean {
    return equalAt(this.bytes, this.pairs[4 * i + 2], this.pairs[4 * i + 3], text);
  }

  /**
   * The value of entry `i` as a non-negative integer when it is plain decimal digits (at most
   * 15, so exact), else -1: callers then use `Number(value(i))` for anything unusual.
   */
  digits(i: number): number {
    const b = this.bytes;
    const s = this.pairs[4 * i + 2];
    const e = this.pairs[4 * i + 3];
    if (e === s || e - s > 15) return -1;
    let n = 0;
    for (let p = s; p < e; p++) {
      const d = b[p] - 0x30;
      if (d < 0 || d > 9) return -1;
      n = n * 10 + d;
    }
    return n;
  }

  /** The remark, if any. */
  remark(): string | undefined {
    return this.remarkStart < 0 ? undefined : ascii(this.bytes, this.remarkStart, this.remarkEnd);
  }

  /** The command `decodeJsonHeader` builds for the scanned header. */
  toCommand(body: Uint8Array | undefined): RemotingCommand {
    const cmd: RemotingCommand = {
      code: this.code,
      language: this.language,
      version: this.version,
      opaque: this.opaque,
      flag: this.flag,
      serializeType: SerializeType.JSON,
    };
    if (this.remarkStart >= 0) cmd.remark = this.remark();
    if (this.hasExt) {
      const ext: Record<string, string> = {};
      const pairs = this.pairs;
      for (let i = 0; i < this.pairCount; i++) {
        ext[ascii(this.bytes, pairs[4 * i], pairs[4 * i + 1])] = this.value(i);
      }
      cmd.extFields = ext;
    }
    if (body !== undefined) cmd.body = body;
    return cmd;
  }

  /** Drop the reference to the scanned bytes (a socket chunk). */
  release(): void {
    this.bytes = EMPTY;
  }
}

/** A set of extFields names looked up together with {@link HeaderTokens.locate}. */
export class FieldNames {
  /** The names as bytes, in the caller's order. */
  readonly names: readonly Uint8Array[];
  /** Indices into {@link names} by name length. */
  readonly byLength: (number[] | undefined)[] = [];

  /** @param names ASCII field names */
  constructor(names: readonly string[]) {
    this.names = names.map(nameBytes);
    this.names.forEach((name, k) => (this.byLength[name.length] ??= []).push(k));
  }
}

function memberOf(b: Uint8Array, s: number, e: number): number {
  switch (e - s) {
    case 4:
      return equalAt(b, s, e, CODE) ? M_CODE : equalAt(b, s, e, FLAG) ? M_FLAG : 0;
    case 6:
      return equalAt(b, s, e, OPAQUE) ? M_OPAQUE : equalAt(b, s, e, REMARK) ? M_REMARK : 0;
    case 7:
      return equalAt(b, s, e, VERSION) ? M_VERSION : 0;
    case 8:
      return equalAt(b, s, e, LANGUAGE) ? M_LANGUAGE : 0;
    case 9:
      return equalAt(b, s, e, EXT_FIELDS) ? M_EXT : 0;
    default:
      return 0;
  }
}

/** True when `b[s, e)` holds exactly `name`. */
export function equalAt(b: Uint8Array, s: number, e: number, name: Uint8Array): boolean {
  if (e - s !== name.length) return false;
  for (let i = 0; i < name.length; i++) if (b[s + i] !== name[i]) return false;
  return true;
}

const CODE_ARRAYS: number[][] = [];

/** Printable-ASCII bytes `b[s, e)` as a string. */
function ascii(b: Uint8Array, s: number, e: number): string {
  const len = e - s;
  if (len === 0) return "";
  if (len <= 64) {
    // One code array per length, reused: only the string is allocated.
    const codes = CODE_ARRAYS[len] ??= new Array(len).fill(0);
    for (let i = 0; i < len; i++) codes[i] = b[s + i];
    return String.fromCharCode.apply(null, codes);
  }
  let out = "";
  for (let i = s; i < e; i += 64) out += ascii(b, i, Math.min(e, i + 64));
  return out;
}
