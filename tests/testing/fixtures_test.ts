/**
 * Replays every scenario recorded from a real RocketMQ 4.9.8 (../shared/fixtures) against the
 * embedded cluster over real sockets, sending the recorded request bytes, and compares the answers:
 * same code, header fields in the same order, same remark and header type; values that change
 * between runs (msgId, queueOffset) by format; route bodies byte for byte.
 */

import assert from "node:assert/strict";
import { readdirSync } from "node:fs";
import { startCluster, type TestCluster } from "../../src/testing/mod.ts";
import { LANGUAGE_NAMES } from "../../src/remoting/codes.ts";
import {
  b64,
  type Exchange,
  type Fixture,
  type FixtureMessage,
  FIXTURES,
  type Frame,
  latin1,
  loadFixture,
  RawClient,
  utf8,
} from "./_helpers.ts";

function fixtureCluster(): Promise<TestCluster> {
  return startCluster({
    brokers: 2,
    topics: [
      { name: "FixtureTopic", queues: 4 },
      { name: "FixtureOrderTopic", queues: 4, orderTopicConf: "broker-a:4;broker-b:4" },
    ],
  });
}

function endpoints(c: TestCluster): Record<string, string> {
  return {
    namesrv: c.namesrvAddr,
    "broker-a": c.broker("broker-a").address,
    "broker-b": c.broker("broker-b").address,
  };
}

/** Rebuild a JSON-header frame after editing its header text (length words recomputed). */
function rewriteJsonFrame(frame: Uint8Array, edit: (header: string) => string): Uint8Array {
  const v = new DataView(frame.buffer, frame.byteOffset, frame.byteLength);
  const headerLen = v.getUint32(4) & 0xffffff;
  const header = new TextEncoder().encode(edit(utf8(frame.subarray(8, 8 + headerLen))));
  const body = frame.subarray(8 + headerLen);
  const out = new Uint8Array(8 + header.length + body.length);
  const ov = new DataView(out.buffer);
  ov.setInt32(0, 4 + header.length + body.length);
  ov.setUint32(4, ((frame[4] << 24) | header.length) >>> 0);
  out.set(header, 8);
  out.set(body, 8 + header.length);
  return out;
}

function requestBytes(req: FixtureMessage): Uint8Array {
  if (req.frameBase64) return b64(req.frameBase64);
  // error-too-large: prefix + elided body of 'a'.
  const prefix = b64(req.framePrefixBase64!);
  const out = new Uint8Array(req.frameLength!).fill(0x61);
  out.set(prefix);
  return out;
}

const VARIABLE = new Set(["msgId", "queueOffset"]);

/** Compare our response with the recorded one. */
function compareResponse(
  label: string,
  got: Frame,
  want: FixtureMessage,
  ends: Record<string, string>,
  rec: Record<string, string>,
): void {
  const g = got.cmd;
  const w = want.header as Record<string, unknown> & { extFields?: Record<string, string> };
  assert.equal(
    g.serializeType === 1 ? "ROCKETMQ" : "JSON",
    want.headerType,
    `${label}: header type`,
  );
  assert.equal(g.code, w.code, `${label}: code`);
  assert.equal(g.flag, w.flag, `${label}: flag`);
  assert.equal(LANGUAGE_NAMES[g.language], w.language, `${label}: language`);
  assert.equal(g.version, w.version, `${label}: version`);
  assert.equal(g.opaque, w.opaque, `${label}: opaque`);
  assert.equal(g.remark, w.remark, `${label}: remark`);
  if (want.headerType === "JSON") {
    assert.equal(
      g.extFields === undefined,
      w.extFields === undefined,
      `${label}: extFields presence`,
    );
  }
  const gotExt = g.extFields ?? {};
  const wantExt = w.extFields ?? {};
  assert.deepEqual(
    Object.keys(gotExt),
    Object.keys(wantExt),
    `${label}: extFields names and order`,
  );
  for (const [k, v] of Object.entries(wantExt)) {
    if (k === "msgId") {
      const n = v.split(",").length;
      assert.match(
        gotExt.msgId,
        new RegExp(`^[0-9A-F]{32}(,[0-9A-F]{32}){${n - 1}}$`),
        `${label}: msgId`,
      );
      rec.msgId = gotExt.msgId;
    } else if (k === "queueOffset") assert.match(gotExt[k], /^\d+$/, `${label}: queueOffset`);
    else assert.equal(gotExt[k], v, `${label}: ext ${k}`);
  }
  // Whole-frame equality once the values that change between runs are put in.
  let wantBytes = b64(want.frameBase64!);
  if (want.headerType === "JSON") {
    wantBytes = rewriteJsonFrame(wantBytes, (h) => {
      for (const k of VARIABLE) {
        if (wantExt[k] !== undefined) {
          h = h.replace(`"${k}":"${wantExt[k]}"`, `"${k}":"${gotExt[k]}"`);
        }
      }
      return h;
    });
    const headerEnd = (b: Uint8Array): number =>
      8 + (new DataView(b.buffer, b.byteOffset).getUint32(4) & 0xffffff);
    assert.equal(
      latin1(got.bytes.subarray(0, headerEnd(got.bytes))).slice(4),
      latin1(wantBytes.subarray(0, headerEnd(wantBytes))).slice(4),
      `${label}: header bytes`,
    );
    // Route bodies name the recorded endpoints; put ours in. (Stored records are checked apart.)
    if (want.bodyText !== undefined) {
      const body = want.bodyText.replaceAll("127.0.0.1:10911", ends["broker-a"])
        .replaceAll("127.0.0.1:20911", ends["broker-b"]);
      assert.equal(utf8(got.cmd.body), body, `${label}: body`);
    } else if (!want.bodyBase64) {
      assert.equal(latin1(got.bytes), latin1(wantBytes), `${label}: frame bytes`);
    }
  } else {
    assert.equal(
      got.bytes.length,
      wantBytes.length + (gotExt.queueOffset?.length ?? 0) - (wantExt.queueOffset?.length ?? 0),
      `${label}: frame length`,
    );
  }
}

