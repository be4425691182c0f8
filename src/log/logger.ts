/**
 * A small pluggable logger, in the spirit of kafkajs' `logCreator`: a level and a sink. The
 * producer, its client instance and the relay log through one of these; users pass their own sink
 * (pino, winston, a test array) or `level: "silent"`.
 *
 * Entries are plain objects so a sink can serialise them as it likes (JSON lines, console, …).
 *
 * @example Route the library's log lines into your own logger
 * ```ts
 * import { createLogger } from "@rocketmq-edge/client";
 *
 * const logger = createLogger({
 *   level: "info",
 *   sink: (e) => console.log(JSON.stringify(e)),
 * });
 * logger.child("producer").warn("broker marked unavailable", { broker: "broker-a" });
 * ```
 *
 * @module
 */

import { ValidationError } from "../errors.ts";

/** Severity of a log entry, lowest first; `"silent"` as a level logs nothing. */
export type LogLevel = "debug" | "info" | "warn" | "error" | "silent";

/** One log line as handed to a {@link LogSink}. */
export interface LogEntry {
  /** Severity (never `"silent"`). */
  level: Exclude<LogLevel, "silent">;
  /** Where it comes from, dot-separated (`"producer"`, `"client.namesrv"`, `"relay.request"`). */
  namespace: string;
  /** What happened, in words. */
  message: string;
  /** Structured details (addresses, codes, durations). */
  fields?: Record<string, unknown>;
  /** `Date.now()` when it was logged. */
  time: number;
}

/** Receives every entry at or above the logger's level. It must not throw (errors are dropped). */
export type LogSink = (entry: LogEntry) => void;

/** What the library logs through. */
export interface Logger {
  /** Whether entries of `level` reach the sink (skip building costly fields when not). */
  enabled(level: Exclude<LogLevel, "silent">): boolean;
  /** Logs at debug level. */
  debug(message: string, fields?: Record<string, unknown>): void;
  /** Logs at info level. */
  info(message: string, fields?: Record<string, unknown>): void;
  /** Logs at warn level. */
  warn(message: string, fields?: Record<string, unknown>): void;
  /** Logs at error level. */
  error(message: string, fields?: Record<string, unknown>): void;
  /** A logger with the same level and sink whose namespace is `<this>.<name>`. */
  child(name: string): Logger;
}

/** Options of {@link createLogger}. */
export interface LoggerOptions {
  /** Lowest level that reaches the sink; default `"warn"`. */
  level?: LogLevel;
  /** Where entries go; default {@link consoleSink}. */
  sink?: LogSink;
  /** Namespace of the root logger; default `"rocketmq"`. */
  namespace?: string;
}

const RANK: Readonly<Record<LogLevel, number>> = {
  debug: 10,
  info: 20,
  warn: 30,
  error: 40,
  silent: 100,
};

/**
 * Writes an entry to the console method of its level as `[namespace] message {fields}`.
 *
 * @param entry the entry to write
 */
export function consoleSink(entry: LogEntry): void {
  const line = `[${entry.namespace}] ${entry.message}`;
  const args: unknown[] = entry.fields === undefined ? [line] : [line, entry.fields];
  if (entry.level === "error") console.error(...args);
  else if (entry.level === "warn") console.warn(...args);
  else if (entry.level === "info") console.info(...args);
  else console.debug(...args);
}

class SinkLogger implements Logger {
  readonly #rank: number;
  readonly #sink: LogSink;
  readonly #namespace: string;

  constructor(rank: number, sink: LogSink, namespace: string) {
    this.#rank = rank;
    this.#sink = sink;
    this.#namespace = namespace;
  }

  enabled(level: Exclude<LogLevel, "silent">): boolean {
    return RANK[level] >= this.#rank;
  }

  debug(message: string, fields?: Record<string, unknown>): void {
    this.#log("debug", message, fields);
  }

  info(message: string, fields?: Record<string, unknown>): void {
    this.#log("info", message, fields);
  }

  warn(message: string, fields?: Record<string, unknown>): void {
    this.#log("warn", message, fields);
  }

  error(message: string, fields?: Record<string, unknown>): void {
    this.#log("error", message, fields);
  }

  child(name: string): Logger {
    return new SinkLogger(this.#rank, this.#sink, `${this.#namespace}.${name}`);
  }

  #log(
    level: Exclude<LogLevel, "silent">,
    message: string,
    fields: Record<string, unknown> | undefined,
  ): void {
    if (RANK[level] < this.#rank) return;
    const entry: LogEntry = { level, namespace: this.#namespace, message, time: Date.now() };
    if (fields !== undefined) entry.fields = fields;
    try {
      this.#sink(entry);
    } catch {
      // A broken sink must never take down a send or a socket handler.
    }
  }
}

/**
 * Creates a logger from a level and a sink.
 *
 * @param options level (default `"warn"`), sink (default {@link consoleSink}), root namespace
 * @returns the logger
 */
export function createLogger(options: LoggerOptions = {}): Logger {
  const level = options.level ?? "warn";
  if (!(level in RANK)) {
    throw new ValidationError("logger.level", `must be one of ${Object.keys(RANK).join(", ")}`);
  }
  return new SinkLogger(RANK[level], options.sink ?? consoleSink, options.namespace ?? "rocketmq");
}

/** A logger that drops everything. */
export const silentLogger: Logger = createLogger({ level: "silent" });
