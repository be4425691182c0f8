/**
 * The events a client instance reports to every producer sharing it ("client.*"), name → detail.
 * Part of the producer's event map (`ProducerEventMap`, src/producer/event-map.ts).
 *
 * @module
 */

import type { TopicRouteData } from "../route/topic-route.ts";

/** Detail of "client.heartbeat": one HEART_BEAT to one master broker. */
export interface HeartbeatEventDetail {
  /** Broker name. */
  brokerName: string;
  /** Broker master address the heartbeat went to. */
  brokerAddr: string;
  /** True when the broker answered SUCCESS. */
  ok: boolean;
  /** The broker's response code, when it answered. */
  code?: number;
  /** The transport error, when it did not answer. */
  error?: unknown;
}

/** Events of the shared client instance: name → `CustomEvent.detail`. */
export interface ClientEventMap {
  /** A topic's route changed (first lookup included); the new route and the one it replaced. */
  "client.route.changed": {
    topic: string;
    route: TopicRouteData;
    previous: TopicRouteData | undefined;
  };
  /** One heartbeat to one broker, answered or not. */
  "client.heartbeat": HeartbeatEventDetail;
  /** A name-server request failed on `from`; `to` is tried next (undefined: no other address). */
  "client.namesrv.failover": { from: string; to: string | undefined; error: unknown };
  /** The address server returned a new name-server list. */
  "client.namesrv.changed": { addresses: string[] };
  /** Polling the address server failed (the old list stays in use). */
  "client.namesrv.fetch.failed": { url: string; error: unknown };
}