/** A request that surely gets an answer, to prove an earlier request got none. */
function probe(to: string): Uint8Array {
  const h = to === "namesrv"
    ? '{"code":105,"language":"OTHER","version":401,"opaque":99999,"flag":0,"extFields":{"topic":"TBW102"}}'
    : '{"code":9999,"language":"OTHER","version":401,"opaque":99999,"flag":0,"extFields":{}}';
  const hb = new TextEncoder().encode(h);
  const out = new Uint8Array(8 + hb.length);
  new DataView(out.buffer).setInt32(0, 4 + hb.length);
  new DataView(out.buffer).setInt32(4, hb.length);
  out.set(hb, 8);
  return out;
}

async function replay(fx: Fixture, c: TestCluster): Promise<void> {
  const ends = endpoints(c);
  const conns = new Map<string, RawClient>();
  const rec: Record<string, string> = {};
  try {
    for (const [i, ex] of fx.exchanges.entries()) {
      const label = `${fx.scenario}#${i} ${ex.label}`;
      const isGarbage = fx.scenario === "garbage";
      let conn = isGarbage ? undefined : conns.get(ex.to);
      if (!conn) {
        conn = await RawClient.connect(ends[ex.to]);
        if (!isGarbage) conns.set(ex.to, conn);
      }
      let bytes: Uint8Array;
      if (isGarbage) {
        bytes = ex.request.frameBase64
          ? b64(ex.request.frameBase64)
          : b64(ex.request.bodyBase64 ?? "");
      } else bytes = requestBytes(ex.request);
      if (ex.request.header?.code === 33 && rec.msgId) {
        // VIEW_MESSAGE_BY_ID names the recorded commit-log offset: use the one we just got.
        const ours = BigInt("0x" + rec.msgId.slice(16)).toString();
        bytes = rewriteJsonFrame(bytes, (h) => h.replace(/"offset":"\d+"/, `"offset":"${ours}"`));
      }
      conn.write(bytes);
      if (ex.response === null) {
        if (isGarbage) {
          assert.equal(await conn.next(), undefined, `${label}: closed without a frame`);
          await conn.close();
          continue;
        }
        conn.write(probe(ex.to));
        const f = await conn.next();
        assert.equal(f?.cmd.opaque, 99999, `${label}: no response before the probe's`);
        continue;
      }
      const f = await conn.next();
      assert.ok(f, `${label}: got a response`);
      compareResponse(label, f, ex.response, ends, rec);
      if (ex.request.header?.code === 33) checkStoredRecord(label, f, ex);
    }
  } finally {
    for (const cl of conns.values()) await cl.close();
  }
}

/** VIEW_MESSAGE_BY_ID body: the stored record as the real broker showed it. */
function checkStoredRecord(label: string, f: Frame, ex: Exchange): void {
  const want = (ex.observed as { storedMessage: Record<string, unknown> }).storedMessage;
  const b = f.cmd.body!;
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  assert.equal(v.getInt32(0), want.totalSize, `${label}: totalSize`);
  assert.equal("0x" + v.getUint32(4).toString(16).toUpperCase(), want.magicCode);
  assert.equal(v.getInt32(8), want.bodyCRC, `${label}: bodyCRC`);
  assert.equal(v.getInt32(12), want.queueId);
  assert.equal(v.getInt32(16), want.flag);
  assert.equal(v.getInt32(36), want.sysFlag);
  assert.equal(v.getBigInt64(40).toString(), want.bornTimestamp);
  const bodyLen = v.getInt32(84);
  assert.equal(bodyLen, want.bodyLength);
  const tl = b[88 + bodyLen];
  assert.equal(utf8(b.subarray(89 + bodyLen, 89 + bodyLen + tl)), want.topic);
  const pp = 89 + bodyLen + tl;
  const pl = v.getInt16(pp);
  assert.equal(
    utf8(b.subarray(pp + 2, pp + 2 + pl)),
    want.properties,
    `${label}: stored properties`,
  );
}

const names = readdirSync(FIXTURES).filter((n) => n.endsWith(".json")).map((n) => n.slice(0, -5))
  .sort();

Deno.test("the fixture set is the one this suite knows", () => {
  assert.equal(names.length, 17);
});

for (const name of names) {
  Deno.test(`fixture replay: ${name}`, async () => {
    const c = await fixtureCluster();
    try {
      await replay(loadFixture(name), c);
    } finally {
      await c.close();
    }
  });
}
