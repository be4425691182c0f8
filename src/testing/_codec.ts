/**
 * Private minimal frame codec of the embedded cluster (PROTOCOL.md §1–§2).
 *
 * The test servers only need to decode requests (JSON or ROCKETMQ binary) and encode responses in
 * the server's fastjson style, so this stays small and self-contained: the cluster must not break
 * when the client-side codec changes, and its hot path (one decode + one encode per send) is tuned
 * for the ≥ 50 000 sends/s the benchmarks need.
 *
 * @module
 */

import { ProtocolError } from "../errors.ts";
import type { RemotingCommand } from "../remoting/command.ts";
import { LANGUAGE_NAMES, MAX_FRAME_LENGTH } from "../remoting/codes.ts";

const encoder = new TextEncoder();
const strictDecoder = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

/** Decode strict UTF-8, with an ASCII fast path for the short strings of binary headers. */
function utf8(bytes: Uint8Array, start: number, end: number): string {
  if (end - start <= 64) {
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
    return strictDecoder.decode(bytes.subarray(start, end));
  } catch (e) {
    throw new ProtocolError("invalid UTF-8 in header", { cause: e });
  }
}

function languageCode(name: unknown): number {
  if (typeof name === "number") return name;
  const i = LANGUAGE_NAMES.indexOf(String(name));
  return i;
}

function decodeJsonHeader(bytes: Uint8Array, start: number, end: number): RemotingCommand {
  let h: Record<string, unknown>;
  try {
    h = JSON.parse(strictDecoder.decode(bytes.subarray(start, end)));
  } catch (e) {
    throw new ProtocolError("invalid JSON header", { cause: e });
  }
  if (h === null || typeof h !== "object") throw new ProtocolError("JSON header is not an object");
  let extFields: Record<string, string> | undefined;
  const ext = h.extFields;
  if (ext !== null && typeof ext === "object") {
    extFields = {};
    for (const k in ext as Record<string, unknown>) {
      const v = (ext as Record<string, unknown>)[k];
      if (v !== null && v !== undefined) extFields[k] = typeof v === "string" ? v : String(v);
    }
  }
  return {
    code: Number(h.code ?? 0),
    language: h.language === undefined ? 0 : languageCode(h.language),
    version: Number(h.version ?? 0),
    opaque: Number(h.opaque ?? 0),
    flag: Number(h.flag ?? 0),
    remark: typeof h.remark === "string" ? h.remark : undefined,
    extFields,
    serializeType: 0,
  };
}

function decodeBinaryHeader(b: Uint8Array, start: number, end: number): RemotingCommand {
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  if (end - start < 21) throw new ProtocolError("truncated binary header");
  let p = start;
  const code = v.getInt16(p);
  const language = b[p + 2];
  const version = v.getInt16(p + 3);
  const opaque = v.getInt32(p + 5);
  const flag = v.getInt32(p + 9);
  const remarkLen = v.getInt32(p + 13);
  p += 17;
  if (remarkLen < 0 || p + remarkLen + 4 > end) throw new ProtocolError("truncated binary header");
  const remark = remarkLen > 0 ? utf8(b, p, p + remarkLen) : undefined;
  p += remarkLen;
  const mapLen = v.getInt32(p);
  p += 4;
  if (mapLen < 0 || p + mapLen > end) throw new ProtocolError("truncated binary header");
  let extFields: Record<string, string> | undefined;
  if (mapLen > 0) {
    extFields = {};
    const mapEnd = p + mapLen;
    while (p < mapEnd) {
      if (p + 2 > mapEnd) throw new ProtocolError("truncated binary header");
      const kl = v.getInt16(p);
      p += 2;
      if (kl < 0 || p + kl + 4 > mapEnd) throw new ProtocolError("truncated binary header");
      const k = utf8(b, p, p + kl);
      p += kl;
      const vl = v.getInt32(p);
      p += 4;
      if (vl < 0 || p + vl > mapEnd) throw new ProtocolError("truncated binary header");
      extFields[k] = utf8(b, p, p + vl);
      p += vl;
    }
  }
  return { code, language, version, opaque, flag, remark, extFields, serializeType: 1 };
}

/**
 * Decode one whole frame (including its 4-byte length prefix).
 *
 * @param frame the frame bytes
 * @returns the decoded command; `body` is a view into `frame`
 * @throws ProtocolError on malformed input
 */
export function decodeFrame(frame: Uint8Array): RemotingCommand {
  const v = new DataView(frame.buffer, frame.byteOffset, frame.byteLength);
  if (frame.length < 8) throw new ProtocolError("frame shorter than 8 bytes");
  const total = v.getInt32(0);
  if (total + 4 !== frame.length) throw new ProtocolError("frame length mismatch");
  const word = v.getUint32(4);
  const type = word >>> 24;
  const headerLen = word & 0xffffff;
  if (headerLen > total - 4) throw new ProtocolError(`bad header length: ${headerLen}`);
  let cmd: RemotingCommand;
  if (type === 0) cmd = decodeJsonHeader(frame, 8, 8 + headerLen);
  else if (type === 1) cmd = decodeBinaryHeader(frame, 8, 8 + headerLen);
  else throw new ProtocolError(`unknown serialize type ${type}`);
  if (8 + headerLen < frame.length) cmd.body = frame.subarray(8 + headerLen);
  return cmd;
}

/** Reassembles frames from arbitrary chunks; throws ProtocolError (and stays poisoned) on bad input. */
export class FrameDecoder {
  #onFrame: (cmd: RemotingCommand) => void;
  #max: number;
  #buf: Uint8Array = new Uint8Array(0);
  #len = 0;
  #poisoned = false;

