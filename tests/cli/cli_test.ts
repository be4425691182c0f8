/**
 * The `rocketmq-edge` CLI (src/cli/bin.ts) run as a subprocess against the embedded cluster:
 * output, exit codes (0 ok, 1 failed, 2 bad usage) and what the broker stored.
 */

import assert from "node:assert/strict";
import { startCluster, type StoredMessage, type TestCluster } from "../../src/testing/mod.ts";
import { Producer } from "../../mod.ts";

const bin = new URL("../../src/cli/bin.ts", import.meta.url).pathname;
const root = new URL("../../", import.meta.url).pathname;

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the CLI with `args` (standard input `stdin`, extra environment `env`) to completion. */
async function cli(
  args: string[],
  options: { stdin?: string; env?: Record<string, string> } = {},
): Promise<Run> {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "--quiet", bin, ...args],
    cwd: root,
    env: options.env,
    stdin: options.stdin === undefined ? "null" : "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  if (options.stdin !== undefined) {
    const writer = child.stdin.getWriter();
    await writer.write(new TextEncoder().encode(options.stdin));
    await writer.close();
  }
  const out = await child.output();
  const decode = (b: Uint8Array): string => new TextDecoder().decode(b);
  return { code: out.code, stdout: decode(out.stdout), stderr: decode(out.stderr) };
}

async function withCluster(body: (cluster: TestCluster) => Promise<void>): Promise<void> {
  const cluster = await startCluster({ brokers: 2, topics: [{ name: "Orders" }] });
  try {
    await body(cluster);
  } finally {
    await cluster.close();
  }
}

function stored(cluster: TestCluster, topic: string): StoredMessage[] {
  return cluster.brokers.flatMap((b) => b.messages(topic));
}

Deno.test("send prints the SendResult as one JSON line and the broker stores tags, keys, properties", async () => {
  await withCluster(async (cluster) => {
    const r = await cli([
      "send",
      "--namesrv",
      cluster.namesrvAddr,
      "--topic",
      "Orders",
      "--tags",
      "created",
      "--keys",
      "o-1,o-2",
      "--property",
      "region=eu",
      "--property",
      "a=b=c",
      '{"id":1}',
    ]);
    assert.equal(r.code, 0, r.stderr);
    const lines = r.stdout.trimEnd().split("\n");
    assert.equal(lines.length, 1);
    const result = JSON.parse(lines[0]);
    assert.equal(result.status, "SEND_OK");
    assert.equal(result.queue.topic, "Orders");
    const [m] = stored(cluster, "Orders");
    assert.equal(m.msgId, result.offsetMsgId);
    assert.equal(new TextDecoder().decode(m.body), '{"id":1}');
    assert.equal(m.properties.get("TAGS"), "created");
    assert.equal(m.properties.get("KEYS"), "o-1 o-2");
    assert.equal(m.properties.get("region"), "eu");
    assert.equal(m.properties.get("a"), "b=c");
  });
});

Deno.test("send reads the body from standard input ('-') or --file, the name server from ROCKETMQ_NAMESRV", async () => {
  await withCluster(async (cluster) => {
    const env = { ROCKETMQ_NAMESRV: cluster.namesrvAddr };
    const piped = await cli(["send", "--topic", "Orders", "-"], { stdin: "from stdin", env });
    assert.equal(piped.code, 0, piped.stderr);
    const file = await Deno.makeTempFile();
    try {
      await Deno.writeFile(file, new Uint8Array([0, 1, 2, 255]));
      const fromFile = await cli(["send", "--topic", "Orders", "--file", file], { env });
      assert.equal(fromFile.code, 0, fromFile.stderr);
    } finally {
      await Deno.remove(file);
    }
    const bodies = stored(cluster, "Orders").map((m) => Array.from(m.body)).sort();
    assert.deepEqual(
      bodies,
      [
        [0, 1, 2, 255],
        Array.from(new TextEncoder().encode("from stdin")),
      ].sort(),
    );
  });
});

Deno.test("bad usage exits 2 with a message naming the flag", async () => {
  const cases: [string[], RegExp][] = [
    [["send", "--namesrv", "127.0.0.1:9", "--topik", "T", "x"], /--topik/],
    [["send", "--namesrv", "127.0.0.1:9", "x"], /missing --topic/],
    [["send", "--topic", "T", "x"], /missing --namesrv/],
    [["send", "--namesrv", "127.0.0.1:9", "--topic", "T"], /missing the body/],
    [["send", "--namesrv", "127.0.0.1:9", "--topic", "T", "--property", "k", "x"], /--property/],
    [["send", "--namesrv", "127.0.0.1:9", "--topic", "bad topic!", "x"], /--topic: invalid topic/],
    [["send", "--namesrv", "127.0.0.1:9", "--topic", "T", "--timeout", "soon", "x"], /--timeout/],
    [["route", "--namesrv", "127.0.0.1:9"], /TOPIC/],
    [["cluster", "--brokers", "two"], /--brokers/],
    [["relay", "--port", "http"], /--port/],
    [["frobnicate"], /unknown command "frobnicate"/],
  ];
  for (const [args, message] of cases) {
    const r = await cli(args);
    assert.equal(r.code, 2, `${args.join(" ")}: ${r.stderr}`);
    assert.match(r.stderr, message, args.join(" "));
    assert.equal(r.stdout, "");
  }
});

