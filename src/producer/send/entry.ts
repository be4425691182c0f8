/**
 * The entry of every send (Java `sendDefaultImpl` / `sendSelectImpl` / `send(msg, mq)` up to the
 * retry loop): count the send in flight, prepare the message, check the budget and the signal,
 * then either the fast path (route cached, nothing to compress: straight into the job, no
 * suspended frame) or the slow one (compression and/or a route lookup first). Batches take the
 * same way after their asynchronous preparation. An async send's outcome goes to its callback.
 *
 * From the moment a send is counted in, its end (events and the count) is booked exactly once:
 * by its job, or by {@link SendEntry}'s failure path when it fails before it has one.
 *
 * @module
 */

import { AbortedError } from "../../errors.ts";
import type { MessageCodec } from "../../client/_codec.ts";
import type { ClientInstance } from "../../client/client-instance.ts";
import type { TopicPublishInfo } from "../../route/publish-info.ts";
import type { ProducerEvents } from "../events.ts";
import type { ResolvedProducerOptions } from "../options.ts";
import type {
  CommunicationMode,
  Message,
  SendCallback,
  SendOptions,
  SendResult,
} from "../types.ts";
import { type SendTracker, trackFailure } from "./inflight.ts";
import { type SendJob, SendKinds } from "./job.ts";
import {
  compressIfNeeded,
  prepareBatch,
  type PrepareContext,
  type PreparedMessage,
  prepareMessage,
} from "./prepare.ts";
import { checkExplicitQueue, fixedQueue } from "./queue.ts";
import type { PublishTable } from "./route.ts";
import { PropsParts } from "./_props_parts.ts";
import type { MQFaultStrategy } from "../../fault/fault-strategy.ts";
import { withoutNamespace } from "../../client/namespace.ts";
import type { HookList } from "../hooks.ts";
import type { AttemptEnv } from "./attempt.ts";
import { HeaderParts } from "./header.ts";
import { budgetOf, checkSendOptions } from "./send-options.ts";
import type { SendBound } from "./bounded.ts";

type R = SendResult | undefined;

/** What the entry needs from its producer. */
export interface SendEntryHost {
  /** Resolved options. */
  readonly options: ResolvedProducerOptions;
  /** Producer group, namespace applied. */
  readonly group: string;
  /** The producer's events. */
  readonly events: ProducerEvents;
  /** The producer's in-flight sends. */
  readonly tracker: SendTracker;
  /** The producer's publish-info table. */
  readonly publishInfo: PublishTable;
  /** The client instance while the producer runs; throws StateError otherwise. */
  running(): ClientInstance;
}

/**
 * The sends of a producer that just started.
 *
 * @param host the producer
 * @param instance its started client instance
 * @param hooks its hooks
 * @param fault its fault strategy
 * @param codec compression and batch encoding
 * @returns the entry of its sends
 */
export function openSendEntry(
  host: SendEntryHost,
  instance: ClientInstance,
  hooks: HookList,
  fault: MQFaultStrategy,
  codec: MessageCodec,
): SendEntry {
  const o = host.options;
  const env: AttemptEnv = {
    remoting: instance.remoting,
    header: new HeaderParts(host.group, o.createTopicKey, o.defaultTopicQueueNums),
    serializeType: o.serializeType,
    vipChannel: o.vipChannel,
    hooks,
    namespace: o.namespace,
    nameServer: () => instance.nameServers.addresses.join(";"),
    clientIP: instance.clientIP,
    findBrokerAddress: (b) => instance.findBrokerAddressInPublish(b),
    refreshRoute: (topic) => findPublishInfo(host, topic),
    userTopic: (t) => withoutNamespace(o.namespace, t),
  };
  const { events, tracker } = host;
  const kinds = new SendKinds({ env, fault, events, tracker, retry: o });
  return new SendEntry(host, instance, kinds, codec);
}

