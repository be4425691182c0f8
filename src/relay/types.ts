/**
 * Types shared by the relay's parts: the publish function the routes (native and Aliyun
 * compatible) send through, and the JSON shape of `GET /v1/status` that the status page polls.
 *
 * @module
 */

import type { Message, SendResult } from "../producer/types.ts";

/** Per-publish extras beyond the {@link Message} itself. */
export interface RelayPublishExtra {
  /**
   * Ordered sends: the queue is chosen by Java's `SelectMessageQueueByHash` with this key as the
   * argument (and the key is stored as the `__SHARDINGKEY` property), with no retry elsewhere.
   */
  shardingKey?: string;
  /**
   * Epoch ms at which the message should be delivered: stored as the `TIMER_DELIVER_MS` property,
   * which RocketMQ 5.x brokers (timer wheel enabled) honour; 4.9.x brokers store the property but
   * deliver at once.
   */
  deliverAt?: number;
  /**
   * Namespace (Aliyun instance id, the `ns` query parameter): the topic becomes `ns%topic` as
   * Java's `NamespaceUtil.wrapNamespace` makes it.
   */
  namespace?: string;
}

/**
 * Sends one message through the relay: admission control (in-flight messages and bytes, beyond
 * which it rejects with a `RelayHttpError` 429), metrics, logging, then the producer.
 * Rejects with a `RelayHttpError` (map other errors with `toRelayHttpError`).
 */
export type RelayPublish = (
  topic: string,
  message: Message,
  extra: { shardingKey?: string; deliverAt?: number; namespace?: string },
) => Promise<SendResult>;

/** A name server as the status page shows it. */
export interface RelayNameServerStatus {
  /** `host:port`. */
  address: string;
  /** Epoch ms of its last good answer, null when none yet. */
  lastOkAt: number | null;
}

/** A broker as the status page shows it. */
export interface RelayBrokerStatus {
  /** Broker name. */
  name: string;
  /** Master address `host:port`. */
  address: string;
  /** Whether the fault strategy lets sends go there now. */
  available: boolean;
  /** Epoch ms until which it is avoided, when it is. */
  faultUntil?: number;
  /** Last measured send latency, when known. */
  latencyMs?: number;
}

/** Counters since the relay started. */
export interface RelayTotals {
  /** HTTP requests answered. */
  requests: number;
  /** Messages stored by a broker. */
  messages: number;
  /** Messages that failed. */
  failures: number;
  /** Messages being sent now. */
  inFlight: number;
  /** Body bytes of stored messages. */
  bytes: number;
}

/** One second of the live series. */
export interface RelaySeriesPoint {
  /** Epoch ms of the start of the second. */
  t: number;
  /** Messages stored in that second. */
  messages: number;
  /** Messages failed in that second. */
  failures: number;
  /** 99th percentile send latency of that second, null without sends. */
  p99Ms: number | null;
}

/** A recent failure as the status page lists it. */
export interface RelayRecentError {
  /** Epoch ms. */
  time: number;
  /** The relay's `error_code`. */
  code: string;
  /** What went wrong. */
  message: string;
  /** Topic of the failed publish, when there was one. */
  topic?: string;
}

/** JSON body of `GET /v1/status`. */
export interface RelayStatus {
  /** Same as `GET /readyz`: producer running and a name server answered recently. */
  ready: boolean;
  /** Epoch ms the relay was created. */
  startedAt: number;
  /** Epoch ms of this answer. */
  now: number;
  /** Name servers in use. */
  nameServers: RelayNameServerStatus[];
  /** Brokers of the routes the relay has looked up. */
  brokers: RelayBrokerStatus[];
  /** Counters since start. */
  totals: RelayTotals;
  /** One bucket per second, oldest first, the last 300 s. */
  series: RelaySeriesPoint[];
  /** Newest first, at most 20. */
  recentErrors: RelayRecentError[];
}

/** Where a serve helper listens. */
export interface RelayServeOptions {
  /** Interface to bind; default `127.0.0.1`. */
  hostname?: string;
  /** Port; default 8080; 0 picks a free one. */
  port?: number;
}

/** A relay on a socket, as the `serve-*.ts` helpers return it. */
export interface RelayServer {
  /** `http://<host>:<port>` (IPv6 hosts in brackets). */
  readonly url: string;
  /** The bound host. */
  readonly hostname: string;
  /** The bound port. */
  readonly port: number;
  /**
   * Graceful stop: stop accepting connections, let open requests finish, drain in-flight sends,
   * shut the producer down (`relay.shutdown()`). Idempotent.
   */
  close(): Promise<void>;
}

/**
 * `http://host:port`, with brackets around an IPv6 host.
 *
 * @param hostname bound host
 * @param port bound port
 * @returns the URL
 */
export function relayUrl(hostname: string, port: number): string {
  return `http://${hostname.includes(":") ? `[${hostname}]` : hostname}:${port}`;
}
