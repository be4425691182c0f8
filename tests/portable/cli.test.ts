// The rocketmq-edge commands in process under every runtime (node:util parseArgs, the producer,
// the embedded cluster): what the CLI prints and the exit codes it returns. tests/cli/ runs the
// same commands as subprocesses under Deno; the packaging smoke runs the installed bin under Node.
import { test } from "node:test";
import assert from "node:assert/strict";
import { type CliIo, runCli } from "../../src/cli/main.ts";
import { startCluster } from "../../src/testing/mod.ts";

interface Captured {
  io: CliIo;
  out: string[];
  err: string[];
  stop(): void;
}

function capture(env: Record<string, string> = {}, stdin = ""): Captured {
  const out: string[] = [];
  const err: string[] = [];
  let stopListener: ((signal: string) => void) | undefined;
  return {
    out,
    err,
    stop: () => stopListener?.("SIGTERM"),
    io: {
      stdout: (text) => void out.push(text),
      stderr: (text) => void err.push(text),
      env,
      readFile: () => Promise.reject(new Error("no files in this test")),
      readStdin: () => Promise.resolve(new TextEncoder().encode(stdin)),
      onStop(listener) {
        stopListener = listener;
        return () => (stopListener = undefined);
      },
    },
  };
}

test("cli: send and route against the embedded cluster; exit codes 0, 1, 2", async () => {
  const cluster = await startCluster({ brokers: 1, topics: [{ name: "CliTopic" }] });
  try {
    const sent = capture({ ROCKETMQ_NAMESRV: cluster.namesrvAddr }, "from stdin");
    const code = await runCli(
      ["send", "--topic", "CliTopic", "--keys", "a,b", "--property", "k=v", "-"],
      sent.io,
    );
    assert.equal(code, 0, sent.err.join(""));
    assert.equal(JSON.parse(sent.out.join("")).status, "SEND_OK");
    const [m] = cluster.brokers[0].messages("CliTopic");
    assert.equal(new TextDecoder().decode(m.body), "from stdin");
    assert.equal(m.properties.get("KEYS"), "a b");
    assert.equal(m.properties.get("k"), "v");

    const route = capture();
    assert.equal(
      await runCli(["route", "--namesrv", cluster.namesrvAddr, "CliTopic"], route.io),
      0,
    );
    assert.match(route.out.join(""), /publish queues \(4\)/);

    const bad = capture();
    assert.equal(
      await runCli(["send", "--namesrv", cluster.namesrvAddr, "--tpoic", "x"], bad.io),
      2,
    );
    assert.match(bad.err.join(""), /--tpoic/);

    const missing = capture();
    assert.equal(await runCli(["route", "--namesrv", cluster.namesrvAddr, "Nope"], missing.io), 1);
    assert.match(missing.err.join(""), /ROUTE_NOT_FOUND/);
  } finally {
    await cluster.close();
  }
});

test("cli: cluster prints its addresses and closes on the stop signal", async () => {
  const c = capture();
  const done = runCli(["cluster", "--brokers", "1"], c.io);
  for (let i = 0; i < 200 && c.out.length === 0; i++) {
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  assert.match(c.out.join(""), /^ROCKETMQ_NAMESRV=127\.0\.0\.1:\d+\nbroker-a 127\.0\.0\.1:\d+\n$/);
  c.stop();
  assert.equal(await done, 0);
});
