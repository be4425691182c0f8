/**
 * Producer options: defaults (those of the Java `DefaultMQProducer` / `ClientConfig`) and
 * validation. Every problem is a {@link ValidationError} naming `options.<name>`.
 *
 * @module
 */

import { ValidationError } from "../errors.ts";
import type { MessageCodec } from "../client/_codec.ts";
import type { Transport } from "../transport/types.ts";
import { createLogger, type Logger } from "../log/logger.ts";
import { RpcHooks } from "../remoting/rpc-hook.ts";
import type { ProducerHooks, ProducerOptions, TraceDispatcher } from "./types.ts";

/** Java `MixAll.CLIENT_INNER_PRODUCER_GROUP`. */
export const CLIENT_INNER_PRODUCER_GROUP = "CLIENT_INNER_PRODUCER";
/** Java `MixAll.DEFAULT_PRODUCER_GROUP`, refused as a user group. */
export const DEFAULT_PRODUCER_GROUP = "DEFAULT_PRODUCER";

/** Options with every default filled in. */
export interface ResolvedProducerOptions {
  /** Producer group as given (namespace applied later). */
  group: string;
  /** Name-server addresses; empty when an address server is used. */
  nameServer: string[];
  /** Address-server URL, if any. */
  addressServerUrl: string | undefined;
  /** Address-server poll interval. */
  addressServerPollIntervalMs: number;
  /** Namespace, if any. */
  namespace: string | undefined;
  /** Total send budget. */
  sendTimeoutMs: number;
  /** Extra awaited-send attempts. */
  retryTimesWhenSendFailed: number;
  /** Extra async-send attempts. */
  retryTimesWhenSendAsyncFailed: number;
  /** Retry on a not-OK status. */
  retryAnotherBrokerWhenNotStoreOK: boolean;
  /** Compression threshold. */
  compressOver: number;
  /** zlib level. */
  compressLevel: number;
  /** Largest body. */
  maxMessageSize: number;
  /** Queues of auto-created topics. */
  defaultTopicQueueNums: number;
  /** Auto-create template topic. */
  createTopicKey: string;
  /** Latency fault tolerance on. */
  sendLatencyFaultEnable: boolean;
  /** Fault latency steps. */
  latencyMax: number[] | undefined;
  /** Fault isolation per step. */
  notAvailableDuration: number[] | undefined;
  /** Route refresh interval. */
  pollNameServerIntervalMs: number;
  /** Heartbeat interval. */
  heartbeatIntervalMs: number;
  /** VIP channel on. */
  vipChannel: boolean;
  /** Client IP, if given. */
  clientIP: string | undefined;
  /** Instance name, if given. */
  instanceName: string | undefined;
  /** Unit name, if given. */
  unitName: string | undefined;
  /** Transport override. */
  transport: Transport | undefined;
  /** Header encoding: 0 JSON, 1 ROCKETMQ. */
  serializeType: 0 | 1;
  /** Caller-owned codec. */
  codec: MessageCodec | undefined;
  /** RPC hooks, validated (undefined when none). */
  rpcHooks: RpcHooks | undefined;
  /** Hooks (validated by the producer's hook list). */
  hooks: ProducerHooks | ProducerHooks[] | undefined;
  /** Trace dispatcher. */
  traceDispatcher: TraceDispatcher | undefined;
  /** Shutdown drain deadline. */
  shutdownTimeoutMs: number;
  /** Where the producer logs. */
  logger: Logger;
  /** Most sends in flight. */
  maxInFlight: number;
  /** Most body bytes in flight. */
  maxInFlightBytes: number;
  /** Past a bound: wait for room or fail at once. */
  whenSaturated: "wait" | "fail";
}

/** Default `maxInFlight` (see README, "Back-pressure", for the measurement behind it). */
export const DEFAULT_MAX_IN_FLIGHT = 8192;
/** Default `maxInFlightBytes`: 64 MiB. */
export const DEFAULT_MAX_IN_FLIGHT_BYTES = 64 * 1024 * 1024;

