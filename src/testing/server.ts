/**
 * The socket plumbing shared by the embedded name server and brokers: a `node:net` server that
 * decodes frames, hands requests to a handler, and writes responses coalesced per connection.
 *
 * Fault injection lives here because it is about the connection, not the protocol: added latency,
 * blackhole (read, never answer), dropping every connection, stop and restart on the same port.
 *
 * @module
 */

import { createServer, type Server, type Socket } from "node:net";
import type { RemotingCommand } from "../remoting/command.ts";
import { FrameFlag } from "../remoting/codes.ts";
import { encodeFrame, FrameDecoder } from "./_wire.ts";

/** One accepted client connection, as seen by a request handler. */
export interface ServerConnection {
  /** Sequence number of the connection on its server (1, 2, …). */
  readonly id: number;
  /** The peer's `host:port`. */
  readonly remoteAddress: string;
  /** Send a frame to the peer (e.g. a server-initiated request). Coalesced like responses. */
  send(cmd: RemotingCommand): void;
}

/**
 * Answers one request; `undefined` means "no response" (one-way, or deliberately silent). A
 * promise answers later (e.g. after a round trip to another client).
 */
export type FrameHandler = (
  request: RemotingCommand,
  connection: ServerConnection,
) => RemotingCommand | undefined | Promise<RemotingCommand | undefined>;

class Conn implements ServerConnection {
  readonly id: number;
  readonly remoteAddress: string;
  readonly socket: Socket;
  #owner: FrameServer;
  #out: Uint8Array[] = [];
  #outBytes = 0;
  #flushQueued = false;
  closed = false;

  constructor(id: number, socket: Socket, owner: FrameServer) {
    this.id = id;
    this.socket = socket;
    this.#owner = owner;
    this.remoteAddress = `${socket.remoteAddress ?? "127.0.0.1"}:${socket.remotePort ?? 0}`;
  }

  send(cmd: RemotingCommand): void {
    this.write(encodeFrame(cmd, { jsonStyle: "server" }));
  }

  /** Queue bytes; everything queued in one tick leaves in one `socket.write`. */
  write(frame: Uint8Array): void {
    if (this.closed) return;
    this.#out.push(frame);
    this.#outBytes += frame.length;
    if (!this.#flushQueued) {
      this.#flushQueued = true;
      queueMicrotask(() => this.flush());
    }
  }

