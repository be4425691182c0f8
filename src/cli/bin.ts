#!/usr/bin/env node
/**
 * The `rocketmq-edge` executable (package.json `bin`, compiled to `dist/src/cli/bin.js`; under
 * Deno `deno task cli`, under Bun `bun src/cli/bin.ts`). It sets the exit code and lets the process
 * end by itself once the command closed its sockets and timers (no `process.exit`, so nothing
 * written is cut off).
 *
 * @example
 * ```sh
 * rocketmq-edge send --namesrv 127.0.0.1:9876 --topic Orders hello
 * ```
 *
 * @module
 */

import process from "node:process";
import { processIo } from "./_process_io.ts";
import { runCli } from "./main.ts";

process.exitCode = await runCli(process.argv.slice(2), processIo());