const ADDRESS = /^(\[[0-9a-fA-F:.]+\]|[^\s:;\[\]]+):(\d{1,5})$/;

/**
 * Parse "h:p;h:p" (or an array of them) into a list of addresses.
 *
 * @param value the option value
 * @param field field name for errors
 * @returns the addresses, in order
 * @throws ValidationError on a malformed address
 */
export function parseAddressList(value: string | string[], field: string): string[] {
  if (
    typeof value !== "string" &&
    !(Array.isArray(value) && value.every((v) => typeof v === "string"))
  ) {
    throw new ValidationError(field, 'must be "host:port;host:port" or an array of "host:port"');
  }
  const parts = (Array.isArray(value) ? value : value.split(";"))
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
  for (const p of parts) {
    const m = ADDRESS.exec(p);
    if (m === null || Number(m[2]) > 65535) {
      throw new ValidationError(field, `address "${p}" must be host:port`);
    }
    if (Number(m[2]) === 0) {
      // Port 0 means "any free port" to a listener; nothing can be reached there.
      throw new ValidationError(field, `address "${p}" must have a port in 1..65535`);
    }
  }
  return parts;
}

/**
 * Longest delay a timer takes (2^31−1 ms, about 24.8 days): setTimeout fires a longer one at once
 * (Node warns and uses 1 ms), so a periodic task would run in a busy loop.
 */
export const MAX_TIMER_MS = 0x7fffffff;

/**
 * Every key of {@link ProducerOptions}, for the unknown-key check. Typed as a record of all of
 * them, so an option added to `ProducerOptions` but not here fails `deno check`.
 */
const KNOWN_OPTION_KEYS: { readonly [K in keyof Required<ProducerOptions>]: true } = {
  group: true,
  nameServer: true,
  addressServerUrl: true,
  addressServerPollIntervalMs: true,
  namespace: true,
  sendTimeoutMs: true,
  retryTimesWhenSendFailed: true,
  retryTimesWhenSendAsyncFailed: true,
  retryAnotherBrokerWhenNotStoreOK: true,
  compressOver: true,
  compressLevel: true,
  maxMessageSize: true,
  defaultTopicQueueNums: true,
  createTopicKey: true,
  sendLatencyFaultEnable: true,
  latencyMax: true,
  notAvailableDuration: true,
  pollNameServerIntervalMs: true,
  heartbeatIntervalMs: true,
  vipChannel: true,
  clientIP: true,
  instanceName: true,
  unitName: true,
  transport: true,
  serializeType: true,
  codec: true,
  hooks: true,
  traceDispatcher: true,
  shutdownTimeoutMs: true,
  logger: true,
  maxInFlight: true,
  maxInFlightBytes: true,
  whenSaturated: true,
  rpcHooks: true,
};
const KNOWN_OPTIONS: ReadonlySet<string> = new Set(Object.keys(KNOWN_OPTION_KEYS));

/** Edit distance (insert, delete, substitute), for "did you mean" on a misspelt option. */
function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) {
      const same = a[i - 1] === b[j - 1] ? 0 : 1;
      cur[j] = Math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + same);
    }
    prev = cur;
  }
  return prev[b.length];
}

/**
 * Refuse an option key the producer does not know: a misspelt key (`sendTimeOutMs`) would
 * otherwise leave its default silently in force. Suggests the known key it most resembles.
 *
 * @param options the caller's options
 * @param known the keys allowed
 * @param prefix field prefix of the error ("options.")
 * @throws ValidationError naming the unknown key
 */
export function checkKnownKeys(
  options: object,
  known: ReadonlySet<string>,
  prefix: string,
): void {
  for (const key of Object.keys(options)) {
    if (known.has(key)) continue;
    let best: string | undefined;
    let bestDistance = Infinity;
    for (const k of known) {
      const d = k.toLowerCase() === key.toLowerCase() ? 0 : editDistance(k, key);
      if (d < bestDistance) [best, bestDistance] = [k, d];
    }
    const hint = best !== undefined && bestDistance <= Math.max(2, key.length / 4)
      ? `; did you mean ${prefix}${best}?`
      : "";
    throw new ValidationError(`${prefix}${key}`, `is not a known option${hint}`);
  }
}

