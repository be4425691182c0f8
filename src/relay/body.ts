/**
 * Reading request bodies within the size limit. The limit is enforced on the bytes actually
 * read, whatever `Content-Length` claims: a body that passes the limit is answered with 413 at
 * once and the rest is never read. Hono's own `bodyLimit` trusts a present `Content-Length` and
 * buffers whole bodies, which fits neither a lying client nor NDJSON streaming, hence this file.
 *
 * @module
 */

import type { MiddlewareHandler } from "hono";
import { RelayHttpError } from "./errors.ts";
import type { RelayMetrics } from "./metrics.ts";

/**
 * The 413 error of a body over the limit.
 *
 * @param maxBytes the limit
 * @returns the error
 */
export function tooLarge(maxBytes: number): RelayHttpError {
  return new RelayHttpError(
    413,
    "PAYLOAD_TOO_LARGE",
    `the request body is larger than ${maxBytes} bytes`,
    { retriable: false },
  );
}

/**
 * The 400 error of a body whose upload broke off (client gone, bad chunked encoding).
 *
 * @param cause what the runtime reported
 * @returns the error
 */
export function brokenBody(cause: unknown): RelayHttpError {
  return new RelayHttpError(400, "VALIDATION", "the request body could not be read to its end", {
    field: "body",
    cause,
  });
}

/**
 * A `Content-Length` above the limit is refused before reading anything.
 *
 * @param req the request
 * @param maxBytes the limit
 * @throws RelayHttpError 413
 */
export function checkContentLength(req: Request, maxBytes: number): void {
  const cl = req.headers.get("content-length");
  if (cl !== null && Number(cl) > maxBytes) throw tooLarge(maxBytes);
}

/** The 503 of a body read cut off by shutdown. */
function shuttingDown(): RelayHttpError {
  return new RelayHttpError(503, "UNAVAILABLE", "the relay is shutting down", {
    retryAfterSec: 1,
  });
}

/**
 * Reads request bodies within the size limit, and can cut every read in progress short at
 * shutdown: a client that holds its upload open must not hold up the drain (those requests were
 * not admitted yet, so nothing acknowledged is lost; they are answered 503).
 */
export class BodyReader {
  readonly #maxBytes: number;
  readonly #metrics: RelayMetrics;
  readonly #active = new Set<ReadableStreamDefaultReader<Uint8Array>>();
  #closing = false;

  /**
   * Create the reader.
   *
   * @param maxBytes the limit
   * @param metrics where read bytes are counted
   */
  constructor(maxBytes: number, metrics: RelayMetrics) {
    this.#maxBytes = maxBytes;
    this.#metrics = metrics;
  }

