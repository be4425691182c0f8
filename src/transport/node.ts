/**
 * The `node:net` socket adapter (Node; also works under Deno and Bun through their Node
 * compatibility layers).
 *
 * @module
 */

import * as net from "node:net";
import { ConnectionError, TimeoutError } from "../errors.ts";
import { bareHostname, formatAddress, tlsUnsupported } from "./_address.ts";
import { ReadSlab } from "./_read_slab.ts";
import type { ConnectOptions, RawSocket, SocketHandlers, Transport } from "./types.ts";

/**
 * A {@link Transport} over `node:net`. `TCP_NODELAY` is set; a `write` the kernel buffer could not
 * take at once returns a promise settled on `'drain'` (or on close). Received chunks are plain
 * `Uint8Array`s, never reused (see {@link ReadSlab}).
 */
export const nodeTransport: Transport = {
  name: "node",
  connect(options: ConnectOptions, handlers: SocketHandlers): Promise<RawSocket> {
    const tlsError = tlsUnsupported(options);
    if (tlsError) return Promise.reject(tlsError);
    const address = formatAddress(options.hostname, options.port);
    return new Promise<RawSocket>((resolve, reject) => {
      const slab = new ReadSlab();
      const socket = net.connect({
        host: bareHostname(options.hostname),
        port: options.port,
        onread: {
          buffer: slab.next,
          callback(length: number, room: Uint8Array): boolean {
            // Reads start only once connected (Node reads after 'connect').
            handlers.onData(slab.take(room, length));
            return true; // keep reading
          },
        },
      });
      let connected = false;
      let closed = false;
      let lastError: Error | undefined;
      // At most one write waits for 'drain' at a time (RawSocket contract).
      let drainWaiter: (() => void) | undefined;
      const timer = setTimeout(() => {
        socket.destroy();
        reject(new TimeoutError(`connect to ${address} timed out`, options.timeoutMs));
      }, options.timeoutMs);

      socket.on("error", (err: Error) => {
        if (connected) lastError = err;
        else {
          clearTimeout(timer);
          reject(
            new ConnectionError(address, `cannot connect to ${address}: ${err.message}`, {
              cause: err,
            }),
          );
        }
      });
      socket.on("drain", () => {
        const waiter = drainWaiter;
        drainWaiter = undefined;
        waiter?.();
      });
      socket.on("close", () => {
        clearTimeout(timer);
        if (!connected || closed) return;
        closed = true;
        const waiter = drainWaiter;
        drainWaiter = undefined;
        waiter?.();
        handlers.onClose(lastError);
      });
      socket.once("connect", () => {
        clearTimeout(timer);
        connected = true;
        socket.setNoDelay(true);
        resolve({
          write(data: Uint8Array): Promise<void> | undefined {
            if (closed || socket.destroyed) return undefined;
            // `write` answers false for any chunk above the high-water mark (16 KiB) even when
            // libuv took every byte at once; nothing left in the writable buffer means the
            // chunk is flushed, so waiting for 'drain' would only delay the next write.
            if (socket.write(data) || socket.writableLength === 0) return undefined;
            return new Promise<void>((done) => {
              drainWaiter = done;
            });
          },
          close(): void {
            socket.destroy();
          },
        });
      });
    });
  },
};

/** Alias of {@link nodeTransport}, so every adapter module exports the same name. */
export const transport: Transport = nodeTransport;
