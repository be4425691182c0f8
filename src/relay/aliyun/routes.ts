/**
 * `POST /topics/:topic/messages[?ns=<instanceId>]`: the publish request of Alibaba Cloud's MQ
 * HTTP SDKs, verified and sent through the relay's `publish`.
 *
 * Order of checks: Authorization form, AccessKeyId, Date form, signature, Date window,
 * `x-mq-version`, Content-MD5 (when sent), content type and charset, XML, properties, then the
 * publish. Every failure answers the SDKs' XML error (see `_errors.ts`).
 *
 * @module
 */

import { Hono } from "hono";
import type { Context } from "hono";
import { bodyLimit } from "hono/body-limit";
// MD5 is not in WebCrypto. @noble/hashes is maintained, audited, dependency-free ESM that runs on
// Deno, Bun, Node and workerd (js-md5 and spark-md5 are older CommonJS with no release in years).
import { md5 } from "@noble/hashes/legacy.js";
import { bytesToHex } from "@noble/hashes/utils.js";
import { ValidationError } from "../../errors.ts";
import type { Logger } from "../../log/logger.ts";
import { silentLogger } from "../../log/logger.ts";
import type { RelayPublish } from "../types.ts";
import { AliyunError, badRequest, toAliyunError } from "./_errors.ts";
import { parseProperties, toMessage } from "./properties.ts";
import {
  fromBase64,
  parseAuthorization,
  type SignedRequestParts,
  verifySignature,
} from "./signature.ts";
import { errorXml, messageXml, parsePublishXml } from "./xml.ts";

/** Options of {@link aliyunRoutes}. */
export interface AliyunRouteOptions {
  /** AccessKeyId → AccessKeySecret of the callers allowed to publish (empty: every request is refused). */
  keys: Record<string, string>;
  /** Sends a message (the relay core's publish: limits, metrics, producer). */
  publish: RelayPublish;
  /** Clock for the Date window, epoch ms (default `Date.now`; tests pass a fixed one). */
  now?: () => number;
  /**
   * Largest allowed `|Date - now|` in ms; default 15 minutes, the window of Alibaba Cloud's
   * MQ/MNS HTTP gateway (its `TimeExpired` error).
   */
  dateWindowMs?: number;
  /**
   * Largest request body in bytes (default 8 MiB: RocketMQ's 4 MiB message limit with room for
   * XML escaping); beyond it the answer is 413 `EntityTooLarge` and the body is not read further.
   */
  maxBodyBytes?: number;
  /** Where the route logs refused and failed publishes (default silent). */
  logger?: Logger;
}

/** The API version every SDK sends in `x-mq-version`. */
export const MQ_API_VERSION = "2015-06-06";
const DEFAULT_DATE_WINDOW_MS = 15 * 60_000;
const DEFAULT_MAX_BODY_BYTES = 8 * 1024 * 1024;
const PATH = "/topics/:topic/messages";
/** RFC 1123 / IMF-fixdate, the only form the SDKs send (`Tue, 11 Apr 2017 10:09:19 GMT`). */
const RFC1123 = /^[A-Z][a-z]{2}, \d{2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2} GMT$/;
const XML_MEDIA_TYPES = new Set(["text/xml", "application/xml"]);
const utf8 = new TextDecoder("utf-8", { fatal: true });
const encoder = new TextEncoder();

/**
 * The Hono app of the Aliyun-compatible publish route (mount it with `app.route("/", …)`).
 *
 * @param options keys, publish, clock, limits, logger
 * @returns the app
 * @throws {ValidationError} for an empty AccessKeyId or secret, or a bad window or limit
 */
export function aliyunRoutes(options: AliyunRouteOptions): Hono {
  const keys = new Map<string, string>();
  for (const [id, secret] of Object.entries(options.keys)) {
    if (id === "" || /[:\s]/.test(id)) {
      throw new ValidationError("keys", "an AccessKeyId must be non-empty without ':' or spaces");
    }
    if (typeof secret !== "string" || secret === "") {
      throw new ValidationError(`keys.${id}`, "the AccessKeySecret must be a non-empty string");
    }
    keys.set(id, secret);
  }
  const windowMs = options.dateWindowMs ?? DEFAULT_DATE_WINDOW_MS;
  if (!(windowMs > 0 && Number.isFinite(windowMs))) {
    throw new ValidationError("dateWindowMs", "must be a positive finite number of ms");
  }
  const maxBodyBytes = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  if (!Number.isSafeInteger(maxBodyBytes) || maxBodyBytes <= 0) {
    throw new ValidationError("maxBodyBytes", "must be a positive integer");
  }
  const route: RouteState = {
    keys,
    publish: options.publish,
    now: options.now ?? Date.now,
    windowMs,
    log: (options.logger ?? silentLogger).child("relay.aliyun"),
  };

  const app = new Hono();
  app.post(
    PATH,
    bodyLimit({
      maxSize: maxBodyBytes,
      onError: (c) =>
        answerError(
          c,
          route,
          new AliyunError(413, "EntityTooLarge", `request body exceeds ${maxBodyBytes} bytes`),
        ),
    }),
    (c) => handlePublish(c, route),
  );
  app.on(["GET", "DELETE", "PUT"], PATH, (c) =>
    answerError(
      c,
      route,
      new AliyunError(
        501,
        "NotImplemented",
        "the relay only publishes; consume and ack through a RocketMQ consumer",
      ),
    ));
  return app;
}

