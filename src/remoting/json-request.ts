/**
 * JSON request frames written straight into their buffer: the client-style header
 * `{"code":…,"language":…,"version":…,"opaque":…,"flag":…,"extFields":…}` (no remark) with the
 * extFields bytes supplied by a {@link JsonFieldsWriter}. Byte-identical to `encodeFrame` of the
 * equivalent command, without building a header string. Used by the send hot path, whose
 * extFields are mostly constant bytes.
 *
 * @module
 */

import { ProtocolError } from "../errors.ts";
import { MAX_FRAME_LENGTH, SerializeType } from "./codes.ts";
import { encodeJsonRequestHeader } from "./json-header.ts";
import { encodeUtf8 } from "./_utf8.ts";

/** Writes the JSON text of an `extFields` object (UTF-8) into a frame. */
export interface JsonFieldsWriter {
  /** Bytes {@link write} writes. */
  readonly byteLength: number;
  /** Write exactly {@link byteLength} bytes at `buf[at]`. */
  write(buf: Uint8Array, at: number): void;
  /**
   * Optional: the same fields as an object (what RPC hooks see); without it a hooked client
   * parses the written bytes back.
   */
  fields?(): Record<string, string>;
}

/** Decimal digits of an integer (a leading `-` counted). */
export function intLength(n: number): number {
  if (n < 0) return 1 + intLength(-n);
  let len = 1;
  while (n >= 10) {
    n = Math.floor(n / 10);
    len++;
  }
  return len;
}

/**
 * Write an integer in decimal, as `String(n)` prints it (|n| < 2^53).
 *
 * @returns the position after the last digit
 */
export function writeInt(buf: Uint8Array, at: number, n: number): number {
  return writeIntOfLength(buf, at, n, intLength(n));
}

/** {@link writeInt} when its {@link intLength} is already known. */
function writeIntOfLength(buf: Uint8Array, at: number, n: number, length: number): number {
  const end = at + length;
  if (n < 0) {
    buf[at] = 0x2d;
    n = -n;
  }
  let p = end;
  do {
    const q = Math.floor(n / 10);
    buf[--p] = 0x30 + (n - q * 10);
    n = q;
  } while (n > 0);
  return end;
}

const FLAG = encodeUtf8(',"flag":');
const EXT = encodeUtf8(',"extFields":');
/** `,"flag":0,"extFields":`, the common case (requests carry flag 0), in one copy. */
const FLAG0_EXT = encodeUtf8(',"flag":0,"extFields":');

/** The prefix up to `"opaque":` of the last (code, language, version) seen. */
let prefixKey = "";
let prefix: Uint8Array = new Uint8Array(0);

function prefixOf(code: number, language: number, version: number): Uint8Array {
  // The text is computed with the reference encoder, so validation and the language name agree.
  const text = encodeJsonRequestHeader(code, language, version, 0, 0, "");
  const head = text.slice(0, text.indexOf('"opaque":') + 9);
  if (head !== prefixKey) {
    prefixKey = head;
    prefix = encodeUtf8(head);
  }
  return prefix;
}

let lastCode = NaN;
let lastLanguage = NaN;
let lastVersion = NaN;

/**
 * Where {@link writeJsonFieldsFrame} puts a frame: `reserve(length)` sets aside `length` zero
 * bytes at `buffer[at]` (the transport's `FrameSlab` is one).
 */
export interface FrameReserver {
  /** The buffer of the last reservation. */
  readonly buffer: Uint8Array;
  /** Where the last reservation starts in {@link buffer}. */
  readonly at: number;
  /** Reserve `length` zero bytes: `buffer[at, at + length)`. */
  reserve(length: number): void;
}

/** A {@link FrameReserver} that gives every frame a buffer of its own. */
class FreshBuffers implements FrameReserver {
  buffer: Uint8Array = new Uint8Array(0);
  readonly at = 0;
  reserve(length: number): void {
    this.buffer = new Uint8Array(length);
  }
}

/**
 * Encode a JSON request frame whose extFields come from `ext`: the bytes `encodeFrame` writes for
 * the command with the same members and `extFields`.
 *
 * @param code request code
 * @param language language code
 * @param version version
 * @param opaque opaque
 * @param flag flag
 * @param ext the extFields writer
 * @param body body, if any
 * @returns the frame
 * @throws ProtocolError as `encodeFrame`
 */
export function encodeJsonFieldsFrame(
  code: number,
  language: number,
  version: number,
  opaque: number,
  flag: number,
  ext: JsonFieldsWriter,
  body: Uint8Array | undefined,
): Uint8Array {
  const out = new FreshBuffers();
  writeJsonFieldsFrame(out, code, language, version, opaque, flag, ext, body);
  return out.buffer;
}

/**
 * {@link encodeJsonFieldsFrame} into space reserved from `out`: the frame is
 * `out.buffer[out.at, out.at + length)`. No view of the frame is made (the send path hands the
 * range to the connection as it is).
 *
 * @param out where the frame goes
 * @returns the frame's length
 * @throws ProtocolError as `encodeFrame`, before anything is reserved
 */
export function writeJsonFieldsFrame(
  out: FrameReserver,
  code: number,
  language: number,
  version: number,
  opaque: number,
  flag: number,
  ext: JsonFieldsWriter,
  body: Uint8Array | undefined,
): number {
  if (code !== lastCode || language !== lastLanguage || version !== lastVersion) {
    prefixOf(code, language, version);
    lastCode = code;
    lastLanguage = language;
    lastVersion = version;
  }
  if ((opaque | 0) !== opaque || (flag | 0) !== flag) {
    throw new ProtocolError(`header fields opaque and flag must be int32, got ${opaque}, ${flag}`);
  }
  const head = prefix;
  const opaqueLength = intLength(opaque);
  const extLength = ext.byteLength; // read once: a writer may compute it
  const headerLength = head.length + opaqueLength + FLAG.length + intLength(flag) +
    EXT.length + extLength + 1;
  const bodyLength = body === undefined ? 0 : body.length;
  const total = 8 + headerLength + bodyLength;
  if (total > MAX_FRAME_LENGTH) {
    throw new ProtocolError(`frame of ${total} bytes exceeds the ${MAX_FRAME_LENGTH}-byte limit`);
  }
  out.reserve(total);
  const at = out.at;
  const frame = out.buffer;
  const length = total - 4;
  frame[at] = length >>> 24;
  frame[at + 1] = length >>> 16;
  frame[at + 2] = length >>> 8;
  frame[at + 3] = length;
  // Serialize type JSON (0) in the top byte, then the 24-bit header length.
  frame[at + 4] = SerializeType.JSON;
  frame[at + 5] = headerLength >>> 16;
  frame[at + 6] = headerLength >>> 8;
  frame[at + 7] = headerLength;
  frame.set(head, at + 8);
  let p = writeIntOfLength(frame, at + 8 + head.length, opaque, opaqueLength);
  if (flag === 0) {
    frame.set(FLAG0_EXT, p);
    p += FLAG0_EXT.length;
  } else {
    frame.set(FLAG, p);
    p = writeInt(frame, p + FLAG.length, flag);
    frame.set(EXT, p);
    p += EXT.length;
  }
  ext.write(frame, p);
  frame[p + extLength] = 0x7d; // }
  if (bodyLength > 0) frame.set(body!, at + 8 + headerLength);
  return total;
}
