/**
 * Private UTF-8 helpers of the wire codec.
 *
 * Header strings are short and almost always ASCII. For those a plain JS loop beats a
 * `TextEncoder`/`TextDecoder` call (whose fixed cost dominates for a 1–20 byte string); anything
 * else goes through the standard, strict codecs.
 *
 * @module
 */

import { ProtocolError } from "../errors.ts";

const encoder = new TextEncoder();
const decoder = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

/** Strings at most this long are decoded by the ASCII loop when they are ASCII. */
const SHORT_STRING = 32;

/**
 * Decode `bytes[start, end)` as strict UTF-8.
 *
 * @param bytes source
 * @param start first byte
 * @param end one past the last byte
 * @param what what is being decoded, for the error message
 * @returns the string
 * @throws ProtocolError on invalid UTF-8
 */
export function decodeUtf8(bytes: Uint8Array, start: number, end: number, what: string): string {
  if (end - start <= SHORT_STRING) {
    let s = "";
    let i = start;
    for (; i < end; i++) {
      const b = bytes[i];
      if (b >= 0x80) break;
      s += String.fromCharCode(b);
    }
    if (i === end) return s;
  }
  try {
    return decoder.decode(bytes.subarray(start, end));
  } catch (e) {
    throw new ProtocolError(`invalid UTF-8 in ${what}`, { cause: e });
  }
}

/** Encode a string as UTF-8 (for the slow, non-ASCII paths). */
export function encodeUtf8(s: string): Uint8Array {
  return encoder.encode(s);
}

/**
 * Write `s` at `buf[pos]` if it is pure ASCII (one byte per UTF-16 unit).
 *
 * @returns true when written; false when `s` holds a non-ASCII unit (buffer partly written)
 */
export function writeAscii(buf: Uint8Array, pos: number, s: string): boolean {
  const n = s.length;
  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0x80) return false;
    buf[pos + i] = c;
  }
  return true;
}

/**
 * Encode `s` into `buf` starting at `pos` when it fits exactly in `s.length` bytes (i.e. it is
 * ASCII). One native call; used for whole JSON headers.
 *
 * @returns true when the whole string was written as ASCII
 */
export function encodeIntoIfAscii(buf: Uint8Array, pos: number, s: string): boolean {
  // Every UTF-16 unit takes at least one byte, so reading the whole string into exactly
  // s.length bytes means every unit took exactly one byte.
  const r = encoder.encodeInto(s, buf.subarray(pos, pos + s.length));
  return r.read === s.length;
}
