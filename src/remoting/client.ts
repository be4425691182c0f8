/**
 * The remoting client: request/response over RocketMQ's remoting protocol, one lazily opened
 * connection per address, timeouts, aborts, and answers to broker-initiated requests
 * (Java `NettyRemotingAbstract`, `RemotingCommand` flag bits), and RPC hooks around every request
 * (Java `RPCHook`, see `rpc-hook.ts`). Runtime-free: sockets come from a {@link Transport}.
 *
 * @module
 */

import {
  AbortedError,
  ConnectionError,
  StateError,
  TimeoutError,
  ValidationError,
} from "../errors.ts";
import { detectTransport } from "../transport/detect.ts";
import type { Transport } from "../transport/types.ts";
import { FrameFlag, LanguageCode, MQVersion } from "./codes.ts";
import type { RemotingCommand } from "./command.ts";
import { encodeFrame, encodeJsonRequestFrame } from "./frame.ts";
import { type JsonFieldsWriter, writeJsonFieldsFrame } from "./json-request.ts";
import { Channel, type ChannelHost, parseAddress, type RequestHandler } from "./_channel.ts";
import { expireEntry, nextOpaque, PromisedResponse, registerEntry, SinkCall } from "./_pending.ts";
import { PendingRequest, type ResponseSink } from "./pending-request.ts";
import { type RpcHook, RpcHooks } from "./rpc-hook.ts";
import { HookedCall, jsonRequestOf } from "./_hooked.ts";

export type { RequestHandler } from "./_channel.ts";
export { PendingRequest, type ResponseSink } from "./pending-request.ts";

/** Options of {@link RemotingClient}. */
export interface RemotingClientOptions {
  /** Socket adapter; default: the running runtime's, from `detectTransport()`. */
  transport?: Transport;
  /** Connect timeout in milliseconds; default 3000. */
  connectTimeoutMs?: number;
  /** `language` of responses the client makes up itself (codes 1 and 3); default OTHER (7). */
  language?: number;
  /** `version` of responses the client makes up itself; default 401 (V4_9_4). */
  version?: number;
  /**
   * Hooks run around every request and response of this client, in order (see `rpc-hook.ts`).
   * Fixed for the client's life.
   */
  rpcHooks?: RpcHook | readonly RpcHook[] | RpcHooks;
}

const RESPONSE_OR_ONEWAY = FrameFlag.RESPONSE | FrameFlag.ONEWAY;
/** Largest setTimeout delay (int32 milliseconds). */
const MAX_TIMER_DELAY = 2 ** 31 - 1;

/**
 * Sends requests and matches responses by opaque, one connection per `host:port`.
 *
 * Connections open on first use (concurrent calls share the attempt) and, after a close, reopen
 * on the next use. When a connection dies, every request pending on it fails at once with a
 * {@link ConnectionError}. Timeouts use a single timer per client, armed for the earliest
 * deadline, so a request costs no timer of its own.
 */
export class RemotingClient {
  #connectTimeoutMs: number;
  #processors: Map<number, RequestHandler> = new Map();
  #transport: Transport | undefined;
  #transportPromise: Promise<Transport> | undefined;
  #channels: Map<string, Channel> = new Map();
  /** What channels see of the client (kept off the public surface). */
  #host: ChannelHost;
  #closed = false;
  #closing: Promise<void> | undefined;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #timerAt = Infinity;
  #sweepTask = (): void => this.#sweep();
  /** The client's RPC hooks; undefined when none (a request then pays this one check). */
  readonly rpcHooks: RpcHooks | undefined;

