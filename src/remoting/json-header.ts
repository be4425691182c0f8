/**
 * JSON header encoding (serialize type 0, Java `RemotingSerializable` / fastjson).
 *
 * Two output styles, each byte-identical to what a RocketMQ 4.9.8 client and broker exchange:
 * - `"client"`: `{"code","language","version","opaque","flag","remark"?,"extFields"?}` in that order
 *   (what our producer sends);
 * - `"server"`: fastjson's sorted member order with `"serializeTypeCurrentRPC":"JSON"` (what a
 *   4.9 broker or name server sends; used by the embedded test cluster).
 *
 * The header is built as one string (JSON.stringify only on string values) so frame.ts can write
 * it with a single `encodeInto`.
 *
 * @module
 */

import { ProtocolError } from "../errors.ts";
import { LANGUAGE_BY_NAME, LANGUAGE_NAMES, SerializeType } from "./codes.ts";
import type { RemotingCommand } from "./command.ts";
import { decodeUtf8 } from "./_utf8.ts";
import { HeaderTokens } from "./_header_tokens.ts";

/** Which member order and members a JSON header is written with. */
export type JsonStyle = "client" | "server";

/** Quoted JSON names, so encoding does not re-stringify them per frame. */
const QUOTED_LANGUAGE: readonly string[] = LANGUAGE_NAMES.map((n) => JSON.stringify(n));

function languageJson(language: number): string {
  const quoted = QUOTED_LANGUAGE[language];
  if (quoted === undefined) {
    throw new ProtocolError(`language ${language} has no name to put in a JSON header`);
  }
  return quoted;
}

function checkInt32(value: number, field: string): number {
  if ((value | 0) !== value) {
    throw new ProtocolError(`header field ${field} must be an int32, got ${value}`);
  }
  return value;
}

