/**
 * `wrk` (Debian's package: `apt-get install wrk`) as the HTTP load generator of bench/relay.ts:
 * a C program with keep-alive connections and microsecond latency percentiles, so the load
 * generator costs little CPU next to the relay and the relay-added latency (sub-millisecond) is
 * resolvable — autocannon's histogram keeps whole milliseconds. Each run writes a small Lua script
 * (method, headers, body, and a `done` hook that prints the numbers as one JSON line) and parses
 * that line. Works the same under Deno, Node and Bun (`node:child_process`).
 *
 * @module
 */

import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** Where Debian installs wrk. */
const WRK = "wrk";

/** One wrk run. */
export interface WrkRun {
  /** Target URL (loopback only). */
  url: string;
  /** Keep-alive connections, each with one request outstanding. */
  connections: number;
  /** wrk threads (each drives connections / threads). */
  threads: number;
  /** How long to run, seconds. */
  durationS: number;
  /** Request method. */
  method: string;
  /** Request headers. */
  headers: Record<string, string>;
  /** Request body. */
  body: string;
}

/** What a run measured. */
export interface WrkResult {
  /** Requests completed (any status). */
  requests: number;
  /** Wall time of the run, ms. */
  durationMs: number;
  /** Median request latency, ms (µs resolution). */
  p50Ms: number;
  /** 99th percentile request latency, ms. */
  p99Ms: number;
  /** Responses with a status ≥ 400. */
  non2xx: number;
  /** Socket errors: connect, read, write, timeout. */
  socketErrors: number;
}

/**
 * Whether wrk is installed.
 *
 * @returns its version line, or undefined
 */
export function wrkVersion(): string | undefined {
  const r = spawnSync(WRK, ["--version"], { encoding: "utf8" });
  if (r.error) return undefined;
  return `${r.stdout ?? ""}${r.stderr ?? ""}`.split("\n")[0].trim() || undefined;
}

const RESULT = "WRK_RESULT ";

/** The Lua script of a run: a long-bracket string literal holds any body safely. */
function luaScript(run: WrkRun): string {
  const lit = (s: string): string => {
    // The first closing bracket of the chosen level must be the one after the text (a text
    // ending in "]" would otherwise close "[[...]]" one character early).
    let level = "";
    while ((s + `]${level}]`).indexOf(`]${level}]`) !== s.length) level += "=";
    return `[${level}[${s}]${level}]`;
  };
  const headers = Object.entries(run.headers)
    .map(([k, v]) => `wrk.headers[ ${lit(k)} ] = ${lit(v)}`)
    .join("\n");
  return `wrk.method = ${lit(run.method)}
${headers}
wrk.body = ${lit(run.body)}
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    "${RESULT}{\\"requests\\":%d,\\"durationUs\\":%d,\\"p50Us\\":%d,\\"p99Us\\":%d,\\"status\\":%d,\\"socket\\":%d}\\n",
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99),
    e.status, e.connect + e.read + e.write + e.timeout))
end
`;
}

/**
 * Runs wrk once; rejects when it fails or prints no result line.
 *
 * @param run what to run
 * @returns the run's numbers
 */
export function runWrk(run: WrkRun): Promise<WrkResult> {
  const host = new URL(run.url).hostname;
  if (host !== "127.0.0.1" && host !== "[::1]" && host !== "localhost") {
    return Promise.reject(new Error(`wrk targets loopback only, not ${host}`));
  }
  const dir = mkdtempSync(join(tmpdir(), "relay-bench-"));
  const script = join(dir, "run.lua");
  writeFileSync(script, luaScript(run));
  const args = [
    "-t",
    String(run.threads),
    "-c",
    String(run.connections),
    "-d",
    `${run.durationS}s`,
    "--timeout",
    "10s",
    "-s",
    script,
    run.url,
  ];
  const child = spawn(WRK, args, { stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  let err = "";
  child.stdout!.setEncoding("utf8");
  child.stderr!.setEncoding("utf8");
  child.stdout!.on("data", (c: string) => (out += c));
  child.stderr!.on("data", (c: string) => (err += c));
  // A hard stop well past the run's length, so a wedged wrk cannot hang the bench.
  const killer = setTimeout(() => child.kill("SIGKILL"), (run.durationS + 30) * 1000);
  return new Promise<WrkResult>((resolve, reject) => {
    child.once("error", (e) => {
      clearTimeout(killer);
      reject(new Error(`cannot run wrk (apt-get install wrk): ${e.message}`));
    });
    // "close", not "exit": only then has all of its output been read.
    child.once("close", (code) => {
      clearTimeout(killer);
      rmSync(dir, { recursive: true, force: true });
      const line = out.split("\n").find((l) => l.startsWith(RESULT));
      if (code !== 0 || line === undefined) {
        reject(new Error(`wrk exited with ${code}: ${err.trim() || out.trim()}`));
        return;
      }
      const r = JSON.parse(line.slice(RESULT.length)) as Record<string, number>;
      resolve({
        requests: r.requests,
        durationMs: r.durationUs / 1000,
        p50Ms: r.p50Us / 1000,
        p99Ms: r.p99Us / 1000,
        non2xx: r.status,
        socketErrors: r.socket,
      });
    });
  });
}
