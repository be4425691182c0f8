/**
 * The `Bun.connect` socket adapter.
 *
 * @module
 */

import { ConnectionError, TimeoutError } from "../errors.ts";
import { bareHostname, formatAddress, tlsUnsupported } from "./_address.ts";
import type { ConnectOptions, RawSocket, SocketHandlers, Transport } from "./types.ts";

/** The part of Bun's socket API this adapter uses (declared here so no Bun types are needed). */
interface BunSocket {
  write(data: Uint8Array): number;
  end(): void;
  setNoDelay?(noDelay: boolean): boolean;
}

/** Handlers of `Bun.connect`. */
interface BunSocketHandlers {
  data(socket: BunSocket, data: Uint8Array): void;
  drain(socket: BunSocket): void;
  close(socket: BunSocket, error?: Error): void;
  error(socket: BunSocket, error: Error): void;
  connectError(socket: BunSocket, error: Error): void;
}

/** `globalThis.Bun`, reduced to `connect`. */
interface BunApi {
  connect(options: { hostname: string; port: number; socket: BunSocketHandlers }): Promise<
    BunSocket
  >;
}

/**
 * A {@link Transport} over `Bun.connect`. Bun's `socket.write` may take only part of the bytes and
 * does not buffer the rest: the adapter keeps the remainder and resumes on `drain`; the returned
 * promise settles once all of it was taken (or the socket closed).
 */
export const bunTransport: Transport = {
  name: "bun",
  connect(options: ConnectOptions, handlers: SocketHandlers): Promise<RawSocket> {
    const tlsError = tlsUnsupported(options);
    if (tlsError) return Promise.reject(tlsError);
    const bun = (globalThis as { Bun?: BunApi }).Bun;
    const address = formatAddress(options.hostname, options.port);
    if (!bun) return Promise.reject(new ConnectionError(address, "Bun.connect is not available"));
    const raw = new BunRawSocket(handlers);
    return new Promise<RawSocket>((resolve, reject) => {
      let timedOut = false;
      const timer = setTimeout(() => {
        timedOut = true;
        reject(new TimeoutError(`connect to ${address} timed out`, options.timeoutMs));
      }, options.timeoutMs);
      const socketHandlers: BunSocketHandlers = {
        // A plain Uint8Array view (no copy) of Bun's fresh Buffer, as on the other runtimes.
        data: (_socket, data) =>
          handlers.onData(new Uint8Array(data.buffer, data.byteOffset, data.byteLength)),
        drain: (socket) => raw.drained(socket),
        close: (_socket, error) => raw.closed(error),
        error: (_socket, error) => raw.failed(error),
        // Bun.connect's promise rejects too; the failure is reported there.
        connectError: () => {},
      };
      bun.connect({
        hostname: bareHostname(options.hostname),
        port: options.port,
        socket: socketHandlers,
      }).then((socket) => {
        clearTimeout(timer);
        if (timedOut) {
          socket.end();
          return;
        }
        socket.setNoDelay?.(true);
        raw.attach(socket);
        resolve(raw);
      }, (err: unknown) => {
        clearTimeout(timer);
        const message = err instanceof Error ? err.message : String(err);
        reject(
          new ConnectionError(address, `cannot connect to ${address}: ${message}`, {
            cause: err,
          }),
        );
      });
    });
  },
};

/** Alias of {@link bunTransport}, so every adapter module exports the same name. */
export const transport: Transport = bunTransport;

/** One open Bun socket as a {@link RawSocket}. */
class BunRawSocket implements RawSocket {
  /** What Bun's `socket.write` takes is written out before it returns; we keep only the rest. */
  readonly releasesWrites = true;
  #handlers: SocketHandlers;
  #socket: BunSocket | undefined;
  #closing = false;
  /** Bun reported the close; `#closedError` is what it reported. */
  #closed = false;
  #closedError: Error | undefined;
  #reported = false;
  #error: Error | undefined;
  /** Bytes Bun did not take yet, and the writer waiting for them. */
  #rest: Uint8Array | undefined;
  #restDone: (() => void) | undefined;

  constructor(handlers: SocketHandlers) {
    this.#handlers = handlers;
  }

  attach(socket: BunSocket): void {
    this.#socket = socket;
    // Closed between Bun's open and our continuation: report it after the caller got the socket.
    if (this.#closed) queueMicrotask(() => this.#report());
  }

  write(data: Uint8Array): Promise<void> | undefined {
    const socket = this.#socket;
    if (this.#closed || this.#closing || !socket) return undefined;
    const written = socket.write(data);
    if (written >= data.length) return undefined;
    this.#rest = written > 0 ? data.subarray(written) : data;
    return new Promise<void>((done) => {
      this.#restDone = done;
    });
  }

  close(): void {
    if (this.#closing || this.#closed) return;
    this.#closing = true;
    this.#socket?.end();
  }

  drained(socket: BunSocket): void {
    const rest = this.#rest;
    if (!rest) return;
    const written = socket.write(rest);
    if (written >= rest.length) this.#settleRest();
    else if (written > 0) this.#rest = rest.subarray(written);
  }

  failed(error: Error): void {
    if (!this.#closing) this.#error ??= error;
  }

  closed(error?: Error): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#closedError = this.#error ?? (this.#closing ? undefined : error);
    this.#settleRest();
    if (this.#socket) this.#report();
  }

  #report(): void {
    if (this.#reported) return;
    this.#reported = true;
    this.#handlers.onClose(this.#closedError);
  }

  #settleRest(): void {
    const done = this.#restDone;
    this.#rest = undefined;
    this.#restDone = undefined;
    done?.();
  }
}
