/**
 * Where one attempt's outcome goes. Every attempt reports to an {@link AttemptTarget}: the remoting
 * client's pending request for the attempt (see `remoting/pending-request.ts`), which maps the
 * answer ({@link processSendResponse}) before anything else runs and then hands the result or the
 * error on. Three kinds:
 *
 * - the send job itself, for its first attempt (one object per send in flight);
 * - {@link AwaitedAttempt}, a promise, for the attempts after a retry;
 * - {@link HookedAttempt}, which runs the sendMessageAfter hooks before handing on.
 *
 * @module
 */

import type { RemotingCommand } from "../../remoting/command.ts";
import {
  PendingRequest,
  promiseFor,
  type ScannedResponse,
} from "../../remoting/pending-request.ts";
import type { JsonFieldsWriter } from "../../remoting/json-request.ts";
import type { MessageQueue } from "../../route/message-queue.ts";
import type { HookList } from "../hooks.ts";
import type { SendMessageContext, SendResult } from "../types.ts";
import {
  type HeaderParts,
  type HeaderValues,
  sendHeaderFields,
  sendHeaderLength,
  writeSendHeader,
} from "./header.ts";
import type { PreparedMessage } from "./prepare.ts";
import { processScannedSendResponse, processSendResponse } from "./response.ts";

/** An attempt's outcome: the result (undefined for one-way), or why it failed. */
export interface AttemptSink {
  /** The attempt produced `r`. Never throws. */
  ok(r: SendResult | undefined): void;
  /** The attempt failed with `e`. Never throws. */
  fail(e: unknown): void;
}

/**
 * One attempt as the remoting client sees it: the writer of its header (its own values, see
 * header.ts), its pending request, and the receiver of its answer, which it maps and reports to
 * {@link ok} / {@link fail}.
 */
export abstract class AttemptTarget extends PendingRequest
  implements AttemptSink, HeaderValues, JsonFieldsWriter {
  /** The queue of the attempt (wire topic). */
  abstract readonly queue: MessageQueue;
  /** The message. */
  abstract readonly prepared: PreparedMessage;
  /** The attempt's start (client epoch ms): the header's bornTimestamp. */
  abstract readonly bornTimestamp: number;
  /** The producer's header parts. */
  abstract readonly headerParts: HeaderParts;
  /** Client id(s) of the message, for the result. */
  abstract readonly msgId: string;
  /** The topic without namespace, for the result. */
  abstract readonly userTopic: string;
  /** See {@link AttemptSink.ok}. */
  abstract ok(r: SendResult | undefined): void;
  /** See {@link AttemptSink.fail}. */
  abstract fail(e: unknown): void;

  /** Bytes of the header's JSON (see {@link write}). */
  get byteLength(): number {
    return sendHeaderLength(this.headerParts, this);
  }

  /** Write the header's JSON at `buf[at]` (the remoting client calls it while framing). */
  write(buf: Uint8Array, at: number): void {
    writeSendHeader(this.headerParts, this, buf, at);
  }

  /** The header as an object, byte-for-byte what {@link write} writes (for RPC hooks). */
  fields(): Record<string, string> {
    return sendHeaderFields(this.headerParts, this);
  }

  /** The answer of `address` as a decoded command. Never throws. */
  answer(res: RemotingCommand, address: string): void {
    let r: SendResult;
    try {
      r = processSendResponse(res, this.userTopic, this.queue, this.msgId, address);
    } catch (e) {
      this.fail(e);
      return;
    }
    this.ok(r);
  }

  /** As the pending request: the response arrived. */
  onResponse(res: RemotingCommand): void {
    this.answer(res, this.table!.address);
  }

  /** As the pending request: the response arrived as a scanned header (read in place). */
  override onTokens(t: ScannedResponse, _body: Uint8Array | undefined): void {
    let r: SendResult;
    try {
      r = processScannedSendResponse(
        t,
        this.userTopic,
        this.queue,
        this.msgId,
        this.table!.address,
      );
    } catch (e) {
      this.fail(e);
      return;
    }
    this.ok(r);
  }

  /** As the pending request: the request failed. */
  onError(error: Error): void {
    this.fail(error);
  }
}

/** What an attempt after the first takes from the send it belongs to. */
interface AttemptOf {
  readonly msgId: string;
  readonly userTopic: string;
  readonly prepared: PreparedMessage;
  readonly headerParts: HeaderParts;
}

/** An attempt awaited as a {@link promise} (the attempts after a retry). */
export class AwaitedAttempt extends AttemptTarget {
  /** Settles with the attempt's result or error. */
  readonly promise: Promise<SendResult | undefined>;
  /** Set by the promise. */
  resolve!: (r: SendResult | undefined) => void;
  /** Set by the promise. */
  reject!: (e: unknown) => void;
  readonly queue: MessageQueue;
  readonly bornTimestamp: number;
  readonly #send: AttemptOf;

  /**
   * @param send the send the attempt belongs to
   * @param queue the queue of the attempt
   * @param bornTimestamp the attempt's start
   */
  constructor(send: AttemptOf, queue: MessageQueue, bornTimestamp: number) {
    super();
    this.#send = send;
    this.queue = queue;
    this.bornTimestamp = bornTimestamp;
    this.promise = promiseFor<SendResult | undefined>(this);
  }

  get prepared(): PreparedMessage {
    return this.#send.prepared;
  }

  get headerParts(): HeaderParts {
    return this.#send.headerParts;
  }

  get msgId(): string {
    return this.#send.msgId;
  }

  get userTopic(): string {
    return this.#send.userTopic;
  }

  ok(r: SendResult | undefined): void {
    this.resolve(r);
  }

  fail(e: unknown): void {
    this.reject(e);
  }
}

/** An attempt with sendMessage hooks: the after-hooks see the outcome before the send does. */
export class HookedAttempt extends AttemptTarget {
  readonly #inner: AttemptTarget;
  readonly #ctx: SendMessageContext;
  readonly #hooks: HookList;

  /**
   * @param inner where the outcome goes after the hooks
   * @param ctx the hooks' context (the before-hooks saw it)
   * @param hooks the producer's hooks
   */
  constructor(inner: AttemptTarget, ctx: SendMessageContext, hooks: HookList) {
    super();
    this.#inner = inner;
    this.#ctx = ctx;
    this.#hooks = hooks;
  }

  get queue(): MessageQueue {
    return this.#inner.queue;
  }

  get prepared(): PreparedMessage {
    return this.#inner.prepared;
  }

  get bornTimestamp(): number {
    return this.#inner.bornTimestamp;
  }

  get headerParts(): HeaderParts {
    return this.#inner.headerParts;
  }

  get msgId(): string {
    return this.#inner.msgId;
  }

  get userTopic(): string {
    return this.#inner.userTopic;
  }

  ok(r: SendResult | undefined): void {
    this.#ctx.sendResult = r;
    if (HookedAttempt.#after(this)) this.#inner.ok(r);
  }

  fail(e: unknown): void {
    this.#ctx.exception = e as Error;
    if (HookedAttempt.#after(this)) this.#inner.fail(e);
  }

  /** Run the after-hooks; false (and the attempt failed) when reporting a hook error threw. */
  static #after(a: HookedAttempt): boolean {
    try {
      a.#hooks.after(a.#ctx);
      return true;
    } catch (e) {
      a.#inner.fail(e);
      return false;
    }
  }
}
