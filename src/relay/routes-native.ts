/**
 * `POST /v1/topics/:topic/messages`: JSON (one message or an array), NDJSON (streamed) and raw
 * bodies (headers carry tags, keys and properties), `?async=true`, `Idempotency-Key`.
 *
 * Array answers are `207 { successes, failures }`, both in request order. Per entry (in
 * `failures`, the rest still sent): an invalid entry (400 VALIDATION), and a send that failed
 * (every entry of a failed batch gets its error). The whole request fails (one error answer,
 * nothing sent): bad auth (401/403), a body or entry count over the limits (413), a body that is
 * not a JSON array or object (400), overload or shutdown (429/503), a rate limit (429).
 *
 * @module
 */

import { Hono } from "hono";
import { stream } from "hono/streaming";
import type { Message, SendResult } from "../producer/types.ts";
import type { Admission } from "./admission.ts";
import type { RelayAuth } from "./auth.ts";
import { type BodyReader, checkContentLength } from "./body.ts";
import { addKey, isPlainEntry, parseEntry, type RelayEntry } from "./entry.ts";
import { RelayHttpError, toRelayHttpError } from "./errors.ts";
import type { IdempotencyStore, StoredAnswer } from "./idempotency.ts";
import type { RelayMetrics } from "./metrics.ts";
import { errorBody, pumpNdjson, resultBody } from "./ndjson.ts";
import type { ResolvedRelayOptions } from "./options.ts";
import { badRequest, type RelayPublisher, splitBatches } from "./publisher.ts";

/** What the native routes need. */
export interface NativeRouteDeps {
  options: ResolvedRelayOptions;
  admission: Admission;
  metrics: RelayMetrics;
  auth: RelayAuth;
  publisher: RelayPublisher;
  idempotency: IdempotencyStore | undefined;
  bodies: BodyReader;
}

const ROUTE = "native";
const decoder = new TextDecoder("utf-8", { fatal: true });

function mediaType(contentType: string | undefined): string {
  return (contentType ?? "").split(";")[0].trim().toLowerCase();
}

/** A raw-body message from the `X-RocketMQ-*` headers. */
function rawEntry(body: Uint8Array, topic: string, headers: Headers): RelayEntry {
  if (body.length === 0) throw badRequest("body", "must not be empty");
  const message: Message = { topic, body };
  const extra: RelayEntry["extra"] = {};
  for (const [name, value] of headers) {
    if (!name.startsWith("x-rocketmq-")) continue;
    const key = name.slice("x-rocketmq-".length);
    if (key === "tags") message.tags = value;
    else if (key === "keys") message.keys = value.split(",").map((k) => k.trim()).filter(Boolean);
    else if (key === "sharding-key") extra.shardingKey = value;
    else if (key === "delay-level") {
      const n = Number(value);
      if (!Number.isInteger(n)) throw badRequest("X-RocketMQ-Delay-Level", "must be an integer");
      message.delayTimeLevel = n;
    } else if (key === "deliver-at") {
      const n = Number(value);
      if (!Number.isSafeInteger(n) || n <= 0) {
        throw badRequest("X-RocketMQ-Deliver-At", "must be a positive integer (epoch ms)");
      }
      extra.deliverAt = n;
    } else if (key.startsWith("property-") && key.length > "property-".length) {
      (message.properties ??= {})[key.slice("property-".length)] = value;
    } else throw badRequest(name, "is not a known X-RocketMQ-* header");
  }
  return { id: 0, message, extra, bytes: body.length };
}

/** Parse a JSON body: one entry, or an array of entries (each checked on its own). */
function jsonEntries(
  bytes: Uint8Array,
  topic: string,
  maxEntries: number,
): { single: boolean; entries: (RelayEntry | RelayHttpError)[]; ids?: (string | number)[] } {
  let value: unknown;
  try {
    value = JSON.parse(decoder.decode(bytes));
  } catch {
    throw badRequest("body", "is not valid UTF-8 JSON");
  }
  if (!Array.isArray(value)) return { single: true, entries: [parseEntry(value, topic, 0, "")] };
  if (value.length === 0) throw badRequest("body", "the array is empty");
  if (value.length > maxEntries) {
    throw new RelayHttpError(413, "PAYLOAD_TOO_LARGE", `more than ${maxEntries} entries`, {
      retriable: false,
    });
  }
  const ids: (string | number)[] = [];
  const entries = value.map((v, i) => {
    const id = (v as { id?: unknown } | null)?.id;
    ids.push(typeof id === "string" || typeof id === "number" ? id : i);
    try {
      return parseEntry(v, topic, i, `[${i}].`);
    } catch (e) {
      return toRelayHttpError(e);
    }
  });
  return { single: false, entries, ids };
}

