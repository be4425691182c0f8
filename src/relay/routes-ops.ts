/**
 * Operations routes: `GET /healthz` (the process answers), `GET /readyz` (producer running, a
 * name server answered within `readyWindowMs`, not shutting down), `GET /metrics` (Prometheus
 * text) and `GET /v1/status` (the JSON the status page polls).
 *
 * @module
 */

import { Hono } from "hono";
import type { Admission } from "./admission.ts";
import type { RelayMetrics } from "./metrics.ts";
import type { ResolvedRelayOptions } from "./options.ts";
import type { RelayBrokerStatus, RelayStatus } from "./types.ts";

/**
 * Readiness: producer running, a name server answered within the window, not closing.
 *
 * @param o resolved options
 * @param admission in-flight accounting (knows whether the relay is closing)
 * @returns true when ready
 */
export function relayReady(o: ResolvedRelayOptions, admission: Admission): boolean {
  if (admission.closing || o.producer.state !== "RUNNING") return false;
  const since = o.now() - o.readyWindowMs;
  return o.producer.clusterView().nameServers.some((n) =>
    n.lastOkAt !== undefined && n.lastOkAt >= since
  );
}

/**
 * The `GET /v1/status` body.
 *
 * @param o resolved options
 * @param admission in-flight accounting
 * @param metrics counters
 * @param startedAt epoch ms the relay was created
 * @returns the status
 */
export function relayStatus(
  o: ResolvedRelayOptions,
  admission: Admission,
  metrics: RelayMetrics,
  startedAt: number,
): RelayStatus {
  const now = o.now();
  const view = o.producer.clusterView();
  const faults = o.producer.faultStrategy.latencyFaultTolerance;
  const brokers = view.brokers.map((b): RelayBrokerStatus => {
    const item = faults.get(b.name);
    const s: RelayBrokerStatus = { name: b.name, address: b.address, available: true };
    if (item !== undefined) {
      s.latencyMs = item.currentLatency;
      if (item.startTimestamp > now) {
        s.available = false;
        s.faultUntil = item.startTimestamp;
      }
    }
    return s;
  });
  brokers.sort((a, b) => a.name < b.name ? -1 : a.name > b.name ? 1 : 0);
  return {
    ready: relayReady(o, admission),
    startedAt,
    now,
    nameServers: view.nameServers.map((n) => ({
      address: n.address,
      lastOkAt: n.lastOkAt ?? null,
    })),
    brokers,
    totals: { ...metrics.totals },
    series: metrics.series(),
    recentErrors: metrics.recentErrors(),
  };
}

/** What the operations routes need. */
export interface OpsRouteDeps {
  ready: () => boolean;
  status: () => RelayStatus;
  metrics: RelayMetrics;
}

/**
 * The operations routes.
 *
 * @param d readiness, status and metrics
 * @returns a Hono app to mount at `/`
 */
export function opsRoutes(d: OpsRouteDeps): Hono {
  const app = new Hono();
  app.get("/healthz", (c) => c.json({ ok: true }));
  app.get("/readyz", (c) => {
    const ready = d.ready();
    return c.json({ ready }, ready ? 200 : 503);
  });
  app.get("/metrics", (c) => {
    c.header("content-type", "text/plain; version=0.0.4; charset=utf-8");
    return c.body(d.metrics.prometheus());
  });
  app.get("/v1/status", (c) => {
    c.header("cache-control", "no-store");
    return c.json(d.status());
  });
  return app;
}
