/**
 * `ProducerOptions.rpcHooks` over real sockets against the embedded cluster: every request code of
 * a producer's life, ext fields the broker receives, a failing hook, after-response views, the
 * ACL 1.0 signature (PROTOCOL.md §11) computed by a hook and checked on what the broker received,
 * and two producers on one client instance.
 */

import assert from "node:assert/strict";
import { createHmac } from "node:crypto";
import { Producer } from "../../src/producer/producer.ts";
import { RequestCode, ResponseCode } from "../../src/remoting/codes.ts";
import type { RpcHook, RpcRequest, RpcResponse } from "../../src/remoting/rpc-hook.ts";
import { RpcHookError } from "../../src/errors.ts";
import { createLogger, type LogEntry } from "../../src/log/logger.ts";
import { startCluster, type TestCluster } from "../../src/testing/mod.ts";

const TOPIC = "HookTopic";
const decoder = new TextDecoder();

interface Seen {
  phase: "before" | "after";
  address: string;
  code: number;
  oneway: boolean;
  responseCode?: number;
}

/** A hook recording what it sees (after hooks: the request view and the response). */
function recorder(seen: Seen[], name = "recorder"): RpcHook {
  return {
    name,
    beforeRequest(address, request) {
      seen.push({ phase: "before", address, code: request.code, oneway: request.oneway });
    },
    afterResponse(address, request, response) {
      seen.push({
        phase: "after",
        address,
        code: request.code,
        oneway: request.oneway,
        responseCode: response.code,
      });
    },
  };
}

async function withCluster(fn: (c: TestCluster) => Promise<void>): Promise<void> {
  const cluster = await startCluster({ brokers: 2, topics: [{ name: TOPIC }] });
  try {
    await fn(cluster);
  } finally {
    await cluster.close();
  }
}

/** Wait (bounded) until `ok()` holds. */
async function until(ok: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 500 && !ok(); i++) await new Promise((r) => setTimeout(r, 10));
  assert.ok(ok(), `timed out waiting for ${what}`);
}

Deno.test("rpcHooks see every request code of a producer's life, before and after", async () => {
  await withCluster(async (c) => {
    const seen: Seen[] = [];
    const p = new Producer({
      nameServer: c.namesrvAddr,
      group: "hook_life",
      heartbeatIntervalMs: 20,
      rpcHooks: recorder(seen),
    });
    await p.start();
    try {
      const sync = await p.send({ topic: TOPIC, body: "sync" });
      assert.equal(sync.status, "SEND_OK");
      await new Promise<void>((resolve, reject) =>
        p.sendAsync({ topic: TOPIC, body: "async" }, {
          onSuccess: () => resolve(),
          onException: reject,
        })
      );
      await p.sendOneway({ topic: TOPIC, body: "oneway" });
      await p.sendBatch([{ topic: TOPIC, body: "b1" }, { topic: TOPIC, body: "b2" }]);
      await until(() => seen.some((s) => s.code === RequestCode.HEART_BEAT), "a heartbeat");
    } finally {
      await p.shutdown();
    }
    const before = new Set(seen.filter((s) => s.phase === "before").map((s) => s.code));
    for (
      const code of [
        RequestCode.GET_ROUTEINFO_BY_TOPIC,
        RequestCode.HEART_BEAT,
        RequestCode.SEND_MESSAGE_V2,
        RequestCode.SEND_BATCH_MESSAGE,
        RequestCode.UNREGISTER_CLIENT,
      ]
    ) assert.ok(before.has(code), `beforeRequest saw code ${code}`);
    // Sync, async and one-way single sends: three SEND_MESSAGE_V2 requests, one of them one-way.
    const sends = seen.filter((s) =>
      s.phase === "before" && s.code === RequestCode.SEND_MESSAGE_V2
    );
    assert.equal(sends.length, 3);
    assert.deepEqual(sends.map((s) => s.oneway).sort(), [false, false, true]);
    // Every answered request got its afterResponse with the broker's code; one-way ones none.
    const after = seen.filter((s) => s.phase === "after");
    assert.equal(after.filter((s) => s.code === RequestCode.SEND_MESSAGE_V2).length, 2);
    assert.ok(after.every((s) => !s.oneway));
    const route = after.find((s) => s.code === RequestCode.GET_ROUTEINFO_BY_TOPIC)!;
    assert.equal(route.address, c.namesrvAddr);
    assert.equal(route.responseCode, ResponseCode.SUCCESS);
    const unregister = after.filter((s) => s.code === RequestCode.UNREGISTER_CLIENT);
    assert.ok(unregister.length >= 2, "one unregister per broker");
    assert.ok(unregister.every((s) => s.responseCode === ResponseCode.SUCCESS));
    // Requests and answers of a name server and of brokers arrive from their own addresses.
    const brokerAddrs = new Set(c.brokers.map((b) => b.address));
    const sendAddrs = seen.filter((s) => s.code === RequestCode.SEND_MESSAGE_V2);
    assert.ok(sendAddrs.every((s) => brokerAddrs.has(s.address)));
  });
});

