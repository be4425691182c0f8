import assert from "node:assert/strict";
import { AliyunError } from "../../src/relay/aliyun/_errors.ts";
import { parseProperties, toMessage } from "../../src/relay/aliyun/properties.ts";

function invalid(fn: () => unknown, pattern: RegExp): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof AliyunError);
    assert.equal(e.code, "InvalidArgument");
    assert.equal(e.status, 400);
    assert.match(e.message, pattern);
    return true;
  });
}

Deno.test("aliyun properties: k:v|k2:v2 with and without the Go SDK's trailing |", () => {
  const expected = new Map([["a", "1"], ["b", "2"]]);
  assert.deepEqual(parseProperties("a:1|b:2"), expected);
  assert.deepEqual(parseProperties("a:1|b:2|"), expected);
  assert.deepEqual(parseProperties("a:1||b:2"), expected);
  assert.deepEqual([...parseProperties("b:2|a:1").keys()], ["b", "a"]);
});

Deno.test("aliyun properties: empty text, values with ':' and empty values", () => {
  assert.deepEqual(parseProperties(""), new Map());
  assert.deepEqual(parseProperties("|"), new Map());
  assert.deepEqual(
    parseProperties("url:http://x:8080/p|t:12:30"),
    new Map([["url", "http://x:8080/p"], ["t", "12:30"]]),
  );
  assert.deepEqual(parseProperties("k:"), new Map([["k", ""]]));
});

Deno.test("aliyun properties: an entry without ':', an empty name or a repeated name is refused", () => {
  invalid(() => parseProperties("a:1|oops"), /"oops" is not name:value/);
  invalid(() => parseProperties(":v"), /empty name/);
  invalid(() => parseProperties("a:1|a:2"), /"a" is given more than once/);
});

Deno.test("aliyun properties: KEYS, __STARTDELIVERTIME and __SHARDINGKEY map; others stay properties", () => {
  const mapped = toMessage(
    "T",
    "body",
    "TagA",
    parseProperties("KEYS:k1 k2|__STARTDELIVERTIME:1764864000000|__SHARDINGKEY:s-1|region:eu|"),
  );
  assert.deepEqual(mapped, {
    message: {
      topic: "T",
      body: "body",
      tags: "TagA",
      keys: "k1 k2",
      properties: { region: "eu" },
    },
    shardingKey: "s-1",
    deliverAt: 1764864000000,
  });
  assert.deepEqual(toMessage("T", "b", undefined, new Map()), {
    message: { topic: "T", body: "b" },
  });
});

Deno.test("aliyun properties: transactions, bad delivery times, empty keys and an empty body are refused", () => {
  invalid(
    () => toMessage("T", "b", undefined, parseProperties("__TransCheckT:10")),
    /__TransCheckT.*not supported/,
  );
  for (const bad of ["soon", "-1", "1.5", "", "99999999999999999"]) {
    invalid(
      () => toMessage("T", "b", undefined, new Map([["__STARTDELIVERTIME", bad]])),
      /__STARTDELIVERTIME/,
    );
  }
  invalid(() => toMessage("T", "b", undefined, new Map([["KEYS", " "]])), /KEYS must not be empty/);
  invalid(() => toMessage("T", "b", undefined, new Map([["__SHARDINGKEY", ""]])), /__SHARDINGKEY/);
  invalid(() => toMessage("T", "", undefined, new Map()), /MessageBody must not be empty/);
});