type Outcome = { ok: true; result: SendResult } | { ok: false; error: RelayHttpError };

/** Send the valid entries of an array: plain ones in batches, the others one by one. */
async function sendArray(
  d: NativeRouteDeps,
  topic: string,
  entries: RelayEntry[],
): Promise<Outcome[]> {
  const outcomes: Outcome[] = new Array(entries.length);
  const plain: number[] = [];
  const work: Promise<void>[] = [];
  const settle = async (indexes: number[], send: () => Promise<SendResult[]>) => {
    let bytes = 0;
    for (const i of indexes) bytes += entries[i].bytes;
    try {
      const results = await send();
      indexes.forEach((i, k) => (outcomes[i] = { ok: true, result: results[k] }));
    } catch (e) {
      const error = toRelayHttpError(e);
      for (const i of indexes) outcomes[i] = { ok: false, error };
    } finally {
      d.admission.release(indexes.length, bytes);
    }
  };
  entries.forEach((e, i) => {
    if (isPlainEntry(e)) plain.push(i);
    else {
      const send = async () => [await d.publisher.sendAdmitted(ROUTE, topic, e.message, e.extra)];
      work.push(settle([i], send));
    }
  });
  const maxBytes = d.options.limits.maxBatchBytes;
  for (const chunk of splitBatches(plain.map((i) => entries[i].message), maxBytes)) {
    const indexes = chunk.map((k) => plain[k]);
    const messages = indexes.map((i) => entries[i].message);
    work.push(settle(indexes, () => d.publisher.sendBatchAdmitted(ROUTE, topic, messages)));
  }
  await Promise.all(work);
  return outcomes;
}

/**
 * Handle a JSON or raw body: answer (or, with `async`, accept) it.
 *
 * @returns the answer to send (and to remember under an idempotency key)
 */
async function answerBody(
  d: NativeRouteDeps,
  req: Request,
  topic: string,
  background: boolean,
  idempotencyKey: string | undefined,
): Promise<StoredAnswer> {
  const limits = d.options.limits;
  const bytes = await d.bodies.readAll(req);
  const type = mediaType(req.headers.get("content-type") ?? undefined);
  let parsed: ReturnType<typeof jsonEntries>;
  try {
    parsed = type === "application/json"
      ? jsonEntries(bytes, topic, limits.maxEntries)
      : { single: true, entries: [rawEntry(bytes, topic, req.headers)] };
  } catch (e) {
    const err = toRelayHttpError(e);
    d.metrics.failed(ROUTE, 1, err.status, err.errorCode, err.message, topic);
    throw err;
  }
  const valid: RelayEntry[] = [];
  for (const e of parsed.entries) {
    if (e instanceof RelayHttpError) d.metrics.failed(ROUTE, 1, 400, e.errorCode, e.message, topic);
    else valid.push(e);
  }
  if (idempotencyKey !== undefined) { for (const e of valid) addKey(e.message, idempotencyKey); }
  let total = 0;
  for (const e of valid) total += e.bytes;
  try {
    d.admission.acquire(valid.length, total); // 429/503 for the whole request
  } catch (e) {
    const err = toRelayHttpError(e);
    d.metrics.failed(ROUTE, valid.length, err.status, err.errorCode, err.message, topic);
    throw err;
  }
  const sending = parsed.single
    ? d.publisher.sendAdmitted(ROUTE, topic, valid[0].message, valid[0].extra)
      .then((result): Outcome[] => [{ ok: true, result }])
      .finally(() => d.admission.release(1, total))
    : sendArray(d, topic, valid);
  if (background) {
    // Counted and logged by the publisher; nobody awaits the outcome, so it must not reject.
    sending.catch(() => {});
    const failures = parsed.entries.flatMap((e, i) =>
      e instanceof RelayHttpError
        ? [{ id: parsed.ids?.[i] ?? i, error_code: e.errorCode, message: e.message }]
        : []
    );
    return { status: 202, body: { accepted: valid.length, failures } };
  }
  const outcomes = await sending;
  if (parsed.single) {
    return { status: 200, body: resultBody((outcomes[0] as { result: SendResult }).result) };
  }
  const successes: unknown[] = [];
  const failures: unknown[] = [];
  let k = 0;
  parsed.entries.forEach((e, i) => {
    if (e instanceof RelayHttpError) {
      failures.push({ id: parsed.ids?.[i] ?? i, ...errorBody(e) });
      return;
    }
    const o = outcomes[k++];
    if (o.ok) successes.push({ id: e.id, ...resultBody(o.result) });
    else failures.push({ id: e.id, ...errorBody(o.error) });
  });
  return { status: 207, body: { successes, failures } };
}

