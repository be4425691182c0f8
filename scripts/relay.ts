/**
 * `deno task relay`: the HTTP relay in front of RocketMQ (see README, "Relay", and
 * `src/relay/cli.ts`). Prints `RELAY_URL=http://<host>:<port>` first; SIGINT/SIGTERM drain and
 * exit 0.
 *
 * ```sh
 * npx -y deno@2.9.6 task relay --port 8080 --token s3cret
 * ROCKETMQ_NAMESRV=127.0.0.1:9876 npx -y node@22 scripts/relay.ts --token s3cret
 * npx -y bun@1.4.5 scripts/relay.ts --no-auth --port 0
 * ```
 *
 * @module
 */

import process from "node:process";
import { runRelayCommand } from "../src/relay/cli.ts";

process.exit(await runRelayCommand(process.argv.slice(2)));
