/**
 * The relay command: in-process through `runRelayCommand` (flags, env, errors), and as a real
 * process (`scripts/relay.ts` under Deno) that prints RELAY_URL first and exits 0 on SIGTERM.
 */

import assert from "node:assert/strict";
import { runRelayCommand } from "../../src/relay/cli.ts";
import { startCluster } from "../../src/testing/mod.ts";

function io(env: Record<string, string> = {}, signal?: AbortSignal) {
  const out: string[] = [];
  const err: string[] = [];
  return {
    out,
    err,
    io: { env, signal, out: (l: string) => out.push(l), err: (l: string) => err.push(l) },
  };
}

Deno.test("relay command: bad usage exits 2 and says why", async () => {
  let r = io();
  assert.equal(await runRelayCommand([], r.io), 2);
  assert.match(r.err[0], /--token T.*--no-auth/);
  r = io();
  assert.equal(await runRelayCommand(["--no-auth", "--port", "x"], r.io), 2);
  assert.match(r.err[0], /--port/);
  r = io();
  assert.equal(await runRelayCommand(["--no-auth", "--aliyun-key", "nocolon"], r.io), 2);
  r = io();
  assert.equal(await runRelayCommand(["--bogus"], r.io), 2);
  r = io();
  assert.equal(await runRelayCommand(["--help"], r.io), 0);
  assert.match(r.out[0], /^Usage: relay/);
});

Deno.test("relay command: env configures it; RELAY_URL first; stop drains and exits 0", async () => {
  const cluster = await startCluster({ brokers: 1, topics: [{ name: "CliTopic" }] });
  const ac = new AbortController();
  const r = io({
    ROCKETMQ_NAMESRV: cluster.namesrvAddr,
    RELAY_PORT: "0",
    RELAY_TOKENS: "t1, t2",
    RELAY_ALIYUN_KEYS: "AK:SK",
    RELAY_LOG_LEVEL: "silent",
  }, ac.signal);
  try {
    const running = runRelayCommand([], r.io);
    const end = Date.now() + 10_000;
    while (r.out.length === 0 && Date.now() < end) await new Promise((ok) => setTimeout(ok, 10));
    const m = /^RELAY_URL=(http:\/\/127\.0\.0\.1:\d+)$/.exec(r.out[0]);
    assert.ok(m, r.out[0]);
    const res = await fetch(m[1] + "/v1/topics/CliTopic/messages", {
      method: "POST",
      headers: { authorization: "Bearer t2", "content-type": "application/json" },
      body: JSON.stringify({ body: "from cli" }),
    });
    assert.equal(res.status, 200);
    await res.body?.cancel();
    const aliyun = await fetch(m[1] + "/topics/CliTopic/messages", { method: "POST", body: "x" });
    assert.notEqual(aliyun.status, 404); // mounted (refused for its missing signature)
    await aliyun.body?.cancel();
    ac.abort();
    assert.equal(await running, 0);
    assert.equal(cluster.broker("broker-a").messages("CliTopic").length, 1);
  } finally {
    ac.abort();
    await cluster.close();
  }
});

Deno.test("relay command: a real process with the embedded cluster exits 0 on SIGTERM", async () => {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "scripts/relay.ts", "--port", "0", "--no-auth", "--log-level", "silent"],
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let text = "";
  const timer = setTimeout(() => child.kill("SIGKILL"), 60_000); // a hang fails, not blocks
  try {
    while (!text.includes("\n")) {
      const { done, value } = await reader.read();
      if (done) break;
      text += value;
    }
    const m = /^RELAY_URL=(http:\/\/127\.0\.0\.1:\d+)\n/.exec(text);
    assert.ok(m, text);
    const res = await fetch(m[1] + "/v1/topics/AnyTopic/messages", {
      method: "POST",
      headers: { "content-type": "text/plain", "x-rocketmq-tags": "T" },
      body: "auto-created topic",
    });
    assert.equal(res.status, 200);
    await res.body?.cancel();
    child.kill("SIGTERM");
    const status = await child.status;
    assert.equal(status.code, 0);
  } finally {
    clearTimeout(timer);
    await reader.cancel().catch(() => {});
    await child.stderr.cancel().catch(() => {});
  }
});
