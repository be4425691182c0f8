/**
 * `scripts/cluster.ts` (the `deno task cluster` entry): output contract, flags, clean exit on
 * SIGTERM and SIGINT.
 */

import assert from "node:assert/strict";
import { createServer, type Server } from "node:net";
import { RawClient, type RouteJson, routeOf } from "./_helpers.ts";

/** Ports the OS just handed out (and that were released again). */
async function freePorts(n: number): Promise<number[]> {
  const servers = await Promise.all(
    Array.from({ length: n }, () =>
      new Promise<Server>((resolve) => {
        const s = createServer();
        s.listen(0, "127.0.0.1", () => resolve(s));
      })),
  );
  const ports = servers.map((s) => (s.address() as { port: number }).port);
  await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
  return ports;
}

const script = new URL("../../scripts/cluster.ts", import.meta.url).pathname;

async function run(args: string[], signal: Deno.Signal, ports?: number[]): Promise<void> {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", script, ...args],
    stdout: "piped",
    stderr: "inherit",
  }).spawn();
  const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let text = "";
  const at = args.indexOf("--brokers");
  const want = 1 + (at >= 0 ? Number(args[at + 1]) : 2);
  while (text.split("\n").length <= want) {
    const { value, done } = await reader.read();
    if (done) break;
    text += value;
  }
  const lines = text.trim().split("\n");
  assert.match(lines[0], /^ROCKETMQ_NAMESRV=127\.0\.0\.1:\d+$/);
  const namesrv = lines[0].slice("ROCKETMQ_NAMESRV=".length);
  const brokers = lines.slice(1).map((l) => l.split(" "));
  for (const [i, [name, addr]] of brokers.entries()) {
    assert.equal(name, `broker-${String.fromCharCode(97 + i)}`);
    assert.match(addr, /^127\.0\.0\.1:\d+$/);
  }
  if (ports) {
    assert.equal(namesrv, `127.0.0.1:${ports[0]}`);
    assert.deepEqual(brokers.map((b) => b[1]), ports.slice(1).map((p) => `127.0.0.1:${p}`));
  }
  const route = await routeOf(namesrv, "TBW102") as RouteJson;
  assert.equal(route.brokerDatas.length, brokers.length);
  const conn = await RawClient.connect(brokers[0][1]);
  await conn.close();
  child.kill(signal);
  const rest = await reader.read();
  assert.equal(rest.done, true);
  const status = await child.status;
  assert.equal(status.code, 0);
}

Deno.test("scripts/cluster.ts prints the addresses and exits cleanly on SIGTERM", async () => {
  await run(["--brokers", "3"], "SIGTERM");
});

Deno.test("scripts/cluster.ts honours fixed ports and exits cleanly on SIGINT", async () => {
  const ports = await freePorts(3);
  const child = run(
    [
      "--brokers",
      "2",
      "--namesrv-port",
      String(ports[0]),
      "--broker-ports",
      `${ports[1]},${ports[2]}`,
    ],
    "SIGINT",
    ports,
  );
  await child;
});
