// The relay as a Cloudflare Worker (dist/cloudflare/relay.js, built from src/relay/cloudflare.ts)
// inside workerd (Miniflare), configured from env bindings, publishing to the embedded cluster on
// 127.0.0.1: JSON single and array, NDJSON, raw body, async, the Aliyun XML route.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { inflateSync } from "node:zlib";
import { startCluster, type StoredMessage, type TestCluster } from "../../src/testing/mod.ts";
import { buildWorkerBundle } from "../../scripts/build-worker-bundle.ts";
import { signedRequest } from "../relay/_aliyun_helpers.ts";
import { type RunningWorker, startWorker, withinHang } from "./_miniflare.ts";

const TOPIC = "EdgeRelay";
const TOKEN = "edge-token";
const HANG_MS = 30_000;

let cluster: TestCluster;
let worker: RunningWorker;
let bundle: string;

before(async () => {
  cluster = await startCluster({ brokers: 2, topics: [{ name: TOPIC }] });
  // The file the package build ships, loaded as is.
  bundle = await buildWorkerBundle("src/relay/cloudflare.ts", "dist/cloudflare/relay.js");
  worker = await startWorker({
    entry: "src/relay/cloudflare.ts",
    bundle,
    bindings: {
      ROCKETMQ_NAMESRV: cluster.namesrvAddr,
      RELAY_TOKENS: `other,${TOKEN}`,
      RELAY_ALIYUN_KEYS: "AK1:SK1",
      RELAY_MAX_ENTRIES: "50",
      RELAY_OBJECTS: "2",
    },
    durableObjects: { RELAY: "RelayObject" },
  });
});

after(async () => {
  await worker?.close();
  await cluster?.close();
});

function call(path: string, init: RequestInit = {}): Promise<Response> {
  return withinHang(worker.fetch(path, init), HANG_MS, path).catch((e) => {
    throw new Error(`${init.method ?? "GET"} ${path}: ${e}`, { cause: e });
  });
}

function publish(body: BodyInit, headers: Record<string, string>, query = ""): Promise<Response> {
  return call(`/v1/topics/${TOPIC}/messages${query}`, {
    method: "POST",
    headers: { authorization: `Bearer ${TOKEN}`, ...headers },
    body,
  });
}

function stored(msgId: string): StoredMessage {
  const m = cluster.brokers.flatMap((b) => b.messages(TOPIC)).find((x) =>
    x.properties.get("UNIQ_KEY") === msgId
  );
  assert.ok(m, `message ${msgId} is in the cluster`);
  return m;
}

function text(m: StoredMessage): string {
  return new TextDecoder().decode((m.sysFlag & 1) !== 0 ? inflateSync(m.body) : m.body);
}

test("relay Worker: auth, single JSON message, array", async () => {
  // No body: answered before any body would be read (an unread body may reset the connection).
  const refused = await call(`/v1/topics/${TOPIC}/messages`, { method: "POST" });
  assert.equal(refused.status, 401);
  await refused.body?.cancel();

  const one = await publish(
    JSON.stringify({
      body: "json from the edge",
      tags: "TagJ",
      keys: ["k1", "k2"],
      properties: { source: "worker" },
    }),
    { "content-type": "application/json" },
  );
  assert.equal(one.status, 200);
  const r = await one.json() as { messageId: string; offsetMessageId: string; status: string };
  assert.equal(r.status, "SEND_OK");
  const m = stored(r.messageId);
  assert.equal(m.msgId, r.offsetMessageId);
  assert.equal(text(m), "json from the edge");
  assert.equal(m.properties.get("TAGS"), "TagJ");
  assert.equal(m.properties.get("KEYS"), "k1 k2");
  assert.equal(m.properties.get("source"), "worker");

  const array = await publish(
    JSON.stringify([
      { id: "a", body: "first", tags: "A" },
      { id: "b", body: btoa("second"), encoding: "base64", keys: "kb" },
    ]),
    { "content-type": "application/json" },
  );
  assert.equal(array.status, 207);
  const a = await array.json() as { successes: { id: string; messageId: string }[] };
  assert.deepEqual(a.successes.map((s) => s.id), ["a", "b"]);
  assert.equal(text(stored(a.successes[0].messageId)), "first");
  assert.equal(stored(a.successes[0].messageId).properties.get("TAGS"), "A");
  assert.equal(text(stored(a.successes[1].messageId)), "second");
  assert.equal(stored(a.successes[1].messageId).properties.get("KEYS"), "kb");
});

