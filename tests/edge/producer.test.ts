// The Producer inside workerd (Miniflare), over cloudflare:sockets to the embedded cluster on
// 127.0.0.1: per-request producers and a Durable Object that reuses one, plus faults (a broker
// stopped, every connection dropped, blackholed brokers). Run with Node 22:
//   npx -y node@22 --test tests/edge/*.test.ts
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { inflateSync } from "node:zlib";
import { startCluster, type TestCluster } from "../../src/testing/mod.ts";
import type { StoredMessage } from "../../src/testing/mod.ts";
import { createServer, type Server } from "node:net";
import type { Job, JobAnswer, TransportReport } from "./_producer_worker.ts";
import { type RunningWorker, startWorker, withinHang } from "./_miniflare.ts";

const TOPIC = "EdgeTopic";
/** Generous: catches a hang, asserts nothing about speed. */
const HANG_MS = 30_000;

let cluster: TestCluster;
let worker: RunningWorker;

before(async () => {
  cluster = await startCluster({
    brokers: 2,
    topics: [{ name: TOPIC }, { name: "EdgeFaults" }, { name: "EdgeMid" }],
  });
  worker = await startWorker({
    entry: "tests/edge/_producer_worker.ts",
    bindings: { NAMESRV: cluster.namesrvAddr, SEND_TIMEOUT_MS: "2000" },
    durableObjects: { PRODUCERS: "ProducerObject" },
  });
});

after(async () => {
  await worker?.close();
  await cluster?.close();
});

function post(path: string, job: Job): Promise<JobAnswer> {
  return withinHang(worker.post<JobAnswer>(path, job), HANG_MS, `POST ${path}`);
}

function stored(msgId: string): StoredMessage {
  for (const broker of cluster.brokers) {
    const found = broker.messages().find((m) => m.properties.get("UNIQ_KEY") === msgId);
    if (found) return found;
  }
  throw new Error(`message ${msgId} is not in the cluster`);
}

function text(m: StoredMessage): string {
  return new TextDecoder().decode((m.sysFlag & 1) !== 0 ? inflateSync(m.body) : m.body);
}

function results(
  answer: JobAnswer,
): NonNullable<Extract<JobAnswer["outcomes"][number], { ok: true }>["result"]>[] {
  return answer.outcomes.map((o, i) => {
    assert.ok(o.ok, `outcome ${i}: ${JSON.stringify(o)}`);
    assert.ok(o.result, `outcome ${i} has no SendResult`);
    return o.result;
  });
}

test("per request: send, compressed body, batch and one-way arrive intact", async () => {
  const big = "edge-compressible-".repeat(400); // 7.2 KB: over compressOver (4 KiB)
  const sent = await post("/request", {
    op: "send",
    messages: [
      {
        topic: TOPIC,
        body: "hello from workerd",
        tags: "TagA",
        keys: ["k1", "k2"],
        properties: { origin: "worker", n: "1" },
      },
      { topic: TOPIC, body: "edge-compressible-", repeat: 400, tags: "Big" },
      // Over the codec's worker offload threshold (32 KiB): no Web Workers here, so inline.
      { topic: TOPIC, body: "0123456789abcdef", repeat: 5000 },
    ],
  });
  assert.equal(sent.transport, "cloudflare");
  const [single, compressed, huge] = results(sent);
  assert.equal(single.status, "SEND_OK");
  const m = stored(single.msgId);
  assert.equal(m.msgId, single.offsetMsgId);
  assert.equal(text(m), "hello from workerd");
  assert.equal(m.properties.get("TAGS"), "TagA");
  assert.equal(m.properties.get("KEYS"), "k1 k2");
  assert.equal(m.properties.get("origin"), "worker");
  assert.equal(m.properties.get("n"), "1");
  const c = stored(compressed.msgId);
  assert.equal(c.sysFlag & 1, 1, "the 7.2 KB body was sent compressed");
  assert.equal(text(c), big);
  const h = stored(huge.msgId);
  assert.equal(h.sysFlag & 1, 1);
  assert.equal(text(h), "0123456789abcdef".repeat(5000));

  const batch = await post("/request", {
    op: "batch",
    messages: [0, 1, 2].map((i) => ({ topic: TOPIC, body: `b${i}`, keys: `bk${i}` })),
  });
  const [b] = results(batch);
  const ids = b.msgId.split(",");
  assert.equal(ids.length, 3);
  ids.forEach((id, i) => {
    assert.equal(text(stored(id)), `b${i}`);
    assert.equal(stored(id).properties.get("KEYS"), `bk${i}`);
  });

  const before = cluster.brokers.reduce((n, br) => n + br.storedCount, 0);
  const oneway = await post("/request", {
    op: "oneway",
    messages: [{ topic: TOPIC, body: "one-way from workerd", tags: "OW" }],
  });
  assert.deepEqual(oneway.outcomes, [{ ok: true }]);
  // One-way: nothing answers; wait (bounded) until the broker stored it.
  for (
    let i = 0;
    i < 200 && cluster.brokers.reduce((n, br) => n + br.storedCount, 0) === before;
    i++
  ) {
    await new Promise((r) => setTimeout(r, 25));
  }
  const ow = cluster.brokers.flatMap((br) => br.messages(TOPIC)).find((x) =>
    text(x) === "one-way from workerd"
  );
  assert.ok(ow, "the one-way message was stored");
  assert.equal(ow.properties.get("TAGS"), "OW");
});

