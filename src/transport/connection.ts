/**
 * Write coalescing and close tracking over a {@link RawSocket}. Runtime-free.
 *
 * @module
 */

import type { ConnectOptions, RawSocket, SocketHandlers, Transport } from "./types.ts";

/** Frames queued together are concatenated up to this many bytes per write; bigger frames go alone. */
const MAX_BATCH_BYTES = 1024 * 1024;
/** Size of a {@link FrameSlab} slab; frames above a quarter of it get a buffer of their own. */
const SLAB_BYTES = 256 * 1024;
const EMPTY = new Uint8Array(0);
const RESOLVED: Promise<void> = Promise.resolve();
/**
 * Queued bytes that are written at once instead of at the end of the tick. Pipelined senders
 * (64 sends in flight) otherwise hand the broker a whole window's worth of frames in one write
 * after encoding all of them, and the two sides take turns instead of working side by side.
 * Measured with 1 KiB messages at C=64 (bench/send_path.ts, Node): off 131-152k msgs/s,
 * 6000 B 183k, 9000 B 180k, 12 KiB 189k, 18000 B 169k; CPU per send +10%. A tick with less
 * (C=8: 8 frames, 11 KB) still leaves in one write.
 */
const EARLY_FLUSH_BYTES = 12 * 1024;

/**
 * Runs a callback in a later macrotask: `setImmediate` where the runtime has it (Node, Bun, Deno:
 * after the I/O callbacks of the current event-loop turn), else `setTimeout(0)` (workerd).
 */
const nextMacrotask: (callback: () => void) => void =
  typeof (globalThis as { setImmediate?: unknown }).setImmediate === "function"
    ? (callback) =>
      (globalThis as unknown as { setImmediate(cb: () => void): void }).setImmediate(callback)
    : (callback) => void setTimeout(callback, 0);

/**
 * Carves frame buffers out of large slabs, one after the other. Consecutive frames of a slab are
 * adjacent in memory, so {@link Connection.send} can hand a whole tick's frames to the socket as
 * one view of the slab: no buffer per frame (each a backing store the GC must track) and no
 * concatenating copy. Space handed out as a view ({@link alloc}) is never reused: its slab lives
 * until the last view is dropped. Space reserved without a view ({@link reserve}, for frames
 * queued with {@link Connection.sendRange}) is reused once the connection wrote and released it
 * ({@link recycle}).
 */
export class FrameSlab {
  #slab: Uint8Array = EMPTY;
  #pos = 0;
  /** A view of the current slab was handed out ({@link alloc}): its holder may read it later. */
  #pinned = false;
  /** The buffer of the last {@link reserve}: the current slab, or a big frame's own buffer. */
  buffer: Uint8Array = EMPTY;
  /** Where the last {@link reserve} starts in {@link buffer}. */
  at = 0;
  /** `alloc` bound once, to pass as an allocator callback. */
  readonly allocate: (length: number) => Uint8Array = (length) => this.alloc(length);

  /**
   * Reserve `length` zero bytes, adjacent to the previous reservation when they fit: they are
   * `buffer[at, at + length)`. No view is made (see {@link Connection.sendRange}).
   */
  reserve(length: number): void {
    if (length > SLAB_BYTES / 4) {
      this.buffer = new Uint8Array(length);
      this.at = 0;
      return;
    }
    let pos = this.#pos;
    if (pos + length > this.#slab.length) {
      this.#slab = new Uint8Array(SLAB_BYTES);
      this.#pinned = false;
      pos = 0;
    }
    this.#pos = pos + length;
    this.buffer = this.#slab;
    this.at = pos;
  }

