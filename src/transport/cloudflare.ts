/**
 * The Cloudflare Workers socket adapter: `connect()` from `cloudflare:sockets`, in workerd.
 *
 * workerd binds every socket to the request (or Durable Object) that opened it: a socket, and any
 * promise its reads settle, cannot be used from another request's handler. A producer that should
 * outlive one request therefore belongs in a Durable Object (see the README's "Cloudflare Workers"
 * section); in a plain Worker, create it per request and shut it down in `ctx.waitUntil`.
 *
 * @example Name the adapter explicitly (detection picks it inside workerd anyway)
 * ```ts
 * import { cloudflareTransport, Producer } from "@rocketmq-edge/client";
 *
 * const producer = new Producer({
 *   nameServer: "mq.example.com:9876",
 *   group: "edge",
 *   transport: cloudflareTransport,
 * });
 * ```
 *
 * @module
 */

import { ConnectionError, TimeoutError } from "../errors.ts";
import { bareHostname, formatAddress, tlsUnsupported } from "./_address.ts";
import type { ConnectOptions, RawSocket, SocketHandlers, Transport } from "./types.ts";

/**
 * Writes handed to workerd at once. The writer's `desiredSize` cannot bound them: on workerd's
 * sockets it stays 1 whatever is queued (measured), so `ready` never waits. Two in flight let the
 * next batch leave while workerd writes the previous one. Measured (9 interleaved rounds of 20000
 * 1 KiB sends, medians, msgs/s): on the loaded 2-core machine two beat one at C=64 (21.0k vs 9.6k,
 * 13.9k vs 10.6k) and lost at C=8 (15.2k vs 23.3k, 17.1k vs 18.9k); with the machine quieter,
 * one, two and three were within noise (C=64 68.5k, 64.7k, 61.9k; C=8 34.5k, 32.3k, 35.8k).
 */
export const MAX_WRITES_IN_FLIGHT = 2;

/** The part of a `cloudflare:sockets` socket this adapter uses (no Workers types needed). */
interface WorkersSocket {
  readonly readable: ReadableStream<Uint8Array>;
  readonly writable: WritableStream<Uint8Array>;
  readonly opened: Promise<unknown>;
  readonly closed: Promise<void>;
  close(): Promise<void>;
}

/** `cloudflare:sockets`, reduced to `connect`. */
interface SocketsModule {
  connect(
    address: { hostname: string; port: number },
    options: { secureTransport: "off" | "on" | "starttls"; allowHalfOpen: boolean },
  ): WorkersSocket;
}

let sockets: Promise<SocketsModule> | undefined;

/** Load `cloudflare:sockets` once. A variable specifier keeps other runtimes' tools from resolving it. */
function loadSockets(): Promise<SocketsModule> {
  const spec = "cloudflare:sockets";
  return sockets ??= import(spec) as Promise<SocketsModule>;
}

/**
 * A {@link Transport} over `connect()` from `cloudflare:sockets`. Plain TCP (`secureTransport:
 * "off"`; TLS is rejected until the TLS issue lands). Each received chunk is a fresh
 * `Uint8Array`. Writes go to the socket's writer at once; while {@link MAX_WRITES_IN_FLIGHT} of
 * them wait for workerd, `write` returns the last one's promise, so the connection above queues
 * (and coalesces) frames meanwhile: that is the back-pressure.
 */
export const cloudflareTransport: Transport = {
  name: "cloudflare",
  async connect(options: ConnectOptions, handlers: SocketHandlers): Promise<RawSocket> {
    const tlsError = tlsUnsupported(options);
    if (tlsError) throw tlsError;
    const address = formatAddress(options.hostname, options.port);
    let socket: WorkersSocket;
    try {
      const { connect } = await loadSockets();
      socket = connect({ hostname: bareHostname(options.hostname), port: options.port }, {
        secureTransport: "off",
        allowHalfOpen: false,
      });
    } catch (err) {
      throw connectionError(address, err);
    }
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timedOut = new Promise<"timeout">((resolve) => {
      timer = setTimeout(() => resolve("timeout"), options.timeoutMs);
    });
    try {
      if (await Promise.race([socket.opened, timedOut]) === "timeout") {
        socket.close().catch(() => {});
        throw new TimeoutError(`connect to ${address} timed out`, options.timeoutMs);
      }
    } catch (err) {
      if (err instanceof TimeoutError) throw err;
      throw connectionError(address, err);
    } finally {
      clearTimeout(timer);
    }
    return new CloudflareSocket(socket, handlers);
  },
};

/** Alias of {@link cloudflareTransport}, so every adapter module exports the same name. */
export const transport: Transport = cloudflareTransport;

/** One open workerd socket plus its read loop. */
class CloudflareSocket implements RawSocket {
  /** Not claimed: a write that returned `undefined` may still be waiting inside workerd. */
  readonly releasesWrites = false;
  #socket: WorkersSocket;
  #writer: WritableStreamDefaultWriter<Uint8Array>;
  #handlers: SocketHandlers;
  #closing = false;
  #error: Error | undefined;
  /** Writes handed to workerd and not completed yet (they complete in order). */
  #inFlight = 0;
  #writeDone = (): void => {
    this.#inFlight--;
  };
  #writeFailed = (err: unknown): void => {
    this.#inFlight--;
    if (!this.#closing) this.#error ??= asError(err);
    this.close();
  };

  constructor(socket: WorkersSocket, handlers: SocketHandlers) {
    this.#socket = socket;
    this.#handlers = handlers;
    this.#writer = socket.writable.getWriter();
    this.#readLoop(socket.readable.getReader());
  }

  write(data: Uint8Array): Promise<void> | undefined {
    if (this.#closing) return undefined;
    this.#inFlight++;
    const done = this.#writer.write(data).then(this.#writeDone, this.#writeFailed);
    return this.#inFlight >= MAX_WRITES_IN_FLIGHT ? done : undefined;
  }

  close(): void {
    if (this.#closing) return;
    this.#closing = true;
    // Pending reads then end; the read loop reports the close.
    this.#socket.close().catch(() => {});
  }

  async #readLoop(reader: ReadableStreamDefaultReader<Uint8Array>): Promise<void> {
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        if (value.byteLength > 0) this.#handlers.onData(value);
      }
    } catch (err) {
      if (!this.#closing) this.#error ??= asError(err);
    }
    this.close();
    this.#handlers.onClose(this.#error);
  }
}

function connectionError(address: string, err: unknown): ConnectionError {
  const message = err instanceof Error ? err.message : String(err);
  return new ConnectionError(address, `cannot connect to ${address}: ${message}`, { cause: err });
}

function asError(err: unknown): Error {
  return err instanceof Error ? err : new Error(String(err));
}
