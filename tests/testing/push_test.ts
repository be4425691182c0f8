/**
 * Requests the broker sends to clients: PUSH_REPLY_MESSAGE_TO_CLIENT (326) through `pushReply`
 * and through a replier's SEND_REPLY_MESSAGE_V2 (325).
 */

import assert from "node:assert/strict";
import { encodeFrame } from "../../src/remoting/frame.ts";
import { startCluster } from "../../src/testing/mod.ts";
import { call, RawClient, request, until, utf8, v2 } from "./_helpers.ts";

function answer(conn: RawClient, opaque: number, code: number): void {
  conn.write(encodeFrame({ code, language: 7, version: 401, opaque, flag: 1, serializeType: 0 }));
}

Deno.test("pushReply and SEND_REPLY_MESSAGE_V2 reach the requester by clientID", async () => {
  const c = await startCluster({ topics: [{ name: "Req" }] });
  const broker = c.broker("broker-a");
  const requester = await RawClient.connect(broker.address);
  const replier = await RawClient.connect(broker.address);
  try {
    await call(requester, 34, {}, {
      body: JSON.stringify({ clientID: "req-1", producerDataSet: [{ groupName: "rg" }] }),
    });
    const props = "CORRELATION_ID\u0001corr-1\u0002REPLY_TO_CLIENT\u0001req-1\u0002TTL\u00015000";
    assert.equal((await call(requester, 310, v2("Req", { i: props }), { body: "ping" })).code, 0);
    const [msg] = broker.messages("Req");

    const pushed = broker.pushReply(msg, { body: "pong", properties: { k: "v" } });
    const push = await requester.next();
    assert.equal(push?.cmd.code, 326);
    assert.equal(push?.cmd.flag, 0);
    assert.equal(utf8(push?.cmd.body), "pong");
    assert.equal(push?.cmd.extFields?.topic, "DefaultCluster_REPLY_TOPIC");
    const p = new Map(
      push!.cmd.extFields!.properties.split("\u0002").map((kv) =>
        kv.split("\u0001") as [string, string]
      ),
    );
    assert.equal(p.get("CORRELATION_ID"), "corr-1");
    assert.equal(p.get("MSG_TYPE"), "reply");
    assert.equal(p.get("k"), "v");
    answer(requester, push!.cmd.opaque, 0);
    assert.deepEqual(await pushed, { code: 0, remark: undefined });

    // A replier client: the broker forwards, waits for the requester, then stores and answers.
    const replyProps =
      "MSG_TYPE\u0001reply\u0002CORRELATION_ID\u0001corr-1\u0002REPLY_TO_CLIENT\u0001req-1";
    const r = request(325, v2("DefaultCluster_REPLY_TOPIC", { i: replyProps }), { body: "pong2" });
    replier.write(r.bytes);
    const push2 = await requester.next();
    assert.equal(push2?.cmd.code, 326);
    assert.equal(utf8(push2?.cmd.body), "pong2");
    answer(requester, push2!.cmd.opaque, 0);
    const res = await replier.next();
    assert.equal(res?.cmd.opaque, r.opaque);
    assert.equal(res?.cmd.code, 0);
    assert.equal(broker.messages("DefaultCluster_REPLY_TOPIC").length, 1);

    // Unknown requester: SYSTEM_ERROR with the 4.9 remark; no requester connection: undefined.
    const bad = await call(
      replier,
      325,
      v2("DefaultCluster_REPLY_TOPIC", { i: "REPLY_TO_CLIENT\u0001nobody" }),
      { body: "x" },
    );
    assert.equal(bad.code, 1);
    assert.equal(bad.remark, "push reply message fail, channel of <nobody> not found.");
    const pending = broker.pushReply(msg, { body: "late" });
    await until(() => requester.buffered > 0);
    await requester.close();
    assert.equal(await pending, undefined);
  } finally {
    await replier.close();
    await c.close();
  }
});