  /**
   * Every byte reserved so far was written and released (`Connection.onIdle`): reuse the current
   * slab from its start, zeroed again. Skipped when {@link alloc} handed out a view of it. Without
   * this, a busy connection discards a 256 KiB slab every ~200 frames, and the slabs waiting for
   * the next scavenge to free them piled up in the C library's heap (measured: RSS over 1 M sends
   * at C=64 16–30 MB, bimodal with glibc's dynamic mmap threshold).
   */
  recycle(): void {
    if (this.#pinned || this.#pos === 0) return;
    this.#slab.fill(0, 0, this.#pos);
    this.#pos = 0;
  }

  /** A zero-filled buffer of `length` bytes, adjacent to the previous one when it fits. */
  alloc(length: number): Uint8Array {
    this.reserve(length);
    const buffer = this.buffer;
    if (buffer.length === length) return buffer;
    this.#pinned = true;
    // A view built directly: cheaper than `subarray` (no species lookup), same result.
    return new Uint8Array(buffer.buffer, this.at, length);
  }
}

/** Callbacks of a {@link Connection} opened with {@link Connection.open}. */
export interface ConnectionHandlers {
  /** Bytes arrived (borrowed, see {@link SocketHandlers.onData}). */
  onData(chunk: Uint8Array): void;
  /**
   * The connection stopped being usable: `close()` was called or the socket closed. Called once,
   * synchronously, before {@link Connection.closed} settles. `error` as for `closed`.
   */
  onClose?(error: Error | undefined): void;
}

/** A {@link flush} caller waiting for the frames queued before it to reach the socket. */
interface FlushWaiter {
  seq: number;
  resolve(): void;
  reject(error: Error): void;
}

/**
 * A connection carrying frames: the frames {@link send}t in one tick are written with a single
 * socket write (concatenated) at the end of the tick, or as soon as 12 KiB have queued; while
 * the socket applies back-pressure further frames queue up and go out together once it accepted
 * the previous write. On a connection made by {@link Connection.open}, frames queued while the
 * peer owes an answer (written since the last read) go out in the next macrotask instead, so the
 * sends of many macrotasks (a relay's HTTP requests) share one write.
 */
export class Connection {
  /**
   * Settles once the underlying socket has closed, with the reason: the error given to
   * {@link close}, else the socket's error, else `undefined` for a clean close.
   */
  readonly closed: Promise<Error | undefined>;
  #socket: RawSocket;
  #onClose: ((error: Error | undefined) => void) | undefined;
  /** Queued buffers, oldest first; each may hold several adjacent frames. */
  #queue: Uint8Array[] = [];
  /**
   * The newest run of adjacent frames, not yet in {@link #queue}: bytes `[#tailStart, #tailEnd)`
   * of `#tail.buffer` (`#tail` itself when it is exactly those bytes).
   */
  #tail: Uint8Array | undefined;
  #tailStart = 0;
  #tailEnd = 0;
  #queuedBytes = 0;
  #scheduled = false;
  #writing = false;
  /**
   * Bytes were written and no bytes arrived since: the peer owes answers (set only on connections
   * made by {@link Connection.open}, which sees the reads). Frames queued then wait for the next
   * macrotask instead of the end of this one, see {@link #queueRun}.
   */
  #awaitingReply = false;
  #tracksReplies = false;
  /** Bytes queued / handed to the socket so far (for {@link flush}). */
  #queuedSeq = 0;
  #writtenSeq = 0;
  #inFlightBytes = 0;
  #waiters: FlushWaiter[] = [];
  #ending = false;
  #endError: Error | undefined;
  #resolveClosed!: (error: Error | undefined) => void;
  #socketClosed = false;
  // Bound once per connection so the hot path allocates no closures.
  #flushTask = (): void => {
    // Run as a promise reaction: a throw must close the connection, not become a rejection.
    try {
      this.#flush();
    } catch (err) {
      this.close(asError(err));
    }
  };
  #writeDone = (): void => this.#afterWrite();
  /**
   * Called when every byte queued so far was written and, the socket having
   * {@link RawSocket.releasesWrites}, released by the runtime: memory those bytes were in may be
   * written again (the remoting channel recycles its {@link FrameSlab}). Never after a close.
   */
  onIdle: (() => void) | undefined = undefined;
  #writeFailed = (err: unknown): void => this.close(asError(err));

  /**
   * Wrap an open socket. Whoever receives the socket's {@link SocketHandlers.onClose} must forward
   * it to {@link socketClosed} ({@link Connection.open} does this).
   */
  constructor(socket: RawSocket, onClose?: (error: Error | undefined) => void) {
    this.#socket = socket;
    this.#onClose = onClose;
    this.closed = new Promise((resolve) => {
      this.#resolveClosed = resolve;
    });
  }