/**
 * The native publish route.
 *
 * @param d options, admission, metrics, auth, publisher, idempotency store
 * @returns a Hono app to mount at `/`
 */
export function nativeRoutes(d: NativeRouteDeps): Hono {
  const app = new Hono();
  const publishNative = d.publisher.publishFor(ROUTE);
  app.post("/v1/topics/:topic/messages", async (c) => {
    const topic = c.req.param("topic");
    if (d.admission.closing) {
      throw new RelayHttpError(503, "UNAVAILABLE", "the relay is shutting down", {
        retryAfterSec: 1,
      });
    }
    const grant = await d.auth.check(c.req.header("authorization"), topic);
    const asyncParam = c.req.query("async");
    if (asyncParam !== undefined && asyncParam !== "true" && asyncParam !== "false") {
      throw badRequest("async", 'must be "true" or "false"');
    }
    const background = asyncParam === "true";
    const key = c.req.header("idempotency-key");
    if (key !== undefined && (key === "" || key.length > 255 || /\s/.test(key))) {
      throw badRequest("Idempotency-Key", "must be 1..255 characters without whitespace");
    }
    if (mediaType(c.req.header("content-type")) === "application/x-ndjson") {
      if (background) throw badRequest("async", "is not supported with NDJSON streams");
      if (key !== undefined) {
        throw badRequest("Idempotency-Key", "is not supported with NDJSON streams");
      }
      // Known too large before the stream starts: a plain 413 rather than an error line.
      checkContentLength(c.req.raw, d.options.limits.maxRequestBytes);
      c.header("content-type", "application/x-ndjson; charset=utf-8");
      return stream(c, (out) =>
        pumpNdjson(c.req.raw, topic, out, {
          bodies: d.bodies,
          maxEntries: d.options.limits.maxEntries,
          window: d.options.limits.ndjsonWindow,
          publish: (e) => publishNative(topic, e.message, e.extra),
        }));
    }
    const run = async (): Promise<StoredAnswer> => {
      try {
        return await answerBody(d, c.req.raw, topic, background, key);
      } catch (e) {
        const err = toRelayHttpError(e);
        const headers: Record<string, string> = {};
        if (err.retryAfterSec !== undefined) headers["retry-after"] = String(err.retryAfterSec);
        if (err.status === 500) throw e; // not worth remembering; the app's handler logs it
        return { status: err.status, body: err.toBody(), headers };
      }
    };
    let answer: StoredAnswer;
    if (key !== undefined && d.idempotency !== undefined) {
      const scoped = `${grant?.name ?? ""}\u0000${topic}\u0000${key}`;
      const r = await d.idempotency.answer(scoped, run);
      answer = r.answer;
      if (r.replayed) c.header("idempotent-replayed", "true");
    } else answer = await run();
    for (const [h, v] of Object.entries(answer.headers ?? {})) c.header(h, v);
    return c.json(answer.body as Record<string, unknown>, answer.status as 200);
  });
  return app;
}
