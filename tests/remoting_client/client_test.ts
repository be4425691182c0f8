import assert from "node:assert/strict";
import { RemotingClient } from "../../src/remoting/client.ts";
import { setOpaqueCounterForTesting } from "../../src/remoting/_pending.ts";
import { PendingRequest, type ScannedResponse } from "../../src/remoting/pending-request.ts";
import { FrameFlag, SerializeType } from "../../src/remoting/codes.ts";
import type { RemotingCommand } from "../../src/remoting/command.ts";
import {
  AbortedError,
  ConnectionError,
  ProtocolError,
  StateError,
  TimeoutError,
  ValidationError,
} from "../../src/errors.ts";
import { nodeTransport } from "../../src/transport/node.ts";
import { denoTransport } from "../../src/transport/deno.ts";
import type { RawSocket, SocketHandlers, Transport } from "../../src/transport/types.ts";
import { type Behaviour, echo, request, type Responder, startResponder } from "./_responder.ts";

/** Code the responder never answers. */
const SILENT = 999;
const text = new TextEncoder();

const silentThenEcho: Behaviour = (req, peer) => req.code === SILENT ? undefined : echo(req, peer);

async function withClient(
  fn: (client: RemotingClient, responder: Responder) => Promise<void>,
  behaviour = silentThenEcho,
  transport: Transport = denoTransport,
): Promise<void> {
  const responder = await startResponder(behaviour);
  const client = new RemotingClient({ transport });
  try {
    await fn(client, responder);
  } finally {
    await client.close();
    await responder.close();
  }
}

for (const transport of [denoTransport, nodeTransport]) {
  for (const serializeType of [SerializeType.JSON, SerializeType.ROCKETMQ]) {
    Deno.test(`round trip over ${transport.name}, serializeType ${serializeType}`, () =>
      withClient(
        async (client, responder) => {
          const req = request(310, {
            serializeType,
            extFields: { topic: "T", queueId: "3" },
            body: text.encode("hello"),
          });
          const res = await client.invoke(responder.address, req, 5000);
          assert.equal(res.code, 0);
          assert.equal(res.opaque, req.opaque);
          assert.equal(res.flag & FrameFlag.RESPONSE, FrameFlag.RESPONSE);
          assert.equal(res.serializeType, serializeType);
          assert.deepEqual(res.extFields, { topic: "T", queueId: "3" });
          assert.deepEqual(res.body, text.encode("hello"));
          assert.equal(responder.requests[0].flag, 0);
          assert.equal(client.pendingRequests, 0);
        },
        silentThenEcho,
        transport,
      ));
  }
}

Deno.test("concurrent invokes share one connect and pipeline on one connection", () =>
  withClient(async (client, responder) => {
    const n = 2000;
    const calls: Promise<RemotingCommand>[] = [];
    for (let i = 0; i < n; i++) {
      calls.push(
        client.invoke(responder.address, request(10, { body: text.encode(`m${i}`) }), 10000),
      );
    }
    assert.equal(client.pendingRequests, n);
    const results = await Promise.all(calls);
    results.forEach((r, i) => assert.deepEqual(r.body, text.encode(`m${i}`)));
    assert.equal(responder.accepted(), 1);
    assert.equal(new Set(responder.requests.map((r) => r.opaque)).size, n, "opaques are unique");
  }));

Deno.test("a timed-out request is removed; its late response is dropped", () =>
  withClient(async (client, responder) => {
    await assert.rejects(
      client.invoke(responder.address, request(SILENT), 30),
      (e) => e instanceof TimeoutError && e.timeoutMs === 30,
    );
    assert.equal(client.pendingRequests, 0);
    // Answer the expired request now: the client drops it and keeps working.
    const late = responder.requests[0];
    responder.peers[0].send(echo(late, responder.peers[0]) as RemotingCommand);
    const res = await client.invoke(responder.address, request(10), 5000);
    assert.equal(res.code, 0);
  }));