interface RouteState {
  keys: Map<string, string>;
  publish: RelayPublish;
  now: () => number;
  windowMs: number;
  log: Logger;
}

async function handlePublish(c: Context, route: RouteState): Promise<Response> {
  const requestId = newRequestId();
  try {
    const headers = c.req.raw.headers;
    await authenticate(c.req.raw, headers, route);
    const body = new Uint8Array(await c.req.arrayBuffer());
    checkVersion(headers.get("x-mq-version"));
    checkContentMd5(headers.get("content-md5"), body);
    checkContentType(headers.get("content-type"));
    const xml = parsePublishXml(decodeUtf8(body));
    const properties = xml.properties === undefined ? new Map() : parseProperties(xml.properties);
    const topic = c.req.param("topic") ?? "";
    const mapped = toMessage(topic, xml.body, xml.tag, properties);
    const namespace = instanceId(c);
    const result = await route.publish(topic, mapped.message, {
      shardingKey: mapped.shardingKey,
      deliverAt: mapped.deliverAt,
      namespace,
    });
    const bodyMd5 = bytesToHex(md5(encoder.encode(xml.body))).toUpperCase();
    return c.body(messageXml(result.msgId, bodyMd5), 201, responseHeaders(requestId));
  } catch (error) {
    return answerError(c, route, toAliyunError(error), requestId);
  }
}

async function authenticate(req: Request, headers: Headers, route: RouteState): Promise<void> {
  const authorization = headers.get("authorization");
  if (authorization === null) {
    throw badRequest("MissingAuthorizationHeader", "the Authorization header is missing");
  }
  const auth = parseAuthorization(authorization);
  if (auth === undefined) {
    throw new AliyunError(
      400,
      "InvalidAuthorizationHeader",
      "the Authorization header must be MQ <AccessKeyId>:<Signature>",
    );
  }
  const secret = route.keys.get(auth.accessKeyId);
  if (secret === undefined) {
    throw new AliyunError(403, "InvalidAccessKeyId", "the AccessKeyId is not known to the relay");
  }
  const date = headers.get("date");
  if (date === null) throw badRequest("MissingDateHeader", "the Date header is missing");
  const at = RFC1123.test(date) ? Date.parse(date) : NaN;
  if (Number.isNaN(at)) {
    throw new AliyunError(
      400,
      "InvalidDateHeader",
      "the Date header must be an RFC 1123 GMT date (Tue, 11 Apr 2017 10:09:19 GMT)",
    );
  }
  const mqHeaders: [string, string][] = [];
  headers.forEach((value, name) => {
    if (name.startsWith("x-mq-")) mqHeaders.push([name, value]);
  });
  const parts: SignedRequestParts = {
    method: req.method,
    contentMd5: headers.get("content-md5") ?? "",
    contentType: headers.get("content-type") ?? "",
    date,
    mqHeaders,
    resource: resourceOf(req.url),
  };
  if (!(await verifySignature(secret, parts, auth.signature))) {
    throw new AliyunError(
      403,
      "SignatureDoesNotMatch",
      "the request signature does not match the one computed with the AccessKeySecret",
    );
  }
  const skew = Math.abs(at - route.now());
  if (skew > route.windowMs) {
    throw new AliyunError(
      408,
      "TimeExpired",
      `the Date header is ${Math.round(skew / 1000)} s away from the relay's clock (allowed ${
        Math.round(route.windowMs / 1000)
      } s)`,
    );
  }
}

/** Path and query exactly as the client sent them (no decoding, no normalisation). */
function resourceOf(url: string): string {
  const slash = url.indexOf("/", url.indexOf("//") + 2);
  if (slash < 0) return "/";
  const hash = url.indexOf("#", slash);
  return hash < 0 ? url.slice(slash) : url.slice(slash, hash);
}

function checkVersion(version: string | null): void {
  if (version === null) {
    throw new AliyunError(
      400,
      "MissingVersionHeader",
      `x-mq-version ${MQ_API_VERSION} is required`,
    );
  }
  if (version !== MQ_API_VERSION) {
    throw new AliyunError(
      400,
      "InvalidVersionHeader",
      `x-mq-version must be ${MQ_API_VERSION}, got "${version}"`,
    );
  }
}