Deno.test("rpcHooks: an added ext field reaches the broker; hooks run in order", async () => {
  await withCluster(async (c) => {
    const order: string[] = [];
    const hooks: RpcHook[] = [
      {
        name: "first",
        beforeRequest(_a, request) {
          order.push("first");
          request.extFields["x-trace"] = "t-1";
        },
      },
      {
        name: "second",
        beforeRequest(_a, request) {
          order.push("second");
          // The second hook sees the first one's field, and the header as on the wire.
          request.extFields["x-trace"] += "/" + request.extFields["a"];
          if (request.code === RequestCode.SEND_MESSAGE_V2) {
            assert.equal(decoder.decode(request.body), "payload");
          }
        },
      },
    ];
    const p = new Producer({ nameServer: c.namesrvAddr, group: "hook_ext", rpcHooks: hooks });
    await p.start();
    try {
      const r = await p.send({ topic: TOPIC, body: "payload" });
      const got = c.broker(r.queue.brokerName).lastRequest(RequestCode.SEND_MESSAGE_V2)!;
      assert.equal(got.extFields["x-trace"], "t-1/hook_ext");
      assert.equal(got.extFields["b"], TOPIC);
      const route = c.nameServer.lastRequest(RequestCode.GET_ROUTEINFO_BY_TOPIC)!;
      assert.equal(route.extFields["x-trace"], `t-1/undefined`);
      assert.equal(route.extFields.topic, TOPIC);
      assert.deepEqual(order.slice(0, 2), ["first", "second"]);
    } finally {
      await p.shutdown();
    }
  });
});

Deno.test("rpcHooks: a throwing beforeRequest fails the send with RpcHookError, nothing written", async () => {
  await withCluster(async (c) => {
    let failSends = false;
    const p = new Producer({
      nameServer: c.namesrvAddr,
      group: "hook_throw",
      rpcHooks: [{}, {
        name: "refuser",
        beforeRequest(_address, request) {
          if (failSends && request.code === RequestCode.SEND_MESSAGE_V2) throw new Error("no");
        },
      }],
    });
    await p.start();
    try {
      await p.send({ topic: TOPIC, body: "warm" }); // route cached, connections open
      const sendsBefore = c.brokers.reduce(
        (n, b) => n + b.requestCount(RequestCode.SEND_MESSAGE_V2),
        0,
      );
      failSends = true;
      for (
        const send of [
          () => p.send({ topic: TOPIC, body: "x" }),
          () => p.sendOneway({ topic: TOPIC, body: "y" }),
        ]
      ) {
        await assert.rejects(send(), (e) => {
          assert.ok(e instanceof RpcHookError);
          assert.equal(e.code, "RPC_HOOK");
          assert.equal(e.hook, "refuser");
          assert.equal(e.phase, "beforeRequest");
          assert.equal(e.requestCode, RequestCode.SEND_MESSAGE_V2);
          assert.equal((e.cause as Error).message, "no");
          assert.equal(e.retriable, false);
          return true;
        });
      }
      const async = await new Promise<unknown>((resolve) =>
        p.sendAsync({ topic: TOPIC, body: "z" }, { onSuccess: resolve, onException: resolve })
      );
      assert.ok(async instanceof RpcHookError);
      await new Promise((r) => setTimeout(r, 50));
      const sendsAfter = c.brokers.reduce(
        (n, b) => n + b.requestCount(RequestCode.SEND_MESSAGE_V2),
        0,
      );
      assert.equal(sendsAfter, sendsBefore, "no send request reached a broker");
      assert.equal(c.brokers.reduce((n, b) => n + b.messages(TOPIC).length, 0), 1);
    } finally {
      failSends = false;
      await p.shutdown();
    }
  });
});

