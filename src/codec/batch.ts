/**
 * The SEND_BATCH_MESSAGE body (Java `MessageDecoder.encodeMessages`): one
 * record per message, concatenated.
 *
 * | TOTALSIZE int32 | MAGICCODE int32 = 0 | BODYCRC int32 = 0 | FLAG int32 |
 * | body length int32 + body | properties length int16 + UTF-8 properties |
 *
 * @module
 */

import { ProtocolError, ValidationError } from "../errors.ts";

/** One message of a batch, ready for encoding. */
export interface BatchRecord {
  /** Body bytes (never compressed in a batch). */
  body: Uint8Array;
  /** `Message.flag` (user int). */
  flag: number;
  /** Encoded properties (§5), including this message's own `UNIQ_KEY`. */
  properties: string;
}

/** Largest encoded properties of one record: the length is an int16. */
export const MAX_PROPERTIES_BYTES = 32767;

/** Fixed bytes of a record besides body and properties: 5 int32 + 1 int16. */
const RECORD_OVERHEAD = 22;

const encoder = new TextEncoder();
const decoder = new TextDecoder("utf-8", { fatal: true });

/**
 * Encode the records of a batch into one body, in one allocation.
 *
 * @param records the messages, in order
 * @returns the request body
 * @throws ValidationError when a record's properties exceed 32 767 UTF-8 bytes or its flag is not
 *   an int32 (field `messages[i].properties` / `messages[i].flag`)
 */
export function encodeBatchRecords(records: readonly BatchRecord[]): Uint8Array {
  // Pass 1: sizes. Properties are almost always ASCII: measure them in JS and copy them char by
  // char below, which beats a TextEncoder call per record; other strings are encoded once here.
  const encoded: (Uint8Array | undefined)[] = new Array(records.length);
  let total = 0;
  for (let i = 0; i < records.length; i++) {
    const r = records[i];
    const p = r.properties;
    let len = p.length;
    if (!isAscii(p)) {
      const bytes = encoder.encode(p);
      encoded[i] = bytes;
      len = bytes.length;
    }
    if (len > MAX_PROPERTIES_BYTES) {
      throw new ValidationError(
        `messages[${i}].properties`,
        `must encode to at most ${MAX_PROPERTIES_BYTES} bytes, got ${len}`,
      );
    }
    if (!Number.isInteger(r.flag) || r.flag < -0x80000000 || r.flag > 0x7fffffff) {
      throw new ValidationError(`messages[${i}].flag`, `must be an int32, got ${r.flag}`);
    }
    total += RECORD_OVERHEAD + r.body.length + len;
  }
  // Pass 2: one buffer. MAGICCODE and BODYCRC stay 0 (the broker ignores the first and
  // recomputes the second), which a fresh Uint8Array already holds.
  const out = new Uint8Array(total);
  const view = new DataView(out.buffer);
  let pos = 0;
  for (let i = 0; i < records.length; i++) {
    const r = records[i];
    const body = r.body;
    const p = r.properties;
    const bytes = encoded[i];
    const propsLen = bytes === undefined ? p.length : bytes.length;
    view.setInt32(pos, RECORD_OVERHEAD + body.length + propsLen);
    view.setInt32(pos + 12, r.flag);
    view.setInt32(pos + 16, body.length);
    out.set(body, pos + 20);
    pos += 20 + body.length;
    view.setInt16(pos, propsLen);
    pos += 2;
    if (bytes !== undefined) out.set(bytes, pos);
    else for (let j = 0; j < propsLen; j++) out[pos + j] = p.charCodeAt(j);
    pos += propsLen;
  }
  return out;
}

/** True when every UTF-16 unit of `s` is below 0x80 (its UTF-8 bytes are its char codes). */
function isAscii(s: string): boolean {
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) > 0x7f) return false;
  return true;
}

/**
 * Decode a batch body (used by the embedded test broker).
 *
 * @param body the request body
 * @returns the records; bodies are views into `body`
 * @throws ProtocolError when a record's sizes do not add up or properties are not UTF-8
 */
export function decodeBatchRecords(body: Uint8Array): BatchRecord[] {
  const view = new DataView(body.buffer, body.byteOffset, body.byteLength);
  const out: BatchRecord[] = [];
  let pos = 0;
  while (pos < body.length) {
    const at = `batch record ${out.length} at byte ${pos}`;
    if (body.length - pos < RECORD_OVERHEAD) throw new ProtocolError(`${at} is truncated`);
    const size = view.getInt32(pos);
    if (size < RECORD_OVERHEAD || size > body.length - pos) {
      throw new ProtocolError(`${at} has TOTALSIZE ${size}, ${body.length - pos} bytes left`);
    }
    const flag = view.getInt32(pos + 12);
    const bodyLen = view.getInt32(pos + 16);
    if (bodyLen < 0 || bodyLen > size - RECORD_OVERHEAD) {
      throw new ProtocolError(`${at} has body length ${bodyLen} beyond TOTALSIZE ${size}`);
    }
    const propsAt = pos + 20 + bodyLen;
    const propsLen = view.getInt16(propsAt);
    if (propsLen < 0 || RECORD_OVERHEAD + bodyLen + propsLen !== size) {
      throw new ProtocolError(
        `${at} has properties length ${propsLen}, inconsistent with TOTALSIZE ${size}`,
      );
    }
    let properties: string;
    try {
      properties = decoder.decode(body.subarray(propsAt + 2, propsAt + 2 + propsLen));
    } catch (e) {
      throw new ProtocolError(`${at} has properties that are not UTF-8`, { cause: e });
    }
    out.push({ body: body.subarray(pos + 20, pos + 20 + bodyLen), flag, properties });
    pos += size;
  }
  return out;
}
