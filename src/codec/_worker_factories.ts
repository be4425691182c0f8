/**
 * The two worker factories of the codec pool: the global `Worker` from a blob URL (Deno, Bun,
 * browsers) and `node:worker_threads` with `eval: true` (Node). Uses only web-standard globals; the
 * guarded dynamic import of `node:worker_threads` stays in `worker-pool.ts`.
 *
 * @module
 */

import type { WorkerFactory, WorkerReply } from "./worker-pool.ts";

interface WebWorkerLike {
  postMessage(message: unknown, transfer: Transferable[]): void;
  terminate(): void;
  onmessage: ((e: MessageEvent) => void) | null;
  onerror: ((e: Event) => void) | null;
  onmessageerror: ((e: Event) => void) | null;
  unref?: () => void;
  ref?: () => void;
}

interface NodeWorkerLike {
  postMessage(message: unknown, transfer: ArrayBuffer[]): void;
  terminate(): Promise<number>;
  on(event: string, listener: (arg: unknown) => void): void;
  unref(): void;
  ref(): void;
}

/** Constructor of a `node:worker_threads` Worker. */
export type NodeWorkerCtor = new (source: string, options: { eval: true }) => NodeWorkerLike;

/** Worker factory over the global `Worker` (Deno, Bun, browsers), from a blob URL. */
export function webFactory(): WorkerFactory {
  let url: string | undefined;
  return {
    kind: "web",
    spawn(source, events) {
      url ??= URL.createObjectURL(new Blob([source], { type: "text/javascript" }));
      const w = new Worker(url, { type: "module" }) as unknown as WebWorkerLike;
      let dead = false;
      const die = (cause: unknown): void => {
        if (dead) return;
        dead = true;
        w.terminate();
        events.onDeath(cause);
      };
      w.onmessage = (e) => events.onMessage(e.data as WorkerReply);
      // preventDefault keeps an uncaught worker error from being rethrown in this thread.
      w.onerror = (e) => {
        e.preventDefault();
        die((e as ErrorEvent).error ?? new Error((e as ErrorEvent).message));
      };
      w.onmessageerror = () => die(new Error("a worker reply could not be deserialized"));
      return {
        post: (request, transfer) => w.postMessage(request, transfer),
        terminate: () => {
          dead = true;
          w.terminate();
          return Promise.resolve();
        },
        unref: () => w.unref?.(),
        ref: () => w.ref?.(),
      };
    },
    dispose() {
      if (url !== undefined) URL.revokeObjectURL(url);
      url = undefined;
    },
  };
}

/** Worker factory over `node:worker_threads` (Node 22 has no global Worker). */
export function nodeFactory(NodeWorker: NodeWorkerCtor): WorkerFactory {
  return {
    kind: "node",
    spawn(source, events) {
      const w = new NodeWorker(source, { eval: true });
      let dead = false;
      let gone: Promise<unknown> | undefined;
      const die = (cause: unknown): void => {
        if (dead) return;
        dead = true;
        gone = w.terminate().catch(() => {});
        events.onDeath(cause);
      };
      w.on("message", (m) => events.onMessage(m as WorkerReply));
      w.on("error", (e) => die(e));
      w.on("messageerror", (e) => die(e));
      w.on("exit", (code) => die(new Error(`worker exited with code ${code}`)));
      return {
        post: (request, transfer) => w.postMessage(request, transfer),
        terminate: async () => {
          dead = true;
          gone ??= w.terminate().catch(() => {});
          await gone;
        },
        unref: () => w.unref(),
        ref: () => w.ref(),
      };
    },
    dispose() {},
  };
}
