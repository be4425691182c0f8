/**
 * Typed errors of rocketmq-edge.
 *
 * Every error the library throws or rejects with is a {@link RocketMQError}. Each carries a stable
 * `code` string (switch on it, not on the message) and `retriable`, which says whether the same
 * operation may succeed if tried again (kafkajs style). The send loop uses `retriable` to decide
 * whether to try another broker.
 *
 * @module
 */

/** Stable machine-readable error codes. */
export type RocketMQErrorCode =
  | "PROTOCOL"
  | "VALIDATION"
  | "TIMEOUT"
  | "CONNECTION"
  | "BROKER"
  | "ROUTE_NOT_FOUND"
  | "STATE"
  | "ABORTED"
  | "CLIENT"
  | "WORKER"
  | "SELECTOR"
  | "RPC_HOOK"
  | "SATURATED";

/** Options shared by every {@link RocketMQError} constructor. */
export interface RocketMQErrorOptions {
  /** The underlying error, if any. */
  cause?: unknown;
}

/** Base class of every error raised by rocketmq-edge. */
export class RocketMQError extends Error {
  /** Stable code naming the kind of failure. */
  readonly code: RocketMQErrorCode;
  /** True when retrying the same operation (possibly elsewhere) may succeed. */
  readonly retriable: boolean;

  /**
   * Create the error.
   *
   * @param code stable error code
   * @param message human-readable text naming what went wrong
   * @param retriable whether a retry may succeed
   * @param options optional cause
   */
  constructor(
    code: RocketMQErrorCode,
    message: string,
    retriable: boolean,
    options?: RocketMQErrorOptions,
  ) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.retriable = retriable;
  }
}

/** A frame or header violated the wire protocol (Java `RemotingCommand`, `NettyDecoder`). The connection is closed. */
export class ProtocolError extends RocketMQError {
  /**
   * Create the error.
   *
   * @param message what was malformed
   * @param options optional cause
   */
  constructor(message: string, options?: RocketMQErrorOptions) {
    super("PROTOCOL", message, true, options);
  }
}

/** Bad input from the caller: names the offending field and the rule it broke. Never retriable. */
export class ValidationError extends RocketMQError {
  /** Name of the offending field, e.g. `"topic"` or `"options.sendTimeoutMs"`. */
  readonly field: string;
  /** The rule that was broken, e.g. `"must match ^[%|a-zA-Z0-9_-]+$"`. */
  readonly rule: string;

  /**
   * Create the error.
   *
   * @param field offending field
   * @param rule rule it broke
   * @param options optional cause
   */
  constructor(field: string, rule: string, options?: RocketMQErrorOptions) {
    super("VALIDATION", `invalid ${field}: ${rule}`, false, options);
    this.field = field;
    this.rule = rule;
  }
}

/** An operation ran out of time. */
export class TimeoutError extends RocketMQError {
  /** The time budget that was exceeded, in milliseconds. */
  readonly timeoutMs: number;

  /**
   * Create the error.
   *
   * @param message what timed out
   * @param timeoutMs the budget
   * @param options optional cause
   */
  constructor(message: string, timeoutMs: number, options?: RocketMQErrorOptions) {
    super("TIMEOUT", message, true, options);
    this.timeoutMs = timeoutMs;
  }
}

/** A connection could not be opened, or closed while requests were pending on it. */
export class ConnectionError extends RocketMQError {
  /** The remote `host:port`. */
  readonly address: string;

  /**
   * Create the error.
   *
   * @param address remote address
   * @param message what happened
   * @param options optional cause
   */
  constructor(address: string, message: string, options?: RocketMQErrorOptions) {
    super("CONNECTION", message, true, options);
    this.address = address;
  }
}

/** Response codes the Java client retries on another broker (4.9: 1, 14, 16, 17, 204, 205; 5.x adds 2). */
export const RETRIABLE_BROKER_CODES: ReadonlySet<number> = new Set([1, 2, 14, 16, 17, 204, 205]);

/** A broker or name server answered with a non-success response code. */
export class BrokerError extends RocketMQError {
  /** The response code (Java `ResponseCode`). */
  readonly responseCode: number;
  /** The response remark, if any. */
  readonly remark: string | undefined;
  /** The address that answered. */
  readonly address: string;

  /**
   * Create the error.
   *
   * @param responseCode response code
   * @param remark response remark
   * @param address server address
   * @param retriable whether the send loop should retry (defaults to {@link RETRIABLE_BROKER_CODES})
   */
  constructor(
    responseCode: number,
    remark: string | undefined,
    address: string,
    retriable: boolean = RETRIABLE_BROKER_CODES.has(responseCode),
  ) {
    super(
      "BROKER",
      `${address} answered code ${responseCode}${remark ? `: ${remark}` : ""}`,
      retriable,
    );
    this.responseCode = responseCode;
    this.remark = remark;
    this.address = address;
  }
}

/** The name server knows no route for the topic, and no auto-create route could be used. */
export class RouteNotFoundError extends RocketMQError {
  /** The topic without route. */
  readonly topic: string;

  /**
   * Create the error.
   *
   * @param topic the topic
   * @param options optional cause
   */
  constructor(topic: string, options?: RocketMQErrorOptions) {
    super("ROUTE_NOT_FOUND", routeNotFoundMessage(topic, options?.cause), true, options);
    this.topic = topic;
  }
}

