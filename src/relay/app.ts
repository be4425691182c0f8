/**
 * `createRelay(options)`: the relay as one Hono app plus its lifecycle. The app imports no
 * runtime (it runs wherever Hono does, Cloudflare Workers included); the `serve-*.ts` helpers
 * put it on a socket.
 *
 * @module
 */

import { Hono } from "hono";
import { HTTPException } from "hono/http-exception";
import { requestId } from "hono/request-id";
import { routePath } from "hono/route";
import { Admission } from "./admission.ts";
import { aliyunErrorResponse, aliyunRoutes } from "./aliyun/mod.ts";
import { RelayAuth } from "./auth.ts";
import { BodyReader, bodySizeLimit } from "./body.ts";
import { type RelayErrorStatus, RelayHttpError, toRelayHttpError } from "./errors.ts";
import { IdempotencyStore } from "./idempotency.ts";
import { RelayMetrics } from "./metrics.ts";
import { type RelayOptions, resolveRelayOptions } from "./options.ts";
import { RelayPublisher } from "./publisher.ts";
import { STATUS_PAGE_CSP, statusPageHtml } from "./status-page.ts";
import { nativeRoutes } from "./routes-native.ts";
import type { RelayPublish, RelayStatus } from "./types.ts";
import { opsRoutes, relayReady, relayStatus } from "./routes-ops.ts";

/** Hono environment of the relay's app: the request id middleware's variable. */
export type RelayEnv = { Variables: { requestId: string } };

/** A relay: the Hono app and its lifecycle. */
export interface Relay {
  /** The Hono app; mount it, or serve `relay.fetch`. */
  readonly app: Hono<RelayEnv>;
  /** `app.fetch`, bound: the handler every runtime's server takes. */
  readonly fetch: (request: Request) => Response | Promise<Response>;
  /** Publish through the relay's admission control, metrics and log (route label `api`). */
  readonly publish: RelayPublish;
  /** What `GET /v1/status` answers. */
  status(): RelayStatus;
  /** What `GET /readyz` checks: producer running, a name server answered recently, not closing. */
  ready(): boolean;
  /** Whether `shutdown()` was called. */
  readonly closing: boolean;
  /**
   * Graceful shutdown: refuse new publishes (503), wait for in-flight sends (background ones
   * included) up to `drainTimeoutMs`, then shut the producer down (unless `ownsProducer: false`).
   * Idempotent: every call returns the same promise.
   */
  shutdown(): Promise<void>;
}

const NOT_FOUND = new RelayHttpError(404, "NOT_FOUND", "no such route", { retriable: false });

/**
 * Create the relay.
 *
 * @param options producer, auth (required, `false` to turn it off), limits, … ({@link RelayOptions})
 * @returns the relay
 * @throws ValidationError naming `options.<field>`
 * @example Serve it on Deno
 * ```ts
 * import { Producer } from "@rocketmq-edge/client";
 * import { createRelay } from "@rocketmq-edge/client/relay";
 *
 * const producer = new Producer({ nameServer: "127.0.0.1:9876", group: "relay" });
 * await producer.start();
 * const relay = createRelay({ producer, auth: { tokens: ["s3cret"] } });
 * const server = Deno.serve({ port: 8080 }, relay.fetch);
 * Deno.addSignalListener("SIGTERM", async () => {
 *   await Promise.all([server.shutdown(), relay.shutdown()]);
 * });
 * ```
 */
