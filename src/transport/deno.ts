/**
 * The `Deno.connect` socket adapter.
 *
 * @module
 */

import { ConnectionError, TimeoutError } from "../errors.ts";
import { bareHostname, formatAddress, tlsUnsupported } from "./_address.ts";
import { ReadSlab } from "./_read_slab.ts";
import type { ConnectOptions, RawSocket, SocketHandlers, Transport } from "./types.ts";

/**
 * A {@link Transport} over `Deno.connect`. Reads go straight into a {@link ReadSlab} (no copy); the
 * chunks handed to `onData` are never reused, so callers may keep them. Writes loop over
 * `conn.write` until every byte was taken.
 */
export const denoTransport: Transport = {
  name: "deno",
  async connect(options: ConnectOptions, handlers: SocketHandlers): Promise<RawSocket> {
    const tlsError = tlsUnsupported(options);
    if (tlsError) throw tlsError;
    const address = formatAddress(options.hostname, options.port);
    const abort = new AbortController();
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      abort.abort();
    }, options.timeoutMs);
    let conn: Deno.TcpConn;
    try {
      conn = await Deno.connect({
        hostname: bareHostname(options.hostname),
        port: options.port,
        signal: abort.signal,
      });
    } catch (err) {
      if (timedOut) throw new TimeoutError(`connect to ${address} timed out`, options.timeoutMs);
      const message = err instanceof Error ? err.message : String(err);
      throw new ConnectionError(address, `cannot connect to ${address}: ${message}`, {
        cause: err,
      });
    } finally {
      clearTimeout(timer);
    }
    conn.setNoDelay(true);
    return new DenoSocket(conn, handlers);
  },
};

/** Alias of {@link denoTransport}, so every adapter module exports the same name. */
export const transport: Transport = denoTransport;

/** One open `Deno.TcpConn` plus its read loop. */
class DenoSocket implements RawSocket {
  /** A write's promise settles once `conn.write` took every byte: nothing refers to them then. */
  readonly releasesWrites = true;
  #conn: Deno.TcpConn;
  #handlers: SocketHandlers;
  #closing = false;
  #error: Error | undefined;

  constructor(conn: Deno.TcpConn, handlers: SocketHandlers) {
    this.#conn = conn;
    this.#handlers = handlers;
    this.#readLoop();
  }

  write(data: Uint8Array): Promise<void> | undefined {
    if (this.#closing) return undefined;
    return this.#writeAll(data);
  }

  close(): void {
    if (this.#closing) return;
    this.#closing = true;
    // A pending read then fails; the read loop reports the close.
    try {
      this.#conn.close();
    } catch { /* already closed */ }
  }

  async #writeAll(data: Uint8Array): Promise<void> {
    try {
      let offset = 0;
      while (offset < data.length && !this.#closing) {
        offset += await this.#conn.write(offset === 0 ? data : data.subarray(offset));
      }
    } catch (err) {
      // Settle the write; the broken socket is reported once through onClose.
      if (!this.#closing) this.#error = asError(err);
      this.close();
    }
  }

  async #readLoop(): Promise<void> {
    const slab = new ReadSlab();
    try {
      for (;;) {
        const room = slab.next();
        const n = await this.#conn.read(room);
        if (n === null) break;
        if (n > 0) this.#handlers.onData(slab.take(room, n));
      }
    } catch (err) {
      if (!this.#closing) this.#error = asError(err);
    }
    this.close();
    this.#handlers.onClose(this.#error);
  }
}

function asError(err: unknown): Error {
  return err instanceof Error ? err : new Error(String(err));
}