/** Java's text ("No route info of this topic"), then why and what to do about it. */
function routeNotFoundMessage(topic: string, cause: unknown): string {
  const base = `No route info of this topic: ${topic}`;
  if (cause === undefined) {
    return `${base} (the name server knows no route for it and no auto-create route: create the ` +
      "topic, or enable autoCreateTopicEnable on the brokers)";
  }
  // A nested lookup failure already says what happened and what to do.
  if (cause instanceof RouteNotFoundError) return cause.message;
  const text = cause instanceof Error ? cause.message : String(cause);
  if (cause instanceof ConnectionError || cause instanceof TimeoutError) {
    return `${base}: the name-server lookup failed (${text}); check nameServer ` +
      "(address, port, and that the name server is running and reachable)";
  }
  return `${base}: ${text}`;
}

/** An object was used in a lifecycle state that does not allow the call. */
export class StateError extends RocketMQError {
  /** The state the object was in. */
  readonly state: string;

  /**
   * Create the error.
   *
   * @param state current state
   * @param message what was attempted
   */
  constructor(state: string, message: string) {
    super("STATE", `${message} (state: ${state})`, false);
    this.state = state;
  }
}

/** The caller aborted the operation through its AbortSignal. */
export class AbortedError extends RocketMQError {
  /**
   * Create the error.
   *
   * @param message what was aborted
   * @param options the abort reason as cause
   */
  constructor(message: string, options?: RocketMQErrorOptions) {
    super("ABORTED", message, false, options);
  }
}

/** A worker of the codec pool died or failed. */
export class WorkerError extends RocketMQError {
  /**
   * Create the error.
   *
   * @param message what failed
   * @param options optional cause
   */
  constructor(message: string, options?: RocketMQErrorOptions) {
    super("WORKER", message, false, options);
  }
}

/** One attempt of a send, as recorded in {@link SendFailedError}. */
export interface SendAttempt {
  /** Broker name of the queue tried. */
  brokerName: string;
  /** Queue id tried. */
  queueId: number;
  /** Milliseconds the attempt took. */
  elapsedMs: number;
  /** Why it failed. */
  error: Error;
}

/** A send failed after all its attempts; lists each attempt and the last cause. */
export class SendFailedError extends RocketMQError {
  /** Every attempt made, in order. */
  readonly attempts: readonly SendAttempt[];
  /** The last response code seen from a broker, if any. */
  readonly lastResponseCode: number | undefined;

  /**
   * Create the error.
   *
   * @param message summary
   * @param attempts attempts made
   * @param retriable whether a later try may succeed
   * @param cause the last error
   */
  constructor(
    message: string,
    attempts: readonly SendAttempt[],
    retriable: boolean,
    cause: unknown,
  ) {
    super("CLIENT", message, retriable, { cause });
    this.attempts = attempts;
    let code: number | undefined;
    for (const a of attempts) if (a.error instanceof BrokerError) code = a.error.responseCode;
    this.lastResponseCode = code;
  }

  /** Broker names tried, in order. */
  get brokersTried(): string[] {
    return this.attempts.map((a) => a.brokerName);
  }
}

/** A queue selector (`SendOptions.selector`) threw; the selector's error is the `cause`. */
export class SelectorError extends RocketMQError {
  /** The selector's function name (`"anonymous"` when it has none). */
  readonly selector: string;

  /**
   * Create the error.
   *
   * @param selector the selector's name
   * @param cause what the selector threw
   */
  constructor(selector: string, cause: unknown) {
    const text = cause instanceof Error ? cause.message : String(cause);
    super("SELECTOR", `the queue selector ${selector} threw: ${text}`, false, { cause });
    this.selector = selector;
  }
}

/**
 * An RPC hook (`ProducerOptions.rpcHooks`) threw, returned a promise, or left a non-string ext
 * field. Thrown before the request: nothing was written. Thrown after the response: the caller
 * gets this instead of the response. The hook's error is the `cause`. Never retried.
 */
export class RpcHookError extends RocketMQError {
  /** The hook's `name`, or `rpcHooks[<index>]`. */
  readonly hook: string;
  /** Which method failed. */
  readonly phase: "beforeRequest" | "afterResponse";
  /** The request's address. */
  readonly address: string;
  /** The request's code. */
  readonly requestCode: number;

  /**
   * Create the error.
   *
   * @param hook the hook's name
   * @param phase `beforeRequest` or `afterResponse`
   * @param address the request's address
   * @param requestCode the request's code
   * @param cause what the hook threw
   */
  constructor(
    hook: string,
    phase: "beforeRequest" | "afterResponse",
    address: string,
    requestCode: number,
    cause: unknown,
  ) {
    const text = cause instanceof Error ? cause.message : String(cause);
    super(
      "RPC_HOOK",
      `rpc hook ${hook} failed in ${phase} (request code ${requestCode} to ${address}): ${text}`,
      false,
      { cause },
    );
    this.hook = hook;
    this.phase = phase;
    this.address = address;
    this.requestCode = requestCode;
  }
}

/**
 * The producer has as many sends in flight as its bounds allow (`maxInFlight` sends or
 * `maxInFlightBytes` of bodies) and `whenSaturated: "fail"` asked not to wait for room.
 * Retriable: try again once sends have settled (the "producer.drained" event says when).
 */
export class SaturatedError extends RocketMQError {
  /** The bound that is reached: `"maxInFlight"` or `"maxInFlightBytes"`. */
  readonly bound: "maxInFlight" | "maxInFlightBytes";
  /** Its value. */
  readonly limit: number;

  /**
   * Create the error.
   *
   * @param bound the option whose bound is reached
   * @param limit its value
   */
  constructor(bound: "maxInFlight" | "maxInFlightBytes", limit: number) {
    const what = bound === "maxInFlight" ? `${limit} sends` : `${limit} bytes`;
    super("SATURATED", `the producer is saturated: ${bound} (${what}) in flight`, true);
    this.bound = bound;
    this.limit = limit;
  }
}