Deno.test("the server closing the connection fails every pending request at once", () =>
  withClient(async (client, responder) => {
    const calls = Array.from(
      { length: 50 },
      () => client.invoke(responder.address, request(SILENT), 60_000),
    );
    await responder.until(() => responder.requests.length === 50);
    responder.peers[0].socket.destroy();
    const outcomes = await Promise.allSettled(calls);
    for (const o of outcomes) {
      assert.equal(o.status, "rejected");
      assert.ok(o.reason instanceof ConnectionError, String(o.reason));
      assert.equal(o.reason.address, responder.address);
    }
    assert.equal(client.pendingRequests, 0);
    // Reconnect on next use.
    const res = await client.invoke(responder.address, request(10), 5000);
    assert.equal(res.code, 0);
    assert.equal(responder.accepted(), 2);
  }));

Deno.test("garbage from the server is a ProtocolError: connection closed, pending fail", () =>
  withClient(async (client, responder) => {
    const call = client.invoke(responder.address, request(SILENT), 60_000);
    await responder.until(() => responder.requests.length === 1);
    // totalLength 8, serialize type 5 (unknown).
    responder.peers[0].socket.write(new Uint8Array([0, 0, 0, 8, 5, 0, 0, 0, 0, 0, 0, 0]));
    await assert.rejects(
      call,
      (e) => e instanceof ConnectionError && e.cause instanceof ProtocolError,
    );
    await responder.until(() => responder.closedConnections() === 1);
    assert.equal((await client.invoke(responder.address, request(10), 5000)).code, 0);
  }));

Deno.test("closeConnection fails pending requests and the next use reconnects", () =>
  withClient(async (client, responder) => {
    const call = client.invoke(responder.address, request(SILENT), 60_000);
    await responder.until(() => responder.requests.length === 1);
    client.closeConnection(responder.address);
    await assert.rejects(call, ConnectionError);
    assert.equal((await client.invoke(responder.address, request(10), 5000)).code, 0);
    assert.equal(responder.accepted(), 2);
  }));

Deno.test("abort signal rejects with AbortedError and removes the entry", () =>
  withClient(async (client, responder) => {
    const controller = new AbortController();
    const call = client.invoke(responder.address, request(SILENT), 60_000, controller.signal);
    await responder.until(() => responder.requests.length === 1);
    controller.abort(new Error("user gave up"));
    await assert.rejects(call, (e) => e instanceof AbortedError && e.cause instanceof Error);
    assert.equal(client.pendingRequests, 0);
    await assert.rejects(
      client.invoke(responder.address, request(10), 5000, controller.signal),
      AbortedError,
    );
    assert.equal(responder.requests.length, 1, "an aborted signal sends nothing");
  }));

Deno.test("broker-initiated requests: handler, unknown code, one-way, throwing handler", () =>
  withClient(async (client, responder) => {
    client.registerProcessor(39, (req, address) => {
      assert.equal(address, responder.address);
      return request(0, { remark: `checked ${req.extFields?.tranId}` });
    });
    client.registerProcessor(40, () => Promise.resolve(undefined));
    client.registerProcessor(41, () => {
      throw new Error("handler broke");
    });
    client.registerProcessor(42, () => Promise.reject(new Error("async broke")));
    await client.invoke(responder.address, request(10), 5000);
    const peer = responder.peers[0];
    const push = (code: number, opaque: number, flag = 0, serializeType: 0 | 1 = 1): void =>
      peer.send(request(code, { opaque, flag, serializeType, extFields: { tranId: "t1" } }));
    push(39, 7001);
    push(12345, 7002, 0, 0);
    push(12345, 7003, FrameFlag.ONEWAY);
    push(40, 7004);
    push(41, 7005);
    push(42, 7006);
    push(39, 7007);
    await responder.until(() => responder.responses.some((r) => r.opaque === 7007));
    const byOpaque = new Map(responder.responses.map((r) => [r.opaque, r]));
    assert.deepEqual([...byOpaque.keys()].sort(), [7001, 7002, 7005, 7006, 7007]);
    const ok = byOpaque.get(7001)!;
    assert.equal(ok.code, 0);
    assert.equal(ok.remark, "checked t1");
    assert.equal(ok.flag & FrameFlag.RESPONSE, FrameFlag.RESPONSE);
    assert.equal(ok.serializeType, SerializeType.ROCKETMQ, "answered in the request's encoding");
    const unknown = byOpaque.get(7002)!;
    assert.equal(unknown.code, 3);
    assert.equal(unknown.remark, " request type 12345 not supported");
    assert.equal(unknown.serializeType, SerializeType.JSON);
    assert.equal(byOpaque.get(7005)!.code, 1);
    assert.equal(byOpaque.get(7005)!.remark, "handler broke");
    assert.equal(byOpaque.get(7006)!.code, 1);
    assert.equal(byOpaque.get(7006)!.remark, "async broke");
  }));

