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

/**
 * Yield the body's chunks, counting them against the limit; stops reading (and cancels the
 * body) as soon as the limit passes.
 *
 * @param req the request
 * @param maxBytes the limit
 * @param metrics where read bytes are counted
 * @returns the chunks
 * @throws RelayHttpError 413
 */
export async function* limitedChunks(
  req: Request,
  maxBytes: number,
  metrics: RelayMetrics,
): AsyncGenerator<Uint8Array> {
  checkContentLength(req, maxBytes);
  if (req.body === null) return;
  const reader = req.body.getReader();
  let total = 0;
  let finished = false;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) {
        finished = true;
        return;
      }
      total += value.length;
      metrics.requestBytes += value.length;
      if (total > maxBytes) throw tooLarge(maxBytes);
      yield value;
    }
  } finally {
    // No releaseLock(): the body is done with either way, and Deno's releaseLock builds an error
    // (with a stack) for the closed promise, a measurable cost per request.
    if (!finished) reader.cancel().catch(() => {});
  }
}

/**
 * Read a whole body within the limit (a plain loop: this is every JSON request's path).
 *
 * @param req the request
 * @param maxBytes the limit
 * @param metrics where read bytes are counted
 * @returns the bytes
 * @throws RelayHttpError 413
 */
export async function readLimited(
  req: Request,
  maxBytes: number,
  metrics: RelayMetrics,
): Promise<Uint8Array> {
  checkContentLength(req, maxBytes);
  if (req.body === null) return new Uint8Array(0);
  const reader = req.body.getReader();
  let first: Uint8Array | undefined;
  let chunks: Uint8Array[] | undefined;
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.length;
    metrics.requestBytes += value.length;
    if (total > maxBytes) {
      reader.cancel().catch(() => {});
      throw tooLarge(maxBytes);
    }
    if (first === undefined) first = value;
    else (chunks ??= [first]).push(value);
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
