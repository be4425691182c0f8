/**
 * Parser for fastjson's default output, which writes integer map keys unquoted
 * (`{"brokerAddrs":{0:"127.0.0.1:10911"}}`, fastjson output of Java `TopicRouteData`): name servers before 4.9.4, or
 * asked with version < 401, send route bodies like that.
 *
 * @module
 */

import { ProtocolError } from "../errors.ts";

function isDigit(c: number): boolean {
  return c >= 0x30 && c <= 0x39;
}

function isSpace(c: number): boolean {
  return c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;
}

/**
 * Quote every bare integer key (`{0:` / `,-1 :`) that sits outside string literals. A number after
 * `{` or `,` is a key only when a `:` follows it, so array elements (`[1,2]`) stay numbers.
 */
function quoteBareKeys(text: string): string {
  let out = "";
  let copiedTo = 0;
  const n = text.length;
  let i = 0;
  while (i < n) {
    const c = text.charCodeAt(i);
    if (c === 0x22 /* " */) {
      // Skip the string literal, honouring backslash escapes.
      i++;
      while (i < n) {
        const d = text.charCodeAt(i);
        if (d === 0x5c /* \ */) i += 2;
        else if (d === 0x22) break;
        else i++;
      }
      i++;
      continue;
    }
    i++;
    if (c !== 0x7b /* { */ && c !== 0x2c /* , */) continue;
    let j = i;
    while (j < n && isSpace(text.charCodeAt(j))) j++;
    const keyStart = j;
    if (j < n && text.charCodeAt(j) === 0x2d /* - */) j++;
    const digitsStart = j;
    while (j < n && isDigit(text.charCodeAt(j))) j++;
    if (j === digitsStart) continue;
    const keyEnd = j;
    while (j < n && isSpace(text.charCodeAt(j))) j++;
    if (j < n && text.charCodeAt(j) === 0x3a /* : */) {
      out += text.slice(copiedTo, keyStart) + '"' + text.slice(keyStart, keyEnd) + '"';
      copiedTo = keyEnd;
    }
    i = keyEnd;
  }
  return copiedTo === 0 ? text : out + text.slice(copiedTo);
}

/**
 * Parse JSON that may contain bare integer object keys (fastjson's default output), e.g.
 * `{"brokerAddrs":{0:"127.0.0.1:10911",-1:"x"}}` → `{ brokerAddrs: { "0": "…", "-1": "x" } }`.
 * Standard JSON is parsed as is. Never evaluates the text.
 *
 * @param text the JSON text
 * @returns the parsed value
 * @throws ProtocolError when the text is not JSON even after quoting bare keys
 */
export function parseTolerantJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    // Not standard JSON: fall through to the bare-key rewrite. Standard JSON never has bare
    // keys, so trying JSON.parse first cannot change the meaning of valid input.
  }
  try {
    return JSON.parse(quoteBareKeys(text));
  } catch (e) {
    throw new ProtocolError(`invalid JSON: ${(e as Error).message}`, { cause: e });
  }
}
