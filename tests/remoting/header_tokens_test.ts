import assert from "node:assert/strict";
import { decodeJsonHeader } from "../../src/remoting/json-header.ts";
import { FieldNames, HeaderTokens, nameBytes } from "../../src/remoting/_header_tokens.ts";
import { mulberry32 } from "./_util.ts";

const enc = (s: string): Uint8Array => new TextEncoder().encode(s);

/**
 * The fast scan must never change a result: `text` decodes exactly as `" " + text`, which the
 * scanner refuses (whitespace), so it goes through JSON.parse — same command or same error.
 */
function assertSameAsJsonParse(text: string): boolean {
  const body = new Uint8Array([7, 8]);
  const outcome = (t: string): unknown => {
    const bytes = enc(t + "{}"); // bytes after the header must not be read
    try {
      return decodeJsonHeader(bytes, 0, bytes.length - 2, body);
    } catch (e) {
      // The same error type; JSON.parse's positions differ by the added space.
      return { error: (e as Error).constructor.name };
    }
  };
  assert.deepEqual(outcome(text), outcome(" " + text), text);
  const bytes = enc(text);
  return new HeaderTokens().scan(bytes, 0, bytes.length);
}

Deno.test("header tokens: the shapes peers send are scanned, and decode as JSON.parse does", () => {
  const scanned = [
    '{"code":0,"extFields":{"queueId":"0","TRACE_ON":"true","MSG_REGION":"DefaultRegion","msgId":"7F00000100002A9F0000000098D06957","queueOffset":"7"},"flag":1,"language":"JAVA","opaque":601,"serializeTypeCurrentRPC":"JSON","version":409}',
    '{"code":310,"language":"OTHER","version":401,"opaque":-5,"flag":0,"extFields":{}}',
    '{"code":17,"flag":1,"language":"JAVA","opaque":3,"remark":"No topic route info in name server for the topic: T","serializeTypeCurrentRPC":"JSON","version":409}',
    "{}",
    '{"language":7,"code":2147483647,"opaque":-2147483648}',
    '{"language":"NOPE","x":12,"y":"z"}',
    '{"extFields":{"a":"1"},"extFields":{"b":"2","b":"3"}}', // repeated: the last wins
    '{"code":1,"code":2}',
  ];
  for (const text of scanned) assert.equal(assertSameAsJsonParse(text), true, text);
});

Deno.test("header tokens: anything unusual falls back to JSON.parse with the same outcome", () => {
  const fallback = [
    '{ "code":0}',
    '{"code":0 }',
    '{"code":"0"}',
    '{"code":1.5}',
    '{"code":1e3}',
    '{"code":01}',
    '{"code":-0}',
    '{"code":2147483648}',
    '{"code":null}',
    '{"remark":null}',
    '{"remark":5}',
    '{"remark":"a\\"b"}',
    '{"remark":"caf\u00e9"}',
    '{"remark":"tab\there"}',
    '{"extFields":null}',
    '{"extFields":{"a":1}}',
    '{"extFields":{"a":null}}',
    '{"extFields":{"__proto__":"x"}}',
    '{"extFields":{"a":{"b":"c"}}}',
    '{"x":[1,2]}',
    '{"x":true}',
    '{"language":256}',
    '{"language":"JAVA"}x',
    '{"code":0,}',
    '{"code":0',
    '{"code"',
    "{",
    "",
    "[]",
    '"x"',
    '{"extFields":{' + Array.from({ length: 40 }, (_, i) => `"k${i}":"v"`).join(",") + "}}",
  ];
  for (const text of fallback) assert.equal(assertSameAsJsonParse(text), false, text);
});

Deno.test("header tokens: random headers decode as JSON.parse does", () => {
  const rand = mulberry32(20261125);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)];
  const keys = ["code", "language", "version", "opaque", "flag", "remark", "extFields", "x", "cod"];
  const values = [
    "0",
    "-1",
    "42",
    "2147483647",
    "-2147483649",
    '"JAVA"',
    '"OTHER"',
    '"text"',
    '""',
    "null",
    "true",
    "1.0",
    '{"a":"b","queueId":"3"}',
    "{}",
    '{"a":"\\u0041"}',
  ];
  let fast = 0;
  for (let i = 0; i < 3000; i++) {
    const n = Math.floor(rand() * 6);
    const members = Array.from({ length: n }, () => `"${pick(keys)}":${pick(values)}`);
    if (assertSameAsJsonParse("{" + members.join(",") + "}")) fast++;
  }
  assert.ok(fast > 100, `the fast path ran (${fast} of 3000)`);
});

/** The entry index of `name` in the scanned extFields, through locate. */
function find(t: HeaderTokens, name: string): number {
  const out = new Int32Array(1);
  t.locate(new FieldNames([name]), out);
  return out[0];
}

Deno.test("header tokens: locate, value, valueIs and digits read extFields in place", () => {
  const t = new HeaderTokens();
  const bytes = enc('{"extFields":{"a":"12","b":"x","a":"034","c":"","d":"1e3"}}');
  assert.equal(t.scan(bytes, 0, bytes.length), true);
  const a = find(t, "a");
  assert.equal(t.value(a), "034", "the last of a repeated key");
  assert.equal(t.digits(a), 34);
  assert.equal(t.valueIs(find(t, "b"), nameBytes("x")), true);
  assert.equal(t.digits(find(t, "c")), -1, "empty is not digits");
  assert.equal(t.digits(find(t, "d")), -1);
  assert.equal(find(t, "zz"), -1);
  t.release();
  assert.equal(t.bytes.length, 0);
});

Deno.test("header tokens: locate finds several fields in one pass, the last of a repeated one", () => {
  const t = new HeaderTokens();
  const bytes = enc(
    '{"extFields":{"queueId":"1","msgId":"A","zz":"x","msgId":"B","TRACE_ON":"t"}}',
  );
  assert.equal(t.scan(bytes, 0, bytes.length), true);
  const out = new Int32Array(4);
  t.locate(new FieldNames(["msgId", "queueId", "absent", "TRACE_ON"]), out);
  assert.deepEqual([...out], [3, 0, -1, 4]);
  assert.equal(t.value(out[0]), "B");
});