function int(
  options: ProducerOptions,
  name: keyof ProducerOptions,
  def: number,
  min: number,
  max = Number.MAX_SAFE_INTEGER,
): number {
  const v = options[name];
  if (v === undefined) return def;
  if (typeof v !== "number" || !Number.isInteger(v) || v < min || v > max) {
    throw new ValidationError(`options.${name}`, `must be an integer in [${min}, ${max}]`);
  }
  return v;
}

function bool(options: ProducerOptions, name: keyof ProducerOptions, def: boolean): boolean {
  const v = options[name];
  if (v === undefined) return def;
  if (typeof v !== "boolean") throw new ValidationError(`options.${name}`, "must be a boolean");
  return v;
}

function str(options: ProducerOptions, name: keyof ProducerOptions): string | undefined {
  const v = options[name];
  if (v === undefined) return undefined;
  if (typeof v !== "string" || v.length === 0) {
    throw new ValidationError(`options.${name}`, "must be a non-empty string");
  }
  return v;
}

function table(
  options: ProducerOptions,
  name: "latencyMax" | "notAvailableDuration",
): number[] | undefined {
  const v = options[name];
  if (v === undefined) return undefined;
  if (!Array.isArray(v) || v.length === 0 || !v.every((n) => Number.isFinite(n) && n >= 0)) {
    throw new ValidationError(`options.${name}`, "must be a non-empty array of numbers ≥ 0");
  }
  return [...v];
}

/**
 * Validate the options and fill in defaults. The group itself is checked by the producer
 * (message validation rules).
 *
 * @param options the caller's options
 * @returns resolved options
 * @throws ValidationError naming `options.<name>`
 */
