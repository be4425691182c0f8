import assert from "node:assert/strict";
import { decodeFrame } from "../../src/remoting/frame.ts";

/** A ROCKETMQ binary frame whose map holds `k=""` and `n="v"`, written by hand like Java 4.9 does. */
function frameWithEmptyValue(): Uint8Array {
  const enc = new TextEncoder();
  const entries: Array<[string, string]> = [["k", ""], ["n", "v"]];
  const map: number[] = [];
  for (const [k, v] of entries) {
    const kb = enc.encode(k);
    const vb = enc.encode(v);
    map.push(0, kb.length, ...kb, 0, 0, 0, vb.length, ...vb);
  }
  const header = [
    0,
    0, // code 0
    0, // language JAVA
    0x01,
    0x99, // version 409
    0,
    0,
    0,
    7, // opaque
    0,
    0,
    0,
    1, // flag: response
    0,
    0,
    0,
    0, // no remark
    0,
    0,
    0,
    map.length,
    ...map,
  ];
  const total = 4 + header.length;
  return Uint8Array.from([
    0,
    0,
    (total >> 8) & 0xff,
    total & 0xff,
    1,
    0,
    (header.length >> 8) & 0xff,
    header.length & 0xff,
    ...header,
  ]);
}

Deno.test("binary header: a length-0 ext value decodes as an empty string (4.9 mapDeserialize)", () => {
  const cmd = decodeFrame(frameWithEmptyValue());
  assert.equal(cmd.serializeType, 1);
  assert.equal(cmd.opaque, 7);
  assert.deepEqual(cmd.extFields, { k: "", n: "v" });
});
