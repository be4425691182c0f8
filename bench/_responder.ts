/**
 * A fast loopback responder for `bench/transport.ts`: answers every two-way request with a
 * SEND_MESSAGE_V2-like success response (the extFields a 4.9 broker sends), in the request's
 * serialize type, with the request's opaque. One-way requests get no answer.
 *
 * It splits frames itself and reads only the opaque (no full header decode), and writes all
 * answers to one socket read in one write, so it stays cheaper than the client it serves.
 *
 * Run with `--serve` it listens on 127.0.0.1 (an ephemeral port), prints `PORT <n>` and runs
 * until stdin closes.
 *
 * @module
 */

import * as net from "node:net";
import process from "node:process";
import { encodeFrame } from "../src/remoting/frame.ts";
import type { RemotingCommand } from "../src/remoting/command.ts";

const ascii = (text: string): number[] => Array.from(text, (c) => c.charCodeAt(0));
const OPAQUE_KEY = ascii('"opaque":');
const FLAG_KEY = ascii('"flag":');

/** The success answer, as a 4.9 broker sends it; only `opaque` changes per request. */
function responseTemplate(serializeType: 0 | 1): RemotingCommand {
  return {
    code: 0,
    language: 0,
    version: 409,
    opaque: 0,
    flag: 1,
    extFields: {
      queueId: "0",
      TRACE_ON: "true",
      MSG_REGION: "DefaultRegion",
      msgId: "7F00000100002A9F0000000098D06957",
      queueOffset: "7",
    },
    serializeType,
  };
}

/** The pre-encoded binary answer; each answer is a copy with the opaque patched in. */
const binaryAnswer = encodeFrame(responseTemplate(1));
/** In a binary header the opaque sits after code (2), language (1) and version (2). */
const BINARY_OPAQUE_OFFSET = 8 + 5;
/** The JSON answer split around its opaque digits, to splice each request's opaque in. */
const jsonTemplate = encodeFrame(responseTemplate(0), { jsonStyle: "server" });
const jsonOpaqueAt = indexOf(jsonTemplate, ascii('"opaque":0')) + '"opaque":'.length;
const jsonHead = jsonTemplate.subarray(8, jsonOpaqueAt);
const jsonTail = jsonTemplate.subarray(jsonOpaqueAt + 1);

function jsonAnswer(opaque: number): Uint8Array {
  const digits = ascii(String(opaque));
  const headerLength = jsonHead.length + digits.length + jsonTail.length;
  const frame = new Uint8Array(8 + headerLength);
  const view = new DataView(frame.buffer);
  view.setInt32(0, 4 + headerLength);
  view.setInt32(4, headerLength);
  frame.set(jsonHead, 8);
  frame.set(digits, 8 + jsonHead.length);
  frame.set(jsonTail, 8 + jsonHead.length + digits.length);
  return frame;
}

function indexOf(haystack: Uint8Array, needle: readonly number[]): number {
  outer: for (let i = 0; i <= haystack.length - needle.length; i++) {
    for (let k = 0; k < needle.length; k++) if (haystack[i + k] !== needle[k]) continue outer;
    return i;
  }
  throw new Error("needle not found");
}

/** The integer after `key` (e.g. `"opaque":`) in a JSON header; 0 when absent. */
function jsonInt(frame: Uint8Array, start: number, end: number, key: readonly number[]): number {
  outer: for (let i = start; i < end - key.length; i++) {
    for (let k = 0; k < key.length; k++) {
      if (frame[i + k] !== key[k]) continue outer;
    }
    let j = i + key.length;
    while (frame[j] === 0x20) j++;
    let sign = 1;
    if (frame[j] === 0x2d) {
      sign = -1;
      j++;
    }
    let value = 0;
    while (j < end && frame[j] >= 0x30 && frame[j] <= 0x39) value = value * 10 + frame[j++] - 0x30;
    return (sign * value) | 0;
  }
  return 0;
}

/** Answer the whole frames at the start of `data`; returns how far they reached and the answer bytes. */
function answerFrames(
  data: Uint8Array,
  view: DataView,
  out: Uint8Array[],
): { consumed: number; bytes: number } {
  let pos = 0;
  let bytes = 0;
  while (data.length - pos >= 8) {
    const total = view.getInt32(pos) + 4;
    if (data.length - pos < total) break;
    const word = view.getUint32(pos + 4);
    const serializeType = word >>> 24;
    const headerLength = word & 0xffffff;
    let flag: number;
    let opaque: number;
    if (serializeType === 1) {
      opaque = view.getInt32(pos + 8 + 5);
      flag = view.getInt32(pos + 8 + 9);
    } else {
      const headerEnd = pos + 8 + headerLength;
      opaque = jsonInt(data, pos + 8, headerEnd, OPAQUE_KEY);
      flag = jsonInt(data, pos + 8, headerEnd, FLAG_KEY);
    }
    if ((flag & 3) === 0) {
      let answer: Uint8Array;
      if (serializeType === 1) {
        answer = binaryAnswer.slice();
        new DataView(answer.buffer).setInt32(BINARY_OPAQUE_OFFSET, opaque);
      } else answer = jsonAnswer(opaque);
      out.push(answer);
      bytes += answer.length;
    }
    pos += total;
  }
  return { consumed: pos, bytes };
}

/** A running responder. */
export interface BenchResponder {
  /** TCP port on 127.0.0.1. */
  port: number;
  /** Stop listening and drop connections. */
  close(): Promise<void>;
}

/** Start the responder on 127.0.0.1. */
export function startBenchResponder(port = 0): Promise<BenchResponder> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.setNoDelay(true);
    let pending: Uint8Array | undefined;
    socket.on("data", (chunk: Uint8Array) => {
      let data = chunk;
      if (pending !== undefined) {
        data = new Uint8Array(pending.length + chunk.length);
        data.set(pending);
        data.set(chunk, pending.length);
      }
      const out: Uint8Array[] = [];
      const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
      const { consumed, bytes } = answerFrames(data, view, out);
      pending = consumed < data.length ? data.slice(consumed) : undefined;
      if (out.length === 1) socket.write(out[0]);
      else if (out.length > 1) {
        const all = new Uint8Array(bytes);
        let offset = 0;
        for (const a of out) {
          all.set(a, offset);
          offset += a.length;
        }
        socket.write(all);
      }
    });
    socket.on("error", () => {});
    socket.on("close", () => sockets.delete(socket));
  });
  return new Promise((resolve) => {
    server.listen(port, "127.0.0.1", () => {
      resolve({
        port: (server.address() as net.AddressInfo).port,
        close: () =>
          new Promise<void>((done) => {
            for (const s of sockets) s.destroy();
            server.close(() => done());
          }),
      });
    });
  });
}

if (process.argv.includes("--serve")) {
  const responder = await startBenchResponder();
  process.stdout.write(`PORT ${responder.port}\n`);
  process.stdin.on("end", () => responder.close().then(() => process.exit(0)));
  process.stdin.resume();
}