  /** Connect with `transport` and wrap the socket; rejects as the transport does. */
  static async open(
    transport: Transport,
    options: ConnectOptions,
    handlers: ConnectionHandlers,
  ): Promise<Connection> {
    // The socket may report its close before the Connection exists; remember it until then.
    const link: { connection?: Connection; closed?: boolean; error?: Error } = {};
    const onData = handlers.onData;
    const socketHandlers: SocketHandlers = {
      onData(chunk: Uint8Array): void {
        if (link.connection !== undefined) link.connection.#awaitingReply = false;
        onData(chunk);
      },
      onClose(error?: Error): void {
        if (link.connection) link.connection.socketClosed(error);
        else {
          link.closed = true;
          link.error = error;
        }
      },
    };
    const socket = await transport.connect(options, socketHandlers);
    const connection = new Connection(socket, handlers.onClose?.bind(handlers));
    connection.#tracksReplies = true;
    link.connection = connection;
    if (link.closed) connection.socketClosed(link.error);
    return connection;
  }

  /** True once {@link close} was called or the socket closed; {@link send} then drops frames. */
  get isClosed(): boolean {
    return this.#ending;
  }

  /** Bytes queued and not yet handed to the socket. */
  get bufferedBytes(): number {
    return this.#queuedBytes;
  }

  /**
   * Queue one whole frame. Frames queued in the same tick leave in one write, at the end of the
   * tick or once 12 KiB are queued (then synchronously, from this call).
   */
  send(frame: Uint8Array): void {
    const start = frame.byteOffset;
    this.#queueRun(frame, start, start + frame.length);
  }

  /**
   * {@link send} for the frame held in `buffer[start, end)` (written in place, e.g. into a
   * {@link FrameSlab} reservation): no view of the frame is needed, one is made per write.
   */
  sendRange(buffer: Uint8Array, start: number, end: number): void {
    const offset = buffer.byteOffset;
    this.#queueRun(buffer, offset + start, offset + end);
  }

