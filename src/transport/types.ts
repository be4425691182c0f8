/**
 * The transport seam: the only part of rocketmq-edge that touches a runtime's socket API.
 *
 * A {@link Transport} opens byte streams; one adapter per runtime (`deno.ts`, `bun.ts`,
 * `node.ts`) implements it in a few dozen lines. Everything above (write coalescing, framing,
 * request matching, timeouts) is shared code that never imports a runtime.
 *
 * @module
 */

/** Where and how to connect. */
export interface ConnectOptions {
  /** Host name or IP literal. */
  hostname: string;
  /** TCP port. */
  port: number;
  /** Give up connecting after this many milliseconds. */
  timeoutMs: number;
  /** Reserved for the TLS issue: `true` or options enable TLS. Adapters reject it until then. */
  tls?: boolean | TlsOptions;
}

/** TLS settings (reserved; see {@link ConnectOptions.tls}). */
export interface TlsOptions {
  /** Server name for SNI and verification; defaults to `hostname`. */
  serverName?: string;
  /** Extra PEM CA certificates to trust. */
  caCerts?: string[];
  /** Accept any certificate (RocketMQ's test mode uses self-signed certificates). */
  insecure?: boolean;
}

/** Callbacks an adapter calls while the socket lives. */
export interface SocketHandlers {
  /** Bytes arrived. The chunk may be reused by the adapter after the call returns only if documented; treat it as borrowed. */
  onData(chunk: Uint8Array): void;
  /** The socket closed, by either side. `error` is set when it closed because of an error. Called exactly once. */
  onClose(error?: Error): void;
}

/** An open byte stream, as an adapter exposes it. */
export interface RawSocket {
  /**
   * Write all of `data`. Returns `undefined` when the bytes were accepted at once, or a promise
   * that settles when the runtime accepted them all (back-pressure). Callers never issue a second
   * write before the returned promise settled.
   */
  write(data: Uint8Array): Promise<void> | undefined;
  /**
   * True when the runtime holds no reference to a write's `data` once `write` returned
   * `undefined` or its promise settled, so its memory may be written again (a `Connection` then
   * reuses its frame slab: see `FrameSlab.recycle`). Leave unset when unsure.
   */
  readonly releasesWrites?: boolean;
  /** Close the socket; `onClose` follows. Idempotent. */
  close(): void;
}

/** A runtime's socket API, reduced to one call. */
export interface Transport {
  /** Adapter name: `"deno"`, `"bun"`, `"node"` or a custom one. */
  readonly name: string;
  /** Open a TCP connection. Rejects with a `ConnectionError` or `TimeoutError`. */
  connect(options: ConnectOptions, handlers: SocketHandlers): Promise<RawSocket>;
}
