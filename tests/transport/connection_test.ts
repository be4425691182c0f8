import assert from "node:assert/strict";
import { Connection } from "../../src/transport/connection.ts";
import type { RawSocket, SocketHandlers, Transport } from "../../src/transport/types.ts";

/** A RawSocket that records writes; `blockNext` makes the next write wait until `release()`. */
class FakeSocket implements RawSocket {
  writes: Uint8Array[] = [];
  closeCalls = 0;
  handlers: SocketHandlers | undefined;
  blockNext = false;
  #release: (() => void) | undefined;

  write(data: Uint8Array): Promise<void> | undefined {
    this.writes.push(data);
    if (!this.blockNext) return undefined;
    this.blockNext = false;
    return new Promise<void>((resolve) => (this.#release = resolve));
  }

  release(): void {
    const r = this.#release;
    this.#release = undefined;
    r?.();
  }

  close(): void {
    this.closeCalls++;
    // Like the adapters: onClose follows asynchronously.
    queueMicrotask(() => this.handlers?.onClose(undefined));
  }
}

const tick = (): Promise<void> => new Promise((r) => setTimeout(r, 0));

function frame(n: number, len = 8): Uint8Array {
  return new Uint8Array(len).fill(n);
}

function concat(parts: Uint8Array[]): number[] {
  return parts.flatMap((p) => Array.from(p));
}

Deno.test("frames sent in one tick leave in a single write, in order", async () => {
  const socket = new FakeSocket();
  const conn = new Connection(socket);
  for (let i = 0; i < 100; i++) conn.send(frame(i));
  assert.equal(socket.writes.length, 0, "nothing written synchronously");
  assert.equal(conn.bufferedBytes, 800);
  await tick();
  assert.equal(socket.writes.length, 1);
  assert.equal(socket.writes[0].length, 800);
  assert.deepEqual(socket.writes[0].subarray(0, 8), frame(0));
  assert.deepEqual(socket.writes[0].subarray(792), frame(99));
  assert.equal(conn.bufferedBytes, 0);
  conn.send(frame(7));
  await tick();
  assert.equal(socket.writes.length, 2);
  assert.equal(socket.writes[1].length, 8);
});

Deno.test("a lone frame is written as is, without copying", async () => {
  const socket = new FakeSocket();
  const conn = new Connection(socket);
  const f = frame(1, 64);
  conn.send(f);
  await tick();
  assert.equal(socket.writes[0], f);
});

Deno.test("while a write is pending, later frames queue and go out together", async () => {
  const socket = new FakeSocket();
  const conn = new Connection(socket);
  socket.blockNext = true;
  conn.send(frame(1));
  await tick();
  assert.equal(socket.writes.length, 1);
  conn.send(frame(2));
  await tick();
  conn.send(frame(3));
  conn.send(frame(4));
  await tick();
  assert.equal(socket.writes.length, 1, "no second write before the first settled");
  const flushed = conn.flush();
  socket.release();
  await flushed;
  assert.equal(socket.writes.length, 2);
  assert.deepEqual(concat(socket.writes), concat([1, 2, 3, 4].map((n) => frame(n))));
});

Deno.test("batches are capped at 1 MiB; a bigger frame is written on its own", async () => {
  const socket = new FakeSocket();
  const conn = new Connection(socket);
  const big = frame(9, 2 * 1024 * 1024);
  // Hold the socket with a first write, so everything below queues up behind it.
  socket.blockNext = true;
  conn.send(frame(8));
  await tick();
  for (let i = 0; i < 3; i++) conn.send(frame(i, 400 * 1024));
  conn.send(big);
  conn.send(frame(5));
  const flushed = conn.flush();
  socket.release();
  await flushed;
  assert.deepEqual(socket.writes.map((w) => w.length), [
    8,
    800 * 1024,
    400 * 1024,
    big.length,
    8,
  ]);
  assert.equal(socket.writes[3], big);
});

Deno.test("12 KiB queued in one tick are written at once; the rest at the end of the tick", async () => {
  const socket = new FakeSocket();
  const conn = new Connection(socket);
  for (let i = 0; i < 15; i++) conn.send(frame(i, 1000));
  assert.deepEqual(socket.writes.map((w) => w.length), [13 * 1000], "written when 12 KiB queued");
  assert.equal(conn.bufferedBytes, 2000);
  await tick();
  assert.deepEqual(socket.writes.map((w) => w.length), [13 * 1000, 2000]);
  assert.deepEqual(concat(socket.writes), concat([...Array(15).keys()].map((n) => frame(n, 1000))));
});

Deno.test("close(error) notifies once, drops frames, rejects flush waiters, settles closed", async () => {
  const socket = new FakeSocket();
  const reasons: (Error | undefined)[] = [];
  const conn = new Connection(socket, (e) => reasons.push(e));
  socket.handlers = { onData() {}, onClose: (e) => conn.socketClosed(e) };
  socket.blockNext = true;
  conn.send(frame(1));
  await tick();
  conn.send(frame(2));
  const waiting = conn.flush();
  const boom = new Error("boom");
  conn.close(boom);
  conn.close();
  assert.equal(conn.isClosed, true);
  assert.deepEqual(reasons, [boom]);
  await assert.rejects(waiting, (e) => e === boom);
  assert.equal(await conn.closed, boom);
  assert.equal(socket.closeCalls, 1);
  conn.send(frame(3));
  socket.release();
  await tick();
  assert.equal(socket.writes.length, 1, "frames after close are dropped");
  await assert.rejects(conn.flush());
});

Deno.test("a socket closing by itself reports its error", async () => {
  const socket = new FakeSocket();
  const conn = new Connection(socket);
  const err = new Error("reset");
  conn.socketClosed(err);
  conn.socketClosed();
  assert.equal(await conn.closed, err);
  assert.equal(conn.isClosed, true);
});

Deno.test("Connection.open wires the transport and handles a close before it returned", async () => {
  const socket = new FakeSocket();
  const received: Uint8Array[] = [];
  let closes = 0;
  const transport: Transport = {
    name: "fake",
    connect(_options, handlers) {
      socket.handlers = handlers;
      handlers.onData(frame(1));
      handlers.onClose(undefined);
      return Promise.resolve(socket);
    },
  };
  const conn = await Connection.open(transport, { hostname: "127.0.0.1", port: 1, timeoutMs: 1 }, {
    onData: (c) => received.push(c),
    onClose: () => closes++,
  });
  assert.equal(received.length, 1);
  assert.equal(conn.isClosed, true);
  assert.equal(await conn.closed, undefined);
  assert.equal(closes, 1);
});

Deno.test("a socket write that throws closes the connection with that error", async () => {
  const socket = new FakeSocket();
  socket.write = () => {
    throw new Error("write exploded");
  };
  const c = new Connection(socket, () => {});
  c.send(frame(1));
  await tick();
  assert.equal(c.isClosed, true);
  assert.equal(socket.closeCalls, 1);
  c.socketClosed(undefined);
  assert.equal((await c.closed)?.message, "write exploded");
});

/** A connection made by `Connection.open` over `socket`, and the handlers that feed it reads. */
async function openOver(socket: FakeSocket): Promise<Connection> {
  const transport: Transport = {
    name: "fake",
    connect(_options, handlers) {
      socket.handlers = handlers;
      return Promise.resolve(socket);
    },
  };
  return await Connection.open(transport, { hostname: "127.0.0.1", port: 1, timeoutMs: 1 }, {
    onData: () => {},
  });
}

/** Wait (at most `boundMs`, a generous bound against hangs) until `socket` saw `count` writes. */
async function writesReach(socket: FakeSocket, count: number, boundMs = 5000): Promise<void> {
  const deadline = Date.now() + boundMs;
  while (socket.writes.length < count && Date.now() < deadline) await tick();
}

Deno.test("while an answer is owed, frames of later ticks wait for a macrotask and leave together", async () => {
  const socket = new FakeSocket();
  const conn = await openOver(socket);
  // Idle (nothing written yet): written at the end of this tick, as before.
  conn.send(frame(0));
  await Promise.resolve();
  assert.equal(socket.writes.length, 1, "an idle connection writes at the end of the tick");
  // The peer owes an answer: frames queued in separate ticks are held for the next macrotask...
  conn.send(frame(1));
  await Promise.resolve();
  await Promise.resolve();
  conn.send(frame(2));
  await Promise.resolve();
  assert.equal(socket.writes.length, 1, "held while an answer is owed");
  // ...and leave in one write, without waiting for the answer (no frame is held past a bound).
  await writesReach(socket, 2);
  assert.equal(socket.writes.length, 2);
  assert.deepEqual(concat([socket.writes[1]]), concat([frame(1), frame(2)]));
  // Bytes arrived: nothing is owed as far as the connection knows, the next frame goes at once.
  socket.handlers!.onData(frame(9));
  conn.send(frame(3));
  await Promise.resolve();
  assert.equal(socket.writes.length, 3, "written at the end of the tick after an answer");
  assert.deepEqual(concat([socket.writes[2]]), concat([frame(3)]));
  conn.close();
  await conn.closed;
});

Deno.test("frames queued from separate macrotasks while an answer is owed need fewer writes", async () => {
  const socket = new FakeSocket();
  const conn = await openOver(socket);
  conn.send(frame(0));
  await writesReach(socket, 1);
  // Like HTTP requests of a relay: each send runs in a macrotask of its own.
  const sends = 20;
  await Promise.all(
    Array.from({ length: sends }, (_, i) =>
      new Promise<void>((resolve) =>
        setTimeout(() => {
          conn.send(frame(i + 1));
          resolve();
        }, 0)
      )),
  );
  let bytes = 0;
  const deadline = Date.now() + 5000;
  while (bytes < (sends + 1) * 8 && Date.now() < deadline) {
    await tick();
    bytes = socket.writes.reduce((n, w) => n + w.length, 0);
  }
  assert.equal(bytes, (sends + 1) * 8, "every frame was written");
  assert.ok(socket.writes.length - 1 < sends, `${socket.writes.length - 1} writes for ${sends}`);
  assert.deepEqual(
    concat(socket.writes),
    concat(Array.from({ length: sends + 1 }, (_, i) => frame(i))),
    "in order",
  );
  conn.close();
  await conn.closed;
});
