/**
 * The streaming side of the frame codec: reassembling frames from socket chunks of any split.
 *
 * @module
 */

import { ProtocolError } from "../errors.ts";
import { MAX_FRAME_LENGTH } from "./codes.ts";
import type { RemotingCommand } from "./command.ts";
import {
  asProtocolError,
  checkHeaderWord,
  checkTotalLength,
  decodeJsonAt,
  decodeWhole,
  readInt32,
} from "./frame.ts";

/** Options of {@link FrameDecoder}. */
export interface FrameDecoderOptions {
  /** Largest accepted frame including its 4-byte length prefix. Default 16 MiB. */
  maxFrameLength?: number;
  /**
   * Offered every complete frame that lies inside one received chunk, before it is decoded:
   * `bytes[at, at + length)` (length prefix included), valid only during the call. Returns true
   * when it consumed the frame; false to have it decoded and passed to `onFrame` as usual. It
   * must not throw for malformed input (answer false: the decoder then reports the error).
   */
  intercept?: (bytes: Uint8Array, at: number, length: number) => boolean;
}

/** Placeholder for consumed chunks in the decoder's list. */
const NO_BYTES = new Uint8Array(0);
/** What `#next` returns for a frame to offer to the intercept (see `#raw`). */
const RAW_FRAME: RemotingCommand = {
  code: 0,
  language: 0,
  version: 0,
  opaque: 0,
  flag: 0,
  serializeType: 0,
};

/**
 * Streaming frame reassembler: push socket chunks in any split; complete frames are decoded and
 * passed to `onFrame` in order.
 *
 * Chunks are kept by reference (no copy) until their frames are complete, so callers must not
 * reuse a buffer after pushing it. A frame lying inside one chunk is decoded from a subarray; a
 * frame spanning chunks is copied once, when complete. Malformed input throws
 * {@link ProtocolError} and poisons the decoder: every later push throws too.
 *
 * An exception thrown by `onFrame` propagates out of `push`; frames still buffered are delivered
 * by the next push.
 */
export class FrameDecoder {
  readonly #onFrame: (cmd: RemotingCommand) => void;
  readonly #maxFrameLength: number;
  readonly #intercept: ((bytes: Uint8Array, at: number, length: number) => boolean) | undefined;
  /** The frame `#next` answered {@link RAW_FRAME} for: its chunk, offset and length. */
  #raw: Uint8Array = NO_BYTES;
  #rawAt = 0;
  #rawLength = 0;
  /** Pending chunks; `#chunks[#first]` is the oldest, read from `#offset`. */
  #chunks: Uint8Array[] = [];
  #first = 0;
  #offset = 0;
  /** Bytes buffered and not yet consumed. */
  #buffered = 0;
  /** Bytes of the frame being waited for (including the prefix), or -1 when not yet known. */
  #need = -1;
  /** Whether the header-length word of the awaited frame was already checked. */
  #wordChecked = false;
  #error: ProtocolError | undefined;

  /**
   * Create a decoder.
   *
   * @param onFrame called synchronously for each decoded frame
   * @param options frame size limit
   */
  constructor(onFrame: (cmd: RemotingCommand) => void, options?: FrameDecoderOptions) {
    this.#onFrame = onFrame;
    this.#maxFrameLength = options?.maxFrameLength ?? MAX_FRAME_LENGTH;
    this.#intercept = options?.intercept;
  }

  /** Bytes held that do not yet form a complete frame. */
  get bufferedBytes(): number {
    return this.#buffered;
  }