Deno.test("rpcHooks: afterResponse sees the broker's answer; its throw fails the request", async () => {
  await withCluster(async (c) => {
    const answers: { request: RpcRequest; response: RpcResponse }[] = [];
    let throwAfter = false;
    const p = new Producer({
      nameServer: c.namesrvAddr,
      group: "hook_after",
      retryTimesWhenSendFailed: 0,
      rpcHooks: {
        afterResponse(_a, request, response) {
          if (request.code !== RequestCode.SEND_MESSAGE_V2) return;
          answers.push({ request, response });
          if (throwAfter) throw new TypeError("audit failed");
        },
      },
    });
    await p.start();
    try {
      const r = await p.send({ topic: TOPIC, body: "answer me" });
      const { request, response } = answers[0];
      assert.equal(response.code, ResponseCode.SUCCESS);
      assert.equal(response.extFields.msgId, r.offsetMsgId);
      assert.equal(response.extFields.queueOffset, String(r.queueOffset));
      assert.throws(() => {
        (response.extFields as Record<string, string>).msgId = "x";
      });
      assert.equal(decoder.decode(request.body), "answer me");
      // A broker error is an answer too.
      c.broker(r.queue.brokerName).failNextSends(1, ResponseCode.SYSTEM_BUSY, "busy");
      c.broker(r.queue.brokerName === "broker-a" ? "broker-b" : "broker-a").failNextSends(
        1,
        ResponseCode.SYSTEM_BUSY,
        "busy",
      );
      await assert.rejects(p.send({ topic: TOPIC, body: "busy" }));
      assert.equal(answers[1].response.code, ResponseCode.SYSTEM_BUSY);
      assert.equal(answers[1].response.remark, "busy");
      throwAfter = true;
      await assert.rejects(
        p.send({ topic: TOPIC, body: "stored, then refused" }),
        (e) => e instanceof RpcHookError && e.phase === "afterResponse" && e.hook === "rpcHooks[0]",
      );
    } finally {
      throwAfter = false;
      await p.shutdown();
    }
  });
});

/** Java `AclClientRPCHook` + `AclUtils` (PROTOCOL.md §11), with node:crypto's HMAC. */
function aclHook(accessKey: string, secretKey: string, securityToken?: string): RpcHook {
  return {
    name: "acl",
    beforeRequest(_address, request) {
      request.extFields.AccessKey = accessKey;
      if (securityToken !== undefined) request.extFields.SecurityToken = securityToken;
      request.extFields.Signature = aclSignature(request.extFields, request.body, secretKey);
    },
  };
}

/** HMAC-SHA1 over the values of every field but Signature, sorted by key, then the body. */
function aclSignature(
  fields: Record<string, string>,
  body: Uint8Array | undefined,
  secretKey: string,
): string {
  const keys = Object.keys(fields).filter((k) => k !== "Signature").sort(); // UTF-16 order, as Java
  const hmac = createHmac("sha1", secretKey).update(keys.map((k) => fields[k]).join(""), "utf8");
  if (body !== undefined) hmac.update(body);
  return hmac.digest("base64");
}

