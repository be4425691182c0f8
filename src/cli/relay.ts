/**
 * `rocketmq-edge relay`: the HTTP relay in front of RocketMQ. Delegates to the relay's own command
 * (`runRelayCommand` in src/relay/cli.ts, also behind `deno task relay`), so flags, output and
 * exit codes are one code; loaded on demand, so the other commands never load the HTTP stack.
 *
 * @module
 */

import type { CliIo } from "./_args.ts";

/**
 * Run `rocketmq-edge relay`: prints `RELAY_URL=http://<host>:<port>` first, serves until SIGINT
 * or SIGTERM, then drains and exits 0 (see `rocketmq-edge relay --help`).
 *
 * @param argv arguments after `relay`
 * @param io where output goes and where the stop signal comes from
 * @returns the exit code: 0 after a clean stop or `--help`, 1 on failure, 2 for bad usage
 */
export async function runRelaySubcommand(argv: string[], io: CliIo): Promise<number> {
  const { runRelayCommand } = await import("../relay/cli.ts");
  const stop = new AbortController();
  const unlisten = io.onStop(() => stop.abort());
  try {
    return await runRelayCommand(argv, {
      env: io.env,
      out: (line) => io.stdout(line + "\n"),
      err: (line) => io.stderr(line + "\n"),
      signal: stop.signal,
    });
  } finally {
    unlisten();
  }
}
