/**
 * The JavaScript cost of a send, without sockets or a broker: our {@link Producer} over an
 * in-process transport that answers every SEND_MESSAGE_V2 with a pre-encoded 4.9.8-style
 * response (its opaque patched in) on the next microtask, and answers route lookups and
 * heartbeats like the embedded cluster would. What is left is the client's own work per send:
 * validation, encoding, the send loop, decoding and the promise the caller awaits. Stable
 * enough (no second process, no syscalls) to compare small changes to the send path.
 *
 * Flags: `--messages N` (default 300000), `--concurrency 1,8,64`, `--repeat R` (default 5,
 * median by CPU), `--rpc-hooks N` (default 0: N trivial `rpcHooks`, each with an empty
 * `beforeRequest` and `afterResponse`, to price the hooks per send).
 *
 * ```sh
 * npx -y node@22 bench/js_cost.ts
 * npx -y deno@2.9.6 run -A bench/js_cost.ts --concurrency 8
 * ```
 *
 * @module
 */

import process from "node:process";
import { Producer } from "../mod.ts";
import { decodeFrame, encodeFrame } from "../src/remoting/frame.ts";
import { setImmediate } from "node:timers";
import { FrameFlag, RequestCode, ResponseCode } from "../src/remoting/codes.ts";
import type {
  ConnectOptions,
  RawSocket,
  SocketHandlers,
  Transport,
} from "../src/transport/types.ts";

const NAMESRV = "127.0.0.1:9876";
const BROKER = "127.0.0.1:10911";
const TOPIC = "BenchTopic";

/** The route of {@link TOPIC}: one broker, four queues. */
const ROUTE = new TextEncoder().encode(JSON.stringify({
  brokerDatas: [{ brokerAddrs: { "0": BROKER }, brokerName: "broker-a", cluster: "c" }],
  queueDatas: [{
    brokerName: "broker-a",
    perm: 6,
    readQueueNums: 4,
    topicSynFlag: 0,
    writeQueueNums: 4,
  }],
}));

/** A send response as a 4.9.8 broker writes it, split around its opaque. */
function sendResponseParts(): { head: Uint8Array; tail: Uint8Array } {
  const frame = encodeFrame({
    code: 0,
    language: 0,
    version: 409,
    opaque: 424242,
    flag: FrameFlag.RESPONSE,
    extFields: {
      queueId: "1",
      TRACE_ON: "true",
      MSG_REGION: "DefaultRegion",
      msgId: "7F00000100002A9F0000000098D06957",
      queueOffset: "7",
    },
    serializeType: 0,
  }, { jsonStyle: "server" });
  const header = new TextDecoder().decode(frame.subarray(8));
  const [head, tail] = header.split('"opaque":424242');
  return {
    head: new TextEncoder().encode(head + '"opaque":'),
    tail: new TextEncoder().encode(tail),
  };
}

/** Decimal digits of a non-negative int. */
function digitCount(n: number): number {
  let d = 1;
  while (n >= 10) {
    n = Math.floor(n / 10);
    d++;
  }
  return d;
}

/** Write the response frame for `opaque` at `out[at]`; returns the position after it. */
function writeSendResponse(
  parts: { head: Uint8Array; tail: Uint8Array },
  opaque: number,
  out: Uint8Array,
  at: number,
): number {
  const digits = digitCount(opaque);
  const headerLength = parts.head.length + digits + parts.tail.length;
  const length = 4 + headerLength;
  out[at] = length >>> 24;
  out[at + 1] = length >>> 16;
  out[at + 2] = length >>> 8;
  out[at + 3] = length;
  out[at + 4] = 0;
  out[at + 5] = headerLength >>> 16;
  out[at + 6] = headerLength >>> 8;
  out[at + 7] = headerLength;
  out.set(parts.head, at + 8);
  let p = at + 8 + parts.head.length + digits;
  for (let n = opaque, q = p - 1; q >= p - digits; q--) {
    out[q] = 0x30 + (n % 10);
    n = Math.floor(n / 10);
  }
  out.set(parts.tail, p);
  p += parts.tail.length;
  return p;
}

function readInt32(b: Uint8Array, at: number): number {
  return (b[at] << 24) | (b[at + 1] << 16) | (b[at + 2] << 8) | b[at + 3];
}

const OPAQUE_KEY = new TextEncoder().encode('"opaque":');

/** The int after `"key":` in the JSON header at `b[from, end)` (our client's request header). */
function intAfter(b: Uint8Array, from: number, end: number, key: Uint8Array): number {
  outer: for (let i = from; i < end - key.length; i++) {
    for (let j = 0; j < key.length; j++) if (b[i + j] !== key[j]) continue outer;
    let n = 0;
    let k = i + key.length;
    const negative = b[k] === 0x2d;
    if (negative) k++;
    for (; k < end && b[k] >= 0x30 && b[k] <= 0x39; k++) n = n * 10 + (b[k] - 0x30);
    return negative ? -n : n;
  }
  return -1;
}

/**
 * Answers requests the way the producer needs, from within the process, doing as little as it
 * can: send requests are recognised by their code and answered from a pre-encoded response
 * (only the opaque differs), so the figure is the client's work, not this fake broker's.
 */
