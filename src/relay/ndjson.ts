/**
 * `application/x-ndjson` publishing: one message per line in, one report per line out, in the
 * same order, each written as soon as its send (and every send before it) settled. The request
 * is read as it arrives, so the first answers can go out before the client finished sending; up
 * to `ndjsonWindow` sends run at once.
 *
 * Report lines: `{"line":1,"id":0,"ok":true,"messageId":…,"offsetMessageId":…,"brokerName":…,
 * "queueId":…,"queueOffset":…,"status":"SEND_OK"}` or `{"line":2,"id":1,"ok":false,
 * "error_code":"VALIDATION","message":…,"retriable":false}`. A problem with the stream itself
 * (body over the size limit, more lines than `maxEntries`, the relay shutting down, a broken
 * upload) is a last line without `line`/`id`, and reading stops there.
 *
 * @module
 */

import type { StreamingApi } from "hono/utils/stream";
import type { SendResult } from "../producer/types.ts";
import { type BodyReader, brokenBody, lines } from "./body.ts";
import { parseEntry } from "./entry.ts";
import { RelayHttpError, toRelayHttpError } from "./errors.ts";

/** What the NDJSON reader needs from the relay. */
export interface NdjsonDeps {
  bodies: BodyReader;
  maxEntries: number;
  window: number;
  /** Publishes one checked entry (admission included). */
  publish: (entry: ReturnType<typeof parseEntry>) => Promise<SendResult>;
}

/**
 * The JSON report of a stored message.
 *
 * @param r the broker's result
 * @returns the answer fields
 */
export function resultBody(r: SendResult): Record<string, unknown> {
  return {
    messageId: r.msgId,
    offsetMessageId: r.offsetMsgId,
    brokerName: r.queue.brokerName,
    queueId: r.queue.queueId,
    queueOffset: r.queueOffset,
    status: r.status,
  };
}

/**
 * The JSON report of a failure.
 *
 * @param e the error
 * @returns `{ error_code, message, retriable }`
 */
export function errorBody(e: unknown): Record<string, unknown> {
  const err = toRelayHttpError(e);
  return { ...err.toBody() };
}

/**
 * Read the NDJSON request and write the reports to `out`.
 *
 * @param req the request
 * @param topic the topic
 * @param out the response stream
 * @param d limits, metrics and the publish function
 */
export async function pumpNdjson(
  req: Request,
  topic: string,
  out: StreamingApi,
  d: NdjsonDeps,
): Promise<void> {
  const reports: (Promise<string> | undefined)[] = [];
  let written = 0;
  let readerDone = false;
  let wakeWriter: (() => void) | undefined;
  let wakeReader: (() => void) | undefined;
  const push = (p: Promise<string>): void => {
    reports.push(p);
    wakeWriter?.();
  };
  const writer = (async () => {
    for (;;) {
      if (written < reports.length) {
        const line = await reports[written]!;
        reports[written] = undefined;
        written++;
        wakeReader?.();
        try {
          if (!out.aborted && !out.closed) await out.write(line + "\n");
        } catch {
          // The client went away: the sends still settle (and are counted), nobody reads them.
        }
      } else if (readerDone) return;
      else await new Promise<void>((r) => (wakeWriter = r));
      wakeWriter = undefined;
    }
  })();
  let lineNo = 0;
  let entries = 0;
  try {
    for await (const text of lines(d.bodies.chunks(req))) {
      lineNo++;
      if (text.trim() === "") continue;
      if (++entries > d.maxEntries) {
        throw new RelayHttpError(413, "PAYLOAD_TOO_LARGE", `more than ${d.maxEntries} lines`, {
          retriable: false,
        });
      }
      const line = lineNo;
      const index = entries - 1;
      push(settle(line, index, text, topic, d));
      while (reports.length - written >= d.window) {
        await new Promise<void>((r) => (wakeReader = r));
        wakeReader = undefined;
      }
    }
  } catch (e) {
    const err = e instanceof RelayHttpError ? e : brokenBody(e);
    push(Promise.resolve(JSON.stringify({ ok: false, ...err.toBody() })));
  } finally {
    readerDone = true;
    wakeWriter?.();
    await writer;
  }
}

/** Parse and publish one line; always resolves with its report line. */
async function settle(
  line: number,
  index: number,
  text: string,
  topic: string,
  d: NdjsonDeps,
): Promise<string> {
  let id: string | number = index;
  try {
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      throw new RelayHttpError(400, "VALIDATION", `line ${line}: not valid JSON`, {
        field: `line ${line}`,
      });
    }
    const entry = parseEntry(value, topic, index, `line ${line}: `);
    id = entry.id;
    const r = await d.publish(entry);
    return JSON.stringify({ line, id, ok: true, ...resultBody(r) });
  } catch (e) {
    return JSON.stringify({ line, id, ok: false, ...errorBody(e) });
  }
}