test("a Durable Object creates its producer once and reuses it across requests", async () => {
  const first = await post("/object/reuse", {
    op: "send",
    messages: [{ topic: TOPIC, body: "r1" }],
  });
  const second = await post("/object/reuse", {
    op: "send",
    messages: [{ topic: TOPIC, body: "r2" }, { topic: TOPIC, body: "r3" }],
  });
  assert.equal(first.producersCreated, 1);
  assert.equal(second.producersCreated, 1);
  assert.equal(second.clientId, first.clientId);
  assert.deepEqual(results(second).map((r) => text(stored(r.msgId))), ["r2", "r3"]);
});

test("a broker stopped mid-run: the Worker's sends fail over to the other broker", async () => {
  const job: Job = {
    op: "send",
    messages: [0, 1, 2, 3, 4, 5, 6, 7].map((i) => ({ topic: "EdgeFaults", body: `s${i}` })),
  };
  const warm = results(await post("/object/stop", job));
  assert.ok(warm.some((r) => r.queue.brokerName === "broker-a"), "broker-a took sends before");
  const a = cluster.broker("broker-a");
  await a.stop({ keepRoute: true }); // still in the route: the client must fail over itself
  try {
    for (let round = 0; round < 3; round++) {
      const after = results(await post("/object/stop", job));
      for (const r of after) {
        assert.equal(r.queue.brokerName, "broker-b");
        assert.match(text(stored(r.msgId)), /^s\d$/);
      }
    }
  } finally {
    await a.start();
  }
});

test("a broker stopped while a request's sends are in flight: every send succeeds", async () => {
  const a = cluster.broker("broker-a");
  cluster.brokers.forEach((b) => b.setLatency(2)); // a run long enough to stop a broker in
  const count = 400;
  let finished = false;
  const running = post("/object/mid", {
    op: "send",
    concurrency: 4,
    messages: Array.from({ length: count }, (_, i) => ({ topic: "EdgeMid", body: `m${i}` })),
  });
  running.then(() => (finished = true), () => {});
  try {
    for (let i = 0; i < 800 && a.messages("EdgeMid").length < 20; i++) {
      await new Promise((r) => setTimeout(r, 10));
    }
    const beforeStop = a.messages("EdgeMid").length;
    assert.ok(beforeStop >= 20, "broker-a stored sends before it stopped");
    assert.equal(finished, false, "the run was still going when broker-a stopped");
    await a.stop({ keepRoute: true });
    const answer = await running;
    const sent = results(answer);
    assert.equal(sent.length, count);
    sent.forEach((r, i) => assert.equal(text(stored(r.msgId)), `m${i}`));
    // The last sends started long after the stop: broker-b took them all.
    assert.deepEqual(
      new Set(sent.slice(-50).map((r) => r.queue.brokerName)),
      new Set(["broker-b"]),
    );
  } finally {
    cluster.brokers.forEach((b) => b.setLatency(0));
    await running.catch(() => {});
    await a.start();
  }
});

