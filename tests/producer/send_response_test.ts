import assert from "node:assert/strict";
import {
  processScannedSendResponse,
  processSendResponse,
} from "../../src/producer/send/response.ts";
import { AwaitedAttempt } from "../../src/producer/send/sinks.ts";
import { HeaderParts } from "../../src/producer/send/header.ts";
import type { PreparedMessage } from "../../src/producer/send/prepare.ts";
import { BrokerError, ProtocolError } from "../../src/errors.ts";
import type { RemotingCommand } from "../../src/remoting/command.ts";
import { PendingSlots } from "../../src/remoting/_pending_slots.ts";
import { type PendingTable, registerEntry } from "../../src/remoting/_pending.ts";
import { decodeJsonHeader } from "../../src/remoting/json-header.ts";
import { HeaderTokens } from "../../src/remoting/_header_tokens.ts";
import { FIXTURE_DIR } from "../fixtures.ts";

const fixture = JSON.parse(await Deno.readTextFile(new URL("send-v2-json.json", FIXTURE_DIR)));
const mq = { topic: "ns%Orders", brokerName: "broker-a", queueId: 2 };

function settle(f: () => unknown): unknown {
  try {
    return { value: f() };
  } catch (e) {
    const err = e as Error & { responseCode?: unknown };
    return { error: err.constructor.name, message: err.message, code: err.responseCode };
  }
}

Deno.test("response mapping: 0/10/11/12 to status, others to BrokerError (fixture)", () => {
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
  const map = (code: number, remark?: string, addr = "a") =>
    processSendResponse(res(code, remark), "FixtureTopic", q, "ID", addr);
  assert.deepEqual(map(0), {
    status: "SEND_OK",
    msgId: "ID",
    offsetMsgId: base.extFields.msgId,
    queue: { topic: "FixtureTopic", brokerName: "broker-a", queueId: 0 },
    queueOffset: Number(base.extFields.queueOffset),
    regionId: "DefaultRegion",
    traceOn: true,
  });
  assert.equal(map(10).status, "FLUSH_DISK_TIMEOUT");
  assert.equal(map(11).status, "SLAVE_NOT_AVAILABLE");
  assert.equal(map(12).status, "FLUSH_SLAVE_TIMEOUT");
  assert.throws(() => map(16, "no perm", "a:1"), (e) => {
    assert.ok(e instanceof BrokerError);
    assert.equal(e.responseCode, 16);
    assert.equal(e.remark, "no perm");
    assert.equal(e.address, "a:1");
    return true;
  });
});

Deno.test("response mapping: one rule set, the same outcome from a scanned header and a decoded command", () => {
  const ext = (fields: string): string =>
    `{"code":0,"extFields":{${fields}},"flag":1,"language":"JAVA","opaque":1,"version":409}`;
  const headers: [string, string | undefined][] = [
    [
      ext(
        '"queueId":"1","TRACE_ON":"true","MSG_REGION":"DefaultRegion","msgId":"7F0000010000","queueOffset":"7"',
      ),
      undefined,
    ],
    [ext('"msgId":"X","queueOffset":"0"'), undefined], // no queueId, region or trace: defaults
    [
      ext('"msgId":"X","queueOffset":"12","MSG_REGION":"","TRACE_ON":"false","transactionId":""'),
      undefined,
    ],
    [ext('"msgId":"X","queueOffset":"12","MSG_REGION":"eu-1","transactionId":"tx-9"'), undefined],
    [ext('"msgId":"X","queueOffset":"-1"'), "ProtocolError"], // an offset is never negative
    [ext('"msgId":"X","queueOffset":"7","queueId":"-"'), "ProtocolError"], // not NaN
    [ext('"msgId":"X","queueOffset":"7","queueId":"-1"'), "ProtocolError"],
    [ext('"msgId":"X","queueOffset":"7","queueId":"2147483648"'), "ProtocolError"], // > int
    [ext('"msgId":"X","queueOffset":"1e3"'), "ProtocolError"],
    [ext('"msgId":"X","queueOffset":"7","queueId":"0x10"'), "ProtocolError"],
    [ext('"msgId":"X","queueOffset":"7","queueId":"one"'), "ProtocolError"], // not NaN
    [ext('"msgId":"X","queueOffset":"7","queueId":""'), "ProtocolError"],
    [ext('"msgId":"X","queueOffset":""'), "ProtocolError"],
    [ext('"queueOffset":"5"'), "ProtocolError"], // no msgId
    [ext('"msgId":"X"'), "ProtocolError"],
    ['{"code":10,"extFields":{"msgId":"X","queueOffset":"3"},"flag":1,"opaque":1}', undefined],
    ['{"code":12,"extFields":{"msgId":"X","queueOffset":"3"},"flag":1,"opaque":1}', undefined],
    ['{"code":1,"flag":1,"opaque":1,"remark":"system busy"}', "BrokerError"],
    ['{"code":17,"flag":1,"opaque":1}', "BrokerError"],
  ];
  for (const [text, error] of headers) {
    const bytes = new TextEncoder().encode(text);
    const tokens = new HeaderTokens();
    assert.equal(tokens.scan(bytes, 0, bytes.length), true, text);
    const command = decodeJsonHeader(bytes, 0, bytes.length, undefined);
    const viaTokens = settle(() => processScannedSendResponse(tokens, "Orders", mq, "U", "b:1"));
    const viaCommand = settle(() => processSendResponse(command, "Orders", mq, "U", "b:1"));
    assert.deepEqual(viaTokens, viaCommand, text);
    const outcome = viaTokens as { error?: string; value?: { queue: { queueId: number } } };
    assert.equal(outcome.error, error, text);
    if (error === undefined) assert.ok(Number.isInteger(outcome.value!.queue.queueId));
  }
  assert.throws(
    () =>
      processSendResponse(
        { code: 0, language: 0, version: 0, opaque: 1, flag: 1, serializeType: 1 },
        "Orders",
        mq,
        "U",
        "b:1",
      ),
    ProtocolError,
  );
});

const send = {
  msgId: "U",
  userTopic: "Orders",
  prepared: {} as PreparedMessage, // not written here
  headerParts: new HeaderParts("g", "TBW102", 4),
};

Deno.test("an attempt's pending request maps the answer at the table's address, once", async () => {
  const text = '{"code":0,"extFields":{"msgId":"X","queueOffset":"4"},"flag":1,"opaque":1}';
  const bytes = new TextEncoder().encode(text);
  const tokens = new HeaderTokens();
  tokens.scan(bytes, 0, bytes.length);
  const attempt = new AwaitedAttempt(send, mq, 0);
  const table: PendingTable = { address: "127.0.0.1:10911", pending: new PendingSlots() };
  registerEntry(attempt, table, 1, 310, 3000, 0, undefined);
  attempt.onTokens(tokens, undefined);
  attempt.onError(new Error("late")); // a second outcome changes nothing
  const r = await attempt.promise;
  assert.deepEqual(r?.queue, { topic: "Orders", brokerName: "broker-a", queueId: 2 });
  assert.equal(r?.queueOffset, 4);
  const broken = new AwaitedAttempt(send, mq, 0);
  registerEntry(broken, table, 2, 310, 3000, 0, undefined);
  broken.onResponse({
    code: 2,
    remark: "busy",
    language: 0,
    version: 0,
    opaque: 2,
    flag: 1,
    serializeType: 0,
  });
  await assert.rejects(
    broken.promise,
    (e) => e instanceof BrokerError && e.address === table.address,
  );
});