export function resolveProducerOptions(options: ProducerOptions): ResolvedProducerOptions {
  if (options === null || typeof options !== "object") {
    throw new ValidationError("options", "must be an object");
  }
  checkKnownKeys(options, KNOWN_OPTIONS, "options.");
  if (typeof options.group !== "string") {
    throw new ValidationError("options.group", "must be a string");
  }
  const transport = options.transport;
  if (
    transport !== undefined &&
    (transport === null || typeof transport !== "object" ||
      typeof transport.connect !== "function" || typeof transport.name !== "string")
  ) {
    throw new ValidationError(
      "options.transport",
      "must implement Transport (a string name and a connect() method)",
    );
  }
  const nameServer = options.nameServer === undefined
    ? []
    : parseAddressList(options.nameServer, "options.nameServer");
  const addressServerUrl = str(options, "addressServerUrl");
  if (addressServerUrl !== undefined && !/^https?:\/\//.test(addressServerUrl)) {
    throw new ValidationError("options.addressServerUrl", "must be an http(s) URL");
  }
  if (nameServer.length === 0 && addressServerUrl === undefined) {
    throw new ValidationError(
      "options.nameServer",
      "a name-server address or options.addressServerUrl is required",
    );
  }
  const latencyMax = table(options, "latencyMax");
  const notAvailableDuration = table(options, "notAvailableDuration");
  if ((latencyMax?.length ?? 7) !== (notAvailableDuration?.length ?? 7)) {
    throw new ValidationError(
      "options.notAvailableDuration",
      "must have as many entries as options.latencyMax",
    );
  }
  const serializeType = options.serializeType ?? "JSON";
  if (serializeType !== "JSON" && serializeType !== "ROCKETMQ") {
    throw new ValidationError("options.serializeType", 'must be "JSON" or "ROCKETMQ"');
  }
  const clientIP = str(options, "clientIP");
  const namespace = str(options, "namespace");
  if (namespace !== undefined && !/^[a-zA-Z0-9_-]+$/.test(namespace)) {
    throw new ValidationError("options.namespace", "must match ^[a-zA-Z0-9_-]+$");
  }
  const instanceName = str(options, "instanceName");
  const unitName = str(options, "unitName");
  for (const [k, v] of [["instanceName", instanceName], ["unitName", unitName]] as const) {
    if (v !== undefined && v.includes("@")) {
      throw new ValidationError(`options.${k}`, 'must not contain "@"');
    }
  }
  const td = options.traceDispatcher;
  if (
    td !== undefined &&
    (td === null || typeof td.start !== "function" || typeof td.shutdown !== "function")
  ) {
    throw new ValidationError("options.traceDispatcher", "must have start() and shutdown()");
  }
  const codec = options.codec;
  if (
    codec !== undefined &&
    (codec === null || typeof codec.compress !== "function" ||
      typeof codec.encodeBatch !== "function")
  ) {
    throw new ValidationError("options.codec", "must implement MessageCodec");
  }
  const whenSaturated = options.whenSaturated ?? "wait";
  if (whenSaturated !== "wait" && whenSaturated !== "fail") {
    throw new ValidationError("options.whenSaturated", 'must be "wait" or "fail"');
  }
  const logger = options.logger ?? createLogger();
  if (
    logger === null || typeof logger !== "object" ||
    !["enabled", "debug", "info", "warn", "error", "child"].every((m) =>
      typeof (logger as unknown as Record<string, unknown>)[m] === "function"
    )
  ) {
    throw new ValidationError("options.logger", "must implement Logger (see createLogger)");
  }
  return {
    group: options.group,
    nameServer,
    addressServerUrl,
    addressServerPollIntervalMs: int(
      options,
      "addressServerPollIntervalMs",
      120_000,
      10,
      MAX_TIMER_MS,
    ),
    namespace,
    sendTimeoutMs: int(options, "sendTimeoutMs", 3000, 1, MAX_TIMER_MS),
    retryTimesWhenSendFailed: int(options, "retryTimesWhenSendFailed", 2, 0, 100),
    retryTimesWhenSendAsyncFailed: int(options, "retryTimesWhenSendAsyncFailed", 2, 0, 100),
    retryAnotherBrokerWhenNotStoreOK: bool(options, "retryAnotherBrokerWhenNotStoreOK", false),
    compressOver: int(options, "compressOver", 4096, 0),
    compressLevel: int(options, "compressLevel", 5, 0, 9),
    maxMessageSize: int(options, "maxMessageSize", 4 * 1024 * 1024, 1, 16 * 1024 * 1024),
    defaultTopicQueueNums: int(options, "defaultTopicQueueNums", 4, 1, 1024),
    createTopicKey: str(options, "createTopicKey") ?? "TBW102",
    sendLatencyFaultEnable: bool(options, "sendLatencyFaultEnable", false),
    latencyMax,
    notAvailableDuration,
    pollNameServerIntervalMs: int(options, "pollNameServerIntervalMs", 30_000, 10, MAX_TIMER_MS),
    heartbeatIntervalMs: int(options, "heartbeatIntervalMs", 30_000, 10, MAX_TIMER_MS),
    vipChannel: bool(options, "vipChannel", false),
    clientIP,
    instanceName,
    unitName,
    transport,
    serializeType: serializeType === "JSON" ? 0 : 1,
    codec,
    hooks: options.hooks,
    rpcHooks: RpcHooks.from(options.rpcHooks, "options.rpcHooks"),
    traceDispatcher: td,
    shutdownTimeoutMs: int(options, "shutdownTimeoutMs", 3000, 0, MAX_TIMER_MS),
    logger,
    maxInFlight: int(options, "maxInFlight", DEFAULT_MAX_IN_FLIGHT, 1),
    maxInFlightBytes: int(options, "maxInFlightBytes", DEFAULT_MAX_IN_FLIGHT_BYTES, 1),
    whenSaturated,
  };
}
