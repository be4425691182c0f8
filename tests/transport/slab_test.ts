import assert from "node:assert/strict";
import { Connection, FrameSlab } from "../../src/transport/connection.ts";
import { ReadSlab } from "../../src/transport/_read_slab.ts";
import type { RawSocket } from "../../src/transport/types.ts";

/** A RawSocket that records writes (accepted at once). */
class FakeSocket implements RawSocket {
  writes: Uint8Array[] = [];
  write(data: Uint8Array): undefined {
    this.writes.push(data);
  }
  close(): void {}
}

function fill(slab: FrameSlab, n: number, len = 16): Uint8Array {
  const f = slab.alloc(len);
  f.fill(n);
  return f;
}

Deno.test("FrameSlab hands out adjacent, distinct zero-filled buffers; big ones get their own", () => {
  const slab = new FrameSlab();
  const a = slab.alloc(10);
  const b = slab.alloc(20);
  assert.equal(a.buffer, b.buffer);
  assert.equal(b.byteOffset, a.byteOffset + 10);
  assert.deepEqual([...b], new Array(20).fill(0));
  a.fill(1);
  assert.equal(b[0], 0);
  const big = slab.alloc(1024 * 1024);
  assert.equal(big.byteOffset, 0);
  assert.equal(big.byteLength, 1024 * 1024);
  assert.notEqual(big.buffer, a.buffer);
  // Exhausting a slab starts another one.
  let last = b;
  for (let i = 0; i < 100; i++) last = slab.alloc(60 * 1024);
  assert.notEqual(last.buffer, a.buffer);
});

Deno.test("adjacent slab frames of one tick are written as one view, without copying", async () => {
  const socket = new FakeSocket();
  const conn = new Connection(socket);
  const slab = new FrameSlab();
  const frames = [1, 2, 3, 4].map((n) => fill(slab, n));
  for (const f of frames) conn.send(f);
  assert.equal(conn.bufferedBytes, 64);
  await conn.flush();
  assert.equal(socket.writes.length, 1);
  assert.equal(socket.writes[0].buffer, frames[0].buffer, "a view of the slab, not a copy");
  assert.deepEqual([...socket.writes[0]], frames.flatMap((f) => [...f]));
});

Deno.test("non-adjacent frames mixed with slab runs keep their order", async () => {
  const socket = new FakeSocket();
  const conn = new Connection(socket);
  const slab = new FrameSlab();
  const a = fill(slab, 1);
  const b = fill(slab, 2);
  const foreign = new Uint8Array(8).fill(9);
  const skipped = fill(slab, 7); // allocated but never sent: leaves a gap
  const c = fill(slab, 3);
  const d = fill(slab, 4);
  for (const f of [a, b, foreign, c, d]) conn.send(f);
  await conn.flush();
  assert.equal(socket.writes.length, 1);
  assert.deepEqual(
    [...socket.writes[0]],
    [a, b, foreign, c, d].flatMap((f) => [...f]),
  );
  assert.ok(!socket.writes[0].includes(skipped[0]));
  // A lone slab frame is written as is.
  const e = fill(slab, 5);
  conn.send(e);
  await conn.flush();
  assert.equal(socket.writes[1], e);
});

Deno.test("sendRange: frames written in place run together with send()'s, one view per write", async () => {
  const socket = new FakeSocket();
  const conn = new Connection(socket);
  const slab = new FrameSlab();
  const range = (n: number, len: number): [Uint8Array, number, number] => {
    slab.reserve(len);
    slab.buffer.fill(n, slab.at, slab.at + len);
    return [slab.buffer, slab.at, slab.at + len];
  };
  const a = range(1, 10);
  const b = fill(slab, 2, 6); // adjacent to a, sent as a view
  const c = range(3, 12);
  slab.reserve(4); // a gap: reserved, never sent
  const d = range(4, 5);
  const foreign = new Uint8Array(3).fill(9);
  conn.sendRange(...a);
  conn.send(b);
  conn.sendRange(...c);
  conn.sendRange(...d);
  conn.send(foreign);
  assert.equal(conn.bufferedBytes, 36);
  await conn.flush();
  assert.equal(socket.writes.length, 1);
  const expected = [1, 2, 3, 4, 9].flatMap((n, i) => new Array([10, 6, 12, 5, 3][i]).fill(n));
  assert.deepEqual([...socket.writes[0]], expected);
  // A lone range is written as one view of the slab, not a copy.
  const e = range(5, 7);
  conn.sendRange(...e);
  await conn.flush();
  assert.equal(socket.writes[1].buffer, slab.buffer.buffer);
  assert.equal(socket.writes[1].byteOffset, e[1]);
  assert.deepEqual([...socket.writes[1]], new Array(7).fill(5));
  // A big frame gets a buffer of its own, at offset 0.
  slab.reserve(1024 * 1024);
  assert.equal(slab.at, 0);
  assert.equal(slab.buffer.length, 1024 * 1024);
});

