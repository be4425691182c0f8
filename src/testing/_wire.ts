/**
 * The one place the embedded cluster gets its frame codec from.
 *
 * @module
 */

export { decodeFrame, encodeFrame, FrameDecoder } from "./_codec.ts";
