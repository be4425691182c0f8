/**
 * `deno task cluster`: run the embedded RocketMQ-compatible cluster standalone.
 *
 * Prints `ROCKETMQ_NAMESRV=127.0.0.1:<port>` first (so a shell or another client can pick it up),
 * then one `broker-x 127.0.0.1:<port>` line per broker, and runs until SIGINT/SIGTERM.
 *
 * Flags: `--brokers N` (default 2), `--namesrv-port P`, `--broker-ports P1,P2,…`,
 * `--max-stored N` (stored messages kept per broker, default 100000).
 *
 * Works under Deno (`deno run -A scripts/cluster.ts`), Node ≥ 22.18 (`node scripts/cluster.ts`)
 * and Bun (`bun scripts/cluster.ts`).
 *
 * @module
 */

import process from "node:process";
import { startCluster } from "../src/testing/mod.ts";

function flag(name: string): string | undefined {
  const args = process.argv.slice(2);
  for (let i = 0; i < args.length; i++) {
    if (args[i] === name) return args[i + 1];
    if (args[i].startsWith(`${name}=`)) return args[i].slice(name.length + 1);
  }
  return undefined;
}

function intFlag(name: string, fallback: number | undefined): number | undefined {
  const v = flag(name);
  if (v === undefined) return fallback;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) {
    process.stderr.write(`invalid ${name}: ${v}\n`);
    process.exit(2);
  }
  return n;
}

const brokerPorts = flag("--broker-ports")?.split(",").map((p) => Number(p));
const cluster = await startCluster({
  brokers: intFlag("--brokers", 2),
  namesrvPort: intFlag("--namesrv-port", undefined),
  brokerPorts,
  maxStoredMessages: intFlag("--max-stored", 100_000),
});

let out = `ROCKETMQ_NAMESRV=${cluster.namesrvAddr}\n`;
for (const b of cluster.brokers) out += `${b.name} ${b.address}\n`;
process.stdout.write(out);

let closing = false;
const shutdown = (): void => {
  if (closing) return;
  closing = true;
  cluster.close().then(
    () => process.exit(0),
    (e) => {
      process.stderr.write(`close failed: ${e}\n`);
      process.exit(1);
    },
  );
};
process.on("SIGINT", shutdown);
process.on("SIGTERM", shutdown);
