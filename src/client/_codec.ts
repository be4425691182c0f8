/**
 * The codec seam as the producer sees it: the interface of `src/codec/message-codec.ts`, and the
 * default a client instance creates (a lazily started worker pool that runs inline where the
 * runtime has no workers, or for bodies below its offload threshold).
 *
 * @module
 */

import { createPooledCodec, type MessageCodec } from "../codec/message-codec.ts";

export type { MessageCodec };
export { createInlineCodec } from "../codec/message-codec.ts";

/**
 * The default codec of a client instance (closed with it).
 *
 * @returns a pooled codec; inline where Workers do not exist
 */
export function createDefaultCodec(): MessageCodec {
  return createPooledCodec();
}
