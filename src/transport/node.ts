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

/** True on Node itself, false in the Node compatibility layers of Deno and Bun. */
const NATIVE_NODE = (globalThis as { Deno?: unknown }).Deno === undefined &&
  (globalThis as { Bun?: unknown }).Bun === undefined;

/**
 * A {@link Transport} over `node:net`. `TCP_NODELAY` is set; a `write` the kernel could not take
 * at once returns a promise settled when Node completed it (or on close). Received chunks are plain
 * `Uint8Array`s, never reused (on Node they are read straight into a {@link ReadSlab}). An
 * `onData` that throws closes the socket with that error.
 */
export const nodeTransport: Transport = {
  name: "node",
  connect(options: ConnectOptions, handlers: SocketHandlers): Promise<RawSocket> {
    const tlsError = tlsUnsupported(options);
    if (tlsError) return Promise.reject(tlsError);
    const address = formatAddress(options.hostname, options.port);
    return new Promise<RawSocket>((resolve, reject) => {
      const host = bareHostname(options.hostname);
      // A throwing handler closes the socket with its error, as the Deno adapter does (and, with
      // `onread`, Node would otherwise read the next bytes over the chunk it just handed out).
      const deliver = (chunk: Uint8Array): void => {
        try {
          handlers.onData(chunk);
        } catch (err) {
          socket.destroy(err instanceof Error ? err : new Error(String(err)));
        }
      };
      // Node: `onread` (see ReadSlab). The Node layers of Deno and Bun get the 'data' event, which
      // every version of theirs implements (older ones lack or ignore `onread`).
      const slab = NATIVE_NODE ? new ReadSlab() : undefined;
      const socket = slab !== undefined
        ? net.connect({
          host,
          port: options.port,
          onread: {
            buffer: slab.next,
            callback(length: number, room: Uint8Array): boolean {
              // Reads start only once connected (Node reads after 'connect').
              deliver(slab.take(room, length));
              return true; // keep reading
            },
          },
        })
        : net.connect({ host, port: options.port });
      let connected = false;
      let closed = false;
      let lastError: Error | undefined;
      // Writes handed to Node and completed (Node calls write callbacks in order); at most one
      // write waits for its completion at a time (RawSocket contract).
      let issued = 0;
      let completed = 0;
      let writeWaiter: (() => void) | undefined;
      const settleWrite = (): void => {
        const waiter = writeWaiter;
        writeWaiter = undefined;
        waiter?.();
      };
      const written = (): void => {
        if (++completed === issued) settleWrite();
      };
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
      socket.on("close", () => {
        clearTimeout(timer);
        if (!connected || closed) return;
        closed = true;
        settleWrite();
        handlers.onClose(lastError);
      });
      socket.once("connect", () => {
        clearTimeout(timer);
        connected = true;
        socket.setNoDelay(true);
        if (slab === undefined) {
          // A plain Uint8Array view (no copy), so decoded bodies are the same type everywhere.
          socket.on("data", (chunk: Uint8Array) => {
            deliver(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength));
          });
        }
        resolve({
          // Node: a write that left nothing in the writable buffer was written by libuv at once
          // (uv_try_write) and nothing refers to `data` any more; any other write is held until
          // its callback. Not claimed for the Node layers of Deno and Bun.
          releasesWrites: NATIVE_NODE,
          write(data: Uint8Array): Promise<void> | undefined {
            if (closed || socket.destroyed) return undefined;
            issued++;
            socket.write(data, written);
            // Not `write`'s answer: it is false for any chunk above the high-water mark (16 KiB)
            // even when every byte was taken, and true for a small chunk libuv still holds.
            if (socket.writableLength === 0 || completed === issued) return undefined;
            return new Promise<void>((done) => {
              writeWaiter = done;
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