Deno.test("FrameSlab.recycle reuses reserved space from the start, zeroed; never space given as a view", () => {
  const slab = new FrameSlab();
  slab.reserve(100);
  const first = slab.buffer;
  first.fill(7, slab.at, slab.at + 100);
  slab.reserve(50);
  assert.equal(slab.at, 100);
  slab.recycle();
  slab.reserve(10);
  assert.equal(slab.buffer, first, "the same slab");
  assert.equal(slab.at, 0, "from its start");
  assert.deepEqual([...first.subarray(0, 150)], new Array(150).fill(0), "zeroed again");
  // A view handed out by alloc pins the slab: its holder may still read it.
  const view = slab.alloc(20);
  view.fill(9);
  slab.recycle();
  slab.reserve(10);
  assert.equal(slab.at, 30, "not recycled");
  assert.deepEqual([...view], new Array(20).fill(9));
  // Until a fresh slab is taken.
  for (let i = 0; i < 5; i++) slab.reserve(60 * 1024);
  assert.notEqual(slab.buffer, first);
  const at = slab.at;
  slab.recycle();
  slab.reserve(10);
  assert.equal(slab.at, 0, `recycled (was at ${at})`);
});

Deno.test("Connection.onIdle: after everything queued was written and released, never while held", async () => {
  let pendingWrite: (() => void) | undefined;
  const writes: number[] = [];
  const socket = {
    releasesWrites: true,
    blockNext: false,
    write(data: Uint8Array): Promise<void> | undefined {
      writes.push(data.length);
      if (!this.blockNext) return undefined;
      this.blockNext = false;
      return new Promise<void>((resolve) => (pendingWrite = resolve));
    },
    close(): void {},
  };
  const conn = new Connection(socket);
  let idle = 0;
  conn.onIdle = () => idle++;
  const slab = new FrameSlab();
  const frame = (n: number): void => {
    slab.reserve(n);
    conn.sendRange(slab.buffer, slab.at, slab.at + n);
  };
  frame(10);
  frame(20);
  assert.equal(idle, 0, "nothing written yet");
  await conn.flush();
  assert.deepEqual(writes, [30]);
  assert.equal(idle, 1, "idle once the write was taken");
  // A write the runtime still holds: not idle until it settles.
  socket.blockNext = true;
  frame(5);
  await Promise.resolve();
  await Promise.resolve();
  assert.deepEqual(writes, [30, 5]);
  frame(7); // queued behind the held write
  await new Promise((r) => setTimeout(r, 0));
  assert.equal(idle, 1, "held write: not idle");
  pendingWrite!();
  await conn.flush();
  assert.deepEqual(writes, [30, 5, 7]);
  assert.equal(idle, 2);
  // A socket that does not release writes never reports idle; nor does a closed connection.
  const plain = new Connection({ write: () => undefined, close() {} });
  let plainIdle = 0;
  plain.onIdle = () => plainIdle++;
  plain.send(new Uint8Array(4));
  await plain.flush();
  assert.equal(plainIdle, 0);
  conn.close();
  frame(3);
  await new Promise((r) => setTimeout(r, 0));
  assert.equal(idle, 2);
});

Deno.test("ReadSlab: rooms of 64 KiB, taken bytes never offered again", () => {
  const slab = new ReadSlab();
  const taken: Uint8Array[] = [];
  for (let i = 0; i < 40; i++) {
    const room = slab.next();
    assert.equal(room.length, 64 * 1024, `room ${i}`);
    // Whatever a read puts in the room, earlier chunks keep their bytes.
    room.fill(0xee);
    const length = 1 + ((i * 7919) % 20_000);
    room.fill(i, 0, length);
    taken.push(slab.take(room, length));
  }
  taken.forEach((chunk, i) => {
    assert.equal(chunk.length, 1 + ((i * 7919) % 20_000));
    assert.ok(chunk.every((b) => b === i), `chunk ${i} intact`);
  });
  assert.ok(new Set(taken.map((c) => c.buffer)).size > 1, "moved on to a new slab");
});
