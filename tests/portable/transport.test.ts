import { test } from "node:test";
import assert from "node:assert/strict";
import * as net from "node:net";
import { detectTransport } from "../../src/transport/detect.ts";
import { nodeTransport } from "../../src/transport/node.ts";
import { ConnectionError } from "../../src/errors.ts";
import type { RawSocket, Transport } from "../../src/transport/types.ts";
import { RemotingClient } from "../../src/remoting/client.ts";
import { Connection } from "../../src/transport/connection.ts";
import type { RemotingCommand } from "../../src/remoting/command.ts";
import { encodeFrame } from "../../src/remoting/frame.ts";
import { FrameDecoder } from "../../src/remoting/frame-decoder.ts";

/** A loopback echo server; `pauseFirst` delays reading until `resume()` so writers see back-pressure. */
interface EchoServer {
  port: number;
  received: () => number;
  resume: () => void;
  close: () => Promise<void>;
}

function startEchoServer(pauseFirst = false): Promise<EchoServer> {
  const sockets = new Set<net.Socket>();
  let received = 0;
  let paused = pauseFirst;
  const server = net.createServer((socket) => {
    sockets.add(socket);
    if (paused) socket.pause();
    socket.on("data", (chunk: Uint8Array) => {
      received += chunk.length;
      socket.write(chunk);
    });
    socket.on("error", () => {});
    socket.on("close", () => sockets.delete(socket));
  });
  return new Promise((resolve) => {
    server.listen(0, "127.0.0.1", () => {
      const port = (server.address() as net.AddressInfo).port;
      resolve({
        port,
        received: () => received,
        resume: () => {
          paused = false;
          for (const s of sockets) s.resume();
        },
        close: () =>
          new Promise<void>((done) => {
            for (const s of sockets) s.destroy();
            server.close(() => done());
          }),
      });
    });
  });
}

interface Opened {
  socket: RawSocket;
  /** Copies of the received chunks. */
  chunks: Uint8Array[];
  /** The received chunks themselves, kept by reference (adapters never reuse them). */
  held: Uint8Array[];
  bytes: () => number;
  /** Resolves with the close error once onClose ran; counts calls. */
  closed: Promise<Error | undefined>;
  closeCalls: () => number;
  waitForBytes: (n: number) => Promise<void>;
}

async function open(transport: Transport, port: number): Promise<Opened> {
  const chunks: Uint8Array[] = [];
  const held: Uint8Array[] = [];
  let bytes = 0;
  let calls = 0;
  let waiter: { n: number; done: () => void } | undefined;
  let resolveClosed!: (e: Error | undefined) => void;
  const closed = new Promise<Error | undefined>((r) => (resolveClosed = r));
  const socket = await transport.connect({ hostname: "127.0.0.1", port, timeoutMs: 3000 }, {
    onData(chunk) {
      chunks.push(chunk.slice());
      held.push(chunk);
      bytes += chunk.length;
      if (waiter && bytes >= waiter.n) {
        const w = waiter;
        waiter = undefined;
        w.done();
      }
    },
    onClose(error) {
      calls++;
      resolveClosed(error);
    },
  });
  return {
    socket,
    chunks,
    held,
    bytes: () => bytes,
    closed,
    closeCalls: () => calls,
    waitForBytes: (n) =>
      bytes >= n ? Promise.resolve() : new Promise<void>((done) => (waiter = { n, done })),
  };
}

/**
 * A loopback remoting peer answering every request with code 0, its opaque and its body; with
 * `pauseMs`, it stops reading a connection for that long after its first bytes (the client sees
 * back-pressure).
 */
function startRemotingEcho(
  pauseMs = 0,
): Promise<{ address: string; close: () => Promise<void> }> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    if (pauseMs > 0) {
      // Stop reading at the second chunk (after the connecting request was answered), so what the
      // client writes next piles up in the kernel buffers however fast or loaded the machine is.
      let chunks = 0;
      socket.on("data", () => {
        if (++chunks !== 2) return;
        socket.pause();
        setTimeout(() => socket.resume(), pauseMs);
      });
    }
    const decoder = new FrameDecoder((cmd: RemotingCommand) => {
      socket.write(encodeFrame({ ...cmd, code: 0, flag: 1, remark: undefined }));
    });
    socket.on("data", (chunk: Uint8Array) => decoder.push(chunk));
    socket.on("error", () => {});
    socket.on("close", () => sockets.delete(socket));
  });
  return new Promise((resolve) => {
    server.listen(0, "127.0.0.1", () => {
      resolve({
        address: `127.0.0.1:${(server.address() as net.AddressInfo).port}`,
        close: () =>
          new Promise<void>((done) => {
            for (const s of sockets) s.destroy();
            server.close(() => done());
          }),
      });
    });
  });
}

function concat(chunks: Uint8Array[]): Uint8Array {
  let n = 0;
  for (const c of chunks) n += c.length;
  const out = new Uint8Array(n);
  let o = 0;
  for (const c of chunks) {
    out.set(c, o);
    o += c.length;
  }
  return out;
}

