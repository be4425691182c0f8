/**
 * The codec seam as the producer sees it: the interface of `src/codec/message-codec.ts`, and the
 * default codec of client instances: one lazily started worker pool per process (it runs inline
 * where the runtime has no workers, or for bodies below its offload threshold), shared by every
 * client instance and closed when the last of them closes its handle.
 *
 * @module
 */

import {
  createPooledCodec,
  type MessageCodec,
  type PooledMessageCodec,
} from "../codec/message-codec.ts";

export type { MessageCodec };
export { createInlineCodec } from "../codec/message-codec.ts";

let shared: PooledMessageCodec | undefined;
let refs = 0;

/**
 * Test hook: the process-wide pooled codec behind the current default-codec handles, or undefined
 * when no handle is open. Keep the returned object to observe its pool after the last handle
 * closed (`pool.closed`, `pool.size`, `pool.spawned`).
 *
 * @returns the shared codec, if any
 */
export function sharedDefaultCodec(): PooledMessageCodec | undefined {
  return shared;
}

/**
 * A handle on the process-wide default codec; `close()` releases the handle (idempotent), and
 * the pool itself closes with the last handle.
 *
 * @returns the handle
 */
export function createDefaultCodec(): MessageCodec {
  const inner = shared ??= createPooledCodec();
  refs++;
  let released = false;
  return {
    compress: (body, level) => inner.compress(body, level),
    encodeBatch: (records) => inner.encodeBatch(records),
    close: async () => {
      if (released) return;
      released = true;
      if (--refs === 0 && shared === inner) {
        shared = undefined;
        await inner.close();
      }
    },
  };
}