for (const serializeType of ["JSON", "ROCKETMQ"] as const) {
  Deno.test(`rpcHooks: an ACL 1.0 signing hook; the broker reads back a valid signature (${serializeType})`, async () => {
    await withCluster(async (c) => {
      const p = new Producer({
        nameServer: c.namesrvAddr,
        group: "hook_acl",
        heartbeatIntervalMs: 20,
        serializeType,
        rpcHooks: aclHook("ak-test", "sk-secret", "token-1"),
      });
      await p.start();
      let broker: string;
      try {
        const r = await p.send({ topic: TOPIC, body: "signed body ✓", keys: "k1", tags: "T" });
        broker = r.queue.brokerName;
        await p.sendBatch([{ topic: TOPIC, body: "b1" }, { topic: TOPIC, body: "b2" }], {
          queue: r.queue,
        });
        await until(() => c.broker(broker).requestCount(RequestCode.HEART_BEAT) > 0, "heartbeat");
      } finally {
        await p.shutdown();
      }
      const received = [
        c.broker(broker).lastRequest(RequestCode.SEND_MESSAGE_V2)!,
        c.broker(broker).lastRequest(RequestCode.SEND_BATCH_MESSAGE)!,
        c.broker(broker).lastRequest(RequestCode.HEART_BEAT)!,
        c.broker(broker).lastRequest(RequestCode.UNREGISTER_CLIENT)!,
        c.nameServer.lastRequest(RequestCode.GET_ROUTEINFO_BY_TOPIC)!,
      ];
      for (const got of received) {
        assert.equal(got.extFields.AccessKey, "ak-test", `code ${got.code}`);
        assert.equal(got.extFields.SecurityToken, "token-1");
        assert.equal(
          got.extFields.Signature,
          aclSignature(got.extFields, got.body, "sk-secret"),
          `signature of code ${got.code}`,
        );
        assert.notEqual(got.extFields.Signature, aclSignature(got.extFields, got.body, "wrong"));
      }
      // The send's signature covers its header fields a…n and its body.
      assert.equal(decoder.decode(received[0].body), "signed body ✓");
      assert.equal(received[0].extFields.b, TOPIC);
    });
  });
}

Deno.test("rpcHooks: two producers on one client instance share the first one's hooks", async () => {
  await withCluster(async (c) => {
    const seenA: Seen[] = [];
    const seenB: Seen[] = [];
    const logs: LogEntry[] = [];
    const logger = createLogger({ level: "warn", sink: (e) => logs.push(e) });
    const shared = { nameServer: c.namesrvAddr, instanceName: "hooks_shared", logger };
    const a = new Producer({ ...shared, group: "hook_share_a", rpcHooks: recorder(seenA, "a") });
    const b = new Producer({ ...shared, group: "hook_share_b", rpcHooks: recorder(seenB, "b") });
    const plain = new Producer({ ...shared, group: "hook_share_c" });
    await a.start();
    await b.start();
    await plain.start();
    try {
      assert.equal(a.clientId, b.clientId);
      await b.send({ topic: TOPIC, body: "from b" });
      await plain.send({ topic: TOPIC, body: "from c" });
      // b's and c's sends went through the instance's hooks: a's.
      assert.equal(
        seenA.filter((s) => s.phase === "before" && s.code === RequestCode.SEND_MESSAGE_V2).length,
        2,
      );
      assert.equal(seenB.length, 0);
      const warned = logs.filter((e) => e.message.startsWith("rpcHooks not used"));
      assert.equal(warned.length, 1, "b is told its hooks are not used; c passed none");
      assert.equal(warned[0].fields?.group, "hook_share_b");
    } finally {
      await plain.shutdown();
      await b.shutdown();
      await a.shutdown();
    }
  });
});

Deno.test("rpcHooks: bad hooks are a ValidationError naming the option", () => {
  assert.throws(
    () => new Producer({ group: "g", nameServer: "127.0.0.1:1", rpcHooks: [{}, 3 as never] }),
    (e) => e instanceof Error && (e as { field?: string }).field === "options.rpcHooks[1]",
  );
  assert.throws(
    () =>
      new Producer({
        group: "g",
        nameServer: "127.0.0.1:1",
        rpcHooks: { beforeRequest: "x" as never },
      }),
    (e) => (e as { field?: string }).field === "options.rpcHooks.beforeRequest",
  );
});
