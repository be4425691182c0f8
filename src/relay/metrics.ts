/**
 * The relay's counters: Prometheus text for `/metrics`, and the per-second series and recent
 * errors of `/v1/status`. Hand-written rather than a metrics library: a few counters, one
 * histogram and the text exposition format fit in this file and run on every runtime (workerd
 * included) without a Node-only dependency.
 *
 * @module
 */

import type { RelayRecentError, RelaySeriesPoint, RelayTotals } from "./types.ts";

/** Upper bounds (seconds) of the send-latency histogram. */
const LATENCY_BUCKETS_S: readonly number[] = [
  0.0005,
  0.001,
  0.0025,
  0.005,
  0.01,
  0.025,
  0.05,
  0.1,
  0.25,
  0.5,
  1,
  2.5,
  5,
  10,
];

/** Seconds of history kept for the status page. */
const SERIES_SECONDS = 300;
/** Latency samples kept per second for its p99 (reservoir sampling beyond). */
const SAMPLES_PER_SECOND = 1024;
/** Recent errors kept. */
const RECENT_ERRORS = 20;

interface SecondBucket {
  t: number;
  messages: number;
  failures: number;
  samples: number[];
  seen: number;
  p99: number | null | undefined;
}

function labelValue(v: string): string {
  return v.replace(/\\/g, "\\\\").replace(/\n/g, "\\n").replace(/"/g, '\\"');
}

function p99Of(samples: number[]): number | null {
  if (samples.length === 0) return null;
  const sorted = samples.slice().sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil(sorted.length * 0.99) - 1)];
}

/** Counters of one relay. */
export class RelayMetrics {
  readonly #now: () => number;
  readonly #requests = new Map<string, number>();
  readonly #messages = new Map<string, number>();
  readonly #labelCache = new Map<string, Map<number, string>>();
  readonly #latencyCounts = new Array<number>(LATENCY_BUCKETS_S.length + 1).fill(0);
  #latencySum = 0;
  #latencyCount = 0;
  readonly #series: SecondBucket[] = [];
  readonly #recentErrors: RelayRecentError[] = [];
  /** Totals since start (`inFlight` is maintained by admission control). */
  readonly totals: RelayTotals = { requests: 0, messages: 0, failures: 0, inFlight: 0, bytes: 0 };
  /** Body bytes being sent now. */
  inFlightBytes = 0;
  /** Request body bytes read. */
  requestBytes = 0;

  /**
   * Create empty counters.
   *
   * @param now epoch-ms clock
   */
  constructor(now: () => number) {
    this.#now = now;
  }

  /**
   * Count an answered request.
   *
   * @param route route label (`native`, `aliyun`, `status`, …)
   * @param status HTTP status
   */
  request(route: string, status: number): void {
    this.totals.requests++;
    const key = this.#labels(route, status);
    this.#requests.set(key, (this.#requests.get(key) ?? 0) + 1);
  }

  /** `route="…",status="…"`, built once per pair (this runs for every request). */
  #labels(route: string, status: number): string {
    let byStatus = this.#labelCache.get(route);
    if (byStatus === undefined) {
      byStatus = new Map();
      // Routes are patterns (a handful), not paths: the cache stays small.
      if (this.#labelCache.size < 256) this.#labelCache.set(route, byStatus);
    }
    let key = byStatus.get(status);
    if (key === undefined) {
      key = `route="${labelValue(route)}",status="${status}"`;
      byStatus.set(status, key);
    }
    return key;
  }

  /**
   * Count messages that were stored, with the send latency.
   *
   * @param route route label
   * @param count messages (a batch counts each)
   * @param bytes body bytes
   * @param latencyMs time from admission to the broker's answer
   */
  sent(route: string, count: number, bytes: number, latencyMs: number): void {
    this.totals.messages += count;
    this.totals.bytes += bytes;
    this.#countMessages(route, 200, count);
    const s = latencyMs / 1000;
    let i = 0;
    while (i < LATENCY_BUCKETS_S.length && s > LATENCY_BUCKETS_S[i]) i++;
    this.#latencyCounts[i]++;
    this.#latencySum += s;
    this.#latencyCount++;
    const b = this.#bucket();
    b.messages += count;
    b.seen++;
    if (b.samples.length < SAMPLES_PER_SECOND) b.samples.push(latencyMs);
    else {
      const j = Math.floor(Math.random() * b.seen);
      if (j < SAMPLES_PER_SECOND) b.samples[j] = latencyMs;
    }
  }