Deno.test("invokeOneway sets the one-way bit and resolves once handed to the socket", () =>
  withClient(async (client, responder) => {
    const req = request(34, { flag: FrameFlag.RESPONSE });
    await client.invokeOneway(responder.address, req, 5000);
    await responder.until(() => responder.requests.length === 1);
    assert.equal(responder.requests[0].flag, FrameFlag.ONEWAY);
    assert.equal(responder.requests[0].opaque, req.opaque);
    assert.equal(client.pendingRequests, 0);
  }));

Deno.test("opaques come from one counter that wraps at int32", () =>
  withClient(async (client, responder) => {
    setOpaqueCounterForTesting(2147483647);
    const a = await client.invoke(responder.address, request(10), 5000);
    const b = await client.invoke(responder.address, request(10), 5000);
    assert.equal(a.opaque, 2147483647);
    assert.equal(b.opaque, -2147483648);
  }));

Deno.test("connect failures, bad addresses and use after close", async () => {
  const responder = await startResponder();
  const address = responder.address;
  await responder.close();
  const client = new RemotingClient({ transport: denoTransport, connectTimeoutMs: 2000 });
  const calls = [1, 2, 3].map(() => client.invoke(address, request(10), 5000));
  for (const call of calls) {
    await assert.rejects(call, (e) => e instanceof ConnectionError && e.address === address);
  }
  await assert.rejects(client.invoke("no-port", request(10), 5000), ValidationError);
  await assert.rejects(client.invokeOneway(address, request(10), 5000), ConnectionError);
  await client.close();
  await assert.rejects(client.invoke(address, request(10), 5000), StateError);
});

Deno.test("close() fails pending requests with ConnectionError and leaves nothing open", async () => {
  const responder = await startResponder(silentThenEcho);
  const client = new RemotingClient();
  const calls = [
    client.invoke(responder.address, request(SILENT), 60_000),
    client.invoke(responder.address, request(SILENT), 30_000),
  ];
  await responder.until(() => responder.requests.length === 2);
  const outcomes = Promise.allSettled(calls);
  await client.close();
  for (const o of await outcomes) {
    assert.equal(o.status, "rejected");
    assert.ok(o.reason instanceof ConnectionError);
  }
  await responder.until(() => responder.closedConnections() === 1);
  await responder.close();
});

/** A transport whose connect waits until the test settles it. */
function gatedTransport(): {
  transport: Transport;
  attempts: () => number;
  open: () => { closes: number };
  fail: (error: Error) => void;
} {
  let attempts = 0;
  let gate: { resolve: (s: RawSocket) => void; reject: (e: Error) => void; h: SocketHandlers };
  return {
    transport: {
      name: "gated",
      connect(_options, handlers) {
        attempts++;
        return new Promise((resolve, reject) => (gate = { resolve, reject, h: handlers }));
      },
    },
    attempts: () => attempts,
    open() {
      const state = { closes: 0 };
      const handlers = gate.h;
      gate.resolve({
        write: () => undefined,
        close() {
          state.closes++;
          queueMicrotask(() => handlers.onClose());
        },
      });
      return state;
    },
    fail: (error) => gate.reject(error),
  };
}

Deno.test("a connect timeout fails the waiting requests with a ConnectionError", async () => {
  const gated = gatedTransport();
  const client = new RemotingClient({ transport: gated.transport, connectTimeoutMs: 10 });
  const calls = [1, 2].map(() => client.invoke("127.0.0.1:9", request(10), 60_000));
  while (gated.attempts() === 0) await Promise.resolve();
  gated.fail(new TimeoutError("connect to 127.0.0.1:9 timed out", 10));
  for (const call of calls) {
    await assert.rejects(call, (e) =>
      e instanceof ConnectionError && e.address === "127.0.0.1:9" &&
      e.cause instanceof TimeoutError && /timed out after 10 ms/.test(e.message));
  }
  assert.equal(gated.attempts(), 1, "concurrent requests share one connect attempt");
  await client.close();
});