  /** Cut every read in progress short (they fail with 503) and refuse new ones. */
  closeAll(): void {
    this.#closing = true;
    for (const r of this.#active) r.cancel().catch(() => {});
    this.#active.clear();
  }

  #open(req: Request): ReadableStreamDefaultReader<Uint8Array> | undefined {
    if (this.#closing) throw shuttingDown();
    checkContentLength(req, this.#maxBytes);
    if (req.body === null) return undefined;
    const reader = req.body.getReader();
    this.#active.add(reader);
    return reader;
  }

  /** One read: counted, limited, 400 when the upload broke, 503 when cut short by shutdown. */
  async #read(
    reader: ReadableStreamDefaultReader<Uint8Array>,
    total: number,
  ): Promise<Uint8Array | undefined> {
    let next: ReadableStreamReadResult<Uint8Array>;
    try {
      next = await reader.read();
    } catch (e) {
      throw this.#closing ? shuttingDown() : brokenBody(e);
    }
    // A reader cancelled by closeAll() reports "done": that is no end of the body.
    if (this.#closing) throw shuttingDown();
    if (next.done) return undefined;
    const n = next.value.length;
    this.#metrics.requestBytes += n;
    if (total + n > this.#maxBytes) throw tooLarge(this.#maxBytes);
    return next.value;
  }

  #close(reader: ReadableStreamDefaultReader<Uint8Array>, finished: boolean): void {
    this.#active.delete(reader);
    // No releaseLock(): the body is done with either way, and Deno's releaseLock builds an error
    // (with a stack) for the closed promise, a measurable cost per request.
    if (!finished) reader.cancel().catch(() => {});
  }

  /**
   * Read a whole body within the limit (a plain loop: this is every JSON request's path).
   *
   * @param req the request
   * @returns the bytes
   * @throws RelayHttpError 413 over the limit, 400 for a broken upload, 503 at shutdown
   */
  async readAll(req: Request): Promise<Uint8Array> {
    const reader = this.#open(req);
    if (reader === undefined) return new Uint8Array(0);
    let first: Uint8Array | undefined;
    let chunks: Uint8Array[] | undefined;
    let total = 0;
    let finished = false;
    try {
      for (;;) {
        const value = await this.#read(reader, total);
        if (value === undefined) break;
        total += value.length;
        if (first === undefined) first = value;
        else (chunks ??= [first]).push(value);
      }
      finished = true;
    } finally {
      this.#close(reader, finished);
    }
    if (chunks === undefined) return first ?? new Uint8Array(0);
    const out = new Uint8Array(total);
    let off = 0;
    for (const c of chunks) {
      out.set(c, off);
      off += c.length;
    }
    return out;
  }

  /**
   * Yield the body's chunks as they arrive, within the limit; stops reading (and cancels the
   * body) as soon as the limit passes.
   *
   * @param req the request
   * @returns the chunks
   * @throws RelayHttpError 413 over the limit, 400 for a broken upload, 503 at shutdown
   */
  async *chunks(req: Request): AsyncGenerator<Uint8Array> {
    const reader = this.#open(req);
    if (reader === undefined) return;
    let total = 0;
    let finished = false;
    try {
      for (;;) {
        const value = await this.#read(reader, total);
        if (value === undefined) break;
        total += value.length;
        yield value;
      }
      finished = true;
    } finally {
      this.#close(reader, finished);
    }
  }
}

/**
 * Split a byte stream into lines (LF or CRLF), decoding UTF-8 across chunk edges; a last line
 * without LF is yielded too. Blank lines are yielded as "" (the caller skips them).
 *
 * @param chunks the bytes
 * @returns the lines
 */
export async function* lines(chunks: AsyncIterable<Uint8Array>): AsyncGenerator<string> {
  const decoder = new TextDecoder();
  let pending = "";
  for await (const c of chunks) {
    pending += decoder.decode(c, { stream: true });
    let nl = pending.indexOf("\n");
    while (nl >= 0) {
      const line = pending.slice(0, nl);
      pending = pending.slice(nl + 1);
      yield line.endsWith("\r") ? line.slice(0, -1) : line;
      nl = pending.indexOf("\n");
    }
  }
  pending += decoder.decode();
  if (pending.length > 0) yield pending.endsWith("\r") ? pending.slice(0, -1) : pending;
}

/**
 * Middleware for routes that read bodies by other means (the Aliyun route): refuses a
 * `Content-Length` over the limit, and swaps the body for a counting stream that fails once the
 * limit passes; a handler that then fails is answered with 413 whatever it was going to answer.
 *
 * @param maxBytes the limit
 * @param metrics where read bytes are counted
 * @returns the middleware
 */
export function bodySizeLimit(maxBytes: number, metrics: RelayMetrics): MiddlewareHandler {
  return async (c, next) => {
    const raw = c.req.raw;
    if (raw.body === null) return await next();
    checkContentLength(raw, maxBytes);
    let total = 0;
    let exceeded = false;
    const counted = raw.body.pipeThrough(
      new TransformStream<Uint8Array, Uint8Array>({
        transform(chunk, controller) {
          total += chunk.length;
          metrics.requestBytes += chunk.length;
          if (total > maxBytes) {
            exceeded = true;
            controller.error(tooLarge(maxBytes));
          } else controller.enqueue(chunk);
        },
      }),
    );
    c.req.raw = new Request(raw, { body: counted, duplex: "half" } as RequestInit);
    try {
      await next();
    } catch (e) {
      if (exceeded) throw tooLarge(maxBytes);
      throw e;
    }
    if (exceeded) throw tooLarge(maxBytes);
  };
}
