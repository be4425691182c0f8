// Issue 15, item 1: a send's route lookup honours its budget and its AbortSignal. Hostile name
// servers (silent, half a frame then silence, a late answer); settle times are checked against
// the budget with generous slack: a hang (the old 3 s per address per lookup) fails, a slow
// machine does not.
import assert from "node:assert/strict";
import { createServer, type Server, type Socket } from "node:net";
import {
  AbortedError,
  createLogger,
  Producer,
  type ProducerOptions,
  TimeoutError,
} from "../../mod.ts";
import { startCluster } from "../../src/testing/mod.ts";

const silent = createLogger({ level: "silent" });
/** Budget of the sends below, and the slack allowed on top of it. */
const BUDGET_MS = 300;
const SLACK_MS = 1200;

/** A loopback TCP server that reads and does `onData` (nothing: silence) with what it reads. */
async function hostileServer(
  onData: (socket: Socket) => void = () => undefined,
): Promise<{ address: string; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
    socket.on("error", () => undefined);
    socket.once("data", () => onData(socket));
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const port = (server.address() as { port: number }).port;
  return {
    address: `127.0.0.1:${port}`,
    close: () => {
      for (const s of sockets) s.destroy();
      return new Promise((r) => server.close(() => r()));
    },
  };
}

/** How a promise settles and how long it took (ms). */
async function timed(p: Promise<unknown>): Promise<{ error: unknown; ms: number }> {
  const begin = performance.now();
  const error = await p.then(() => undefined, (e) => e);
  return { error, ms: performance.now() - begin };
}

async function withProducer(
  options: Omit<ProducerOptions, "group">,
  fn: (p: Producer) => Promise<void>,
): Promise<void> {
  const producer = new Producer({ group: "route_budget", logger: silent, ...options });
  await producer.start();
  try {
    await fn(producer);
  } finally {
    await producer.shutdown();
  }
}

const message = { topic: "Orders", body: "x" };

Deno.test("two silent name servers: a send costs its budget (TimeoutError), not 3 s per address per lookup", async () => {
  const a = await hostileServer();
  const b = await hostileServer();
  try {
    await withProducer({ nameServer: [a.address, b.address] }, async (producer) => {
      const { error, ms } = await timed(producer.send(message, { timeoutMs: BUDGET_MS }));
      assert.ok(error instanceof TimeoutError, String(error));
      assert.match(error.message, /route of Orders/);
      assert.ok(ms < BUDGET_MS + SLACK_MS, `settled after ${Math.round(ms)} ms`);
      // Every send mode is bounded the same way.
      const oneway = await timed(producer.sendOneway(message, { timeoutMs: BUDGET_MS }));
      assert.ok(oneway.error instanceof TimeoutError, String(oneway.error));
      assert.ok(oneway.ms < BUDGET_MS + SLACK_MS, `one-way settled after ${oneway.ms} ms`);
    });
  } finally {
    await a.close();
    await b.close();
  }
});

Deno.test("silent name server: the send's AbortSignal ends the lookup wait with AbortedError", async () => {
  const ns = await hostileServer();
  try {
    await withProducer({ nameServer: ns.address }, async (producer) => {
      const byTimeout = await timed(
        producer.send(message, { signal: AbortSignal.timeout(BUDGET_MS) }),
      );
      assert.ok(byTimeout.error instanceof AbortedError, String(byTimeout.error));
      assert.ok(byTimeout.ms < BUDGET_MS + SLACK_MS, `settled after ${byTimeout.ms} ms`);
      // A manual abort while several sends share one lookup: all end at once.
      const ac = new AbortController();
      const sends = [1, 2, 3].map(() => timed(producer.send(message, { signal: ac.signal })));
      setTimeout(() => ac.abort(new Error("caller gave up")), 50);
      for (const { error, ms } of await Promise.all(sends)) {
        assert.ok(error instanceof AbortedError, String(error));
        assert.equal((error.cause as Error).message, "caller gave up");
        assert.ok(ms < 50 + SLACK_MS, `settled after ${ms} ms`);
      }
    });
  } finally {
    await ns.close();
  }
});

Deno.test("half a frame then silence: the send settles within its budget", async () => {
  const ns = await hostileServer((socket) => {
    // A length prefix announcing 200 bytes, then 6 of them, then nothing.
    socket.write(new Uint8Array([0, 0, 0, 200, 0, 0, 0, 50, 123, 34]));
  });
  try {
    await withProducer({ nameServer: ns.address }, async (producer) => {
      const { error, ms } = await timed(producer.send(message, { timeoutMs: BUDGET_MS }));
      assert.ok(error instanceof TimeoutError, String(error));
      assert.ok(ms < BUDGET_MS + SLACK_MS, `settled after ${Math.round(ms)} ms`);
    });
  } finally {
    await ns.close();
  }
});

Deno.test("late name server: each caller of a shared lookup is bounded by its own budget", async () => {
  await using cluster = await startCluster({ brokers: 1, topics: [{ name: "Orders" }] });
  cluster.nameServer.setLatency(2200); // past the bound below, within the 3 s per lookup
  await withProducer({ nameServer: cluster.namesrvAddr }, async (producer) => {
    const short = timed(producer.send(message, { timeoutMs: BUDGET_MS }));
    const long = producer.send(message, { timeoutMs: 10_000 });
    const { error, ms } = await short;
    assert.ok(error instanceof TimeoutError, String(error));
    assert.ok(ms < BUDGET_MS + SLACK_MS, `short send settled after ${Math.round(ms)} ms`);
    // The lookup the short send gave up on still serves the send with the larger budget.
    const r = await long;
    assert.equal(r.status, "SEND_OK");
    assert.equal(cluster.nameServer.running, true);
    assert.equal(cluster.broker("broker-a").messages("Orders").length, 1);
  });
});
