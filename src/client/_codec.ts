/**
 * The codec seam as the producer sees it. Until `src/codec/message-codec.ts` (the worker-pool
 * issue) lands, this module carries the interface of docs/ARCHITECTURE.md and an inline
 * implementation over `compression.ts` and `batch.ts`; afterwards it simply re-exports that
 * module, so the rest of the producer imports the codec from one place.
 *
 * @module
 */

import { compressZlib } from "../codec/compression.ts";
import { type BatchRecord, encodeBatchRecords } from "../codec/batch.ts";

/** Compression and batch encoding, possibly off the main thread (docs/ARCHITECTURE.md). */
export interface MessageCodec {
  /** zlib stream (2-byte header) at `level`. */
  compress(body: Uint8Array, level: number): Promise<Uint8Array>;
  /** SEND_BATCH_MESSAGE body of the records. */
  encodeBatch(records: BatchRecord[]): Promise<Uint8Array>;
  /** Release workers, if any. */
  close(): Promise<void>;
}

/**
 * A codec that works on the calling thread.
 *
 * @returns the codec
 */
export function createInlineCodec(): MessageCodec {
  return {
    compress: (body, level) => compressZlib(body, level),
    encodeBatch: (records) => Promise.resolve(encodeBatchRecords(records)),
    close: () => Promise.resolve(),
  };
}
