/**
 * One connection of the remoting client to one address: connect, frame decoding, the pending
 * table, and answering broker-initiated requests. Private to `client.ts`.
 *
 * @module
 */

import { ConnectionError, TimeoutError } from "../errors.ts";
import { Connection, FrameSlab } from "../transport/connection.ts";
import type { Transport } from "../transport/types.ts";
import { FrameFlag, MAX_FRAME_LENGTH, ResponseCode, SerializeType } from "./codes.ts";
import type { RemotingCommand } from "./command.ts";
import { encodeFrame, type EncodeOptions, readInt32 } from "./frame.ts";
import { FrameDecoder } from "./frame-decoder.ts";
import { completeEntry, completeEntryTokens, failEntry, type PendingTable } from "./_pending.ts";
import type { PendingRequest } from "./pending-request.ts";
import { PendingSlots } from "./_pending_slots.ts";
import { HeaderTokens } from "./_header_tokens.ts";

/** Handler of broker-initiated requests (see `RemotingClient.registerProcessor`). */
export type RequestHandler = (
  request: RemotingCommand,
  address: string,
) => RemotingCommand | undefined | Promise<RemotingCommand | undefined>;

/** What a channel needs from its client. */
export interface ChannelHost {
  transport(): Promise<Transport>;
  readonly connectTimeoutMs: number;
  readonly processors: Map<number, RequestHandler>;
  /** `language` and `version` of responses the client makes up (code 1 and 3 answers). */
  readonly language: number;
  readonly version: number;
  /** The channel died; forget it so the next use reconnects. */
  channelClosed(channel: Channel): void;
}

/** Split `host:port` / `[v6]:port`. */
export function parseAddress(address: string): { hostname: string; port: number } | undefined {
  const colon = address.lastIndexOf(":");
  if (colon <= 0) return undefined;
  let hostname = address.slice(0, colon);
  if (hostname.startsWith("[") && hostname.endsWith("]")) hostname = hostname.slice(1, -1);
  const portText = address.slice(colon + 1);
  const port = Number(portText);
  if (!/^\d{1,5}$/.test(portText) || port > 65535 || hostname === "") return undefined;
  return { hostname, port };
}

/** A connection (possibly still connecting) to one address and its pending requests. */
export class Channel implements PendingTable {
  readonly address: string;
  readonly pending: PendingSlots<PendingRequest> = new PendingSlots();
  /** See {@link PendingTable.lastSignal}. */
  lastSignal: AbortSignal | undefined = undefined;
  /** Settles (never rejects) once the connect attempt finished, either way. */
  readonly ready: Promise<void>;
  #host: ChannelHost;
  #connection: Connection | undefined;
  /** Frames sent before the connection was open. */
  #early: Uint8Array[] = [];
  #dead = false;
  #failure: Error | undefined;
  #decoder: FrameDecoder;
  /** Encoder options: frames are carved from this channel's slab, so a tick's frames are adjacent. */
  /** Where this channel's frames are carved from. */
  readonly slab: FrameSlab = new FrameSlab();
  readonly frameOptions: EncodeOptions = { alloc: this.slab.allocate };

