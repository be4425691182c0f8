/**
 * The MQ HTTP signature, as Alibaba Cloud's MQ HTTP SDKs (Node, Java, Go, Python) compute it:
 *
 * ```text
 * Authorization: MQ <AccessKeyId>:base64(HMAC-SHA1(AccessKeySecret, StringToSign))
 * StringToSign = METHOD + "\n" + Content-MD5 + "\n" + Content-Type + "\n" + Date + "\n"
 *              + for each x-mq-* header, sorted: name + ":" + value + "\n"
 *              + path?query
 * ```
 *
 * Content-MD5 and Content-Type are empty strings when the request has none (the Python SDK sends
 * no Content-MD5). Header names are lower case (the Go SDK's fasthttp sends `X-Mq-Version` on the
 * wire but signs `x-mq-version`). The Node, Java and Python SDKs sort the `x-mq-*` headers by
 * name; the Go SDK sorts the `name:value` lines, which differs only when one header name is a
 * prefix of another, so {@link verifySignature} accepts either order.
 *
 * HMAC-SHA1 runs on WebCrypto (`crypto.subtle`), present in Deno, Bun, Node and workerd; the
 * comparison is `crypto.subtle.verify`, constant-time.
 *
 * @example Sign a request the way the SDKs do
 * ```ts
 * import { signRequest, stringToSign } from "@rocketmq-edge/client/relay";
 *
 * const text = stringToSign({
 *   method: "POST",
 *   contentMd5: "",
 *   contentType: "text/xml;charset=utf-8",
 *   date: new Date().toUTCString(),
 *   mqHeaders: [["x-mq-version", "2015-06-06"]],
 *   resource: "/topics/orders/messages",
 * });
 * const authorization = `MQ AK:${await signRequest("secret", text)}`;
 * ```
 *
 * @module
 */

/** The parts of a request that the signature covers, exactly as received. */
export interface SignedRequestParts {
  /** HTTP method, upper case. */
  method: string;
  /** `Content-MD5` header value, `""` when absent. */
  contentMd5: string;
  /** `Content-Type` header value, `""` when absent. */
  contentType: string;
  /** `Date` header value. */
  date: string;
  /** Every `x-mq-*` header as `[lower-case name, value]`, in any order. */
  mqHeaders: ReadonlyArray<readonly [string, string]>;
  /** Request path with its query string (`/topics/t/messages?ns=MQ_INST_1`). */
  resource: string;
}

/**
 * How the `x-mq-*` lines are ordered: by header name (Node, Java, Python SDKs) or by the whole
 * `name:value` line (Go SDK).
 */
export type MqHeaderOrder = "name" | "line";

const encoder = new TextEncoder();

/**
 * Build the string to sign.
 *
 * @param parts the signed parts of the request
 * @param order how the `x-mq-*` lines are sorted (default `"name"`)
 * @returns the string to sign
 */
export function stringToSign(parts: SignedRequestParts, order: MqHeaderOrder = "name"): string {
  const lines = parts.mqHeaders.map(([name, value]) => ({ name, line: `${name}:${value}\n` }));
  // Code-unit order, as Java's TreeMap, Python's sort and Go's sort.Strings compare ASCII names.
  const key = order === "name" ? (e: { name: string }) => e.name : (e: { line: string }) => e.line;
  lines.sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
  let mq = "";
  for (const l of lines) mq += l.line;
  return `${parts.method}\n${parts.contentMd5}\n${parts.contentType}\n${parts.date}\n${mq}${parts.resource}`;
}

/** Caches one imported HMAC key per secret: importing is async and costs more than signing. */
const keyCache = new Map<string, Promise<CryptoKey>>();
const KEY_CACHE_MAX = 256;

function hmacKey(secret: string): Promise<CryptoKey> {
  let key = keyCache.get(secret);
  if (key === undefined) {
    key = crypto.subtle.importKey(
      "raw",
      encoder.encode(secret),
      { name: "HMAC", hash: "SHA-1" },
      false,
      ["sign", "verify"],
    );
    if (keyCache.size >= KEY_CACHE_MAX) keyCache.delete(keyCache.keys().next().value as string);
    keyCache.set(secret, key);
  }
  return key;
}

/**
 * Standard base64 of bytes (the SDKs' signature encoding).
 *
 * @param bytes the bytes
 * @returns base64 text with padding
 */
export function toBase64(bytes: Uint8Array): string {
  let binary = "";
  for (let i = 0; i < bytes.length; i++) binary += String.fromCharCode(bytes[i]);
  return btoa(binary);
}

/**
 * Decode standard base64, or `undefined` when the text is not base64.
 *
 * @param text base64 text
 * @returns the bytes, or undefined
 */
export function fromBase64(text: string): Uint8Array<ArrayBuffer> | undefined {
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(text) || text.length % 4 !== 0) return undefined;
  const binary = atob(text);
  const out = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) out[i] = binary.charCodeAt(i);
  return out;
}

/**
 * Sign a string as the SDKs do: base64 of HMAC-SHA1 keyed by the AccessKeySecret.
 *
 * @param secret the AccessKeySecret
 * @param text the string to sign
 * @returns the base64 signature
 */
export async function signRequest(secret: string, text: string): Promise<string> {
  const mac = await crypto.subtle.sign("HMAC", await hmacKey(secret), encoder.encode(text));
  return toBase64(new Uint8Array(mac));
}

/** The parsed `Authorization: MQ <AccessKeyId>:<signature>` header. */
export interface MqAuthorization {
  /** AccessKeyId. */
  accessKeyId: string;
  /** Base64 signature as sent. */
  signature: string;
}

/**
 * Parse `MQ <AccessKeyId>:<signature>`; `undefined` when the header has another form.
 *
 * @param header the Authorization header value
 * @returns the AccessKeyId and signature, or undefined
 */
export function parseAuthorization(header: string): MqAuthorization | undefined {
  const m = /^MQ ([^:\s]+):(\S+)$/.exec(header);
  if (m === null) return undefined;
  return { accessKeyId: m[1], signature: m[2] };
}

/**
 * Verify a signature over the request parts, in constant time. Both `x-mq-*` orders the SDKs use
 * are tried (they give the same string unless a header name is a prefix of another).
 *
 * @param secret the AccessKeySecret of the request's AccessKeyId
 * @param parts the signed parts, as received
 * @param signature the base64 signature from the Authorization header
 * @returns whether it matches
 */
export async function verifySignature(
  secret: string,
  parts: SignedRequestParts,
  signature: string,
): Promise<boolean> {
  const mac = fromBase64(signature);
  if (mac === undefined || mac.length !== 20) return false;
  const key = await hmacKey(secret);
  const byName = stringToSign(parts, "name");
  if (await crypto.subtle.verify("HMAC", key, mac, encoder.encode(byName))) return true;
  const byLine = stringToSign(parts, "line");
  if (byLine === byName) return false;
  return await crypto.subtle.verify("HMAC", key, mac, encoder.encode(byLine));
}