const detected = await detectTransport();
const expectedName = "Deno" in globalThis ? "deno" : "Bun" in globalThis ? "bun" : "node";
const transports: Transport[] = detected === nodeTransport ? [nodeTransport] : [
  detected,
  nodeTransport,
];

test("detectTransport picks the adapter of the running runtime", () => {
  assert.equal(detected.name, expectedName);
});

for (const transport of transports) {
  test(`${transport.name}: round trip, then close() reports onClose exactly once`, async () => {
    const server = await startEchoServer();
    try {
      const c = await open(transport, server.port);
      const hello = new TextEncoder().encode("hello, broker");
      const pending = c.socket.write(hello);
      if (pending) await pending;
      await c.waitForBytes(hello.length);
      assert.deepEqual(concat(c.chunks), hello);
      c.socket.close();
      c.socket.close();
      assert.equal(await c.closed, undefined);
      assert.equal(c.closeCalls(), 1);
      assert.equal(c.socket.write(hello), undefined, "write after close is a no-op");
    } finally {
      await server.close();
    }
  });

  test(`${transport.name}: a 4 MiB write under back-pressure arrives intact`, async () => {
    const server = await startEchoServer(true);
    try {
      const c = await open(transport, server.port);
      const big = new Uint8Array(4 * 1024 * 1024);
      for (let i = 0; i < big.length; i++) big[i] = (i * 31 + (i >>> 12)) & 0xff;
      const pending = c.socket.write(big);
      if (transport.name === "node") assert.ok(pending, "node reports back-pressure");
      // The server starts reading only once the write is underway, so the kernel buffers fill.
      setTimeout(server.resume, 20);
      if (pending) await pending;
      await c.waitForBytes(big.length);
      assert.equal(server.received(), big.length);
      assert.deepEqual(concat(c.chunks), big);
      // Chunks kept by reference were not overwritten by later reads (the decoder relies on it).
      assert.ok(c.held.length > 1, "several reads");
      assert.deepEqual(concat(c.held), big);
      c.socket.close();
      await c.closed;
      assert.equal(c.closeCalls(), 1);
    } finally {
      await server.close();
    }
  });

  test(`${transport.name}: RemotingClient round trips, pipelined, over this adapter`, async () => {
    const server = await startRemotingEcho();
    const client = new RemotingClient({ transport });
    try {
      const calls: Promise<RemotingCommand>[] = [];
      for (let i = 0; i < 500; i++) {
        const body = new TextEncoder().encode(`message ${i}`);
        calls.push(client.invoke(server.address, {
          code: 310,
          language: 7,
          version: 401,
          opaque: 0,
          flag: 0,
          extFields: { topic: "T" },
          body,
          serializeType: i % 2 === 0 ? 0 : 1,
        }, 10_000));
      }
      const responses = await Promise.all(calls);
      responses.forEach((r, i) => {
        assert.equal(r.code, 0);
        assert.equal(r.serializeType, i % 2 === 0 ? 0 : 1);
        assert.equal(new TextDecoder().decode(r.body), `message ${i}`);
      });
      assert.equal(client.pendingRequests, 0);
    } finally {
      await client.close();
      await server.close();
    }
  });

  test(`${transport.name}: frames written in place in a recycled slab arrive intact under back-pressure`, async () => {
    // invokeJsonTo writes each frame into the channel's slab, which is reused as soon as the
    // connection reports everything written and released: a runtime still holding an earlier
    // write would see it overwritten, and the peer would get wrong bodies or broken frames.
    const server = await startRemotingEcho(1000);
    let heldWrites = 0;
    const counting: Transport = {
      name: transport.name,
      async connect(options, handlers): Promise<RawSocket> {
        const socket = await transport.connect(options, handlers);
        return {
          releasesWrites: socket.releasesWrites,
          write(data: Uint8Array): Promise<void> | undefined {
            const pending = socket.write(data);
            if (pending) heldWrites++;
            return pending;
          },
          close: () => socket.close(),
        };
      },
    };
    const client = new RemotingClient({ transport: counting });
    try {
      const ext = new TextEncoder().encode('{"topic":"T"}');
      const writer = {
        byteLength: ext.length,
        write: (buf: Uint8Array, at: number) => buf.set(ext, at),
      };
      const bodies: Uint8Array[] = [];
      const answers: Promise<RemotingCommand>[] = [];
      const sendRound = (round: number, count: number): void => {
        for (let i = 0; i < count; i++) {
          const n = bodies.length;
          const body = new Uint8Array(1000 + ((n * 7919) % 15_000));
          for (let j = 0; j < body.length; j++) body[j] = (n * 131 + j * 7 + round) & 0xff;
          bodies.push(body);
          answers.push(
            new Promise((resolve, reject) =>
              client.invokeJsonTo(server.address, 310, 7, 401, writer, body, 20_000, undefined, {
                onResponse: resolve,
                onError: reject,
              })
            ),
          );
        }
      };
      // One request to connect, then rounds that fill the kernel buffers while the peer waits.
      sendRound(0, 1);
      await answers[0];
      for (let round = 1; round <= 30; round++) {
        sendRound(round, 100);
        await new Promise((r) => setTimeout(r, 1));
      }
      const responses = await Promise.all(answers);
      responses.forEach((r, i) => {
        assert.equal(r.code, 0);
        assert.deepEqual(r.body, bodies[i], `body ${i}`);
      });
      assert.ok(heldWrites > 0, "the runtime held some writes (back-pressure happened)");
    } finally {
      await client.close();
      await server.close();
    }
  });

  test(`${transport.name}: frames of separate macrotasks share writes while the peer owes answers`, async () => {
    // The server reads nothing until resume(): nothing is answered, so every frame after the
    // first is queued while an answer is owed, like a relay's HTTP requests in flight.
    const server = await startEchoServer(true);
    let writes = 0;
    const counting: Transport = {
      name: `counting ${transport.name}`,
      async connect(options, handlers) {
        const socket = await transport.connect(options, handlers);
        return {
          releasesWrites: socket.releasesWrites,
          write(data: Uint8Array) {
            writes++;
            return socket.write(data);
          },
          close: () => socket.close(),
        };
      },
    };
    const echoed: Uint8Array[] = [];
    let echoedBytes = 0;
    const conn = await Connection.open(counting, {
      hostname: "127.0.0.1",
      port: server.port,
      timeoutMs: 5000,
    }, {
      onData(chunk) {
        echoed.push(chunk.slice());
        echoedBytes += chunk.length;
      },
    });
    try {
      const frames = 40;
      const frameOf = (i: number): Uint8Array => new Uint8Array(64).fill(i + 1);
      conn.send(frameOf(0));
      await conn.flush();
      await Promise.all(
        Array.from(
          { length: frames - 1 },
          (_, i) =>
            new Promise<void>((resolve) =>
              setTimeout(() => {
                conn.send(frameOf(i + 1));
                resolve();
              }, 0)
            ),
        ),
      );
      await conn.flush(); // settles once every frame was handed to the socket: no frame is held
      assert.ok(writes < frames, `${writes} writes for ${frames} frames`);
      server.resume();
      const deadline = Date.now() + 5000;
      while (echoedBytes < frames * 64 && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 5));
      }
      assert.deepEqual(
        concat(echoed),
        concat(Array.from({ length: frames }, (_, i) => frameOf(i))),
        "every frame arrived, in order",
      );
    } finally {
      conn.close();
      await conn.closed;
      await server.close();
    }
  });

  test(`${transport.name}: peer close reports onClose exactly once`, async () => {
    const server = await startEchoServer();
    const c = await open(transport, server.port);
    await server.close();
    await c.closed;
    c.socket.close();
    assert.equal(c.closeCalls(), 1);
  });

  test(`${transport.name}: refused connection rejects with a ConnectionError naming the address`, async () => {
    const server = await startEchoServer();
    const port = server.port;
    await server.close();
    await assert.rejects(
      transport.connect({ hostname: "127.0.0.1", port, timeoutMs: 3000 }, {
        onData() {},
        onClose() {},
      }),
      (err: unknown) => {
        assert.ok(err instanceof ConnectionError);
        assert.equal(err.address, `127.0.0.1:${port}`);
        assert.match(err.message, new RegExp(`127\\.0\\.0\\.1:${port}`));
        return true;
      },
    );
  });

  test(`${transport.name}: tls is rejected until it is implemented`, async () => {
    await assert.rejects(
      transport.connect({ hostname: "127.0.0.1", port: 1, timeoutMs: 3000, tls: true }, {
        onData() {},
        onClose() {},
      }),
      (err: unknown) => err instanceof ConnectionError && /TLS is not supported/.test(err.message),
    );
  });
}

test("node: an onData that throws closes the socket with its error; held chunks keep their bytes", async () => {
  const server = await startEchoServer();
  try {
    const held: Uint8Array[] = [];
    let resolveClosed!: (e: Error | undefined) => void;
    const closed = new Promise<Error | undefined>((r) => (resolveClosed = r));
    const boom = new Error("handler threw");
    const socket = await nodeTransport.connect(
      { hostname: "127.0.0.1", port: server.port, timeoutMs: 3000 },
      {
        onData(chunk) {
          held.push(chunk);
          throw boom;
        },
        onClose: resolveClosed,
      },
    );
    const pending = socket.write(new TextEncoder().encode("AAAA"));
    if (pending) await pending;
    assert.equal(await closed, boom);
    // Nothing more is read into the chunk handed out before the throw.
    socket.write(new TextEncoder().encode("BBBB"));
    await new Promise((r) => setTimeout(r, 20));
    assert.equal(new TextDecoder().decode(held[0]), "AAAA");
  } finally {
    await server.close();
  }
});
