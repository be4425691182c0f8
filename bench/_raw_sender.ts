/**
 * The "limit" peer of the benchmarks: a raw pipelining sender that writes one pre-encoded
 * SEND_MESSAGE_V2 frame over and over (only the opaque is patched) and counts acknowledgements.
 * It does no client work at all, so its figure is what the server (or the network) allows.
 *
 * Works under Deno, Bun and Node (`node:net` only).
 *
 * @module
 */

import { connect, type Socket } from "node:net";
import { LatencyHistogram } from "./_stats.ts";

/** Options of {@link runRawSender}. */
export interface RawSenderOptions {
  /** Broker `host:port`. */
  address: string;
  /** Messages to send in total. */
  frames: number;
  /** Requests in flight at most, over all connections (default 512). */
  window?: number;
  /** TCP connections to spread the load on (default 1). */
  connections?: number;
  /** Message body size in bytes (default 1024). */
  bodySize?: number;
  /** Topic (default `"BenchTopic"`; auto-created by a broker with TBW102). */
  topic?: string;
  /** Queues of the topic; connection i sends to queue i % queues (default 4). */
  queues?: number;
  /**
   * Tags of the message (default none). Pass what the compared clients send, so the broker does
   * the same work for every client's messages.
   */
  tags?: string;
  /** Header encoding (default `"json"`, what the Java client sends). */
  serializeType?: "json" | "binary";
}

/** What {@link runRawSender} measured. */
export interface RawSenderResult {
  /** Acknowledged with code 0. */
  acked: number;
  /** Answered with another code. */
  errors: number;
  /** Wall time from first write to last response, ms. */
  elapsedMs: number;
  /** Acknowledged sends per second. */
  msgsPerSec: number;
  /** Median request→response latency, ms. */
  p50Ms: number;
  /** 99th percentile latency, ms. */
  p99Ms: number;
  /** Worst latency, ms. */
  maxMs: number;
}

const encoder = new TextEncoder();
/** Opaques start here so they always have 10 digits and can be patched in place in JSON. */
const OPAQUE_BASE = 1_000_000_000;

interface Template {
  frame: Uint8Array;
  /** Offset of the opaque (10 ASCII digits for JSON, int32 for binary). */
  opaqueAt: number;
  binary: boolean;
}

function template(o: RawSenderOptions, queueId: number): Template {
  const ext: Record<string, string> = {
    a: "bench_group",
    b: o.topic ?? "BenchTopic",
    c: "TBW102",
    d: "4",
    e: String(queueId),
    f: "0",
    g: String(Date.now()),
    h: "0",
    i: (o.tags ? `TAGS\u0001${o.tags}\u0002` : "") +
      "UNIQ_KEY\u00017F0000014E200BADCAFE05F5E1000001\u0002WAIT\u0001true",
    j: "0",
    k: "false",
    m: "false",
  };
  const body = new Uint8Array(o.bodySize ?? 1024).fill(0x61);
  if (o.serializeType === "binary") {
    const entries = Object.entries(ext).map(([k, v]) => [encoder.encode(k), encoder.encode(v)]);
    const mapLen = entries.reduce((n, [k, v]) => n + 6 + k.length + v.length, 0);
    const hlen = 21 + mapLen;
    const frame = new Uint8Array(8 + hlen + body.length);
    const v = new DataView(frame.buffer);
    v.setInt32(0, 4 + hlen + body.length);
    v.setUint32(4, (1 << 24) | hlen);
    v.setInt16(8, 310);
    frame[10] = 7;
    v.setInt16(11, 401);
    v.setInt32(13, OPAQUE_BASE);
    v.setInt32(17, 0);
    v.setInt32(21, 0);
    v.setInt32(25, mapLen);
    let p = 29;
    for (const [k, val] of entries) {
      v.setInt16(p, k.length);
      frame.set(k, p + 2);
      p += 2 + k.length;
      v.setInt32(p, val.length);
      frame.set(val, p + 4);
      p += 4 + val.length;
    }
    frame.set(body, p);
    return { frame, opaqueAt: 13, binary: true };
  }
  const header = encoder.encode(
    JSON.stringify({
      code: 310,
      language: "OTHER",
      version: 401,
      opaque: OPAQUE_BASE,
      flag: 0,
      extFields: ext,
    }),
  );
  const frame = new Uint8Array(8 + header.length + body.length);
  const v = new DataView(frame.buffer);
  v.setInt32(0, 4 + header.length + body.length);
  v.setUint32(4, header.length);
  frame.set(header, 8);
  frame.set(body, 8 + header.length);
  const opaqueAt = 8 + new TextDecoder().decode(header).indexOf(`"opaque":`) + 9;
  return { frame, opaqueAt, binary: false };
}

