/**
 * Test helpers: a raw TCP client that writes exact bytes and collects whole response frames, and
 * fixture loading (tests/fixtures/rocketmq-4.9.8, via ../fixtures.ts).
 */

import { connect, type Socket } from "node:net";
import { readFileSync } from "node:fs";
import type { RemotingCommand } from "../../src/remoting/command.ts";
import { decodeFrame, encodeFrame } from "../../src/remoting/frame.ts";

import { type Fixture, FIXTURE_DIR } from "../fixtures.ts";

export const FIXTURES: URL = FIXTURE_DIR;

export type { Fixture, FixtureMessage } from "../fixtures.ts";
export type { FixtureExchange as Exchange } from "../fixtures.ts";

export function loadFixture(name: string): Fixture {
  return JSON.parse(readFileSync(new URL(`${name}.json`, FIXTURES), "utf8"));
}

export function b64(s: string): Uint8Array {
  return Uint8Array.from(atob(s), (c) => c.charCodeAt(0));
}

export const latin1 = (b: Uint8Array): string => String.fromCharCode(...b);
export const utf8 = (b: Uint8Array | undefined): string => new TextDecoder().decode(b);

/** A decoded frame plus its exact bytes. */
export interface Frame {
  cmd: RemotingCommand;
  bytes: Uint8Array;
}

/** A raw client: exact bytes out, whole frames in. */
export class RawClient {
  readonly socket: Socket;
  #buf = new Uint8Array(0);
  #frames: Frame[] = [];
  #waiters: Array<(f: Frame | undefined) => void> = [];
  #ended = false;
  readonly closed: Promise<void>;

  private constructor(socket: Socket) {
    this.socket = socket;
    this.closed = new Promise((resolve) => {
      socket.on("close", () => {
        this.#ended = true;
        for (const w of this.#waiters.splice(0)) w(undefined);
        resolve();
      });
    });
    socket.on("error", () => {});
    socket.on("data", (chunk: Uint8Array) => this.#onData(chunk));
  }

  static connect(address: string): Promise<RawClient> {
    const i = address.lastIndexOf(":");
    return new Promise((resolve, reject) => {
      const s = connect({ host: address.slice(0, i), port: Number(address.slice(i + 1)) });
      s.once("error", reject);
      s.once("connect", () => {
        s.off("error", reject);
        resolve(new RawClient(s));
      });
    });
  }

  #onData(chunk: Uint8Array): void {
    const b = new Uint8Array(this.#buf.length + chunk.length);
    b.set(this.#buf);
    b.set(chunk, this.#buf.length);
    let p = 0;
    while (b.length - p >= 4) {
      const len = new DataView(b.buffer, p, 4).getInt32(0);
      if (b.length - p < len + 4) break;
      const bytes = b.slice(p, p + len + 4);
      p += len + 4;
      const f = { cmd: decodeFrame(bytes), bytes };
      const w = this.#waiters.shift();
      if (w) w(f);
      else this.#frames.push(f);
    }
    this.#buf = b.slice(p);
  }

  write(bytes: Uint8Array): void {
    this.socket.write(bytes);
  }

  /** The next frame, or undefined when the connection closed first. */
  next(): Promise<Frame | undefined> {
    const f = this.#frames.shift();
    if (f) return Promise.resolve(f);
    if (this.#ended) return Promise.resolve(undefined);
    return new Promise((resolve) => this.#waiters.push(resolve));
  }

  /** Number of frames received and not yet consumed. */
  get buffered(): number {
    return this.#frames.length;
  }

  async close(): Promise<void> {
    this.socket.destroy();
    await this.closed;
  }
}

/** Send bytes and wait for one frame. */
export async function roundTrip(address: string, bytes: Uint8Array): Promise<Frame> {
  const c = await RawClient.connect(address);
  try {
    c.write(bytes);
    const f = await c.next();
    if (!f) throw new Error("connection closed without a response");
    return f;
  } finally {
    await c.close();
  }
}

let nextOpaque = 1;

/** Encode a client request (client-style JSON header unless `binary`). */
export function request(
  code: number,
  extFields: Record<string, string> | undefined,
  options: {
    body?: Uint8Array | string;
    oneway?: boolean;
    version?: number;
    binary?: boolean;
    opaque?: number;
  } = {},
): { bytes: Uint8Array; opaque: number } {
  const opaque = options.opaque ?? nextOpaque++;
  const body = typeof options.body === "string"
    ? new TextEncoder().encode(options.body)
    : options.body;
  const bytes = encodeFrame({
    code,
    language: 7,
    version: options.version ?? 401,
    opaque,
    flag: options.oneway ? 2 : 0,
    extFields,
    body,
    serializeType: options.binary ? 1 : 0,
  }, { jsonStyle: "client" });
  return { bytes, opaque };
}

/** SEND_MESSAGE_V2 header fields with defaults. */
export function v2(topic: string, over: Record<string, string> = {}): Record<string, string> {
  return {
    a: "test_group",
    b: topic,
    c: "TBW102",
    d: "4",
    e: "0",
    f: "0",
    g: "1795561674218",
    h: "0",
    i: "TAGS\u0001TagA\u0002UNIQ_KEY\u00017F0000014E200BADCAFE05F5E1000601\u0002WAIT\u0001true",
    j: "0",
    k: "false",
    m: "false",
    ...over,
  };
}

/** One request, one response, on a connection. */
export async function call(
  conn: RawClient,
  code: number,
  extFields: Record<string, string> | undefined,
  options: { body?: Uint8Array | string; version?: number; binary?: boolean } = {},
): Promise<RemotingCommand> {
  const r = request(code, extFields, options);
  conn.write(r.bytes);
  const f = await conn.next();
  if (!f) throw new Error("connection closed");
  if (f.cmd.opaque !== r.opaque) throw new Error(`unexpected opaque ${f.cmd.opaque}`);
  return f.cmd;
}

/** A parsed route body. */
export interface RouteJson {
  brokerDatas: Array<{ brokerName: string; cluster: string; brokerAddrs: Record<string, string> }>;
  queueDatas: Array<
    {
      brokerName: string;
      perm: number;
      readQueueNums: number;
      writeQueueNums: number;
      topicSysFlag: number;
    }
  >;
  filterServerTable: Record<string, string[]>;
  orderTopicConf?: string;
}

/** The route body of a topic as parsed JSON, or the response code when not 0. */
export async function routeOf(namesrv: string, topic: string): Promise<RouteJson | number> {
  const c = await RawClient.connect(namesrv);
  try {
    const res = await call(c, 105, { topic });
    return res.code === 0 ? JSON.parse(utf8(res.body)) : res.code;
  } finally {
    await c.close();
  }
}

/** Wait (polling the event loop) until `cond` holds. */
export async function until(cond: () => boolean): Promise<void> {
  while (!cond()) await new Promise((r) => setTimeout(r, 1));
}