class LoopbackSocket implements RawSocket {
  readonly #handlers: SocketHandlers;
  readonly #parts = sendResponseParts();
  /** Answers queued for the next delivery: an opaque to answer as a send, or a whole frame. */
  #out: (number | Uint8Array)[] = [];
  #scheduled = false;

  constructor(handlers: SocketHandlers) {
    this.#handlers = handlers;
  }

  write(data: Uint8Array): undefined {
    // Whole frames only: the client writes whole frames.
    for (let p = 0; p < data.length;) {
      const length = 4 + readInt32(data, p);
      const headerEnd = p + 8 + (readInt32(data, p + 4) & 0xffffff);
      const opaque = intAfter(data, p + 8, headerEnd, OPAQUE_KEY);
      const isSend = data[p + 16] === 0x33 && data[p + 17] === 0x31 && data[p + 18] === 0x30; // "310"
      this.#out.push(isSend ? opaque : this.#other(data.subarray(p, p + length)));
      p += length;
    }
    if (!this.#scheduled) {
      this.#scheduled = true;
      // Like a socket: the answers of one write arrive together, in a later macrotask.
      setImmediate(() => this.#deliver());
    }
    return undefined;
  }

  close(): void {
    queueMicrotask(() => this.#handlers.onClose(undefined));
  }

  /** Route lookups, heartbeats and the like: decoded and answered properly (rare). */
  #other(frame: Uint8Array): Uint8Array {
    const req = decodeFrame(frame);
    return encodeFrame({
      code: ResponseCode.SUCCESS,
      language: 0,
      version: 409,
      opaque: req.opaque,
      flag: FrameFlag.RESPONSE,
      body: req.code === RequestCode.GET_ROUTEINFO_BY_TOPIC ? ROUTE : undefined,
      serializeType: 0,
    }, { jsonStyle: "server" });
  }

  #deliver(): void {
    this.#scheduled = false;
    const frames = this.#out;
    this.#out = [];
    const parts = this.#parts;
    let n = 0;
    for (const f of frames) {
      n += typeof f === "number"
        ? 8 + parts.head.length + digitCount(f) + parts.tail.length
        : f.length;
    }
    const chunk = new Uint8Array(n);
    let at = 0;
    for (const f of frames) {
      if (typeof f === "number") at = writeSendResponse(parts, f, chunk, at);
      else {
        chunk.set(f, at);
        at += f.length;
      }
    }
    this.#handlers.onData(chunk);
  }
}

const loopback: Transport = {
  name: "loopback",
  connect(_options: ConnectOptions, handlers: SocketHandlers): Promise<RawSocket> {
    return Promise.resolve(new LoopbackSocket(handlers));
  },
};

function parseArgs(
  argv: readonly string[],
): { messages: number; concurrency: number[]; repeat: number; rpcHooks: number } {
  const o = { messages: 300_000, concurrency: [1, 8, 64], repeat: 5, rpcHooks: 0 };
  for (let i = 0; i < argv.length; i += 2) {
    const [flag, value] = [argv[i], argv[i + 1]];
    if (flag === "--messages") o.messages = Number(value);
    else if (flag === "--concurrency") o.concurrency = value.split(",").map(Number);
    else if (flag === "--repeat") o.repeat = Number(value);
    else if (flag === "--rpc-hooks") o.rpcHooks = Number(value);
    else throw new Error(`unknown flag ${flag}`);
  }
  return o;
}

async function main(): Promise<void> {
  const o = parseArgs(process.argv.slice(2));
  const rpcHooks = Array.from({ length: o.rpcHooks }, () => ({
    beforeRequest(): void {},
    afterResponse(): void {},
  }));
  const producer = new Producer({
    group: "bench_js",
    nameServer: NAMESRV,
    transport: loopback,
    ...(rpcHooks.length > 0 ? { rpcHooks } : {}),
  });
  const body = new Uint8Array(1024).fill(0x61);
  await producer.start();
  const run = async (n: number, c: number): Promise<number> => {
    let next = 0;
    const cpu0 = process.cpuUsage();
    await Promise.all(Array.from({ length: c }, async () => {
      while (next < n) {
        next++;
        await producer.send({ topic: TOPIC, body, tags: "bench" });
      }
    }));
    const cpu = process.cpuUsage(cpu0);
    return (cpu.user + cpu.system) / n;
  };
  try {
    console.log(
      `# js_cost: ${o.messages} sends of 1 KiB over an in-process transport, ${o.rpcHooks} rpc hooks`,
    );
    console.log("C\tCPU µs/send (median)\tall");
    for (const c of o.concurrency) {
      await run(Math.min(o.messages, 50_000), c); // warm-up
      const runs: number[] = [];
      for (let r = 0; r < o.repeat; r++) runs.push(await run(o.messages, c));
      const sorted = [...runs].sort((a, b) => a - b);
      console.log(
        `${c}\t${sorted[Math.floor(sorted.length / 2)].toFixed(2)}\t${
          runs.map((x) => x.toFixed(2)).join(" ")
        }`,
      );
    }
  } finally {
    await producer.shutdown();
  }
}

if (import.meta.main) await main();
