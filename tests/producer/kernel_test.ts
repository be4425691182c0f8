import assert from "node:assert/strict";
import { buildSendHeader, processSendResponse, vipAddress } from "../../src/producer/kernel.ts";
import { prepareMessage } from "../../src/producer/message.ts";
import { BrokerError } from "../../src/errors.ts";
import type { UniqIdGenerator } from "../../src/codec/message-id.ts";
import type { RemotingCommand } from "../../src/remoting/command.ts";
import { FIXTURE_DIR } from "../fixtures.ts";
import { PropsParts } from "../../src/producer/_props_parts.ts";

const fixture = JSON.parse(
  await Deno.readTextFile(
    new URL("send-v2-json.json", FIXTURE_DIR),
  ),
);

Deno.test("send header: fixture field order and values", () => {
  const sent = fixture.exchanges[0].request.header.extFields as Record<string, string>;
  const uniq = sent.i.split("\u0002")[2].split("\u0001")[1];
  const p = prepareMessage({
    topic: "FixtureTopic",
    body: "hello",
    tags: "TagA",
    keys: ["fixtureKey1", "fixtureKey2"],
    properties: { fixtureUserProp: "fixtureValue" },
  }, {
    namespace: undefined,
    group: "fixture_group",
    maxMessageSize: 4 << 20,
    // A generator whose next id is the fixture's (stem + 16-bit counter, as UniqIdGenerator).
    uniqIds: {
      advance() {},
      lastStem: { text: uniq.slice(0, -4), bytes: new TextEncoder().encode(uniq.slice(0, -4)) },
      lastCounter: parseInt(uniq.slice(-4), 16),
    } as unknown as UniqIdGenerator,
    propsParts: new PropsParts(undefined),
  });
  const h = buildSendHeader(
    { group: "fixture_group", createTopicKey: "TBW102", defaultTopicQueueNums: "4" },
    p,
    0,
    "broker-a",
    Number(sent.g),
  );
  assert.deepEqual(Object.keys(h), Object.keys(sent));
  assert.deepEqual(h, sent);
  assert.equal(p.msgId, uniq);
});

Deno.test("response mapping: 0/10/11/12 to status, others to BrokerError", () => {
  const base = fixture.exchanges[0].response.header;
  const res = (code: number, remark?: string): RemotingCommand => ({
    code,
    language: 0,
    version: 409,
    opaque: 1,
    flag: 1,
    remark,
    extFields: base.extFields,
    serializeType: 0,
  });
  const q = { topic: "FixtureTopic", brokerName: "broker-a", queueId: 9 };
  const r = processSendResponse(res(0), q, "ID", "127.0.0.1:10911");
  assert.deepEqual(r, {
    status: "SEND_OK",
    msgId: "ID",
    offsetMsgId: base.extFields.msgId,
    queue: { topic: "FixtureTopic", brokerName: "broker-a", queueId: 0 },
    queueOffset: Number(base.extFields.queueOffset),
    regionId: "DefaultRegion",
    traceOn: true,
  });
  assert.equal(processSendResponse(res(10), q, "ID", "a").status, "FLUSH_DISK_TIMEOUT");
  assert.equal(processSendResponse(res(11), q, "ID", "a").status, "SLAVE_NOT_AVAILABLE");
  assert.equal(processSendResponse(res(12), q, "ID", "a").status, "FLUSH_SLAVE_TIMEOUT");
  assert.throws(() => processSendResponse(res(16, "no perm"), q, "ID", "a:1"), (e) => {
    assert.ok(e instanceof BrokerError);
    assert.equal(e.responseCode, 16);
    assert.equal(e.remark, "no perm");
    assert.equal(e.address, "a:1");
    return true;
  });
});

Deno.test("VIP channel is port − 2", () => {
  assert.equal(vipAddress("127.0.0.1:10911"), "127.0.0.1:10909");
  assert.equal(vipAddress("[::1]:10911"), "[::1]:10909");
});