  /** Queue bytes `[start, end)` of `holder.buffer` (offsets in the ArrayBuffer). */
  #queueRun(holder: Uint8Array, start: number, end: number): void {
    if (this.#ending) return;
    const tail = this.#tail;
    const length = end - start;
    if (tail !== undefined && holder.buffer === tail.buffer && start === this.#tailEnd) {
      // Adjacent to the previous frame (same slab): extend the run instead of queueing a buffer.
      this.#tailEnd = end;
    } else {
      if (tail !== undefined) this.#queue.push(this.#takeTail());
      this.#tail = holder;
      this.#tailStart = start;
      this.#tailEnd = end;
    }
    this.#queuedBytes += length;
    this.#queuedSeq += length;
    if (this.#queuedBytes >= EARLY_FLUSH_BYTES && !this.#writing) {
      // Enough for one write already: hand it to the socket now, so the peer starts on these
      // frames while the rest of this tick's sends are still being encoded.
      this.#flushTask();
      return;
    }
    if (!this.#scheduled && !this.#writing) {
      this.#scheduled = true;
      if (this.#awaitingReply) {
        // Answers are owed, so this frame comes from a macrotask of its own (an HTTP request
        // of a relay, a timer), not from the reaction to an answer: wait for the frames the
        // other macrotasks of this event-loop turn queue, and send them all in one write (one
        // syscall here, one read at the broker) instead of one write each.
        // Measured on Deno, 64 keep-alive HTTP connections, one 1 KiB message per request,
        // old/new alternated in one run: producer writes per message 1.00 -> 0.13, broker CPU
        // per message 27-44 -> 15-16 us, a bare handler around send() 7.6-10.7k -> 16-22k req/s.
        // An idle connection (nothing owed: C=1, the first send) still writes at the end of the
        // tick, so a lone send waits no longer than before; one-way sends (never answered)
        // wait for the next macrotask at most. Direct producer, old/new alternated: writes per
        // message unchanged at C=1/8/64 (Deno, Node); on Node at C=64 the frames queued after
        // an early (12 KiB) write of a tick now wait for the next macrotask (0.08 per message),
        // msgs/s not lower.
        nextMacrotask(this.#flushTask);
      } else {
        // A resolved promise's reaction: cheaper than queueMicrotask on Node (no async resource
        // per call), the same microtask timing everywhere.
        RESOLVED.then(this.#flushTask);
      }
    }
  }

  /**
   * Resolves once every frame queued so far was handed to the socket; rejects with the close
   * reason (or a plain `Error`) if the connection closes first.
   */
  flush(): Promise<void> {
    if (this.#ending) return Promise.reject(this.#endError ?? new Error("connection closed"));
    if (this.#writtenSeq === this.#queuedSeq) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      this.#waiters.push({ seq: this.#queuedSeq, resolve, reject });
    });
  }

  /** Close the connection; `error` becomes the close reason. Queued frames are dropped. Idempotent. */
  close(error?: Error): void {
    if (this.#ending) return;
    this.#end(error);
    this.#socket.close();
  }

  /** The socket reported its close (the adapter's `onClose`). */
  socketClosed(error?: Error): void {
    if (this.#socketClosed) return;
    this.#socketClosed = true;
    if (!this.#ending) this.#end(error);
    this.#resolveClosed(this.#endError);
  }

  #end(error: Error | undefined): void {
    this.#ending = true;
    this.#endError = error;
    this.#queue = [];
    this.#tail = undefined;
    this.#queuedBytes = 0;
    const waiters = this.#waiters;
    this.#waiters = [];
    const reason = error ?? new Error("connection closed");
    for (const w of waiters) w.reject(reason);
    const onClose = this.#onClose;
    this.#onClose = undefined;
    onClose?.(error);
  }

  /** The tail run as one buffer (the frame itself when the run holds one frame). */
  #takeTail(): Uint8Array {
    const tail = this.#tail!;
    this.#tail = undefined;
    const start = this.#tailStart;
    const length = this.#tailEnd - start;
    if (tail.byteOffset === start && tail.length === length) return tail;
    return new Uint8Array(tail.buffer, start, length);
  }

  #flush(): void {
    this.#scheduled = false;
    if (this.#tail !== undefined) this.#queue.push(this.#takeTail());
    while (!this.#writing && !this.#ending && this.#queue.length > 0) {
      const frames = this.#takeBatch();
      this.#awaitingReply = this.#tracksReplies;
      const pending = this.#socket.write(frames);
      if (pending) {
        this.#writing = true;
        pending.then(this.#writeDone, this.#writeFailed);
      } else {
        this.#afterWrite();
      }
    }
    if (
      this.onIdle !== undefined && !this.#writing && !this.#ending && this.#queue.length === 0 &&
      this.#tail === undefined && this.#socket.releasesWrites === true
    ) this.onIdle();
  }

  /** Remove up to {@link MAX_BATCH_BYTES} of queued frames and return them as one buffer. */
  #takeBatch(): Uint8Array {
    const queue = this.#queue;
    let count = 1;
    let bytes = queue[0].length;
    while (count < queue.length && bytes + queue[count].length <= MAX_BATCH_BYTES) {
      bytes += queue[count].length;
      count++;
    }
    this.#inFlightBytes = bytes;
    this.#queuedBytes -= bytes;
    if (count === 1) return queue.shift()!;
    const out = new Uint8Array(bytes);
    let offset = 0;
    for (let i = 0; i < count; i++) {
      out.set(queue[i], offset);
      offset += queue[i].length;
    }
    if (count === queue.length) this.#queue = [];
    else queue.splice(0, count);
    return out;
  }

  #afterWrite(): void {
    this.#writtenSeq += this.#inFlightBytes;
    this.#inFlightBytes = 0;
    if (this.#waiters.length > 0) this.#wakeWaiters();
    if (this.#writing) {
      this.#writing = false;
      this.#flush();
    }
  }

  #wakeWaiters(): void {
    const written = this.#writtenSeq;
    const still: FlushWaiter[] = [];
    for (const w of this.#waiters) {
      if (w.seq <= written) w.resolve();
      else still.push(w);
    }
    this.#waiters = still;
  }
}

function asError(err: unknown): Error {
  return err instanceof Error ? err : new Error(String(err));
}