/** Characters JSON.stringify would escape (surrogates included: lone ones get escaped). */
// deno-lint-ignore no-control-regex -- control characters are exactly what must be escaped
const NEEDS_ESCAPE = /["\\\u0000-\u001f\ud800-\udfff]/;

/** `JSON.stringify(s)`, skipping the call for the common string that needs no escaping. */
function quote(s: string): string {
  return NEEDS_ESCAPE.test(s) ? JSON.stringify(s) : '"' + s + '"';
}

/** `"k":"v"` pairs of `extFields` in insertion order; entries with null/undefined values are skipped. */
function extFieldsJson(ext: Record<string, string>): string {
  let s = "{";
  let first = true;
  for (const key in ext) {
    const value = ext[key];
    if (value == null) continue;
    s += (first ? "" : ",") + quote(key) + ":" + quote(value);
    first = false;
  }
  return s + "}";
}

/**
 * Build the JSON header text of `cmd` in the given style.
 *
 * @param cmd the command (body ignored)
 * @param style member order and members
 * @returns the header text
 * @throws ProtocolError when a number is not an int32 or the language has no name
 */
export function encodeJsonHeader(cmd: RemotingCommand, style: JsonStyle): string {
  const code = checkInt32(cmd.code, "code");
  const version = checkInt32(cmd.version, "version");
  const opaque = checkInt32(cmd.opaque, "opaque");
  const flag = checkInt32(cmd.flag, "flag");
  const language = languageJson(cmd.language);
  const remark = cmd.remark == null ? undefined : quote(cmd.remark);
  const ext = cmd.extFields == null ? undefined : extFieldsJson(cmd.extFields);
  if (style === "server") {
    return '{"code":' + code +
      (ext === undefined ? "" : ',"extFields":' + ext) +
      ',"flag":' + flag +
      ',"language":' + language +
      ',"opaque":' + opaque +
      (remark === undefined ? "" : ',"remark":' + remark) +
      ',"serializeTypeCurrentRPC":"JSON","version":' + version + "}";
  }
  return '{"code":' + code +
    ',"language":' + language +
    ',"version":' + version +
    ',"opaque":' + opaque +
    ',"flag":' + flag +
    (remark === undefined ? "" : ',"remark":' + remark) +
    (ext === undefined ? "" : ',"extFields":' + ext) + "}";
}

/**
 * The client-style header of a request without remark whose extFields JSON text is given:
 * what {@link encodeJsonHeader} writes for the same command.
 *
 * @param code request code
 * @param language language code
 * @param version version
 * @param opaque opaque
 * @param flag flag
 * @param extFieldsJson the extFields object as JSON text
 * @returns the header text
 * @throws ProtocolError as {@link encodeJsonHeader}
 */
export function encodeJsonRequestHeader(
  code: number,
  language: number,
  version: number,
  opaque: number,
  flag: number,
  extFieldsJson: string,
): string {
  return '{"code":' + checkInt32(code, "code") +
    ',"language":' + languageJson(language) +
    ',"version":' + checkInt32(version, "version") +
    ',"opaque":' + checkInt32(opaque, "opaque") +
    ',"flag":' + checkInt32(flag, "flag") +
    ',"extFields":' + extFieldsJson + "}";
}

function intMember(header: Record<string, unknown>, field: string): number {
  const v = header[field];
  if (v == null) return 0; // fastjson: missing member keeps the Java default
  if (typeof v !== "number" || (v | 0) !== v) {
    throw new ProtocolError(
      `JSON header member ${field} must be an int32, got ${JSON.stringify(v)}`,
    );
  }
  return v;
}

function languageMember(header: Record<string, unknown>): number {
  const v = header.language;
  if (v == null) return 0; // Java default LanguageCode.JAVA
  if (typeof v === "string") return LANGUAGE_BY_NAME.get(v) ?? -1;
  if (typeof v === "number" && Number.isInteger(v) && v >= 0 && v <= 255) return v;
  throw new ProtocolError(
    `JSON header member language must be a name or a code, got ${JSON.stringify(v)}`,
  );
}

/** Validate `extFields`; reuses the parsed object when every value is already a string. */
function extFieldsMember(v: unknown): Record<string, string> | undefined {
  if (v == null) return undefined;
  if (typeof v !== "object" || Array.isArray(v)) {
    throw new ProtocolError("JSON header member extFields must be an object");
  }
  const obj = v as Record<string, unknown>;
  for (const key in obj) {
    const value = obj[key];
    if (typeof value === "string") continue;
    // fastjson would coerce scalars into the String map; objects cannot be coerced.
    if (value === null) delete obj[key];
    else if (typeof value === "number" || typeof value === "boolean") obj[key] = String(value);
    else throw new ProtocolError(`JSON header extFields.${key} must be a string`);
  }
  return obj as Record<string, string>;
}

const scanner = new HeaderTokens();

/**
 * Decode a JSON header at `bytes[start, end)` into a command carrying `body`.
 *
 * Missing members take the Java defaults (0, language JAVA); unknown members (such as
 * `serializeTypeCurrentRPC`) are ignored; an unknown language name decodes as -1.
 *
 * @throws ProtocolError on invalid UTF-8, invalid JSON, a non-object, or wrongly typed members
 */
export function decodeJsonHeader(
  bytes: Uint8Array,
  start: number,
  end: number,
  body: Uint8Array | undefined,
): RemotingCommand {
  // The usual shape is scanned in one pass; anything else goes through JSON.parse below.
  if (scanner.scan(bytes, start, end)) {
    const cmd = scanner.toCommand(body);
    scanner.release();
    return cmd;
  }
  scanner.release();
  const text = decodeUtf8(bytes, start, end, "JSON header");
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (e) {
    throw new ProtocolError(`invalid JSON header: ${(e as Error).message}`, { cause: e });
  }
  if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) {
    throw new ProtocolError("JSON header is not an object");
  }
  const h = parsed as Record<string, unknown>;
  const cmd: RemotingCommand = {
    code: intMember(h, "code"),
    language: languageMember(h),
    version: intMember(h, "version"),
    opaque: intMember(h, "opaque"),
    flag: intMember(h, "flag"),
    serializeType: SerializeType.JSON,
  };
  const remark = h.remark;
  if (remark != null) {
    if (typeof remark !== "string") {
      throw new ProtocolError("JSON header member remark must be a string");
    }
    cmd.remark = remark;
  }
  const ext = extFieldsMember(h.extFields);
  if (ext !== undefined) cmd.extFields = ext;
  if (body !== undefined) cmd.body = body;
  return cmd;
}
