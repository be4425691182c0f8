/**
 * Remoting frames (Java `RemotingCommand.encode` / `decode`, `NettyDecoder`): `int32 totalLength`, `int32 serializeType << 24 |
 * headerLength`, header, body. Encoding for both header types, whole-frame decoding, and a
 * streaming {@link FrameDecoder} that reassembles frames from arbitrary socket chunks.
 *
 * @module
 */

import { ProtocolError } from "../errors.ts";
import { MAX_FRAME_LENGTH, SerializeType } from "./codes.ts";
import type { RemotingCommand } from "./command.ts";
import {
  decodeJsonHeader,
  encodeJsonHeader,
  encodeJsonRequestHeader,
  type JsonStyle,
} from "./json-header.ts";
import {
  binaryHeaderAsciiLength,
  decodeBinaryHeader,
  encodeBinaryHeader,
  writeBinaryHeaderAscii,
} from "./binary-header.ts";
import { encodeIntoIfAscii, encodeUtf8 } from "./_utf8.ts";

export type { JsonStyle } from "./json-header.ts";

/** Options of {@link encodeFrame}. */
export interface EncodeOptions {
  /** Member order of a JSON header: `"client"` (default, what we send) or `"server"` (fastjson). */
  jsonStyle?: JsonStyle;
  /**
   * Where the frame's bytes go: returns a zero-filled buffer of exactly the given length (e.g.
   * `FrameSlab.allocate`). Default: a fresh `Uint8Array`.
   */
  alloc?: (length: number) => Uint8Array;
}

const HEADER_LENGTH_MASK = 0x00ffffff;
/** Big-endian int32 at `bytes[at]` (signed). */
export function readInt32(bytes: Uint8Array, at: number): number {
  return (bytes[at] << 24) | (bytes[at + 1] << 16) | (bytes[at + 2] << 8) | bytes[at + 3];
}

function writeInt32(bytes: Uint8Array, at: number, value: number): void {
  bytes[at] = value >>> 24;
  bytes[at + 1] = value >>> 16;
  bytes[at + 2] = value >>> 8;
  bytes[at + 3] = value;
}

/** Allocate a frame with its two length words written and the body copied in place. */
function allocFrame(
  headerLength: number,
  serializeType: number,
  body: Uint8Array | undefined,
  alloc: ((length: number) => Uint8Array) | undefined,
): Uint8Array {
  const bodyLength = body === undefined ? 0 : body.length;
  const total = 8 + headerLength + bodyLength;
  if (total > MAX_FRAME_LENGTH) {
    throw new ProtocolError(`frame of ${total} bytes exceeds the ${MAX_FRAME_LENGTH}-byte limit`);
  }
  const frame = alloc === undefined ? new Uint8Array(total) : alloc(total);
  writeInt32(frame, 0, total - 4);
  writeInt32(frame, 4, (serializeType << 24) | headerLength);
  if (bodyLength > 0) frame.set(body!, 8 + headerLength);
  return frame;
}

/** A frame holding the JSON header text `header` and `body`. */
function jsonFrame(
  header: string,
  body: Uint8Array | undefined,
  alloc: ((length: number) => Uint8Array) | undefined,
): Uint8Array {
  // Optimistic: headers are ASCII (JSON.stringify escapes control characters), so the byte length
  // is the string length and one encodeInto writes it in place.
  const frame = allocFrame(header.length, SerializeType.JSON, body, alloc);
  if (encodeIntoIfAscii(frame, 8, header)) return frame;
  const bytes = encodeUtf8(header);
  const exact = allocFrame(bytes.length, SerializeType.JSON, body, alloc);
  exact.set(bytes, 8);
  return exact;
}

function encodeBinaryFrame(
  cmd: RemotingCommand,
  alloc: ((length: number) => Uint8Array) | undefined,
): Uint8Array {
  const asciiLength = binaryHeaderAsciiLength(cmd);
  const frame = allocFrame(asciiLength, SerializeType.ROCKETMQ, cmd.body, alloc);
  const view = new DataView(frame.buffer, frame.byteOffset, frame.byteLength);
  if (writeBinaryHeaderAscii(frame, view, 8, cmd)) return frame;
  const header = encodeBinaryHeader(cmd);
  const exact = allocFrame(header.length, SerializeType.ROCKETMQ, cmd.body, alloc);
  exact.set(header, 8);
  return exact;
}

/**
 * Encode a JSON (client style) request whose `extFields` member was serialized by the caller:
 * the same bytes as {@link encodeFrame} of the command with those extFields and no remark, without
 * building the extFields object. For hot paths whose header is mostly constant (sends).
 *
 * @param code request code
 * @param language language code
 * @param version version
 * @param opaque opaque
 * @param flag flag
 * @param extFieldsJson the `extFields` object as JSON text, members in the caller's order
 * @param body body, if any
 * @param alloc frame allocator (see {@link EncodeOptions.alloc})
 * @returns the frame
 * @throws ProtocolError as {@link encodeFrame}
 */
export function encodeJsonRequestFrame(
  code: number,
  language: number,
  version: number,
  opaque: number,
  flag: number,
  extFieldsJson: string,
  body: Uint8Array | undefined,
  alloc?: (length: number) => Uint8Array,
): Uint8Array {
  return jsonFrame(
    encodeJsonRequestHeader(code, language, version, opaque, flag, extFieldsJson),
    body,
    alloc,
  );
}

