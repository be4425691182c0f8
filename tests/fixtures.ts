/**
 * Test helper: loads the recorded RocketMQ 4.9.8 wire fixtures from
 * `tests/fixtures/rocketmq-4.9.8/`, a copy of `shared/fixtures/rocketmq-4.9.8/` kept in the
 * repository so a fresh clone tests on its own (fixtures_copy_test.ts checks the copy against the
 * shared folder whenever it sits beside the checkout). Portable: uses only
 * `node:fs/promises` and `node:url`, so it works under Deno, Bun and Node 22.
 *
 * @module
 */

import { readdir, readFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { LANGUAGE_NAMES } from "../src/remoting/codes.ts";
import type { RemotingCommand } from "../src/remoting/command.ts";

/** Directory holding the fixture files. */
export const FIXTURE_DIR: URL = new URL("./fixtures/rocketmq-4.9.8/", import.meta.url);

/** The shared copy beside the checkout (`../shared/fixtures/rocketmq-4.9.8/`), when present. */
export const SHARED_FIXTURE_DIR: URL = new URL(
  "../../shared/fixtures/rocketmq-4.9.8/",
  import.meta.url,
);

/** One recorded frame (request or response) as stored in a fixture. */
export interface FixtureMessage {
  /** Decoded header (ROCKETMQ headers add `languageCode`); null for raw garbage. */
  header: Record<string, unknown> | null;
  /** `"JSON"`, `"ROCKETMQ"`, or null for raw garbage. */
  headerType: "JSON" | "ROCKETMQ" | null;
  /** Body bytes, base64; null when elided or not a frame. */
  bodyBase64: string | null;
  /** Body as text when printable UTF-8. */
  bodyText?: string;
  /** The whole frame, base64; null when elided. */
  frameBase64: string | null;
  /** For elided frames: length word + header-length word + header. */
  framePrefixBase64?: string;
  /** For elided frames: total frame length in bytes. */
  frameLength?: number;
  /** For elided frames: body length and fill byte (e.g. `"0x61"`). */
  bodyElided?: { length: number; fillByte: string };
  /** Serialize-type byte when it is not the one headerType implies (garbage). */
  serializeTypeByte?: number;
}

/** One request and what came back. */
export interface FixtureExchange {
  /** `"namesrv"`, `"broker-a"` or `"broker-b"`. */
  to: string;
  /** Short description. */
  label: string;
  /** The request as written. */
  request: FixtureMessage;
  /** The response, or null when none arrived. */
  response: FixtureMessage | null;
  /** Recorder notes (no response, connection closed, …). */
  observed?: Record<string, unknown>;
}

/** One fixture file. */
export interface Fixture {
  /** Scenario name (file name without `.json`). */
  scenario: string;
  /** What the scenario shows. */
  description: string;
  /** Logical endpoint → `host:port`. */
  endpoints: Record<string, string>;
  /** The exchanges in recording order. */
  exchanges: FixtureExchange[];
}

/** Names (without `.json`) of every fixture file, sorted. */
export async function fixtureNames(): Promise<string[]> {
  const files = await readdir(fileURLToPath(FIXTURE_DIR));
  return files.filter((f) => f.endsWith(".json")).map((f) => f.slice(0, -5)).sort();
}

/** Load one fixture by scenario name, e.g. `"send-v2-json"`. */
export async function loadFixture(name: string): Promise<Fixture> {
  const text = await readFile(fileURLToPath(new URL(`${name}.json`, FIXTURE_DIR)), "utf8");
  return JSON.parse(text) as Fixture;
}

/** Load every fixture, sorted by name. */
export async function loadAllFixtures(): Promise<Fixture[]> {
  return await Promise.all((await fixtureNames()).map((n) => loadFixture(n)));
}

/** Decode base64 into bytes (portable: `atob`). */
export function fromBase64(s: string): Uint8Array {
  const bin = atob(s);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

/** The whole frame bytes of a message, rebuilding elided bodies; undefined if it has none. */
export function frameBytes(msg: FixtureMessage): Uint8Array | undefined {
  if (msg.frameBase64 != null) return fromBase64(msg.frameBase64);
  if (msg.framePrefixBase64 != null && msg.frameLength != null && msg.bodyElided != null) {
    const prefix = fromBase64(msg.framePrefixBase64);
    const frame = new Uint8Array(msg.frameLength);
    frame.set(prefix);
    frame.fill(Number(msg.bodyElided.fillByte), prefix.length);
    return frame;
  }
  return undefined;
}

/** The body bytes of a message, rebuilding elided bodies (empty when there is none). */
export function bodyBytes(msg: FixtureMessage): Uint8Array {
  if (msg.bodyBase64 != null) return fromBase64(msg.bodyBase64);
  if (msg.bodyElided != null) {
    return new Uint8Array(msg.bodyElided.length).fill(Number(msg.bodyElided.fillByte));
  }
  return new Uint8Array(0);
}

/** Every message of every fixture that is a decodable frame, with where it came from. */
export interface FixtureFrame {
  /** `"<scenario>#<exchange index> request|response"`. */
  name: string;
  /** True for server responses (re-encode with the server JSON style). */
  isResponse: boolean;
  /** The recorded message. */
  message: FixtureMessage;
  /** Its frame bytes. */
  frame: Uint8Array;
}

/** All well-formed frames (requests and responses) of all fixtures, excluding `garbage`. */
export async function loadFixtureFrames(): Promise<FixtureFrame[]> {
  const out: FixtureFrame[] = [];
  for (const fx of await loadAllFixtures()) {
    if (fx.scenario === "garbage") continue;
    fx.exchanges.forEach((ex, i) => {
      for (const [kind, msg] of [["request", ex.request], ["response", ex.response]] as const) {
        if (msg === null) continue;
        const frame = frameBytes(msg);
        if (frame === undefined) continue;
        out.push({
          name: `${fx.scenario}#${i} ${kind}`,
          isResponse: kind === "response",
          message: msg,
          frame,
        });
      }
    });
  }
  return out;
}

/**
 * The command a recorded message should decode to: language mapped to its code, absent remark
 * and extFields omitted (a ROCKETMQ map of length 0 counts as absent), empty body omitted.
 */
export function expectedCommand(msg: FixtureMessage): RemotingCommand {
  const h = msg.header;
  if (h === null) throw new Error("message has no header");
  const binary = msg.headerType === "ROCKETMQ";
  const cmd: RemotingCommand = {
    code: h.code as number,
    language: binary ? h.languageCode as number : LANGUAGE_NAMES.indexOf(h.language as string),
    version: h.version as number,
    opaque: h.opaque as number,
    flag: h.flag as number,
    serializeType: binary ? 1 : 0,
  };
  if (h.remark != null) cmd.remark = h.remark as string;
  const ext = h.extFields as Record<string, string> | undefined;
  if (ext != null && !(binary && Object.keys(ext).length === 0)) cmd.extFields = ext;
  const body = bodyBytes(msg);
  if (body.length > 0) cmd.body = body;
  return cmd;
}
