/**
 * The embedded cluster in a child process, for benchmarks: spawns `scripts/cluster.ts` with the
 * runtime running the caller and reads its banner (first line `ROCKETMQ_NAMESRV=host:port`, then
 * one `brokerName host:port` line per broker). Running the cluster out of process keeps its CPU
 * out of the client's measurements.
 *
 * @module
 */

import { spawn } from "node:child_process";
import process from "node:process";
import { fileURLToPath } from "node:url";

/** A cluster running in a child process. */
export interface SpawnedCluster {
  /** `127.0.0.1:<port>` of the name server. */
  namesrvAddr: string;
  /** Brokers in the order printed, with their addresses. */
  brokers: Array<{ name: string; address: string }>;
  /** False once the child process exited. */
  readonly alive: boolean;
  /** The child's process id. */
  readonly pid: number;
  /** SIGTERM the child and wait for it to exit. */
  close(): Promise<void>;
}

/**
 * Start `scripts/cluster.ts` in a child process and wait for its banner (30 s at most).
 *
 * @param args flags for the script (e.g. `["--brokers", "1", "--max-stored", "1000"]`)
 * @returns the addresses, a liveness flag and a close function
 */
export function spawnCluster(args: string[] = []): Promise<SpawnedCluster> {
  const script = fileURLToPath(new URL("../scripts/cluster.ts", import.meta.url));
  const child = spawn(process.execPath, runtimeArgv(script, args), {
    stdio: ["ignore", "pipe", "inherit"],
  });
  const i = args.indexOf("--brokers");
  const brokerCount = i >= 0 ? Number(args[i + 1]) : 2;
  let alive = true;
  let stopping = false;
  const exited = new Promise<void>((resolve) =>
    child.once("exit", (code, signal) => {
      alive = false;
      if (!stopping) {
        console.error(`scripts/cluster.ts exited unexpectedly (code ${code}, signal ${signal})`);
      }
      resolve();
    })
  );
  return new Promise((resolve, reject) => {
    let buffered = "";
    let namesrvAddr: string | undefined;
    const brokers: Array<{ name: string; address: string }> = [];
    const fail = (why: string): void => {
      clearTimeout(timer);
      child.kill("SIGTERM");
      reject(new Error(`scripts/cluster.ts: ${why}`));
    };
    const timer = setTimeout(() => fail("no banner within 30 s"), 30_000);
    const onEarlyExit = (code: number | null): void => fail(`exited early with code ${code}`);
    child.once("exit", onEarlyExit);
    child.stdout!.setEncoding("utf8");
    child.stdout!.on("data", (chunk: string) => {
      buffered += chunk;
      let nl: number;
      while ((nl = buffered.indexOf("\n")) >= 0) {
        const line = buffered.slice(0, nl).trim();
        buffered = buffered.slice(nl + 1);
        if (namesrvAddr === undefined) {
          const m = /^ROCKETMQ_NAMESRV=(\S+)$/.exec(line);
          if (!m) return fail(`unexpected first line ${JSON.stringify(line)}`);
          namesrvAddr = m[1];
          continue;
        }
        if (brokers.length >= brokerCount) continue;
        const [name, address] = line.split(/\s+/);
        brokers.push({ name, address });
        if (brokers.length < brokerCount) continue;
        clearTimeout(timer);
        child.off("exit", onEarlyExit);
        child.stdout!.resume(); // keep draining later output
        resolve({
          namesrvAddr,
          brokers,
          get alive(): boolean {
            return alive;
          },
          pid: child.pid!,
          close: async () => {
            stopping = true;
            if (alive) child.kill("SIGTERM");
            await exited;
          },
        });
      }
    });
  });
}

/**
 * Arguments that run `script` with `args` under the current runtime (`process.execPath`):
 * `run -A script …` for Deno, `script …` for Node and Bun.
 *
 * @param script path of a .ts file
 * @param args its arguments
 * @returns the argument vector
 */
export function runtimeArgv(script: string, args: readonly string[]): string[] {
  return "Deno" in globalThis ? ["run", "-A", script, ...args] : [script, ...args];
}