function patchOpaque(buf: Uint8Array, at: number, opaque: number, binary: boolean): void {
  if (binary) {
    buf[at] = opaque >>> 24;
    buf[at + 1] = (opaque >>> 16) & 0xff;
    buf[at + 2] = (opaque >>> 8) & 0xff;
    buf[at + 3] = opaque & 0xff;
    return;
  }
  for (let i = 9; i >= 0; i--) {
    buf[at + i] = 48 + (opaque % 10);
    opaque = Math.floor(opaque / 10);
  }
}

const OPAQUE_KEY = encoder.encode(`"opaque":`);

/** Opaque and success of one response frame (JSON server style or binary). */
function readResponse(b: Uint8Array, p: number, len: number): { opaque: number; ok: boolean } {
  const type = b[p + 4];
  if (type === 1) {
    const v = new DataView(b.buffer, b.byteOffset + p + 8, 13);
    return { opaque: v.getInt32(5), ok: v.getInt16(0) === 0 };
  }
  // JSON: `{"code":0,` then `"opaque":N` somewhere in the header.
  const ok = b[p + 8 + 8] === 48 && b[p + 8 + 9] === 44;
  const end = p + 4 + len;
  outer: for (let i = p + 8; i < end - OPAQUE_KEY.length; i++) {
    for (let j = 0; j < OPAQUE_KEY.length; j++) if (b[i + j] !== OPAQUE_KEY[j]) continue outer;
    let n = 0;
    for (let k = i + OPAQUE_KEY.length; k < end; k++) {
      const c = b[k];
      if (c < 48 || c > 57) break;
      n = n * 10 + (c - 48);
    }
    return { opaque: n, ok };
  }
  return { opaque: -1, ok: false };
}

/**
 * Pipeline `frames` pre-encoded 1 KiB sends to one broker with a fixed window and measure
 * acknowledged sends per second and latency.
 *
 * @param options target, message count, window, connections, body size
 * @returns throughput and latency
 */
export async function runRawSender(options: RawSenderOptions): Promise<RawSenderResult> {
  const total = options.frames;
  const nConn = Math.max(1, options.connections ?? 1);
  const perConnWindow = Math.max(1, Math.floor((options.window ?? 512) / nConn));
  const queues = options.queues ?? 4;
  const i = options.address.lastIndexOf(":");
  const host = options.address.slice(0, i);
  const port = Number(options.address.slice(i + 1));
  const sentAt = new Float64Array(total);
  const hist = new LatencyHistogram();
  let nextSeq = 0;
  let acked = 0;
  let errors = 0;
  const t0 = performance.now();

  const runConn = (idx: number): Promise<void> =>
    new Promise<void>((resolve, reject) => {
      const t = template(options, idx % queues);
      const fl = t.frame.length;
      let inflight = 0;
      let pending = new Uint8Array(0);
      const socket: Socket = connect({ host, port, noDelay: true });
      const pump = (): void => {
        const n = Math.min(perConnWindow - inflight, total - nextSeq);
        if (n <= 0) return;
        const out = new Uint8Array(fl * n);
        const now = performance.now();
        for (let k = 0; k < n; k++) {
          const seq = nextSeq++;
          out.set(t.frame, k * fl);
          patchOpaque(out, k * fl + t.opaqueAt, OPAQUE_BASE + seq, t.binary);
          sentAt[seq] = now;
        }
        inflight += n;
        socket.write(out);
      };
      let finished = false;
      socket.on("connect", pump);
      socket.on("error", reject);
      socket.on("close", () => {
        if (!finished) reject(new Error(`connection to ${options.address} closed mid-run`));
      });
      socket.on("data", (chunk: Uint8Array) => {
        let b = chunk;
        if (pending.length > 0) {
          b = new Uint8Array(pending.length + chunk.length);
          b.set(pending);
          b.set(chunk, pending.length);
        }
        let p = 0;
        const now = performance.now();
        while (b.length - p >= 4) {
          const len = (b[p] << 24) | (b[p + 1] << 16) | (b[p + 2] << 8) | b[p + 3];
          if (b.length - p < len + 4) break;
          const r = readResponse(b, p, len);
          if (r.ok) acked++;
          else errors++;
          const seq = r.opaque - OPAQUE_BASE;
          if (seq >= 0 && seq < total) hist.record(now - sentAt[seq]);
          inflight--;
          p += len + 4;
        }
        pending = p === b.length ? new Uint8Array(0) : b.slice(p);
        if (nextSeq < total) pump();
        else if (inflight === 0) {
          finished = true;
          socket.end();
          resolve();
        }
      });
    });

  await Promise.all(Array.from({ length: nConn }, (_, k) => runConn(k)));
  const elapsedMs = performance.now() - t0;
  return {
    acked,
    errors,
    elapsedMs,
    msgsPerSec: (acked / elapsedMs) * 1000,
    p50Ms: hist.percentile(0.5),
    p99Ms: hist.percentile(0.99),
    maxMs: hist.maxMs,
  };
}