Deno.test("a failed send exits 1 with the error's code on standard error", async () => {
  await withCluster(async (cluster) => {
    for (const b of cluster.brokers) b.failNextSends(10, 14, "service not available now");
    const r = await cli([
      "send",
      "--namesrv",
      cluster.namesrvAddr,
      "--topic",
      "Orders",
      "--timeout",
      "5000",
      "x",
    ]);
    assert.equal(r.code, 1);
    assert.equal(r.stdout, "");
    assert.match(
      r.stderr,
      /^rocketmq-edge send: CLIENT: Send \[3\] times.*code 14.*\(last response code 14\)$/m,
    );
  });
  // Nothing listens on the name-server port: no route.
  const r = await cli([
    "send",
    "--namesrv",
    "127.0.0.1:1",
    "--topic",
    "T",
    "--timeout",
    "2000",
    "x",
  ]);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /^rocketmq-edge send: ROUTE_NOT_FOUND: /m);
});

Deno.test("route prints brokers, queues and publish queues; --json; exit 1 for an unknown topic", async () => {
  await withCluster(async (cluster) => {
    const table = await cli(["route", "--namesrv", cluster.namesrvAddr, "Orders"]);
    assert.equal(table.code, 0, table.stderr);
    assert.match(table.stdout, /^topic Orders$/m);
    for (const b of cluster.brokers) {
      assert.match(table.stdout, new RegExp(`${b.name}\\s+0 \\(master\\)\\s+${b.address}`));
    }
    assert.match(table.stdout, /publish queues \(8\)/);
    assert.match(table.stdout, /^7\s+broker-b\s+3$/m);
    const json = await cli(["route", "--namesrv", cluster.namesrvAddr, "--json", "Orders"]);
    assert.equal(json.code, 0, json.stderr);
    const parsed = JSON.parse(json.stdout);
    assert.equal(parsed.route.brokerDatas.length, 2);
    assert.equal(parsed.publishQueues.length, 8);
    const missing = await cli(["route", "--namesrv", cluster.namesrvAddr, "NoSuchTopic"]);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /ROUTE_NOT_FOUND: .*NoSuchTopic.*code 17/);
  });
});

Deno.test("cluster prints its addresses, serves sends and exits 0 on SIGTERM", async () => {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "--quiet", bin, "cluster", "--brokers", "1", "--topic", "Orders"],
    cwd: root,
    stdout: "piped",
    stderr: "inherit",
  }).spawn();
  const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let text = "";
  for (let i = 0; i < 100 && text.split("\n").length < 3; i++) {
    const { value, done } = await reader.read();
    if (done) break;
    text += value;
  }
  const [first, broker] = text.split("\n");
  assert.match(first, /^ROCKETMQ_NAMESRV=127\.0\.0\.1:\d+$/);
  assert.match(broker, /^broker-a 127\.0\.0\.1:\d+$/);
  const producer = new Producer({ nameServer: first.split("=")[1], group: "cli_test" });
  try {
    await producer.start();
    assert.equal((await producer.send({ topic: "Orders", body: "x" })).status, "SEND_OK");
  } finally {
    await producer.shutdown();
  }
  child.kill("SIGTERM");
  assert.equal((await reader.read()).done, true);
  assert.equal((await child.status).code, 0);
});

Deno.test("--help on every command exits 0 and prints its usage", async () => {
  for (const command of ["send", "route", "cluster"]) {
    const r = await cli([command, "--help"]);
    assert.equal(r.code, 0);
    assert.match(r.stdout, new RegExp(`^Usage: rocketmq-edge ${command}`));
  }
  const relay = await cli(["relay", "--help"]);
  assert.equal(relay.code, 0);
  assert.match(relay.stdout, /^Usage: relay/);
  const main = await cli(["--help"]);
  assert.equal(main.code, 0);
  assert.match(main.stdout, /^Usage: rocketmq-edge <command>/);
  const none = await cli([]);
  assert.equal(none.code, 2);
  const version = await cli(["--version"]);
  assert.match(version.stdout, /^rocketmq-edge \d+\.\d+\.\d+/);
});

Deno.test("relay serves the HTTP relay: RELAY_URL first, a POST is stored, SIGTERM exits 0", async () => {
  await withCluster(async (cluster) => {
    const child = new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "-A",
        "--quiet",
        bin,
        "relay",
        "--namesrv",
        cluster.namesrvAddr,
        "--port",
        "0",
        "--no-auth",
        "--log-level",
        "silent",
      ],
      cwd: root,
      stdout: "piped",
      stderr: "inherit",
    }).spawn();
    const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
    let text = "";
    for (let i = 0; i < 100 && !text.includes("\n"); i++) {
      const { value, done } = await reader.read();
      if (done) break;
      text += value;
    }
    const first = text.split("\n")[0];
    assert.match(first, /^RELAY_URL=http:\/\/127\.0\.0\.1:\d+$/);
    const url = first.slice("RELAY_URL=".length);
    const response = await fetch(`${url}/v1/topics/Orders/messages`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ body: "through the relay", tags: "relay" }),
    });
    assert.equal(response.status, 200);
    assert.equal((await response.json()).status, "SEND_OK");
    const [m] = stored(cluster, "Orders");
    assert.equal(new TextDecoder().decode(m.body), "through the relay");
    child.kill("SIGTERM");
    for (let i = 0; i < 100; i++) if ((await reader.read()).done) break;
    assert.equal((await child.status).code, 0);
  });
});