  constructor(address: string, hostname: string, port: number, host: ChannelHost) {
    this.address = address;
    this.#host = host;
    this.#decoder = new FrameDecoder((cmd) => this.#onFrame(cmd), {
      maxFrameLength: MAX_FRAME_LENGTH,
      intercept: (bytes, at, length) => this.#onRawFrame(bytes, at, length),
    });
    this.ready = this.#connect(hostname, port);
  }

  /** False once the connection failed, closed or was closed. */
  get alive(): boolean {
    return !this.#dead;
  }

  /** Why the channel died (the error its pending requests failed with), once dead. */
  get failure(): Error | undefined {
    return this.#failure;
  }

  /** The open connection, if connected. */
  get connection(): Connection | undefined {
    return this.#connection;
  }

  readonly #recycleSlab = (): void => this.slab.recycle();

  /** Queue a frame (held until connected). */
  send(frame: Uint8Array): void {
    if (this.#connection !== undefined) this.#connection.send(frame);
    else if (!this.#dead) this.#early.push(frame);
  }

  /**
   * Queue the frame held in `buffer[start, end)` of {@link slab} (see `Connection.sendRange`).
   * Before the connection is up the bytes are copied: the slab is recycled once the connection
   * has written everything queued on it.
   */
  sendRange(buffer: Uint8Array, start: number, end: number): void {
    if (this.#connection !== undefined) this.#connection.sendRange(buffer, start, end);
    else if (!this.#dead) this.#early.push(buffer.slice(start, end));
  }

  /** Close; pending requests fail with a ConnectionError whose cause is `reason`. */
  close(reason?: Error): void {
    if (this.#connection !== undefined) this.#connection.close(reason);
    else this.#die(reason);
  }

  /** Resolves once the socket (if any was opened) is closed. */
  async finished(): Promise<void> {
    await this.ready;
    if (this.#connection !== undefined) await this.#connection.closed;
  }

  async #connect(hostname: string, port: number): Promise<void> {
    const timeoutMs = this.#host.connectTimeoutMs;
    let connection: Connection;
    try {
      const transport = await this.#host.transport();
      if (this.#dead) return;
      connection = await Connection.open(transport, { hostname, port, timeoutMs }, {
        onData: (chunk) => this.#onData(chunk),
        onClose: (error) => this.#die(error),
      });
    } catch (err) {
      this.#die(
        err instanceof ConnectionError ? err : new ConnectionError(
          this.address,
          err instanceof TimeoutError
            ? `connect to ${this.address} timed out after ${timeoutMs} ms`
            : `cannot connect to ${this.address}: ${err instanceof Error ? err.message : err}`,
          { cause: err },
        ),
        true,
      );
      return;
    }
    if (this.#dead) {
      connection.close();
      this.#connection = connection;
      return;
    }
    this.#connection = connection;
    connection.onIdle = this.#recycleSlab;
    const early = this.#early;
    this.#early = [];
    for (const frame of early) connection.send(frame);
  }

  #onData(chunk: Uint8Array): void {
    try {
      this.#decoder.push(chunk);
    } catch (err) {
      // A ProtocolError leaves the stream unsynchronised: the connection cannot be used any more.
      this.#connection?.close(err instanceof Error ? err : new Error(String(err)));
    }
  }

  /** Fail everything pending and forget the channel. `asIs`: `error` already is the rejection. */
  #die(error: Error | undefined, asIs = false): void {
    if (this.#dead) return;
    this.#dead = true;
    this.#early = [];
    this.#host.channelClosed(this);
    const rejection = asIs && error !== undefined ? error : new ConnectionError(
      this.address,
      `connection to ${this.address} closed${error ? `: ${error.message}` : ""}`,
      { cause: error },
    );
    this.#failure = rejection;
    if (this.pending.size === 0) return;
    for (const entry of this.pending.values()) failEntry(entry, rejection);
  }

  /**
   * A JSON response in the usual shape goes to its pending entry as scanned tokens: a sink that
   * reads them (the producer's send) builds no command, extFields object or key strings.
   * Everything else (requests, binary headers, unusual JSON, malformed frames) is decoded.
   */
  #onRawFrame(bytes: Uint8Array, at: number, length: number): boolean {
    const word = readInt32(bytes, at + 4);
    if (word >>> 24 !== SerializeType.JSON) return false;
    const headerEnd = at + 8 + (word & 0xffffff);
    const end = at + length;
    if (headerEnd > end) return false;
    // A scanner per frame being handled: a sink may run code that handles another frame.
    const tokens = idleScanners.pop() ?? new HeaderTokens();
    try {
      if (!tokens.scan(bytes, at + 8, headerEnd) || (tokens.flag & FrameFlag.RESPONSE) === 0) {
        return false;
      }
      // Unmatched responses (timed out, aborted) are dropped, as the Java client does.
      const entry = this.pending.get(tokens.opaque);
      if (entry !== undefined) {
        completeEntryTokens(
          entry,
          tokens,
          headerEnd < end ? bytes.subarray(headerEnd, end) : undefined,
        );
      }
      return true;
    } finally {
      tokens.release();
      idleScanners.push(tokens);
    }
  }

  #onFrame(cmd: RemotingCommand): void {
    if ((cmd.flag & FrameFlag.RESPONSE) !== 0) {
      // Unmatched responses (timed out, aborted) are dropped, as the Java client does.
      const entry = this.pending.get(cmd.opaque);
      if (entry !== undefined) completeEntry(entry, cmd);
      return;
    }
    this.#onRequest(cmd);
  }

  #onRequest(request: RemotingCommand): void {
    const oneway = (request.flag & FrameFlag.ONEWAY) !== 0;
    const handler = this.#host.processors.get(request.code);
    if (handler === undefined) {
      if (!oneway) {
        this.#answer(
          request,
          ResponseCode.REQUEST_CODE_NOT_SUPPORTED,
          ` request type ${request.code} not supported`,
        );
      }
      return;
    }
    let result: RemotingCommand | undefined | Promise<RemotingCommand | undefined>;
    try {
      result = handler(request, this.address);
    } catch (err) {
      if (!oneway) this.#answerError(request, err);
      return;
    }
    if (isThenable(result)) {
      result.then(
        (response) => {
          if (!oneway) this.#reply(request, response);
        },
        (err) => {
          if (!oneway) this.#answerError(request, err);
        },
      );
    } else if (!oneway) this.#reply(request, result);
  }

  #reply(request: RemotingCommand, response: RemotingCommand | undefined): void {
    if (response === undefined || this.#dead) return;
    response.opaque = request.opaque;
    response.flag |= FrameFlag.RESPONSE;
    response.serializeType = request.serializeType;
    let frame: Uint8Array;
    try {
      frame = encodeFrame(response, this.frameOptions);
    } catch (err) {
      this.#answerError(request, err);
      return;
    }
    this.send(frame);
  }

  #answerError(request: RemotingCommand, err: unknown): void {
    this.#answer(
      request,
      ResponseCode.SYSTEM_ERROR,
      err instanceof Error ? err.message : String(err),
    );
  }

  #answer(request: RemotingCommand, code: number, remark: string): void {
    if (this.#dead) return;
    let frame: Uint8Array;
    try {
      frame = encodeFrame({
        code,
        language: this.#host.language,
        version: this.#host.version,
        opaque: request.opaque,
        flag: FrameFlag.RESPONSE,
        remark: remark === "" ? undefined : remark,
        serializeType: request.serializeType,
      });
    } catch {
      return; // Nothing sensible left to answer with; the broker times the request out.
    }
    this.send(frame);
  }
}

/**
 * Response-header scanners not in use, shared by every channel: a frame takes one while it is
 * handled and puts it back after, so frames handled inside another's sink get their own.
 */
const idleScanners: HeaderTokens[] = [];

function isThenable<T>(value: T | Promise<T>): value is Promise<T> {
  return typeof (value as { then?: unknown } | undefined)?.then === "function";
}
