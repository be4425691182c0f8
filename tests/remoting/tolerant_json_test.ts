import assert from "node:assert/strict";
import { parseTolerantJson } from "../../src/remoting/tolerant-json.ts";
import { ProtocolError } from "../../src/errors.ts";
import { loadFixture } from "../fixtures.ts";

const text = (b64: string): string =>
  new TextDecoder().decode(Uint8Array.from(atob(b64), (c) => c.charCodeAt(0)));

Deno.test("parseTolerantJson: the v399 route body parses equal to the v401 one", async () => {
  const quirk = await loadFixture("route-quirk-v399");
  const standard = await loadFixture("route-standard-v401");
  const v399 = text(quirk.exchanges[0].response!.bodyBase64!);
  const v401 = text(standard.exchanges[0].response!.bodyBase64!);
  assert.match(v399, /\{0:"127\.0\.0\.1:20911"\}/);
  assert.throws(() => JSON.parse(v399));
  const parsed = parseTolerantJson(v399);
  assert.deepStrictEqual(parsed, JSON.parse(v401));
  assert.deepStrictEqual(parseTolerantJson(v401), JSON.parse(v401));
});

Deno.test("parseTolerantJson: the order-conf route bodies (399 vs 401) parse equal", async () => {
  const fx = await loadFixture("route-order-conf");
  const byVersion = new Map(
    fx.exchanges.map((e) => [e.request.header!.version, text(e.response!.bodyBase64!)]),
  );
  assert.deepStrictEqual(parseTolerantJson(byVersion.get(399)!), JSON.parse(byVersion.get(401)!));
});

Deno.test("parseTolerantJson: string literals stay intact", () => {
  assert.deepStrictEqual(parseTolerantJson('{"a":"{0:\\"x\\"}",1:"b,2:c"}'), {
    a: '{0:"x"}',
    "1": "b,2:c",
  });
  assert.deepStrictEqual(parseTolerantJson('{0:"ip:port", 1 : "a,{3:4}", "k\\"2":{5:"\\\\"}}'), {
    "0": "ip:port",
    "1": "a,{3:4}",
    'k"2': { "5": "\\" },
  });
});

Deno.test("parseTolerantJson: negative keys, nested maps, arrays of numbers untouched", () => {
  assert.deepStrictEqual(parseTolerantJson('{-1:"a",0:{10:[1,2,-3]},"x":[{7:8}]}'), {
    "-1": "a",
    "0": { "10": [1, 2, -3] },
    x: [{ "7": 8 }],
  });
});

Deno.test("parseTolerantJson: invalid input throws ProtocolError, never evaluates", () => {
  for (const bad of ["", "{", "{0:}", "{a:1}", '{"a":1', "alert(1)", "{0:1,}", '{"a":"x}']) {
    assert.throws(() => parseTolerantJson(bad), ProtocolError, bad);
  }
});
