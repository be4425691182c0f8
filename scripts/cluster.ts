/**
 * `deno task cluster`: run the embedded RocketMQ-compatible cluster standalone. The same code as
 * `rocketmq-edge cluster` (src/cli/cluster.ts); `--help` lists the flags (`--brokers N`,
 * `--namesrv-port P`, `--broker-ports P1,P2,…`, `--topic T`, `--max-stored N`).
 *
 * Prints `ROCKETMQ_NAMESRV=127.0.0.1:<port>` first (so a shell or another client can pick it up),
 * then one `broker-x 127.0.0.1:<port>` line per broker, and runs until SIGINT/SIGTERM.
 *
 * Works under Deno (`deno run -A scripts/cluster.ts`), Node ≥ 22.18 (`node scripts/cluster.ts`)
 * and Bun (`bun scripts/cluster.ts`).
 *
 * @module
 */

import process from "node:process";
import { processIo } from "../src/cli/_process_io.ts";
import { runClusterCommand } from "../src/cli/cluster.ts";

process.exitCode = await runClusterCommand(process.argv.slice(2), processIo());
