/**
 * RPC hooks of the remoting client over a loopback socket: every method runs them (invoke,
 * invokeOneway, invokeJsonTo with a string or a writer, scanned or decoded answers), the views are
 * copies, and a failing hook is an RpcHookError with nothing written.
 */

import assert from "node:assert/strict";
import { RemotingClient } from "../../src/remoting/client.ts";
import { SerializeType } from "../../src/remoting/codes.ts";
import type { RemotingCommand } from "../../src/remoting/command.ts";
import type { ResponseSink } from "../../src/remoting/pending-request.ts";
import type { RpcHook, RpcRequest, RpcResponse } from "../../src/remoting/rpc-hook.ts";
import { RpcHookError, TimeoutError, ValidationError } from "../../src/errors.ts";
import { denoTransport } from "../../src/transport/deno.ts";
import { echo, request, type Responder, startResponder } from "./_responder.ts";

const text = new TextEncoder();
const SILENT = 999;

async function withHookedClient(
  hooks: RpcHook | RpcHook[],
  fn: (client: RemotingClient, responder: Responder) => Promise<void>,
): Promise<void> {
  const responder = await startResponder((req, peer) =>
    req.code === SILENT ? undefined : echo(req, peer)
  );
  const client = new RemotingClient({ transport: denoTransport, rpcHooks: hooks });
  try {
    await fn(client, responder);
  } finally {
    await client.close();
    await responder.close();
  }
}

/** A sink settling a promise with the response (decoded or scanned) or the error. */
function sinkPromise(): { sink: ResponseSink; done: Promise<RemotingCommand> } {
  let sink!: ResponseSink;
  const done = new Promise<RemotingCommand>((resolve, reject) => {
    sink = {
      onResponse: resolve,
      onError: reject,
      onTokens: (t, body) => resolve(t.toCommand(body)),
    };
  });
  return { sink, done };
}

for (const serializeType of [SerializeType.JSON, SerializeType.ROCKETMQ]) {
  Deno.test(`invoke, serializeType ${serializeType}: fields added, body a copy, after sees the answer`, () => {
    const seen: { request: RpcRequest; response: RpcResponse }[] = [];
    return withHookedClient({
      beforeRequest(_a, r) {
        r.extFields.added = "yes";
        delete r.extFields.drop;
        r.body![0] = 0x58; // a copy: what is sent stays "hello"
      },
      afterResponse(_a, request, response) {
        seen.push({ request, response });
      },
    }, async (client, responder) => {
      const req = request(310, {
        serializeType,
        extFields: { keep: "1", drop: "2" },
        body: text.encode("hello"),
      });
      const res = await client.invoke(responder.address, req, 5000);
      assert.deepEqual(responder.requests[0].extFields, { keep: "1", added: "yes" });
      assert.deepEqual(new Uint8Array(responder.requests[0].body!), text.encode("hello"));
      assert.deepEqual(res.extFields, { keep: "1", added: "yes" });
      assert.equal(seen.length, 1);
      assert.equal(seen[0].response.code, 0);
      assert.equal(seen[0].response.opaque, req.opaque);
      assert.deepEqual(seen[0].response.body, text.encode("hello"));
      assert.equal(seen[0].request.extFields.added, "yes");
    });
  });
}

Deno.test("invokeJsonTo with hooks: string and writer fields, scanned answers, after-hook errors", () => {
  let failAfter = false;
  return withHookedClient([
    { name: "sign", beforeRequest: (_a, r) => void (r.extFields.sig = "s") },
    {
      name: "audit",
      afterResponse() {
        if (failAfter) throw new Error("audit down");
      },
    },
  ], async (client, responder) => {
    const a = sinkPromise();
    client.invokeJsonTo(
      responder.address,
      310,
      7,
      401,
      '{"x":"1"}',
      undefined,
      5000,
      undefined,
      a.sink,
    );
    assert.deepEqual((await a.done).extFields, { x: "1", sig: "s" });
    const json = text.encode('{"w":"2"}');
    const writer = {
      byteLength: json.length,
      write: (buf: Uint8Array, at: number) => buf.set(json, at),
    };
    const b = sinkPromise();
    client.invokeJsonTo(
      responder.address,
      310,
      7,
      401,
      writer,
      text.encode("B"),
      5000,
      undefined,
      b.sink,
    );
    const res = await b.done;
    assert.deepEqual(res.extFields, { w: "2", sig: "s" });
    assert.deepEqual(new Uint8Array(res.body!), text.encode("B"));
    failAfter = true;
    const c = sinkPromise();
    client.invokeJsonTo(responder.address, 310, 7, 401, "{}", undefined, 5000, undefined, c.sink);
    await assert.rejects(c.done, (e) => e instanceof RpcHookError && e.hook === "audit");
    await assert.rejects(
      client.invoke(responder.address, request(11), 5000),
      (e) => e instanceof RpcHookError && e.phase === "afterResponse" && e.requestCode === 11,
    );
    assert.equal(client.pendingRequests, 0);
  });
});

Deno.test("a throwing, promise-returning or non-string-setting hook: RpcHookError, nothing written", () => {
  let mode = 0;
  return withHookedClient({
    beforeRequest(_a, r): void {
      if (mode === 1) throw new Error("refused");
      if (mode === 2) return Promise.resolve() as unknown as void;
      if (mode === 3) (r.extFields as Record<string, unknown>).n = 5;
    },
  }, async (client, responder) => {
    await client.invoke(responder.address, request(1), 5000); // connected
    for (mode = 1; mode <= 3; mode++) {
      await assert.rejects(client.invoke(responder.address, request(2), 5000), (e) => {
        assert.ok(e instanceof RpcHookError);
        assert.equal(e.hook, "rpcHooks[0]");
        assert.equal(e.phase, "beforeRequest");
        if (mode === 1) assert.equal((e.cause as Error).message, "refused");
        else assert.ok(e.cause instanceof ValidationError);
        return true;
      });
      await assert.rejects(client.invokeOneway(responder.address, request(3), 5000), RpcHookError);
      const s = sinkPromise();
      client.invokeJsonTo(responder.address, 4, 7, 401, "{}", undefined, 5000, undefined, s.sink);
      await assert.rejects(s.done, RpcHookError);
    }
    mode = 0;
    await client.invoke(responder.address, request(5), 5000);
    assert.deepEqual(responder.requests.map((r) => r.code), [1, 5]);
  });
});

Deno.test("one-way requests run only beforeRequest, with the one-way bit; timeouts skip afterResponse", () => {
  const calls: string[] = [];
  return withHookedClient({
    beforeRequest: (_a, r) => void calls.push(`before ${r.code} ${r.oneway}`),
    afterResponse: (_a, r) => void calls.push(`after ${r.code}`),
  }, async (client, responder) => {
    await client.invokeOneway(responder.address, request(7), 5000);
    await responder.until(() => responder.requests.length === 1);
    await assert.rejects(client.invoke(responder.address, request(SILENT), 30), TimeoutError);
    assert.deepEqual(calls, ["before 7 true", `before ${SILENT} false`]);
  });
});
