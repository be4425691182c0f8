/**
 * zlib compression of message bodies (Java `UtilAll.compress`, `MessageSysFlag`): a zlib stream with the 2-byte header, the
 * format `java.util.zip.Inflater` reads (not raw deflate, not gzip).
 *
 * The backend is chosen lazily, once, per runtime, fastest first (measured in `bench/pool.ts`):
 *
 * 1. `node:zlib` `deflateSync` — Deno, Bun and Node all ship it and it is native code. It is loaded
 *    by a guarded dynamic import so this module imports no runtime statically.
 * 2. `fflate` `zlibSync` — pure JS, honours the level, works everywhere.
 * 3. `CompressionStream("deflate")` — only when fflate cannot be loaded; it has no level knob.
 *
 * @module
 */

import { ValidationError } from "../errors.ts";

/** Name of a zlib implementation. */
export type ZlibBackendName = "node:zlib" | "fflate" | "compression-stream";

/** One zlib implementation. `deflate` returns a zlib stream (2-byte header, adler32 trailer). */
export interface ZlibBackend {
  /** Which implementation this is. */
  readonly name: ZlibBackendName;
  /** Whether `level` changes the output (CompressionStream has no level). */
  readonly honoursLevel: boolean;
  /** Compress `body` at `level` (−1 = zlib default, 0–9). */
  deflate(body: Uint8Array, level: number): Uint8Array | Promise<Uint8Array>;
}

/** Compression level the Java client uses by default (`rocketmq.message.compressLevel`). */
export const DEFAULT_COMPRESSION_LEVEL = 5;

/**
 * Throw {@link ValidationError} unless `level` is an integer in −1..9 (the range
 * `java.util.zip.Deflater` accepts; −1 means the zlib default, 6).
 *
 * @param level the level to check
 * @param field field name reported in the error
 */
export function checkCompressionLevel(level: number, field = "compressLevel"): void {
  if (!Number.isInteger(level) || level < -1 || level > 9) {
    throw new ValidationError(field, "must be an integer from -1 to 9");
  }
}

/** Map −1 (zlib default) to 6 for implementations typed 0..9. */
function effectiveLevel(level: number): 0 | 1 | 2 | 3 | 4 | 5 | 6 | 7 | 8 | 9 {
  return (level < 0 ? 6 : level) as 0 | 1 | 2 | 3 | 4 | 5 | 6 | 7 | 8 | 9;
}

/** A Node Buffer is a Uint8Array subclass; hand out a plain view so callers see one type. */
function plain(u8: Uint8Array): Uint8Array {
  return u8.constructor === Uint8Array ? u8 : new Uint8Array(u8.buffer, u8.byteOffset, u8.length);
}

interface NodeZlibLike {
  deflateSync(body: Uint8Array, options: { level: number }): Uint8Array;
}

interface FflateLike {
  zlibSync(body: Uint8Array, options: { level: 0 | 1 | 2 | 3 | 4 | 5 | 6 | 7 | 8 | 9 }): Uint8Array;
}

/**
 * Load one backend by name, or `undefined` when the running runtime lacks it. Never throws.
 *
 * @param name backend to load
 * @returns the backend, or undefined
 */
export async function loadZlibBackend(name: ZlibBackendName): Promise<ZlibBackend | undefined> {
  try {
    if (name === "node:zlib") {
      // A variable specifier keeps bundlers and edge runtimes from resolving it eagerly.
      const spec = "node:zlib";
      const mod = await import(spec) as NodeZlibLike & { default?: NodeZlibLike };
      const zlib = typeof mod.deflateSync === "function" ? mod : mod.default;
      if (!zlib || typeof zlib.deflateSync !== "function") return undefined;
      return {
        name,
        honoursLevel: true,
        deflate: (body, level) => plain(zlib.deflateSync(body, { level })),
      };
    }
    if (name === "fflate") {
      const mod = await import("fflate") as FflateLike;
      if (typeof mod.zlibSync !== "function") return undefined;
      return {
        name,
        honoursLevel: true,
        deflate: (body, level) => mod.zlibSync(body, { level: effectiveLevel(level) }),
      };
    }
    if (typeof CompressionStream !== "function") return undefined;
    return { name, honoursLevel: false, deflate: (body) => deflateWithStream(body) };
  } catch {
    return undefined;
  }
}

/** CompressionStream("deflate") emits a zlib stream (RFC 1950), not raw deflate. */
async function deflateWithStream(body: Uint8Array): Promise<Uint8Array> {
  const stream = new Blob([body as Uint8Array<ArrayBuffer>]).stream()
    .pipeThrough(new CompressionStream("deflate"));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

/** Preference order; see the module comment for why. */
export const ZLIB_BACKEND_ORDER: readonly ZlibBackendName[] = [
  "node:zlib",
  "fflate",
  "compression-stream",
];

let detected: Promise<ZlibBackend> | undefined;

/**
 * The fastest zlib backend available in this runtime, detected once and cached.
 *
 * @returns the backend
 */
export function detectZlibBackend(): Promise<ZlibBackend> {
  detected ??= (async () => {
    for (const name of ZLIB_BACKEND_ORDER) {
      const backend = await loadZlibBackend(name);
      if (backend) return backend;
    }
    // Unreachable in practice: fflate is a dependency and pure JS.
    throw new ValidationError("zlib", "no zlib implementation available in this runtime");
  })();
  return detected;
}

/**
 * Compress `body` into a zlib stream at `level` with the detected backend.
 *
 * @param body bytes to compress (not modified)
 * @param level −1..9 (Java default 5)
 * @returns the zlib stream
 */
export async function compressZlib(
  body: Uint8Array,
  level: number = DEFAULT_COMPRESSION_LEVEL,
): Promise<Uint8Array> {
  checkCompressionLevel(level);
  const backend = await detectZlibBackend();
  return await backend.deflate(body, level);
}
