/**
 * The one place the embedded cluster gets its frame codec from: the project's codec
 * (`src/remoting/frame.ts`), so the cluster's answers are checked by the same code that clients
 * use — and the fixture replay tests check both against the recordings.
 *
 * @module
 */

export { decodeFrame, encodeFrame } from "../remoting/frame.ts";
export { FrameDecoder } from "../remoting/frame-decoder.ts";
