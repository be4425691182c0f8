/**
 * The codec worker: zlib compression and batch encoding off the caller's thread.
 *
 * This is the readable source. The pool never loads this file: `scripts/build-worker.ts` bundles it
 * (with `batch.ts` and fflate's `zlibSync`) into the string of `src/codec/_worker_source.ts`, which
 * the pool starts from a blob URL (Web Worker) or with `eval: true` (worker_threads). So it must not
 * use top-level await or `import.meta` (an `eval` worker is a classic script).
 *
 * zlib: `node:zlib` when the runtime has it (Deno, Bun, Node), else fflate — the same order as the
 * inline path in `compression.ts`, so pooled and inline output are byte-identical.
 *
 * @module
 */

import { zlibSync } from "fflate";
import { encodeBatchRecords } from "../src/codec/batch.ts";
import type { WorkerErrorInfo, WorkerReply, WorkerRequest } from "../src/codec/worker-pool.ts";

interface Port {
  postMessage(message: unknown, transfer?: ArrayBuffer[]): void;
}

type Level = 0 | 1 | 2 | 3 | 4 | 5 | 6 | 7 | 8 | 9;
type Deflate = (body: Uint8Array, level: number) => Uint8Array;
type NodeDeflateSync = (body: Uint8Array, options: { level: number }) => Uint8Array;

let deflate: Deflate = (body, level) => zlibSync(body, { level: (level < 0 ? 6 : level) as Level });
let backend = "fflate";
let port: Port | undefined;
let ready = false;
const early: WorkerRequest[] = [];

/** A buffer we may transfer: the result must own its whole ArrayBuffer (Node pools small ones). */
function owned(u8: Uint8Array): Uint8Array {
  if (u8.byteOffset === 0 && u8.byteLength === u8.buffer.byteLength) return u8;
  // Not u8.slice(): on a Node Buffer that is a view of the same (possibly pooled) memory.
  const copy = new Uint8Array(u8.byteLength);
  copy.set(u8);
  return copy;
}

function describe(e: unknown): WorkerErrorInfo {
  const err = e as { name?: string; message?: string; field?: string; rule?: string };
  return {
    name: String(err?.name ?? "Error"),
    message: String(err?.message ?? e),
    field: err?.field,
    rule: err?.rule,
  };
}

function handle(req: WorkerRequest): void {
  if (req.op === "__crash") {
    // Uncaught, outside any handler: the worker dies the way a real crash would.
    setTimeout(() => {
      throw new Error("codec worker crash requested by a test");
    }, 0);
    return;
  }
  let reply: WorkerReply;
  let transfer: ArrayBuffer[] = [];
  try {
    const out = owned(
      req.op === "compress" ? deflate(req.body, req.level) : encodeBatchRecords(req.records),
    );
    reply = { id: req.id, ok: true, result: out };
    transfer = [out.buffer as ArrayBuffer];
  } catch (e) {
    reply = { id: req.id, ok: false, error: describe(e) };
  }
  try {
    port!.postMessage(reply, transfer);
  } catch (e) {
    // Never let a reply that cannot cross kill the worker: report it as this job's error.
    port!.postMessage({ id: req.id, ok: false, error: describe(e) } satisfies WorkerReply);
  }
}

async function start(): Promise<void> {
  const g = globalThis as unknown as { self?: Port & { onmessage: unknown } };
  const web = typeof g.self !== "undefined" && typeof g.self.postMessage === "function";
  if (web) {
    // Listen at once: a Web Worker drops messages that arrive before a handler exists.
    port = g.self!;
    g.self!.onmessage = (e: MessageEvent) => ready ? handle(e.data) : early.push(e.data);
  }
  try {
    const spec = "node:zlib";
    const z = await import(spec) as { deflateSync?: NodeDeflateSync };
    const fn = z.deflateSync;
    if (typeof fn === "function") {
      deflate = (body, level) => fn(body, { level });
      backend = "node:zlib";
    }
  } catch {
    // no node:zlib: keep fflate
  }
  if (!web) {
    // worker_threads queues messages until a listener is attached, so attaching late is safe.
    const spec = "node:worker_threads";
    const wt = await import(spec) as {
      parentPort: Port & { on(ev: string, fn: (m: WorkerRequest) => void): void };
    };
    port = wt.parentPort;
    wt.parentPort.on("message", (m) => handle(m));
  }
  ready = true;
  port!.postMessage({ id: 0, ready: backend } satisfies WorkerReply);
  for (const req of early.splice(0)) handle(req);
}

void start();