  /**
   * Add bytes received from the peer.
   *
   * @param chunk the next bytes of the stream (kept by reference)
   * @throws ProtocolError on malformed input, or if the decoder already failed
   */
  push(chunk: Uint8Array): void {
    if (this.#error !== undefined) {
      throw new ProtocolError(`frame decoder failed earlier: ${this.#error.message}`, {
        cause: this.#error,
      });
    }
    if (chunk.length > 0) {
      this.#chunks.push(chunk);
      this.#buffered += chunk.length;
    }
    for (;;) {
      let cmd: RemotingCommand | undefined;
      try {
        cmd = this.#next();
      } catch (e) {
        const error = asProtocolError(e);
        this.#poison(error);
        throw error;
      }
      if (cmd === undefined) return;
      if (cmd === RAW_FRAME) {
        const raw = this.#raw;
        this.#raw = NO_BYTES;
        if (this.#intercept!(raw, this.#rawAt, this.#rawLength)) continue;
        try {
          cmd = decodeJsonAt(raw, this.#rawAt, this.#rawLength) ??
            decodeWhole(raw.subarray(this.#rawAt, this.#rawAt + this.#rawLength));
        } catch (e) {
          const error = asProtocolError(e);
          this.#poison(error);
          throw error;
        }
      }
      // Outside the try: an error thrown by the callback is the caller's, not malformed input.
      this.#onFrame(cmd);
    }
  }

  /** Decode the next complete frame, or return undefined when more bytes are needed. */
  #next(): RemotingCommand | undefined {
    if (this.#need < 0) {
      if (this.#buffered < 4) return undefined;
      const totalLength = this.#peekInt32(0);
      // Checked from the 4-byte prefix alone, before anything is buffered up or allocated.
      checkTotalLength(totalLength, this.#maxFrameLength);
      this.#need = totalLength + 4;
    }
    if (!this.#wordChecked && this.#buffered >= 8) {
      // Reject a bad header length or serialize type now, not after buffering the whole frame.
      checkHeaderWord(this.#peekInt32(4), this.#need - 4);
      this.#wordChecked = true;
    }
    if (this.#buffered < this.#need) return undefined;
    const need = this.#need;
    this.#need = -1;
    this.#wordChecked = false;
    // The usual case, a JSON frame inside the current chunk: decoded in place.
    const head = this.#chunks[this.#first];
    const at = this.#offset;
    if (head.length - at >= need) {
      if (this.#intercept !== undefined) {
        // Offered as is; consumed from the buffer now, the chunk stays referenced in `#raw`.
        this.#raw = head;
        this.#rawAt = at;
        this.#rawLength = need;
        this.#skip(need);
        return RAW_FRAME;
      }
      const cmd = decodeJsonAt(head, at, need);
      if (cmd !== undefined) {
        this.#skip(need);
        return cmd;
      }
    }
    return decodeWhole(this.#take(need));
  }

  #poison(error: ProtocolError): void {
    this.#error = error;
    this.#chunks = [];
    this.#first = 0;
    this.#offset = 0;
    this.#buffered = 0;
  }

  /** Read the int32 `skip` bytes past the read position; it may straddle chunks. */
  #peekInt32(skip: number): number {
    const chunks = this.#chunks;
    let i = this.#first;
    let off = this.#offset + skip;
    while (off >= chunks[i].length) {
      off -= chunks[i].length;
      i++;
    }
    if (chunks[i].length - off >= 4) return readInt32(chunks[i], off);
    let value = 0;
    for (let n = 0; n < 4; n++) {
      while (off >= chunks[i].length) {
        off -= chunks[i].length;
        i++;
      }
      value = (value << 8) | chunks[i][off++];
    }
    return value;
  }

  /** Remove and return the next `n` buffered bytes (a subarray when they lie in one chunk). */
  #take(n: number): Uint8Array {
    const chunks = this.#chunks;
    let head = chunks[this.#first];
    this.#buffered -= n;
    let out: Uint8Array;
    if (head.length - this.#offset >= n) {
      out = head.subarray(this.#offset, this.#offset + n);
      this.#offset += n;
      if (this.#offset === head.length) {
        this.#release();
      }
    } else {
      out = new Uint8Array(n);
      let written = 0;
      while (written < n) {
        head = chunks[this.#first];
        const count = Math.min(head.length - this.#offset, n - written);
        out.set(
          count === head.length ? head : head.subarray(this.#offset, this.#offset + count),
          written,
        );
        written += count;
        this.#offset += count;
        if (this.#offset === head.length) this.#release();
      }
    }
    this.#compact();
    return out;
  }

  /**
   * The current chunk is used up: drop the list's reference at once (a socket chunk can be a
   * view of a large read buffer) and move on to the next chunk.
   */
  #release(): void {
    this.#chunks[this.#first++] = NO_BYTES;
    this.#offset = 0;
  }

  /** Drop the next `n` buffered bytes, which lie in the current chunk. */
  #skip(n: number): void {
    this.#buffered -= n;
    this.#offset += n;
    if (this.#offset === this.#chunks[this.#first].length) this.#release();
    this.#compact();
  }

  /** Forget consumed chunks once in a while, so the list never needs an O(n) shift per chunk. */
  #compact(): void {
    if (this.#first === this.#chunks.length) {
      this.#chunks = [];
      this.#first = 0;
    } else if (this.#first >= 1024 && this.#first * 2 >= this.#chunks.length) {
      this.#chunks = this.#chunks.slice(this.#first);
      this.#first = 0;
    }
  }
}
