/**
 * ROCKETMQ binary header encoding (serialize type 1, Java `RocketMQSerializable`).
 *
 * Layout: int16 code, uint8 language, int16 version, int32 opaque, int32 flag, int32 remark length
 * + bytes, int32 map length + entries (int16 key length + key, int32 value length + value).
 * Length 0 means null on the Java side, so empty strings are rejected on encode.
 *
 * @module
 */

import { ProtocolError } from "../errors.ts";
import { SerializeType } from "./codes.ts";
import type { RemotingCommand } from "./command.ts";
import { decodeUtf8, encodeUtf8, writeAscii } from "./_utf8.ts";

/** Bytes of the header with no remark and no map. */
export const BINARY_FIXED_LENGTH = 21;

function checkRange(value: number, min: number, max: number, field: string): void {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new ProtocolError(
      `binary header field ${field} must be in [${min}, ${max}], got ${value}`,
    );
  }
}

function checkNonEmpty(s: string, field: string): void {
  if (s.length === 0) {
    throw new ProtocolError(
      `binary header ${field} must not be an empty string (it would arrive as null)`,
    );
  }
}

/** The header's fixed fields, validated, so both encode paths share the checks. */
function checkFixed(cmd: RemotingCommand): void {
  checkRange(cmd.code, -32768, 32767, "code");
  checkRange(cmd.language, 0, 255, "language");
  checkRange(cmd.version, -32768, 32767, "version");
  checkRange(cmd.opaque, -2147483648, 2147483647, "opaque");
  checkRange(cmd.flag, -2147483648, 2147483647, "flag");
}

/**
 * Size of the binary header of `cmd` assuming every string is ASCII (one byte per unit).
 * {@link writeBinaryHeader} tells when that assumption was wrong.
 *
 * @throws ProtocolError on an empty remark, key or value, or a field out of range
 */
export function binaryHeaderAsciiLength(cmd: RemotingCommand): number {
  checkFixed(cmd);
  let n = BINARY_FIXED_LENGTH;
  if (cmd.remark != null) {
    checkNonEmpty(cmd.remark, "remark");
    n += cmd.remark.length;
  }
  const ext = cmd.extFields;
  if (ext != null) {
    for (const key in ext) {
      const value = ext[key];
      if (value == null) continue; // Java skips null values
      checkNonEmpty(key, "extFields key");
      checkNonEmpty(value, `extFields.${key} value`);
      n += 6 + key.length + value.length;
    }
  }
  return n;
}

function writeFixed(view: DataView, pos: number, cmd: RemotingCommand): void {
  view.setInt16(pos, cmd.code);
  view.setUint8(pos + 2, cmd.language);
  view.setInt16(pos + 3, cmd.version);
  view.setInt32(pos + 5, cmd.opaque);
  view.setInt32(pos + 9, cmd.flag);
}

/**
 * Write the header of `cmd` at `buf[pos]`, assuming all strings are ASCII and the space was sized
 * by {@link binaryHeaderAsciiLength}.
 *
 * @returns false when a string was not ASCII (the caller then uses {@link encodeBinaryHeader})
 */
export function writeBinaryHeaderAscii(
  buf: Uint8Array,
  view: DataView,
  pos: number,
  cmd: RemotingCommand,
): boolean {
  writeFixed(view, pos, cmd);
  let p = pos + 13;
  const remark = cmd.remark;
  if (remark != null) {
    view.setInt32(p, remark.length);
    if (!writeAscii(buf, p + 4, remark)) return false;
    p += 4 + remark.length;
  } else {
    view.setInt32(p, 0);
    p += 4;
  }
  const mapAt = p;
  p += 4;
  const ext = cmd.extFields;
  if (ext != null) {
    for (const key in ext) {
      const value = ext[key];
      if (value == null) continue;
      if (key.length > 32767) {
        throw new ProtocolError("binary header extFields key longer than 32767 bytes");
      }
      view.setInt16(p, key.length);
      if (!writeAscii(buf, p + 2, key)) return false;
      p += 2 + key.length;
      view.setInt32(p, value.length);
      if (!writeAscii(buf, p + 4, value)) return false;
      p += 4 + value.length;
    }
  }
  view.setInt32(mapAt, p - mapAt - 4);
  return true;
}

/**
 * Encode the header of `cmd` with arbitrary (non-ASCII) strings. The slow path.
 *
 * @throws ProtocolError on an empty string, an over-long key, or a field out of range
 */