test("relay Worker: NDJSON stream, raw compressed body, async publish", async () => {
  const ndjson = await publish(
    ['{"body":"n0","tags":"N"}', '{"body":"n1","properties":{"i":"1"}}', ""].join("\n"),
    { "content-type": "application/x-ndjson" },
  );
  assert.equal(ndjson.status, 200);
  const reports = (await ndjson.text()).trim().split("\n").map((l) =>
    JSON.parse(l) as { ok: boolean; messageId: string }
  );
  assert.equal(reports.length, 2);
  assert.ok(reports.every((x) => x.ok));
  assert.equal(text(stored(reports[0].messageId)), "n0");
  assert.equal(stored(reports[0].messageId).properties.get("TAGS"), "N");
  assert.equal(stored(reports[1].messageId).properties.get("i"), "1");

  const big = "raw-compressible-body ".repeat(500); // 11 KB: compressed by the producer
  const raw = await publish(big, {
    "content-type": "application/octet-stream",
    "x-rocketmq-tags": "Raw",
    "x-rocketmq-keys": "r1,r2",
    "x-rocketmq-property-origin": "edge",
  });
  assert.equal(raw.status, 200);
  const rr = await raw.json() as { messageId: string };
  const rm = stored(rr.messageId);
  assert.equal(rm.sysFlag & 1, 1);
  assert.equal(text(rm), big);
  assert.equal(rm.properties.get("TAGS"), "Raw");
  assert.equal(rm.properties.get("KEYS"), "r1 r2");
  assert.equal(rm.properties.get("origin"), "edge");

  const accepted = await publish(
    "sent in the background",
    { "x-rocketmq-tags": "Async" },
    "?async=true",
  );
  assert.equal(accepted.status, 202);
  await accepted.body?.cancel();
  let found: StoredMessage | undefined;
  for (let i = 0; i < 400 && !found; i++) {
    found = cluster.brokers.flatMap((b) => b.messages(TOPIC)).find((x) =>
      x.properties.get("TAGS") === "Async"
    );
    if (!found) await new Promise((r) => setTimeout(r, 25));
  }
  assert.ok(found, "the async message arrived");
  assert.equal(text(found), "sent in the background");
});

test("relay Worker: the Aliyun MQ HTTP route (signed XML)", async () => {
  const xml = "<Message><MessageBody>xml &amp; edge</MessageBody><MessageTag>TagX</MessageTag>" +
    "<Properties>KEYS:kx|p:7</Properties></Message>";
  const req = signedRequest({
    resource: `/topics/${TOPIC}/messages`,
    body: xml,
    accessKeyId: "AK1",
    secret: "SK1",
  });
  const res = await call(req.path, req.init);
  const body = await res.text();
  assert.equal(res.status, 201, body);
  const id = /<MessageId>([0-9A-F]{32})<\/MessageId>/.exec(body)?.[1];
  assert.ok(id, body);
  const m = stored(id);
  assert.equal(text(m), "xml & edge");
  assert.equal(m.properties.get("TAGS"), "TagX");
  assert.equal(m.properties.get("KEYS"), "kx");
  assert.equal(m.properties.get("p"), "7");
});

test("relay Worker: a bad binding answers 500 naming the variable", async () => {
  const bad = await startWorker({
    entry: "src/relay/cloudflare.ts",
    bundle,
    bindings: {
      ROCKETMQ_NAMESRV: cluster.namesrvAddr,
      RELAY_TOKENS: "t",
      RELAY_MAX_ENTRIES: "lots",
    },
    durableObjects: { RELAY: "RelayObject" },
  });
  try {
    const res = await withinHang(bad.fetch("/healthz"), HANG_MS, "healthz");
    assert.equal(res.status, 500);
    const e = await res.json() as { field: string; message: string };
    assert.equal(e.field, "RELAY_MAX_ENTRIES");
    assert.match(e.message, /positive integer/);
  } finally {
    await bad.close();
  }
});

test("relay Worker: one Idempotency-Key always reaches the same Durable Object", async () => {
  // RELAY_OBJECTS=2: were keys spread at random, some repeat would land on the other object and
  // store the message a second time.
  for (const key of ["idem-a", "idem-b", "idem-c"]) {
    const ids = new Set<string>();
    let replays = 0;
    for (let i = 0; i < 4; i++) {
      const res = await publish(`once per ${key}`, { "idempotency-key": key });
      assert.equal(res.status, 200);
      if (res.headers.get("idempotent-replayed") === "true") replays++;
      ids.add((await res.json() as { messageId: string }).messageId);
    }
    assert.equal(ids.size, 1);
    assert.equal(replays, 3);
    const copies = cluster.brokers.flatMap((b) => b.messages(TOPIC)).filter((m) =>
      text(m) === `once per ${key}`
    );
    assert.equal(copies.length, 1);
  }
});