test("the cluster drops every connection: the Worker reconnects", async () => {
  const job: Job = {
    op: "send",
    messages: [0, 1, 2, 3].map((i) => ({ topic: "EdgeFaults", body: `d${i}` })),
  };
  results(await post("/object/drop", job));
  for (let round = 0; round < 3; round++) {
    cluster.brokers.forEach((b) => b.dropConnections());
    cluster.nameServer.dropConnections();
    const again = results(await post("/object/drop", job));
    assert.deepEqual(again.map((r) => text(stored(r.msgId))), ["d0", "d1", "d2", "d3"]);
  }
});

test("blackholed brokers: every send settles by its budget, and sending resumes after", async () => {
  const job: Job = {
    op: "send",
    messages: [0, 1, 2].map((i) => ({ topic: "EdgeFaults", body: `h${i}` })),
  };
  results(await post("/object/hole", job));
  cluster.brokers.forEach((b) => b.blackhole(true));
  try {
    const lost = await post("/object/hole", job);
    for (const o of lost.outcomes) {
      assert.equal(o.ok, false);
      if (!o.ok) assert.match(o.name, /TimeoutError|SendFailedError/);
    }
    const oneway = await post("/object/hole", { op: "oneway", messages: job.messages });
    assert.equal(oneway.outcomes.length, 3); // settled, whatever the outcome
  } finally {
    cluster.brokers.forEach((b) => b.blackhole(false));
  }
  const back = results(await post("/object/hole", job));
  assert.deepEqual(back.map((r) => r.status), ["SEND_OK", "SEND_OK", "SEND_OK"]);
});

test("an older compatibility date without nodejs_compat: no node:* modules, no timer unref", async () => {
  // 2024-09-23 timers are plain numbers (no unref) and, without nodejs_compat, zlib comes from
  // fflate and the client IP from the fallback: the bundle has no static node:* import.
  const bare = await startWorker({
    entry: "tests/edge/_producer_worker.ts",
    bindings: { NAMESRV: cluster.namesrvAddr },
    durableObjects: { PRODUCERS: "ProducerObject" },
    compatibilityDate: "2024-09-23",
    compatibilityFlags: [],
  });
  try {
    const answer = await withinHang(
      bare.post<JobAnswer>("/request", {
        op: "send",
        messages: [
          { topic: TOPIC, body: "bare workerd", keys: "bare" },
          { topic: TOPIC, body: "fflate-", repeat: 2000 },
        ],
      }),
      HANG_MS,
      "POST /request (no nodejs_compat)",
    );
    const [plain, compressed] = results(answer);
    assert.equal(text(stored(plain.msgId)), "bare workerd");
    assert.equal(stored(compressed.msgId).sysFlag & 1, 1);
    assert.equal(text(stored(compressed.msgId)), "fflate-".repeat(2000));
    const batch = await withinHang(
      bare.post<JobAnswer>("/object/bare", {
        op: "batch",
        messages: [{ topic: TOPIC, body: "x0" }, { topic: TOPIC, body: "x1" }],
      }),
      HANG_MS,
      "POST /object/bare (no nodejs_compat)",
    );
    assert.deepEqual(results(batch)[0].msgId.split(",").map((id) => text(stored(id))), [
      "x0",
      "x1",
    ]);
  } finally {
    await bare.close();
  }
});

async function listen(onSocket: (s: import("node:net").Socket) => void): Promise<Server> {
  const server = createServer(onSocket);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return server;
}

function portOf(server: Server): number {
  return (server.address() as { port: number }).port;
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => server.close(() => resolve()));
}

test("cloudflareTransport inside workerd: refused, TLS reserved, peer close, echo", async () => {
  const freed = await listen(() => {});
  const closedPort = portOf(freed);
  await closeServer(freed);
  const closing = await listen((s) => s.end());
  const echo = await listen((s) => s.pipe(s));
  try {
    const report = await withinHang(
      worker.post<TransportReport>("/transport", {
        closed: closedPort,
        closing: portOf(closing),
        echo: portOf(echo),
      }),
      HANG_MS,
      "POST /transport",
    );
    assert.match(
      report.refused,
      new RegExp(`^ConnectionError: cannot connect to 127.0.0.1:${closedPort}`),
    );
    assert.match(report.tls, /^ConnectionError: TLS is not supported yet/);
    assert.equal(report.peerClose, "closed");
    assert.equal(report.echo, "abcdef");
  } finally {
    await closeServer(closing);
    await closeServer(echo);
  }
});