export function encodeBinaryHeader(cmd: RemotingCommand): Uint8Array {
  checkFixed(cmd);
  if (cmd.remark != null) checkNonEmpty(cmd.remark, "remark");
  const remark = cmd.remark == null ? undefined : encodeUtf8(cmd.remark);
  const entries: Uint8Array[] = [];
  let mapLength = 0;
  const ext = cmd.extFields;
  if (ext != null) {
    for (const key in ext) {
      const value = ext[key];
      if (value == null) continue;
      checkNonEmpty(key, "extFields key");
      checkNonEmpty(value, `extFields.${key} value`);
      const k = encodeUtf8(key);
      const v = encodeUtf8(value);
      if (k.length > 32767) {
        throw new ProtocolError("binary header extFields key longer than 32767 bytes");
      }
      entries.push(k, v);
      mapLength += 6 + k.length + v.length;
    }
  }
  const out = new Uint8Array(BINARY_FIXED_LENGTH + (remark?.length ?? 0) + mapLength);
  const view = new DataView(out.buffer);
  writeFixed(view, 0, cmd);
  let p = 13;
  view.setInt32(p, remark?.length ?? 0);
  p += 4;
  if (remark !== undefined) {
    out.set(remark, p);
    p += remark.length;
  }
  view.setInt32(p, mapLength);
  p += 4;
  for (let i = 0; i < entries.length; i += 2) {
    const k = entries[i];
    const v = entries[i + 1];
    view.setInt16(p, k.length);
    out.set(k, p + 2);
    p += 2 + k.length;
    view.setInt32(p, v.length);
    out.set(v, p + 4);
    p += 4 + v.length;
  }
  return out;
}

function truncated(what: string): never {
  throw new ProtocolError(`truncated binary header: ${what} runs past the header`);
}

function setEntry(obj: Record<string, string>, key: string, value: string): void {
  // A plain assignment of "__proto__" would replace the prototype instead of adding a member.
  if (key === "__proto__") {
    Object.defineProperty(obj, key, {
      value,
      enumerable: true,
      writable: true,
      configurable: true,
    });
  } else obj[key] = value;
}

/**
 * Decode a binary header at `bytes[start, end)` into a command carrying `body`. Length-0 strings
 * decode as absent (Java's null); a map length of 0 leaves `extFields` undefined.
 *
 * @throws ProtocolError when a length runs past the header or a string is invalid UTF-8
 */
export function decodeBinaryHeader(
  bytes: Uint8Array,
  view: DataView,
  start: number,
  end: number,
  body: Uint8Array | undefined,
): RemotingCommand {
  if (end - start < BINARY_FIXED_LENGTH) truncated("fixed part (21 bytes)");
  const cmd: RemotingCommand = {
    code: view.getInt16(start),
    language: bytes[start + 2],
    version: view.getInt16(start + 3),
    opaque: view.getInt32(start + 5),
    flag: view.getInt32(start + 9),
    serializeType: SerializeType.ROCKETMQ,
  };
  let p = start + 13;
  const remarkLength = view.getInt32(p);
  p += 4;
  if (remarkLength < 0 || remarkLength > end - p - 4) truncated("remark");
  if (remarkLength > 0) cmd.remark = decodeUtf8(bytes, p, p + remarkLength, "remark");
  p += remarkLength;
  const mapLength = view.getInt32(p);
  p += 4;
  if (mapLength < 0 || mapLength > end - p) truncated("extFields map");
  if (mapLength > 0) {
    const mapEnd = p + mapLength;
    const ext: Record<string, string> = {};
    while (p < mapEnd) {
      if (mapEnd - p < 2) truncated("extFields key length");
      const kl = view.getInt16(p);
      p += 2;
      if (kl < 0 || kl > mapEnd - p) truncated("extFields key");
      const key = kl === 0 ? undefined : decodeUtf8(bytes, p, p + kl, "extFields key");
      p += kl;
      if (mapEnd - p < 4) truncated("extFields value length");
      const vl = view.getInt32(p);
      p += 4;
      if (vl < 0 || vl > mapEnd - p) truncated("extFields value");
      // 4.9's mapDeserialize keeps a length-0 value as "" (5.x's readStr turns it into null, which
      // its consumers treat as absent); we keep "" like 4.9 and drop only an empty key.
      if (key !== undefined) {
        setEntry(ext, key, vl === 0 ? "" : decodeUtf8(bytes, p, p + vl, `extFields.${key} value`));
      }
      p += vl;
    }
    cmd.extFields = ext;
  }
  if (body !== undefined) cmd.body = body;
  return cmd;
}