export function createRelay(options: RelayOptions): Relay {
  const o = resolveRelayOptions(options);
  const startedAt = o.now();
  const metrics = new RelayMetrics(o.now);
  const admission = new Admission(
    metrics,
    o.limits.maxInFlightMessages,
    o.limits.maxInFlightBytes,
  );
  const logger = o.logger.child("relay");
  const publisher = new RelayPublisher({
    producer: o.producer,
    admission,
    metrics,
    logger,
    sendTimeoutMs: o.sendTimeoutMs,
    now: o.now,
  });
  const idempotency = o.idempotency === false
    ? undefined
    : new IdempotencyStore(o.idempotency.ttlMs, o.idempotency.maxKeys, o.now);
  const auth = new RelayAuth(o.auth, o.now);
  if (!auth.enabled) {
    logger.warn("auth is off (auth: false): anyone reaching the relay may publish");
  }
  const ready = (): boolean => relayReady(o, admission);
  const status = (): RelayStatus => relayStatus(o, admission, metrics, startedAt);

  const app = new Hono<RelayEnv>();
  app.use("*", requestId());
  app.use("*", async (c, next) => {
    const begin = o.now();
    await next();
    const status = c.res.status;
    const path = routePath(c);
    const route = status === 404 && path === "/*" ? "unmatched" : path;
    metrics.request(route, status);
    if (logger.enabled("info")) {
      logger.info("request", {
        requestId: c.get("requestId"),
        method: c.req.method,
        path: c.req.path,
        route,
        status,
        durationMs: o.now() - begin,
      });
    }
  });
  const limitOthers = bodySizeLimit(o.limits.maxRequestBytes, metrics);
  // The native routes count bytes as they read; every other route (Aliyun) gets the wrapper.
  app.use("*", (c, next) => c.req.path.startsWith("/v1/") ? next() : limitOthers(c, next));
  const bodies = new BodyReader(o.limits.maxRequestBytes, metrics);
  app.route(
    "/",
    nativeRoutes({ options: o, admission, metrics, auth, publisher, idempotency, bodies }),
  );
  app.route("/", opsRoutes({ ready, status, metrics }));
  if (o.aliyunKeys !== undefined) {
    app.route(
      "/",
      aliyunRoutes({
        keys: o.aliyunKeys,
        publish: publisher.publishFor("aliyun"),
        now: o.now,
        logger: o.logger,
        maxBodyBytes: o.limits.maxRequestBytes,
      }),
    );
  }
  if (o.statusPage) {
    app.get("/", (c) => {
      c.header("content-security-policy", STATUS_PAGE_CSP);
      c.header("cache-control", "no-store");
      return c.html(statusPageHtml());
    });
  }
  app.notFound((c) => c.json(NOT_FOUND.toBody(), 404));
  app.onError((err, c) => {
    let e: RelayHttpError;
    if (err instanceof HTTPException && !(err instanceof RelayHttpError)) {
      const s = err.status as number;
      e = new RelayHttpError(
        (s >= 400 && s < 500 ? s : 500) as RelayErrorStatus,
        s === 413 ? "PAYLOAD_TOO_LARGE" : "HTTP_ERROR",
        err.message || "request refused",
        { cause: err },
      );
    } else e = toRelayHttpError(err);
    if (e.status === 500) {
      logger.error("unexpected error", {
        requestId: c.get("requestId"),
        path: c.req.path,
        error: err instanceof Error ? (err.stack ?? err.message) : String(err),
      });
    }
    // The Aliyun SDKs recognise only their XML errors (the Node SDK takes a JSON 413 as success).
    if (o.aliyunKeys !== undefined && c.req.path.startsWith("/topics/")) {
      return aliyunErrorResponse(e, c.req.raw, c.get("requestId"));
    }
    if (e.retryAfterSec !== undefined) c.header("retry-after", String(e.retryAfterSec));
    return c.json(e.toBody(), e.status);
  });

  let shuttingDown: Promise<void> | undefined;
  return {
    app,
    fetch: (request: Request) => app.fetch(request),
    publish: publisher.publishFor("api"),
    status,
    ready,
    get closing() {
      return admission.closing;
    },
    shutdown(): Promise<void> {
      shuttingDown ??= (async () => {
        admission.close();
        bodies.closeAll(); // uploads still being read were not admitted: answered 503
        logger.info("shutting down: draining in-flight sends", { inFlight: admission.inFlight });
        const drained = await admission.drained(o.drainTimeoutMs);
        if (!drained) {
          logger.warn("drain timed out; shutting the producer down with sends in flight", {
            inFlight: admission.inFlight,
          });
        }
        if (o.ownsProducer) await o.producer.shutdown();
        logger.info("shut down");
      })();
      return shuttingDown;
    },
  };
}
