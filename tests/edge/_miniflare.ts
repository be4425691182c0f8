/**
 * Runs a Worker entry of ours in workerd: bundles it with `scripts/build-worker-bundle.ts` and
 * starts it in Miniflare (npm `miniflare`, which ships the `workerd` binary). Node 22 only.
 * miniflare comes from tests/peers and esbuild from scripts/peers (scripts/_peers.ts says why).
 */

import { readFile } from "node:fs/promises";
import { buildWorkerBundle } from "../../scripts/build-worker-bundle.ts";
import { requirePeer } from "../../scripts/_peers.ts";

/** The part of miniflare's `Miniflare` these tests use. */
export interface Miniflare {
  /** Resolves when workerd serves. */
  ready: Promise<unknown>;
  /** A request to the Worker (Miniflare's types are undici's; the objects are the platform's). */
  dispatchFetch(url: string, init?: RequestInit): Promise<Response>;
  /** Stops workerd. */
  dispose(): Promise<void>;
}

/** The part of miniflare's module these tests use. */
interface MiniflareModule {
  Miniflare: new (options: {
    modules: { type: "ESModule"; path: string; contents: string }[];
    compatibilityDate: string;
    compatibilityFlags: string[];
    bindings: Record<string, string>;
    durableObjects?: Record<string, string>;
  }) => Miniflare;
}

const { Miniflare } = requirePeer<MiniflareModule>("tests/peers", "miniflare");

/** The compatibility date the tests run with (the newest this workerd knows is later). */
export const COMPATIBILITY_DATE = "2026-04-01";

/** Options of {@link startWorker}. */
export interface WorkerOptions {
  /** Worker entry, relative to the repository root. */
  entry: string;
  /** Plain-text bindings (`env.NAME`). */
  bindings: Record<string, string>;
  /** Durable Object bindings: binding name → exported class name. */
  durableObjects?: Record<string, string>;
  /** Compatibility flags; default `["nodejs_compat"]`. */
  compatibilityFlags?: string[];
  /** Compatibility date; default {@link COMPATIBILITY_DATE}. */
  compatibilityDate?: string;
  /** Use this bundle instead of building `entry`. */
  bundle?: string;
}

/** A Worker running in workerd. */
export interface RunningWorker {
  mf: Miniflare;
  /** `dispatchFetch` with the platform's `Request`/`Response` types. */
  fetch(path: string, init?: RequestInit): Promise<Response>;
  /** POST `body` as JSON to `path`; the parsed JSON answer (throws on a non-2xx status). */
  post<T>(path: string, body: unknown): Promise<T>;
  close(): Promise<void>;
}

const bundles = new Map<string, Promise<string>>();

/** Bundle `entry` once per test process. */
export function bundleOnce(entry: string): Promise<string> {
  let file = bundles.get(entry);
  if (!file) {
    const name = entry.replace(/^.*\//, "").replace(/\.ts$/, ".js");
    file = buildWorkerBundle(entry, `dist/test/${name}`);
    bundles.set(entry, file);
  }
  return file;
}

/** Bundle and start a Worker; `await worker.mf.ready` has happened when this resolves. */
export async function startWorker(options: WorkerOptions): Promise<RunningWorker> {
  const file = options.bundle ?? await bundleOnce(options.entry);
  const mf = new Miniflare({
    // An explicit module list: Miniflare does not scan it (our code has variable-specifier
    // dynamic imports, which its scanner rejects).
    modules: [{ type: "ESModule", path: file, contents: await readFile(file, "utf8") }],
    compatibilityDate: options.compatibilityDate ?? COMPATIBILITY_DATE,
    compatibilityFlags: options.compatibilityFlags ?? ["nodejs_compat"],
    bindings: options.bindings,
    durableObjects: options.durableObjects,
  });
  await mf.ready;
  const dispatch = mf.dispatchFetch.bind(mf);
  return {
    mf,
    fetch: (path, init) => dispatch(`http://worker${path}`, init),
    async post<T>(path: string, body: unknown): Promise<T> {
      const res = await dispatch(`http://worker${path}`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(body),
      });
      const text = await res.text();
      if (!res.ok) throw new Error(`${path}: HTTP ${res.status}: ${text}`);
      return JSON.parse(text) as T;
    },
    close: () => mf.dispose(),
  };
}

/** `p`, or a rejection after `ms` (catches a hang; not a timing assertion). */
export function withinHang<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const hang = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} still pending after ${ms} ms`)), ms);
  });
  return Promise.race([p, hang]).finally(() => clearTimeout(timer));
}