  flush(): void {
    this.#flushQueued = false;
    if (this.closed || this.#out.length === 0) return;
    let data: Uint8Array;
    if (this.#out.length === 1) data = this.#out[0];
    else {
      data = new Uint8Array(this.#outBytes);
      let p = 0;
      for (const f of this.#out) {
        data.set(f, p);
        p += f.length;
      }
    }
    this.#out = [];
    this.#outBytes = 0;
    this.socket.write(data);
  }

  get owner(): FrameServer {
    return this.#owner;
  }
}

/** Options of a {@link FrameServer}. */
export interface FrameServerOptions {
  /** Port to listen on; 0 (default) picks a free one, kept across stop/start. */
  port?: number;
  /** Largest accepted frame including the length prefix (default 16 MiB). */
  maxFrameLength?: number;
}

/** A remoting server on 127.0.0.1 with connection-level fault injection. */
export class FrameServer {
  #handler: FrameHandler;
  #server: Server | undefined;
  #port: number;
  #maxFrameLength: number | undefined;
  #conns = new Set<Conn>();
  #timers = new Set<ReturnType<typeof setTimeout>>();
  #nextConnId = 1;
  /** Milliseconds added before each response is written. */
  latencyMs = 0;
  /** When true, requests are read and discarded: nothing is processed or answered. */
  blackholed = false;
  /** Requests received by code (including blackholed and one-way ones). */
  readonly counts: Map<number, number> = new Map();
  /** The last request received with each code, as decoded (see `FrameServerHandle.lastRequest`). */
  readonly lastRequests: Map<number, RemotingCommand> = new Map();
  /** Called with responses that peers send to server-initiated requests. */
  onResponse: ((response: RemotingCommand, connection: ServerConnection) => void) | undefined;
  /** Called once per connection when it closes (for any reason). */
  onConnectionClosed: ((connection: ServerConnection) => void) | undefined;

  /**
   * Create a stopped server.
   *
   * @param handler answers requests
   * @param options port and frame limit
   */
  constructor(handler: FrameHandler, options?: FrameServerOptions) {
    this.#handler = handler;
    this.#port = options?.port ?? 0;
    this.#maxFrameLength = options?.maxFrameLength;
  }

  /** The listening port (the chosen one once started with port 0). */
  get port(): number {
    return this.#port;
  }

  /** `127.0.0.1:<port>`. */
  get address(): string {
    return `127.0.0.1:${this.#port}`;
  }

  /** True while listening. */
  get running(): boolean {
    return this.#server !== undefined;
  }

  /** Number of open client connections. */
  get connectionCount(): number {
    return this.#conns.size;
  }

  /** The open connection with this id, if any. */
  connection(id: number): ServerConnection | undefined {
    for (const c of this.#conns) if (c.id === id) return c;
    return undefined;
  }

  /** Start listening (on the same port as before after a stop). */
  start(): Promise<void> {
    if (this.#server) return Promise.resolve();
    const server = createServer({ noDelay: true }, (socket) => this.#accept(socket));
    return new Promise<void>((resolve, reject) => {
      const onError = (err: Error): void => reject(err);
      server.once("error", onError);
      server.listen(this.#port, "127.0.0.1", () => {
        server.off("error", onError);
        const addr = server.address();
        if (addr && typeof addr === "object") this.#port = addr.port;
        this.#server = server;
        resolve();
      });
    });
  }

  /** Stop listening and close every connection; resolves once the port is released. */
  async stop(): Promise<void> {
    const server = this.#server;
    this.#server = undefined;
    this.dropConnections();
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /** Close every client connection at once (the server keeps listening). */
  dropConnections(): void {
    for (const t of this.#timers) clearTimeout(t);
    this.#timers.clear();
    const conns = [...this.#conns];
    this.#conns.clear();
    for (const c of conns) {
      c.closed = true;
      c.socket.destroy();
      this.onConnectionClosed?.(c);
    }
  }

  #accept(socket: Socket): void {
    if (!this.#server) {
      // Accepted while stopping: server.close() would otherwise wait for this socket forever.
      socket.destroy();
      return;
    }
    const conn = new Conn(this.#nextConnId++, socket, this);
    this.#conns.add(conn);
    const decoder = new FrameDecoder((cmd) => this.#onFrame(conn, cmd), {
      maxFrameLength: this.#maxFrameLength,
    });
    socket.on("data", (chunk: Uint8Array) => {
      if (conn.closed) return;
      try {
        decoder.push(chunk);
      } catch {
        // A real server logs "decode exception" and closes the channel without answering.
        conn.flush();
        this.#close(conn, true);
      }
    });
    socket.on("error", () => this.#close(conn, false));
    socket.on("close", () => this.#close(conn, false));
    socket.on("end", () => this.#close(conn, true));
  }

  #close(conn: Conn, graceful: boolean): void {
    if (!this.#conns.delete(conn)) return;
    conn.closed = true;
    if (graceful) conn.socket.end();
    else conn.socket.destroy();
    this.onConnectionClosed?.(conn);
  }

  #onFrame(conn: Conn, cmd: RemotingCommand): void {
    if (conn.closed) return;
    if ((cmd.flag & FrameFlag.RESPONSE) !== 0) {
      if (!this.blackholed) this.onResponse?.(cmd, conn);
      return;
    }
    this.counts.set(cmd.code, (this.counts.get(cmd.code) ?? 0) + 1);
    this.lastRequests.set(cmd.code, cmd);
    if (this.blackholed) return;
    const response = this.#handler(cmd, conn);
    if (response instanceof Promise) {
      response.then((r) => this.#answer(conn, cmd, r), () => this.#close(conn, false));
    } else this.#answer(conn, cmd, response);
  }

  #answer(conn: Conn, cmd: RemotingCommand, response: RemotingCommand | undefined): void {
    if (response === undefined || conn.closed || (cmd.flag & FrameFlag.ONEWAY) !== 0) return;
    response.opaque = cmd.opaque;
    response.flag |= FrameFlag.RESPONSE;
    response.serializeType = cmd.serializeType;
    const frame = encodeFrame(response, { jsonStyle: "server" });
    if (this.latencyMs <= 0) {
      conn.write(frame);
      return;
    }
    const t = setTimeout(() => {
      this.#timers.delete(t);
      conn.write(frame);
    }, this.latencyMs);
    this.#timers.add(t);
  }
}

/**
 * What every embedded server handle (name server, broker) exposes of its {@link FrameServer}:
 * addresses, liveness and the transport-level fault injection.
 */
export abstract class FrameServerHandle {
  /** The server answering this handle's requests. */
  abstract readonly server: FrameServer;

  /** `127.0.0.1:<port>`. */
  get address(): string {
    return this.server.address;
  }
  /** The listening port. */
  get port(): number {
    return this.server.port;
  }
  /** True while listening. */
  get running(): boolean {
    return this.server.running;
  }
  /** Add `ms` before every response. */
  setLatency(ms: number): void {
    this.server.latencyMs = ms;
  }
  /** Close every open connection (the server keeps listening). */
  dropConnections(): void {
    this.server.dropConnections();
  }
  /** Accept and read, but never process or answer, while `on`. */
  blackhole(on: boolean): void {
    this.server.blackholed = on;
  }
  /**
   * The last request received with `code` (answered or not), as the server decoded it: header
   * fields in wire order (a copy) and body (a copy), e.g. to check what RPC hooks added.
   */
  lastRequest(code: number): ReceivedRequest | undefined {
    const cmd = this.server.lastRequests.get(code);
    if (cmd === undefined) return undefined;
    return {
      code: cmd.code,
      language: cmd.language,
      version: cmd.version,
      flag: cmd.flag,
      remark: cmd.remark,
      serializeType: cmd.serializeType,
      extFields: { ...cmd.extFields },
      body: cmd.body?.slice(),
    };
  }
}

/** A request as an embedded server received it (see {@link FrameServerHandle.lastRequest}). */
export interface ReceivedRequest {
  /** Request code. */
  code: number;
  /** Language code. */
  language: number;
  /** Version. */
  version: number;
  /** Flag bits (one-way bit included). */
  flag: number;
  /** Remark, if any. */
  remark: string | undefined;
  /** Header encoding (0 JSON, 1 ROCKETMQ). */
  serializeType: number;
  /** Header fields in wire order (empty when the request had none). */
  extFields: Record<string, string>;
  /** Body, if any. */
  body: Uint8Array | undefined;
}