Deno.test("requests time out while connecting; close() waits for the attempt and closes it", async () => {
  const gated = gatedTransport();
  const client = new RemotingClient({ transport: gated.transport });
  await assert.rejects(client.invoke("127.0.0.1:9", request(10), 20), TimeoutError);
  assert.equal(client.pendingRequests, 0);
  const pending = client.invoke("127.0.0.1:9", request(10), 60_000);
  const settled = Promise.allSettled([pending]);
  let closed = false;
  const closing = client.close().then(() => (closed = true));
  const [outcome] = await settled;
  assert.equal(outcome.status, "rejected");
  assert.ok(outcome.reason instanceof ConnectionError);
  await Promise.resolve();
  assert.equal(closed, false, "close() waits for the connect attempt");
  const socket = gated.open();
  await closing;
  assert.equal(socket.closes, 1, "a socket opened after close() is closed at once");
});

Deno.test("a request sent from an expiring request's sink keeps its own deadline", () =>
  withClient(async (client, responder) => {
    const order: string[] = [];
    let done!: () => void;
    const finished = new Promise<void>((r) => (done = r));
    // A long request keeps the sweep's "next deadline" far away.
    client.invokeJsonTo(responder.address, SILENT, 0, 0, "{}", undefined, 3000, undefined, {
      onResponse: () => order.push("long answered"),
      onError: () => {
        order.push("long expired");
        done();
      },
    });
    const retry = {
      onResponse: () => order.push("retry answered"),
      onError: () => {
        order.push("retry expired");
        done();
      },
    };
    // Its sink sends the next request synchronously, as the send loop's retry does.
    client.invokeJsonTo(responder.address, SILENT, 0, 0, "{}", undefined, 30, undefined, {
      onResponse: () => order.push("first answered"),
      onError: () => {
        order.push("first expired");
        client.invokeJsonTo(responder.address, SILENT, 0, 0, "{}", undefined, 60, undefined, retry);
      },
    });
    await finished;
    assert.deepEqual(order, ["first expired", "retry expired"], "the retry expired first");
  }));

/** A pending entry of its own, as the producer's send job is for its first attempt. */
class OwnEntry extends PendingRequest {
  readonly outcomes: string[] = [];
  onResponse(response: RemotingCommand): void {
    this.outcomes.push(`response ${response.code}`);
  }
  override onTokens(tokens: ScannedResponse, body: Uint8Array | undefined): void {
    this.outcomes.push(`tokens ${tokens.opaque === this.opaque}`);
    super.onTokens(tokens, body);
  }
  onError(error: Error): void {
    this.outcomes.push(error.constructor.name);
  }
}

Deno.test("invokeJsonTo: a sink that is a pending entry waits as itself, for one request only", () =>
  withClient(async (client, responder) => {
    const entry = new OwnEntry();
    client.invokeJsonTo(responder.address, 310, 0, 0, "{}", undefined, 3000, undefined, entry);
    assert.equal(entry.table?.address, responder.address, "registered as the entry itself");
    assert.equal(entry.requestTimeoutMs, 3000);
    await waitFor(() => entry.outcomes.length > 1);
    assert.deepEqual(entry.outcomes, ["tokens true", "response 0"], "the echo answers SUCCESS");
    // A second request with the same entry fails at once (through the entry) instead of
    // overwriting the bookkeeping of the first.
    client.invokeJsonTo(responder.address, 310, 0, 0, "{}", undefined, 3000, undefined, entry);
    assert.deepEqual(entry.outcomes.at(-1), "ValidationError");
    // A timeout reaches the entry through onError.
    const silent = new OwnEntry();
    client.invokeJsonTo(responder.address, SILENT, 0, 0, "{}", undefined, 20, undefined, silent);
    await waitFor(() => silent.outcomes.length > 0);
    assert.deepEqual(silent.outcomes, ["TimeoutError"]);
  }));

async function waitFor(done: () => boolean): Promise<void> {
  for (let i = 0; i < 500 && !done(); i++) await new Promise((r) => setTimeout(r, 5));
  assert.ok(done(), "condition reached");
}
