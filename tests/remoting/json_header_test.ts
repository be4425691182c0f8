import assert from "node:assert/strict";
import { decodeFrame, encodeFrame } from "../../src/remoting/frame.ts";
import type { RemotingCommand } from "../../src/remoting/command.ts";
import { mulberry32 } from "./_util.ts";

const header = (frame: Uint8Array): string => new TextDecoder().decode(frame.subarray(8));
const json = (s: string): Uint8Array => {
  const h = new TextEncoder().encode(s);
  const f = new Uint8Array(8 + h.length);
  new DataView(f.buffer).setInt32(0, 4 + h.length);
  new DataView(f.buffer).setInt32(4, h.length);
  f.set(h, 8);
  return f;
};
const base: RemotingCommand = {
  code: 310,
  language: 7,
  version: 401,
  opaque: 601,
  flag: 0,
  serializeType: 0,
};

Deno.test("JSON client style: member order, optional members", () => {
  assert.equal(
    header(encodeFrame(base)),
    '{"code":310,"language":"OTHER","version":401,"opaque":601,"flag":0}',
  );
  assert.equal(
    header(encodeFrame({ ...base, remark: 'a"\n', extFields: {} })),
    '{"code":310,"language":"OTHER","version":401,"opaque":601,"flag":0,"remark":"a\\"\\n","extFields":{}}',
  );
});

Deno.test("JSON server style: fastjson order", () => {
  assert.equal(
    header(
      encodeFrame({ ...base, remark: "r", extFields: { b: "1", a: "2" } }, { jsonStyle: "server" }),
    ),
    '{"code":310,"extFields":{"b":"1","a":"2"},"flag":0,"language":"OTHER","opaque":601,"remark":"r",' +
      '"serializeTypeCurrentRPC":"JSON","version":401}',
  );
});

Deno.test("JSON: non-ASCII strings round-trip and the length word counts bytes", () => {
  const cmd = { ...base, remark: "héllo ✓ 😀", extFields: { "clé": "värde\u0001\u0002" } };
  const f = encodeFrame(cmd);
  const v = new DataView(f.buffer);
  assert.equal(v.getInt32(0), f.length - 4);
  assert.equal(v.getInt32(4), f.length - 8);
  assert.deepStrictEqual(decodeFrame(f), cmd);
  const bin = { ...cmd, serializeType: 1 as const };
  assert.deepStrictEqual(decodeFrame(encodeFrame(bin)), bin);
});

Deno.test("JSON decode: defaults, unknown language, integer language, extra members", () => {
  assert.deepStrictEqual(decodeFrame(json("{}")), {
    code: 0,
    language: 0,
    version: 0,
    opaque: 0,
    flag: 0,
    serializeType: 0,
  });
  assert.equal(decodeFrame(json('{"language":"KOTLIN"}')).language, -1);
  assert.equal(decodeFrame(json('{"language":9}')).language, 9);
  const cmd = decodeFrame(
    json('{"code":1,"foo":[1],"remark":null,"extFields":{"n":3,"b":true,"z":null}}'),
  );
  assert.deepStrictEqual(cmd.extFields, { n: "3", b: "true" });
  assert.equal("remark" in cmd, false);
});

Deno.test("JSON decode: a __proto__ member is kept as data", () => {
  const cmd = decodeFrame(json('{"extFields":{"__proto__":"x"}}'));
  assert.equal(Object.getPrototypeOf(cmd.extFields), Object.prototype);
  assert.deepStrictEqual(Object.keys(cmd.extFields!), ["__proto__"]);
  const bin = decodeFrame(
    encodeFrame({ ...base, serializeType: 1, extFields: JSON.parse('{"__proto__":"y"}') }),
  );
  assert.equal(Object.getPrototypeOf(bin.extFields), Object.prototype);
  assert.equal(Object.getOwnPropertyDescriptor(bin.extFields, "__proto__")?.value, "y");
});

Deno.test("encode skips extFields entries whose value is null or undefined", () => {
  const ext = { a: "1", b: undefined } as unknown as Record<string, string>;
  assert.equal(
    header(encodeFrame({ ...base, extFields: ext })).endsWith('"extFields":{"a":"1"}}'),
    true,
  );
  const bin = decodeFrame(encodeFrame({ ...base, serializeType: 1, extFields: ext }));
  assert.deepStrictEqual(bin.extFields, { a: "1" });
});

Deno.test("JSON: strings are escaped exactly as JSON.stringify does (random strings)", () => {
  const rand = mulberry32(7);
  const alphabet = [
    "a",
    "Z",
    " ",
    '"',
    "\\",
    "/",
    "\u0000",
    "\u0001",
    "\n",
    "\u001f",
    "\u007f",
    "é",
    "\u2028",
    "\ud83d",
    "\ude00",
    "😀",
  ];
  for (let n = 0; n < 500; n++) {
    let s = "";
    const len = Math.floor(rand() * 12);
    for (let i = 0; i < len; i++) s += alphabet[Math.floor(rand() * alphabet.length)];
    const frame = encodeFrame({ ...base, remark: s, extFields: { [s || "k"]: s || "v" } });
    const k = JSON.stringify(s || "k");
    const v = JSON.stringify(s || "v");
    assert.equal(
      header(frame),
      `{"code":310,"language":"OTHER","version":401,"opaque":601,"flag":0,"remark":${
        JSON.stringify(s)
      },"extFields":{${k}:${v}}}`,
    );
    const back = decodeFrame(frame);
    assert.equal(back.remark, s);
  }
});