/**
 * The Node and Go SDKs send base64 of the lower-case hex digest; RFC 1864 says base64 of the raw
 * digest. Both (and bare hex) are accepted; any other value must match one of them.
 */
function checkContentMd5(header: string | null, body: Uint8Array): void {
  if (header === null) return; // the Java and Python SDKs send none
  const digest = md5(body);
  const hex = bytesToHex(digest);
  const decoded = fromBase64(header);
  if (decoded !== undefined) {
    if (decoded.length === 16 && decoded.every((b, i) => b === digest[i])) return;
    if (decoded.length === 32 && new TextDecoder().decode(decoded).toLowerCase() === hex) return;
  }
  if (header.toLowerCase() === hex) return;
  throw new AliyunError(400, "InvalidDegist", "the Content-MD5 header does not match the body");
}

function checkContentType(header: string | null): void {
  if (header === null) return;
  const [media, ...params] = header.split(";").map((s) => s.trim());
  if (!XML_MEDIA_TYPES.has(media.toLowerCase())) {
    throw badRequest("InvalidContentType", `Content-Type must be text/xml, got "${header}"`);
  }
  for (const p of params) {
    const eq = p.indexOf("=");
    if (eq < 0 || p.slice(0, eq).trim().toLowerCase() !== "charset") continue;
    const charset = p.slice(eq + 1).trim().replace(/^"|"$/g, "").toLowerCase();
    if (charset !== "utf-8" && charset !== "utf8") {
      throw badRequest(
        "InvalidContentType",
        `Content-Type charset must be UTF-8, got "${charset}"`,
      );
    }
  }
}

function decodeUtf8(body: Uint8Array): string {
  try {
    return utf8.decode(body);
  } catch {
    throw badRequest("MalformedXML", "the request body is not valid UTF-8");
  }
}

/** The `ns` query parameter (instance id), when given and not empty. */
function instanceId(c: Context): string | undefined {
  const query = new URL(c.req.url).searchParams;
  for (const name of query.keys()) {
    if (name !== "ns") throw badRequest("InvalidQueryString", `unknown query parameter "${name}"`);
  }
  const all = query.getAll("ns");
  if (all.length > 1) {
    throw badRequest("InvalidQueryString", "the ns query parameter is given more than once");
  }
  return all[0] === undefined || all[0] === "" ? undefined : all[0];
}

/** Upper-case hex, 32 characters, as Alibaba Cloud's request ids look. */
function newRequestId(): string {
  return crypto.randomUUID().replaceAll("-", "").toUpperCase();
}

function responseHeaders(requestId: string): Record<string, string> {
  return {
    "content-type": "text/xml;charset=utf-8",
    "x-mq-request-id": requestId,
    "x-mq-version": MQ_API_VERSION,
  };
}

function answerError(
  c: Context,
  route: RouteState,
  error: AliyunError,
  requestId: string = newRequestId(),
): Response {
  const fields = { code: error.code, status: error.status, requestId, path: c.req.path };
  if (error.status >= 500) {
    route.log.warn(`publish failed: ${error.message}`, { ...fields, cause: String(error.cause) });
  } else {
    route.log.info(`publish refused: ${error.message}`, fields);
  }
  return aliyunErrorResponse(error, c.req.raw, requestId);
}

/**
 * The SDKs' XML error answer for any error, for a host app whose own middleware refuses a request
 * on the Aliyun path (a body limit, an overload): the SDKs only recognise an error in this form
 * (the Node SDK resolves a JSON 413 as if it were a success).
 *
 * @example Answer Aliyun-style from the host app's error handler
 * ```ts
 * import { Hono } from "hono";
 * import { aliyunErrorResponse } from "@rocketmq-edge/client/relay";
 *
 * const app = new Hono();
 * app.onError((err, c) =>
 *   c.req.path.startsWith("/topics/")
 *     ? aliyunErrorResponse(err, c.req.raw)
 *     : c.json({ error: "internal" }, 500)
 * );
 * ```
 *
 * @param error what was thrown (mapped with {@link toAliyunError})
 * @param request the request being answered (its host becomes `HostId`)
 * @param requestId the request id (default a new one)
 * @returns the `text/xml` error response
 */
export function aliyunErrorResponse(
  error: unknown,
  request: Request,
  requestId: string = newRequestId(),
): Response {
  const e = toAliyunError(error);
  const headers = responseHeaders(requestId);
  if (e.retryAfterSec !== undefined) headers["retry-after"] = String(e.retryAfterSec);
  const host = new URL(request.url).host;
  return new Response(errorXml(e.code, e.message, requestId, host), { status: e.status, headers });
}
