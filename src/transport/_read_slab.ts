/**
 * Read buffers that are never reused, for the socket adapters. Runtime-free.
 *
 * @module
 */

/** Size of a {@link ReadSlab} slab. */
const READ_SLAB_BYTES = 256 * 1024;
/** Room a read is offered at least (Node's own read size). */
const READ_MIN_BYTES = 64 * 1024;

/**
 * Read buffers carved one after the other out of large slabs: each read lands just past the
 * previous one and the space is never handed out again, so a chunk stays valid for as long as
 * anyone holds it (the frame decoder keeps partial frames by reference), and nothing is allocated
 * or copied per read. The Node adapter passes {@link next} as `net.connect`'s `onread.buffer`, so
 * Node also skips its Readable stream: about 0.7 µs less CPU per message at 8 sends in flight
 * (the raw sender of bench/producer.ts on Node 22, with and without `onread`).
 */
export class ReadSlab {
  #slab = new Uint8Array(READ_SLAB_BYTES);
  #pos = 0;
  /** The room the next read goes into: 64 KiB never handed out before. */
  readonly next = (): Uint8Array => {
    if (this.#slab.length - this.#pos < READ_MIN_BYTES) {
      this.#slab = new Uint8Array(READ_SLAB_BYTES);
      this.#pos = 0;
    }
    // 64 KiB, Node's own read size: a bigger room makes no read cheaper.
    return new Uint8Array(this.#slab.buffer, this.#pos, READ_MIN_BYTES);
  };
  /** The first `length` bytes of `room` were read: they are the caller's from now on. */
  take(room: Uint8Array, length: number): Uint8Array {
    this.#pos += length;
    return new Uint8Array(room.buffer, room.byteOffset, length);
  }
}