/**
 * Java `tryToFindTopicPublishInfo` for a running producer, within the send's `bound` if given.
 *
 * @throws StateError when the producer stopped; RouteNotFoundError; TimeoutError / AbortedError
 *   when the send's budget or signal ends the wait
 */
function findPublishInfo(
  host: SendEntryHost,
  topic: string,
  bound?: SendBound,
): Promise<TopicPublishInfo> {
  const o = host.options;
  const instance = host.running();
  return host.publishInfo.find(instance, topic, o.createTopicKey, o.defaultTopicQueueNums, bound);
}

/** The sends of one running producer. */
export class SendEntry {
  readonly #host: SendEntryHost;
  readonly #kinds: SendKinds;
  readonly #codec: MessageCodec;
  readonly #prepare: PrepareContext;

  /**
   * @param host the producer
   * @param instance its started client instance
   * @param kinds builds its send jobs
   * @param codec compression and batch encoding
   */
  constructor(
    host: SendEntryHost,
    instance: ClientInstance,
    kinds: SendKinds,
    codec: MessageCodec,
  ) {
    this.#host = host;
    this.#kinds = kinds;
    this.#codec = codec;
    const o = host.options;
    this.#prepare = {
      namespace: o.namespace,
      group: host.group,
      maxMessageSize: o.maxMessageSize,
      uniqIds: instance.uniqIds,
      propsParts: new PropsParts(o.namespace),
    };
  }

  /**
   * Send one message. Not async: on the fast path the message is prepared and its first
   * attempt written synchronously, with one reaction on the way back.
   *
   * @param mode communication mode
   * @param message the caller's message
   * @param options budget, signal, explicit queue or selector
   * @returns the result (undefined for one-way)
   */
  send(mode: CommunicationMode, message: Message, options: SendOptions | undefined): Promise<R> {
    const begin = Date.now();
    this.#host.tracker.enter();
    let p: PreparedMessage;
    try {
      p = prepareMessage(message, this.#prepare, begin);
    } catch (error) {
      return this.#failed(error, mode);
    }
    // Only validation ran since `begin` (a selector's time counts, as in Java sendSelectImpl).
    return this.#send(p, mode, options, begin, options?.selector === undefined);
  }

  /**
   * Send a batch (SEND_BATCH_MESSAGE), counted in flight from before its preparation.
   *
   * @param mode communication mode
   * @param batch the messages
   * @param options budget, signal, explicit queue or selector
   * @returns the result
   */
  sendBatch(
    mode: CommunicationMode,
    batch: Message[],
    options: SendOptions | undefined,
  ): Promise<R> {
    const begin = Date.now();
    this.#host.tracker.enter();
    return prepareBatch(batch, this.#prepare, this.#codec).then(
      (p) => this.#send(p, mode, options, begin, false),
      (error) => this.#failed(error, mode),
    );
  }

  /**
   * The send that failed before it had a job: its end, in a reaction as a job's would be.
   * `admitted` is the body bytes of room it holds, negative when it holds none.
   */
  #failed(error: unknown, mode: CommunicationMode, admitted = -1): Promise<never> {
    const { events, tracker } = this.#host;
    return Promise.reject(error).then(
      undefined,
      (e) => trackFailure(events, tracker, mode, e, admitted),
    );
  }

  #send(
    p: PreparedMessage,
    mode: CommunicationMode,
    options: SendOptions | undefined,
    begin: number,
    startsAtBegin: boolean,
  ): Promise<R> {
    const host = this.#host;
    let admitted = -1;
    try {
      if (options !== undefined) checkSendOptions(options);
      const timeoutMs = budgetOf(options, host.options.sendTimeoutMs);
      const signal = host.tracker.signal(options?.signal);
      if (signal.aborted) throw new AbortedError("send aborted", { cause: signal.reason });
      const explicit = options?.queue;
      if (explicit !== undefined) checkExplicitQueue(explicit, p.message.topic);
      const bytes = p.body.length;
      if (!host.tracker.admit(bytes)) {
        return this.#sendWhenRoom(p, mode, options, begin, timeoutMs, signal);
      }
      admitted = bytes;
      return this.#sendAdmitted(p, mode, options, begin, timeoutMs, signal, startsAtBegin);
    } catch (e) {
      return this.#failed(e, mode, admitted);
    }
  }

  /** Past a bound of sends in flight: wait for room within the send's budget and signal. */
  async #sendWhenRoom(
    p: PreparedMessage,
    mode: CommunicationMode,
    options: SendOptions | undefined,
    begin: number,
    timeoutMs: number,
    signal: AbortSignal,
  ): Promise<R> {
    const bytes = p.body.length;
    try {
      await this.#host.tracker.room.wait(bytes, { deadline: begin + timeoutMs, timeoutMs, signal });
    } catch (e) {
      return await this.#failed(e, mode);
    }
    let run: Promise<R>;
    try {
      run = this.#sendAdmitted(p, mode, options, begin, timeoutMs, signal, false);
    } catch (e) {
      return await this.#failed(e, mode, bytes);
    }
    return await run; // the job (or the slow path) books the end itself
  }

  /** An admitted send: the fast path, or the slow one; throws only before either began. */
  #sendAdmitted(
    p: PreparedMessage,
    mode: CommunicationMode,
    options: SendOptions | undefined,
    begin: number,
    timeoutMs: number,
    signal: AbortSignal,
    startsAtBegin: boolean,
  ): Promise<R> {
    const explicit = options?.queue;
    const info = explicit === undefined ? this.#host.publishInfo.cached(p.topic) : undefined;
    if ((explicit === undefined && info === undefined) || this.#needsCompression(p)) {
      return this.#sendSlow(p, mode, options, begin, timeoutMs, signal);
    }
    return this.#job(p, mode, options, begin, timeoutMs, signal, info).start(startsAtBegin);
  }

  #needsCompression(p: PreparedMessage): boolean {
    return !p.batch && p.body.length >= this.#host.options.compressOver;
  }

  /** Compression and/or a route lookup first. */
  async #sendSlow(
    p: PreparedMessage,
    mode: CommunicationMode,
    options: SendOptions | undefined,
    begin: number,
    timeoutMs: number,
    signal: AbortSignal,
  ): Promise<R> {
    let job: SendJob;
    try {
      const o = this.#host.options;
      if (this.#needsCompression(p)) {
        await compressIfNeeded(p, this.#codec, o.compressOver, o.compressLevel);
      }
      const bound = { deadline: begin + timeoutMs, timeoutMs, signal };
      const info = options?.queue === undefined
        ? this.#host.publishInfo.cached(p.topic) ??
          await findPublishInfo(this.#host, p.topic, bound)
        : undefined;
      job = this.#job(p, mode, options, begin, timeoutMs, signal, info);
    } catch (e) {
      return await this.#failed(e, mode, p.body.length); // admitted: give the room back
    }
    return await job.start(false);
  }

  #job(
    p: PreparedMessage,
    mode: CommunicationMode,
    options: SendOptions | undefined,
    begin: number,
    timeoutMs: number,
    signal: AbortSignal,
    info: TopicPublishInfo | undefined,
  ): SendJob {
    const fixed = fixedQueue(options, info, p.message, this.#host.options.namespace);
    return this.#kinds.job(p, mode, signal, info, fixed, timeoutMs, begin);
  }
}

/**
 * Give an async send's outcome to its callback: exactly one call; a callback that throws is a
 * "producer.callback.error" event.
 *
 * @param result the send
 * @param callback onSuccess / onException
 * @param events where a throwing callback is reported
 */
export function deliverToCallback(
  result: Promise<SendResult>,
  callback: SendCallback,
  events: ProducerEvents,
): void {
  const call = (fn: () => void): void => {
    try {
      fn();
    } catch (error) {
      events.emit("producer.callback.error", { error });
    }
  };
  result.then(
    (r) => call(() => callback.onSuccess(r)),
    (e) => call(() => callback.onException(e instanceof Error ? e : new Error(String(e)))),
  );
}