  /**
   * Create a client. Nothing is opened until the first request.
   *
   * @param options transport, connect timeout, language and version of made-up responses, hooks
   * @throws ValidationError naming `rpcHooks` when a hook is not an object of functions
   */
  constructor(options?: RemotingClientOptions) {
    const hooks = options?.rpcHooks;
    this.rpcHooks = hooks instanceof RpcHooks ? hooks : RpcHooks.from(hooks);
    this.#transport = options?.transport;
    this.#connectTimeoutMs = options?.connectTimeoutMs ?? 3000;
    const channels = this.#channels;
    this.#host = {
      transport: () => this.#getTransport(),
      connectTimeoutMs: this.#connectTimeoutMs,
      processors: this.#processors,
      language: options?.language ?? LanguageCode.OTHER,
      version: options?.version ?? MQVersion.V4_9_4,
      channelClosed(channel: Channel): void {
        if (channels.get(channel.address) === channel) channels.delete(channel.address);
      },
    };
  }

  /** Requests waiting for a response, over all connections (diagnostics, tests). */
  get pendingRequests(): number {
    let n = 0;
    for (const channel of this.#channels.values()) n += channel.pending.size;
    return n;
  }

  #getTransport(): Promise<Transport> {
    if (this.#transport !== undefined) return Promise.resolve(this.#transport);
    this.#transportPromise ??= detectTransport().then((t) => (this.#transport = t));
    return this.#transportPromise;
  }

  /**
   * Send `request` and resolve with its response. Assigns a fresh opaque (overwrites
   * `request.opaque`) and clears the response and one-way bits.
   *
   * @param address `host:port` (IPv6 as `[::1]:port`)
   * @param request the request; its `serializeType` selects the header encoding
   * @param timeoutMs time budget for the response, from now (connecting included)
   * @param signal aborts the wait
   * @returns the response (any response code; the caller interprets it)
   * @throws TimeoutError after `timeoutMs`; ConnectionError when the connection cannot be opened
   *   or dies; AbortedError on `signal`; ValidationError on a bad address; ProtocolError when the
   *   request cannot be encoded; StateError after {@link close}
   */
  invoke(
    address: string,
    request: RemotingCommand,
    timeoutMs: number,
    signal?: AbortSignal,
  ): Promise<RemotingCommand> {
    if (this.#closed) return Promise.reject(new StateError("closed", `invoke to ${address}`));
    if (signal?.aborted) {
      return Promise.reject(
        new AbortedError(`request code ${request.code} to ${address} aborted`, {
          cause: signal.reason,
        }),
      );
    }
    const hooks = this.rpcHooks;
    if (hooks !== undefined) {
      const awaited = new PromisedResponse();
      this.#invokeHooked(hooks, address, request, timeoutMs, signal, awaited);
      return awaited.promise;
    }
    let channel: Channel;
    let frame: Uint8Array;
    let opaque = nextOpaque();
    try {
      channel = this.#channel(address);
      // After 2^32 requests the counter could meet a request still pending here: skip it.
      while (channel.pending.has(opaque)) opaque = nextOpaque();
      request.opaque = opaque;
      request.flag &= ~RESPONSE_OR_ONEWAY;
      frame = encodeFrame(request, channel.frameOptions);
    } catch (err) {
      return Promise.reject(err);
    }
    return this.#await(channel, frame, opaque, request.code, timeoutMs, signal);
  }

  /**
   * A JSON request whose extFields the caller serialized (the producer's send fast path), its
   * outcome delivered to `sink` instead of a promise: no promise and no reaction between the
   * response and the caller. Every outcome, including a failure before
   * anything was sent, reaches the sink exactly once, possibly synchronously from this call.
   *
   * @param address `host:port`
   * @param code request code
   * @param language language code of the request
   * @param version version of the request
   * @param extFields the extFields object as JSON text, or a writer of its bytes (used at once,
   *   before this call returns)
   * @param body body, if any
   * @param timeoutMs as {@link invoke}
   * @param signal as {@link invoke}
   * @param sink receives the response or the error (errors as {@link invoke}); a
   *   {@link PendingRequest} (used for this request only) is itself the pending entry, any other
   *   sink gets one (see pending-request.ts for the contract)
   */
  invokeJsonTo(
    address: string,
    code: number,
    language: number,
    version: number,
    extFields: string | JsonFieldsWriter,
    body: Uint8Array | undefined,
    timeoutMs: number,
    signal: AbortSignal | undefined,
    sink: ResponseSink,
  ): void {
    if (this.#closed) return sink.onError(new StateError("closed", `invoke to ${address}`));
    if (signal?.aborted) {
      return sink.onError(
        new AbortedError(`request code ${code} to ${address} aborted`, { cause: signal.reason }),
      );
    }
    const entry = sink instanceof PendingRequest ? sink : new SinkCall(sink);
    if (entry.table !== undefined) {
      return sink.onError(new ValidationError("sink", "a pending entry serves one request"));
    }
    const hooks = this.rpcHooks;
    if (hooks !== undefined) {
      let request: RemotingCommand;
      try {
        request = jsonRequestOf(code, language, version, extFields, body);
      } catch (err) {
        return sink.onError(err instanceof Error ? err : new Error(String(err)));
      }
      return this.#invokeHooked(hooks, address, request, timeoutMs, signal, sink);
    }
    let channel: Channel;
    let frame: Uint8Array;
    let start = 0;
    let end: number;
    let opaque = nextOpaque();
    try {
      channel = this.#channel(address);
      while (channel.pending.has(opaque)) opaque = nextOpaque();
      if (typeof extFields === "string") {
        const alloc = channel.frameOptions.alloc;
        frame = encodeJsonRequestFrame(code, language, version, opaque, 0, extFields, body, alloc);
        end = frame.length;
      } else {
        // Written in place in the channel's slab: no view per frame.
        const slab = channel.slab;
        const length = writeJsonFieldsFrame(
          slab,
          code,
          language,
          version,
          opaque,
          0,
          extFields,
          body,
        );
        frame = slab.buffer;
        start = slab.at;
        end = start + length;
      }
    } catch (err) {
      return sink.onError(err instanceof Error ? err : new Error(String(err)));
    }
    const deadline = deadlineIn(timeoutMs);
    registerEntry(entry, channel, opaque, code, timeoutMs, deadline, signal);
    if (deadline < this.#timerAt) this.#arm(deadline);
    channel.sendRange(frame, start, end);
  }

  /**
   * A request of a client with hooks: the before-hooks (a throw reaches the sink, nothing is
   * written), the frame, and a {@link HookedCall} that runs the after-hooks before the sink.
   */
  #invokeHooked(
    hooks: RpcHooks,
    address: string,
    request: RemotingCommand,
    timeoutMs: number,
    signal: AbortSignal | undefined,
    sink: ResponseSink,
  ): void {
    let channel: Channel;
    let frame: Uint8Array;
    let entry: HookedCall;
    let opaque = nextOpaque();
    try {
      const view = hooks.before(address, request, request.flag & ~RESPONSE_OR_ONEWAY);
      entry = new HookedCall(hooks, view, sink);
      channel = this.#channel(address);
      while (channel.pending.has(opaque)) opaque = nextOpaque();
      request.opaque = opaque;
      request.flag &= ~RESPONSE_OR_ONEWAY;
      frame = encodeFrame(request, channel.frameOptions);
    } catch (err) {
      return sink.onError(err instanceof Error ? err : new Error(String(err)));
    }
    const deadline = deadlineIn(timeoutMs);
    registerEntry(entry, channel, opaque, request.code, timeoutMs, deadline, signal);
    entry.shadow();
    if (deadline < this.#timerAt) this.#arm(deadline);
    channel.send(frame);
  }

  /** Register the pending entry, arm the timer and queue the frame. */
  #await(
    channel: Channel,
    frame: Uint8Array,
    opaque: number,
    code: number,
    timeoutMs: number,
    signal: AbortSignal | undefined,
  ): Promise<RemotingCommand> {
    const deadline = deadlineIn(timeoutMs);
    const sink = new PromisedResponse();
    registerEntry(sink, channel, opaque, code, timeoutMs, deadline, signal);
    if (deadline < this.#timerAt) this.#arm(deadline);
    channel.send(frame);
    return sink.promise;
  }

  /**
   * Send `request` one-way: sets the one-way bit and a fresh opaque; resolves once the frame was
   * handed to the socket.
   *
   * @param address `host:port`
   * @param request the request
   * @param timeoutMs budget for connecting and handing the frame over
   * @throws TimeoutError, ConnectionError, ValidationError, ProtocolError, StateError as {@link invoke}
   */
  async invokeOneway(address: string, request: RemotingCommand, timeoutMs: number): Promise<void> {
    if (this.#closed) throw new StateError("closed", `invokeOneway to ${address}`);
    // One-way requests have no response: only the before-hooks run (as in Java).
    this.rpcHooks?.before(
      address,
      request,
      (request.flag & ~FrameFlag.RESPONSE) | FrameFlag.ONEWAY,
    );
    request.opaque = nextOpaque();
    request.flag = (request.flag & ~FrameFlag.RESPONSE) | FrameFlag.ONEWAY;
    const channel = this.#channel(address);
    const frame = encodeFrame(request, channel.frameOptions);
    const sent = this.#sendAndFlush(channel, frame);
    // Settles either way; the timer never outlives the call.
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        reject(
          new TimeoutError(
            `one-way request to ${address} not sent within ${timeoutMs} ms`,
            timeoutMs,
          ),
        );
      }, timeoutMs);
      sent.then(() => {
        clearTimeout(timer);
        resolve();
      }, (err) => {
        clearTimeout(timer);
        reject(err);
      });
    });
  }

  /**
   * Handle broker-initiated requests with `code` (replacing an earlier handler). The handler's
   * response is sent back with the request's opaque, the response bit and the request's
   * serialize type; returning `undefined` sends nothing; throwing answers SYSTEM_ERROR (1).
   * Unregistered codes are answered REQUEST_CODE_NOT_SUPPORTED (3) unless one-way.
   *
   * @param code request code
   * @param handler the handler
   */
  registerProcessor(code: number, handler: RequestHandler): void {
    this.#processors.set(code, handler);
  }

  /**
   * Close the connection to `address` (if any); its pending requests fail with a
   * {@link ConnectionError}. The next request reconnects.
   *
   * @param address `host:port`
   */
  closeConnection(address: string): void {
    this.#channels.get(address)?.close();
  }

  /** Fails every pending request with ConnectionError, closes sockets, clears timers. */
  close(): Promise<void> {
    this.#closing ??= this.#closeAll();
    return this.#closing;
  }

  async #closeAll(): Promise<void> {
    this.#closed = true;
    this.#disarm();
    const channels = [...this.#channels.values()];
    this.#channels.clear();
    for (const channel of channels) {
      channel.close(new StateError("closed", `remoting client closed`));
    }
    await Promise.all(channels.map((c) => c.finished()));
  }

  #channel(address: string): Channel {
    const existing = this.#channels.get(address);
    if (existing !== undefined && existing.alive) return existing;
    const parsed = parseAddress(address);
    if (parsed === undefined) throw new ValidationError("address", "must be host:port");
    const channel = new Channel(address, parsed.hostname, parsed.port, this.#host);
    this.#channels.set(address, channel);
    return channel;
  }

  async #sendAndFlush(channel: Channel, frame: Uint8Array): Promise<void> {
    channel.send(frame);
    await channel.ready;
    const connection = channel.connection;
    if (connection === undefined) {
      throw channel.failure ??
        new ConnectionError(channel.address, `cannot connect to ${channel.address}`);
    }
    try {
      await connection.flush();
    } catch (err) {
      throw new ConnectionError(channel.address, `connection to ${channel.address} closed`, {
        cause: err,
      });
    }
  }

  #arm(deadline: number): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timerAt = deadline;
    // Clamped: runtimes fire over-long delays at once (and Node warns on the console).
    const delay = Math.min(MAX_TIMER_DELAY, Math.max(0, Math.ceil(deadline - performance.now())));
    this.#timer = setTimeout(this.#sweepTask, delay);
  }

  #disarm(): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#timerAt = Infinity;
  }

  /** Expire what is due and re-arm for the earliest remaining deadline. */
  #sweep(): void {
    this.#timer = undefined;
    this.#timerAt = Infinity;
    const now = performance.now();
    let next = Infinity;
    for (const channel of [...this.#channels.values()]) {
      for (const entry of channel.pending.values()) {
        if (entry.deadline <= now) expireEntry(entry);
        else if (entry.deadline < next) next = entry.deadline;
      }
    }
    // An expiry's sink may have sent a new request synchronously (a retry), arming the timer
    // for its own deadline: keep that one when it is earlier.
    if (next !== Infinity && !this.#closed && next < this.#timerAt) this.#arm(next);
  }
}

/**
 * The deadline `timeoutMs` from now on the `performance.now()` clock, rounded up to a whole
 * millisecond: a small integer, which V8 keeps in the pending entry itself (a fraction would put
 * a heap number beside every request in flight, copied by every scavenge).
 */
function deadlineIn(timeoutMs: number): number {
  return Math.ceil(performance.now() + timeoutMs);
}
