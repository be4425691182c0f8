/**
 * The relay's configuration from environment variables (or a Worker's env bindings, which carry
 * the same names): name servers, tokens, Aliyun keys and limits. Runtime-free: the caller passes
 * the variables in.
 *
 * | variable                       | meaning                                                     |
 * | ------------------------------ | ----------------------------------------------------------- |
 * | `ROCKETMQ_NAMESRV`             | name servers, `host:port[;host:port]` (required)            |
 * | `RELAY_TOKENS`                 | bearer tokens, comma-separated                              |
 * | `RELAY_NO_AUTH`                | `true` turns auth off (only explicitly; else tokens needed) |
 * | `RELAY_ALIYUN_KEYS`            | `AK:SK` pairs, comma-separated: the Aliyun MQ HTTP route    |
 * | `RELAY_GROUP`                  | producer group (default `relay_producer`, as the CLI's)     |
 * | `RELAY_LOG_LEVEL`              | `debug`, `info`, `warn` (default), `error` or `silent`      |
 * | `RELAY_SEND_TIMEOUT_MS`        | send budget per message                                     |
 * | `RELAY_MAX_REQUEST_BYTES`      | largest request body                                        |
 * | `RELAY_MAX_ENTRIES`            | most messages per array / NDJSON stream                     |
 * | `RELAY_MAX_INFLIGHT_MESSAGES`  | most messages being sent at once                            |
 * | `RELAY_MAX_INFLIGHT_BYTES`     | most body bytes being sent at once                          |
 *
 * @example
 * ```ts
 * import { relayConfigFromEnv } from "@rocketmq-edge/client/relay";
 *
 * const config = relayConfigFromEnv({ ROCKETMQ_NAMESRV: "127.0.0.1:9876", RELAY_TOKENS: "s3cret" });
 * console.log(config.nameServer, config.options.auth);
 * ```
 *
 * @module
 */

import { ValidationError } from "../errors.ts";
import { createLogger, type LogLevel } from "../log/logger.ts";
import type { RelayLimits, RelayOptions } from "./options.ts";

/** What {@link relayConfigFromEnv} reads: variable name → value (unset or empty = absent). */
export type RelayEnvVars = Record<string, unknown>;

/** The relay's configuration, before a producer exists. */
export interface RelayEnvConfig {
  /** Name-server addresses. */
  nameServer: string;
  /** Producer group. */
  group: string;
  /** Everything of {@link RelayOptions} but the producer. */
  options: Omit<RelayOptions, "producer">;
}

/** Limit variables and the {@link RelayLimits} field each sets. */
const LIMITS: readonly [string, keyof RelayLimits][] = [
  ["RELAY_MAX_REQUEST_BYTES", "maxRequestBytes"],
  ["RELAY_MAX_ENTRIES", "maxEntries"],
  ["RELAY_MAX_INFLIGHT_MESSAGES", "maxInFlightMessages"],
  ["RELAY_MAX_INFLIGHT_BYTES", "maxInFlightBytes"],
];

const LEVELS: readonly LogLevel[] = ["debug", "info", "warn", "error", "silent"];

function text(env: RelayEnvVars, name: string): string | undefined {
  const v = env[name];
  if (v === undefined || v === null || v === "") return undefined;
  if (typeof v !== "string") throw new ValidationError(name, "must be a string");
  return v.trim() === "" ? undefined : v.trim();
}

function positive(env: RelayEnvVars, name: string): number | undefined {
  const v = text(env, name);
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!/^\d+$/.test(v) || !Number.isSafeInteger(n) || n <= 0) {
    throw new ValidationError(name, "must be a positive integer");
  }
  return n;
}

function list(env: RelayEnvVars, name: string): string[] {
  return (text(env, name) ?? "").split(",").map((s) => s.trim()).filter((s) => s !== "");
}

/**
 * Read the relay's configuration.
 *
 * @param env the variables (`Deno.env.toObject()`, `process.env`, a Worker's `env`)
 * @returns name servers, producer group and relay options
 * @throws ValidationError naming the variable and the rule
 */
export function relayConfigFromEnv(env: RelayEnvVars): RelayEnvConfig {
  const nameServer = text(env, "ROCKETMQ_NAMESRV");
  if (nameServer === undefined) {
    throw new ValidationError("ROCKETMQ_NAMESRV", "is required (host:port[;host:port])");
  }
  const tokens = list(env, "RELAY_TOKENS");
  const noAuth = text(env, "RELAY_NO_AUTH");
  if (noAuth !== undefined && noAuth !== "true" && noAuth !== "false") {
    throw new ValidationError("RELAY_NO_AUTH", 'must be "true" or "false"');
  }
  if (noAuth === "true" && tokens.length > 0) {
    throw new ValidationError("RELAY_NO_AUTH", "cannot be true while RELAY_TOKENS is set");
  }
  if (noAuth !== "true" && tokens.length === 0) {
    throw new ValidationError("RELAY_TOKENS", "is required (or RELAY_NO_AUTH=true)");
  }
  const options: Omit<RelayOptions, "producer"> = {
    auth: noAuth === "true" ? false : { tokens },
  };
  const pairs = list(env, "RELAY_ALIYUN_KEYS");
  if (pairs.length > 0) {
    const keys: Record<string, string> = {};
    for (const pair of pairs) {
      const colon = pair.indexOf(":");
      if (colon <= 0 || colon === pair.length - 1) {
        throw new ValidationError("RELAY_ALIYUN_KEYS", "must be AK:SK pairs, comma-separated");
      }
      keys[pair.slice(0, colon)] = pair.slice(colon + 1);
    }
    options.aliyunKeys = keys;
  }
  const limits: RelayLimits = {};
  for (const [name, field] of LIMITS) {
    const n = positive(env, name);
    if (n !== undefined) limits[field] = n;
  }
  if (Object.keys(limits).length > 0) options.limits = limits;
  const sendTimeoutMs = positive(env, "RELAY_SEND_TIMEOUT_MS");
  if (sendTimeoutMs !== undefined) options.sendTimeoutMs = sendTimeoutMs;
  const level = text(env, "RELAY_LOG_LEVEL") ?? "warn";
  if (!LEVELS.includes(level as LogLevel)) {
    throw new ValidationError("RELAY_LOG_LEVEL", `must be one of ${LEVELS.join(", ")}`);
  }
  options.logger = createLogger({ level: level as LogLevel });
  return { nameServer, group: text(env, "RELAY_GROUP") ?? "relay_producer", options };
}