/**
 * Encode a command as one whole frame, including the 4-byte length prefix.
 *
 * The header type is `cmd.serializeType`. JSON headers use `options.jsonStyle` (default
 * `"client"`). Binary headers reject empty strings (they would arrive as null, Java `RocketMQSerializable`)
 * and codes or versions outside int16.
 *
 * @param cmd the command
 * @param options JSON style
 * @returns the frame bytes (a fresh buffer)
 * @throws ProtocolError when the command cannot be represented or the frame exceeds 16 MiB
 */
export function encodeFrame(cmd: RemotingCommand, options?: EncodeOptions): Uint8Array {
  const alloc = options?.alloc;
  if (cmd.serializeType === SerializeType.JSON) {
    return jsonFrame(encodeJsonHeader(cmd, options?.jsonStyle ?? "client"), cmd.body, alloc);
  }
  if (cmd.serializeType === SerializeType.ROCKETMQ) return encodeBinaryFrame(cmd, alloc);
  throw new ProtocolError(`unknown serialize type ${cmd.serializeType as number}`);
}

/**
 * Check the header-length word against the frame's `totalLength`: the header must fit and the
 * serialize type must be known. Needs only the first 8 bytes, so the decoder runs it early.
 */
export function checkHeaderWord(word: number, totalLength: number): void {
  const headerLength = word & HEADER_LENGTH_MASK;
  if (headerLength > totalLength - 4) {
    throw new ProtocolError(
      `header length ${headerLength} is larger than the frame (${
        totalLength - 4
      } bytes after the length words)`,
    );
  }
  const serializeType = word >>> 24;
  if (serializeType !== SerializeType.JSON && serializeType !== SerializeType.ROCKETMQ) {
    throw new ProtocolError(`unknown serialize type ${serializeType}`);
  }
}

/** Decode the frame occupying all of `frame` (its prefix already checked against its length). */
export function decodeWhole(frame: Uint8Array): RemotingCommand {
  const word = readInt32(frame, 4);
  checkHeaderWord(word, frame.length - 4);
  const headerEnd = 8 + (word & HEADER_LENGTH_MASK);
  const body = headerEnd < frame.length ? frame.subarray(headerEnd) : undefined;
  if (word >>> 24 === SerializeType.JSON) return decodeJsonHeader(frame, 8, headerEnd, body);
  const view = new DataView(frame.buffer, frame.byteOffset, frame.byteLength);
  return decodeBinaryHeader(frame, view, 8, headerEnd, body);
}

/**
 * {@link decodeWhole} for a JSON-header frame at `bytes[at, at + length)`, read in place: no
 * view of the frame is made (the body, if any, still is one). Undefined for a binary header.
 */
export function decodeJsonAt(
  bytes: Uint8Array,
  at: number,
  length: number,
): RemotingCommand | undefined {
  const word = readInt32(bytes, at + 4);
  if (word >>> 24 !== SerializeType.JSON) return undefined;
  checkHeaderWord(word, length - 4);
  const headerEnd = at + 8 + (word & HEADER_LENGTH_MASK);
  const end = at + length;
  const body = headerEnd < end ? bytes.subarray(headerEnd, end) : undefined;
  return decodeJsonHeader(bytes, at + 8, headerEnd, body);
}

/** Any failure while decoding peer bytes is a protocol error, whatever raised it. */
export function asProtocolError(e: unknown): ProtocolError {
  return e instanceof ProtocolError
    ? e
    : new ProtocolError(`undecodable frame: ${(e as Error)?.message ?? String(e)}`, { cause: e });
}

/** Validate a frame's `totalLength` prefix; shared by decodeFrame and FrameDecoder. */
export function checkTotalLength(totalLength: number, maxFrameLength: number): void {
  if (totalLength < 0) throw new ProtocolError(`negative frame length ${totalLength}`);
  if (totalLength < 4) {
    throw new ProtocolError(
      `frame length ${totalLength} is too small to hold the header-length word`,
    );
  }
  if (totalLength + 4 > maxFrameLength) {
    throw new ProtocolError(
      `frame length ${totalLength} + 4 exceeds the limit of ${maxFrameLength} bytes`,
    );
  }
}

/**
 * Decode one whole frame, including its 4-byte length prefix. The body is a subarray of `frame`
 * (no copy); an empty body decodes as `undefined`.
 *
 * @param frame exactly one frame
 * @returns the command
 * @throws ProtocolError on any malformed input
 */
export function decodeFrame(frame: Uint8Array): RemotingCommand {
  if (frame.length < 4) {
    throw new ProtocolError(`frame of ${frame.length} bytes is shorter than its length prefix`);
  }
  const totalLength = readInt32(frame, 0);
  checkTotalLength(totalLength, MAX_FRAME_LENGTH);
  if (totalLength + 4 !== frame.length) {
    throw new ProtocolError(
      `frame length prefix ${totalLength} does not match the ${
        frame.length - 4
      } bytes that follow it`,
    );
  }
  try {
    return decodeWhole(frame);
  } catch (e) {
    throw asProtocolError(e);
  }
}
