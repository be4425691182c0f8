import assert from "node:assert/strict";
import { PromisedSend, SendCall, type SendTarget } from "../../src/producer/send-response.ts";
import type { SendResult } from "../../src/producer/types.ts";
import { PendingSlots } from "../../src/remoting/_pending_slots.ts";
import { registerEntry } from "../../src/remoting/_pending.ts";
import { decodeJsonHeader } from "../../src/remoting/json-header.ts";
import { HeaderTokens } from "../../src/remoting/_header_tokens.ts";

const names = { userTopic: (t: string): string => t.replace(/^ns%/, "") };
const mq = { topic: "ns%Orders", brokerName: "broker-a", queueId: 2 };
const sent = { msgId: "UNIQ1" };

/** A call registered as the remoting client registers it (the answer's address is the table's). */
function call(target: SendTarget): SendCall {
  const c = new SendCall(target);
  registerEntry(
    c,
    { address: "127.0.0.1:10911", pending: new PendingSlots() },
    1,
    310,
    3000,
    0,
    undefined,
  );
  return c;
}

async function settle(p: Promise<unknown>): Promise<unknown> {
  try {
    return { value: await p };
  } catch (e) {
    const err = e as Error & { code?: unknown };
    return { error: err.constructor.name, message: err.message, code: err.code };
  }
}

Deno.test("send response read from tokens settles exactly as the decoded command does", async () => {
  const ext = (fields: string): string =>
    `{"code":0,"extFields":{${fields}},"flag":1,"language":"JAVA","opaque":1,"version":409}`;
  const headers = [
    ext(
      '"queueId":"1","TRACE_ON":"true","MSG_REGION":"DefaultRegion","msgId":"7F0000010000","queueOffset":"7"',
    ),
    ext('"msgId":"X","queueOffset":"0"'), // no queueId, region or trace: defaults
    ext('"msgId":"X","queueOffset":"12","MSG_REGION":"","TRACE_ON":"false","transactionId":""'),
    ext('"msgId":"X","queueOffset":"12","MSG_REGION":"eu-1","transactionId":"tx-9"'),
    ext('"msgId":"X","queueOffset":"1e3","queueId":"0x10"'), // not plain digits: general mapping
    ext('"msgId":"X","queueOffset":"-1"'),
    ext('"msgId":"X","queueOffset":""'),
    ext('"queueOffset":"5"'), // no msgId: ProtocolError
    ext('"msgId":"X"'),
    '{"code":10,"extFields":{"msgId":"X","queueOffset":"3"},"flag":1,"opaque":1}',
    '{"code":12,"extFields":{"msgId":"X","queueOffset":"3"},"flag":1,"opaque":1}',
    '{"code":1,"flag":1,"opaque":1,"remark":"system busy"}',
    '{"code":17,"flag":1,"opaque":1}',
  ];
  for (const text of headers) {
    const bytes = new TextEncoder().encode(text);
    const tokens = new HeaderTokens();
    assert.equal(tokens.scan(bytes, 0, bytes.length), true, text);
    const viaTokens = new PromisedSend(names, mq, sent);
    call(viaTokens).onTokens(tokens, undefined);
    const viaCommand = new PromisedSend(names, mq, sent);
    call(viaCommand).onResponse(decodeJsonHeader(bytes, 0, bytes.length, undefined));
    const expected = await settle(viaCommand.promise);
    assert.deepEqual(await settle(viaTokens.promise), expected, text);
    // With the send loop's own sink instead of a promise: the same outcome, once.
    const sunk: unknown[] = [];
    const viaSink = call({
      names,
      queue: mq,
      msgId: "UNIQ1",
      ok: (r: SendResult | undefined) => sunk.push({ value: r }),
      fail: (e: unknown) => sunk.push(e),
    });
    viaSink.onTokens(tokens, undefined);
    assert.equal(sunk.length, 1);
    assert.deepEqual(
      await settle(
        sunk[0] instanceof Error
          ? Promise.reject(sunk[0])
          : Promise.resolve((sunk[0] as { value: unknown }).value),
      ),
      expected,
      text,
    );
  }
});