  /**
   * Count messages that failed and remember the error for the status page.
   *
   * @param route route label
   * @param count messages
   * @param status the HTTP status the failure maps to
   * @param code the `error_code`
   * @param message what went wrong
   * @param topic the topic, when known
   */
  failed(
    route: string,
    count: number,
    status: number,
    code: string,
    message: string,
    topic?: string,
  ): void {
    this.totals.failures += count;
    this.#countMessages(route, status, count);
    this.#bucket().failures += count;
    const e: RelayRecentError = { time: this.#now(), code, message };
    if (topic !== undefined) e.topic = topic;
    this.#recentErrors.unshift(e);
    if (this.#recentErrors.length > RECENT_ERRORS) this.#recentErrors.pop();
  }

  #countMessages(route: string, status: number, count: number): void {
    const key = this.#labels(route, status);
    this.#messages.set(key, (this.#messages.get(key) ?? 0) + count);
  }

  /** The bucket of the current second, creating (and trimming) as time moves on. */
  #bucket(): SecondBucket {
    const t = Math.floor(this.#now() / 1000) * 1000;
    const last = this.#series[this.#series.length - 1];
    if (last !== undefined && last.t === t) return last;
    const b: SecondBucket = { t, messages: 0, failures: 0, samples: [], seen: 0, p99: undefined };
    this.#series.push(b);
    while (this.#series.length > 0 && this.#series[0].t <= t - SERIES_SECONDS * 1000) {
      this.#series.shift();
    }
    return b;
  }

  /**
   * One point per second of the last 300 s, oldest first (seconds without traffic included).
   *
   * @returns the series
   */
  series(): RelaySeriesPoint[] {
    const nowSec = Math.floor(this.#now() / 1000) * 1000;
    const byT = new Map<number, SecondBucket>();
    for (const b of this.#series) byT.set(b.t, b);
    const out: RelaySeriesPoint[] = [];
    for (let t = nowSec - (SERIES_SECONDS - 1) * 1000; t <= nowSec; t += 1000) {
      const b = byT.get(t);
      if (b === undefined) {
        out.push({ t, messages: 0, failures: 0, p99Ms: null });
        continue;
      }
      // A finished second's p99 never changes: compute it once.
      const p99 = b.p99 !== undefined ? b.p99 : p99Of(b.samples);
      if (t < nowSec) b.p99 = p99;
      out.push({ t, messages: b.messages, failures: b.failures, p99Ms: p99 });
    }
    return out;
  }

  /**
   * The last failures, newest first (at most 20).
   *
   * @returns a copy
   */
  recentErrors(): RelayRecentError[] {
    return this.#recentErrors.map((e) => ({ ...e }));
  }

  /**
   * Prometheus text exposition (version 0.0.4).
   *
   * @returns the `/metrics` body
   */
  prometheus(): string {
    const lines: string[] = [];
    lines.push("# HELP relay_http_requests_total HTTP requests answered, by route and status.");
    lines.push("# TYPE relay_http_requests_total counter");
    for (const [k, v] of this.#requests) lines.push(`relay_http_requests_total{${k}} ${v}`);
    lines.push("# HELP relay_messages_total Messages published, by route and HTTP status.");
    lines.push("# TYPE relay_messages_total counter");
    for (const [k, v] of this.#messages) lines.push(`relay_messages_total{${k}} ${v}`);
    lines.push("# HELP relay_send_duration_seconds Time from admission to the broker's answer.");
    lines.push("# TYPE relay_send_duration_seconds histogram");
    let cumulative = 0;
    for (let i = 0; i < LATENCY_BUCKETS_S.length; i++) {
      cumulative += this.#latencyCounts[i];
      lines.push(`relay_send_duration_seconds_bucket{le="${LATENCY_BUCKETS_S[i]}"} ${cumulative}`);
    }
    cumulative += this.#latencyCounts[LATENCY_BUCKETS_S.length];
    lines.push(`relay_send_duration_seconds_bucket{le="+Inf"} ${cumulative}`);
    lines.push(`relay_send_duration_seconds_sum ${this.#latencySum}`);
    lines.push(`relay_send_duration_seconds_count ${this.#latencyCount}`);
    lines.push("# HELP relay_in_flight_messages Messages being sent now.");
    lines.push("# TYPE relay_in_flight_messages gauge");
    lines.push(`relay_in_flight_messages ${this.totals.inFlight}`);
    lines.push("# HELP relay_in_flight_bytes Body bytes being sent now.");
    lines.push("# TYPE relay_in_flight_bytes gauge");
    lines.push(`relay_in_flight_bytes ${this.inFlightBytes}`);
    lines.push("# HELP relay_message_bytes_total Body bytes of stored messages.");
    lines.push("# TYPE relay_message_bytes_total counter");
    lines.push(`relay_message_bytes_total ${this.totals.bytes}`);
    lines.push("# HELP relay_request_bytes_total Request body bytes read.");
    lines.push("# TYPE relay_request_bytes_total counter");
    lines.push(`relay_request_bytes_total ${this.requestBytes}`);
    return lines.join("\n") + "\n";
  }
}