  /**
   * Create a decoder.
   *
   * @param onFrame called once per complete frame
   * @param options `maxFrameLength` counts the 4-byte prefix (default 16 MiB)
   */
  constructor(onFrame: (cmd: RemotingCommand) => void, options?: { maxFrameLength?: number }) {
    this.#onFrame = onFrame;
    this.#max = options?.maxFrameLength ?? MAX_FRAME_LENGTH;
  }

  /** Feed bytes; emits every complete frame. */
  push(chunk: Uint8Array): void {
    if (this.#poisoned) throw new ProtocolError("decoder failed earlier");
    try {
      this.#push(chunk);
    } catch (e) {
      this.#poisoned = true;
      throw e;
    }
  }

  #push(chunk: Uint8Array): void {
    let data = chunk;
    let len = chunk.length;
    if (this.#len > 0) {
      const need = this.#len + chunk.length;
      if (need > this.#buf.length) {
        const nb = new Uint8Array(Math.max(need, this.#buf.length * 2));
        nb.set(this.#buf.subarray(0, this.#len));
        this.#buf = nb;
      }
      this.#buf.set(chunk, this.#len);
      this.#len = need;
      data = this.#buf;
      len = need;
    }
    let p = 0;
    while (len - p >= 4) {
      const total = (data[p] << 24) | (data[p + 1] << 16) | (data[p + 2] << 8) | data[p + 3];
      if (total < 4 || total + 4 > this.#max) throw new ProtocolError(`bad frame length ${total}`);
      if (len - p < total + 4) break;
      // Copy out of the reassembly buffer (it is reused); a direct chunk can be viewed as is.
      const frame = data === chunk
        ? chunk.subarray(p, p + total + 4)
        : data.slice(p, p + total + 4);
      p += total + 4;
      this.#onFrame(decodeFrame(frame));
    }
    const rest = len - p;
    if (rest === 0) {
      this.#len = 0;
    } else if (data === chunk) {
      if (this.#buf.length < rest) this.#buf = new Uint8Array(Math.max(rest, 4096));
      this.#buf.set(chunk.subarray(p));
      this.#len = rest;
    } else {
      this.#buf.copyWithin(0, p, len);
      this.#len = rest;
    }
  }
}

/** Escape a string the way fastjson writes it (JSON.stringify agrees for our content). */
const q = JSON.stringify;

function jsonServerHeader(cmd: RemotingCommand): string {
  let s = `{"code":${cmd.code}`;
  if (cmd.extFields !== undefined) {
    s += ',"extFields":{';
    let first = true;
    for (const k in cmd.extFields) {
      s += `${first ? "" : ","}${q(k)}:${q(cmd.extFields[k])}`;
      first = false;
    }
    s += "}";
  }
  s += `,"flag":${cmd.flag},"language":${q(LANGUAGE_NAMES[cmd.language] ?? "JAVA")}` +
    `,"opaque":${cmd.opaque}`;
  if (cmd.remark !== undefined) s += `,"remark":${q(cmd.remark)}`;
  return s + `,"serializeTypeCurrentRPC":"JSON","version":${cmd.version}}`;
}

function binaryHeader(cmd: RemotingCommand): Uint8Array {
  const remark = cmd.remark ? encoder.encode(cmd.remark) : undefined;
  const entries: Uint8Array[] = [];
  let mapLen = 0;
  if (cmd.extFields) {
    for (const k in cmd.extFields) {
      const kb = encoder.encode(k);
      const vb = encoder.encode(cmd.extFields[k]);
      if (kb.length === 0 || vb.length === 0) continue; // Java skips null keys/values
      entries.push(kb, vb);
      mapLen += 6 + kb.length + vb.length;
    }
  }
  const out = new Uint8Array(21 + (remark?.length ?? 0) + mapLen);
  const v = new DataView(out.buffer);
  v.setInt16(0, cmd.code);
  out[2] = cmd.language;
  v.setInt16(3, cmd.version);
  v.setInt32(5, cmd.opaque);
  v.setInt32(9, cmd.flag);
  let p = 13;
  v.setInt32(p, remark?.length ?? 0);
  p += 4;
  if (remark) {
    out.set(remark, p);
    p += remark.length;
  }
  v.setInt32(p, mapLen);
  p += 4;
  for (let i = 0; i < entries.length; i += 2) {
    v.setInt16(p, entries[i].length);
    out.set(entries[i], p + 2);
    p += 2 + entries[i].length;
    v.setInt32(p, entries[i + 1].length);
    out.set(entries[i + 1], p + 4);
    p += 4 + entries[i + 1].length;
  }
  return out;
}

/**
 * Encode a frame the way a 4.9.8 server does: JSON headers in fastjson order, or ROCKETMQ binary.
 *
 * @param cmd the command
 * @param _options accepted for signature compatibility with `src/remoting/frame.ts`
 * @returns the whole frame including the length prefix
 */
export function encodeFrame(
  cmd: RemotingCommand,
  _options?: { jsonStyle?: "client" | "server" },
): Uint8Array {
  const header = cmd.serializeType === 1
    ? binaryHeader(cmd)
    : encoder.encode(jsonServerHeader(cmd));
  const bodyLen = cmd.body?.length ?? 0;
  const out = new Uint8Array(8 + header.length + bodyLen);
  const v = new DataView(out.buffer);
  v.setInt32(0, 4 + header.length + bodyLen);
  v.setUint32(4, ((cmd.serializeType & 0xff) << 24 | header.length) >>> 0);
  out.set(header, 8);
  if (bodyLen > 0) out.set(cmd.body!, 8 + header.length);
  return out;
}
