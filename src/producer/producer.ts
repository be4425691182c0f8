/**
 * The producer (Java `DefaultMQProducer` + `DefaultMQProducerImpl`): lifecycle and the public
 * methods. Every send goes through the send path in `send/` (its README tells the flow).
 *
 * @example
 * ```ts
 * import { Producer } from "@rocketmq-edge/client";
 *
 * await using producer = new Producer({ nameServer: "127.0.0.1:9876", group: "orders" });
 * await producer.start();
 * const r = await producer.send({ topic: "Orders", body: "hello", tags: "TagA", keys: ["k1"] });
 * console.log(r.status, r.msgId, r.queue);
 * ```
 *
 * @module
 */

import { StateError } from "../errors.ts";
import type { FaultStrategyState, MQFaultStrategy } from "../fault/fault-strategy.ts";
import { fetchPublishQueues, PublishTable } from "./send/route.ts";
import type { ClientInstance } from "../client/client-instance.ts";
import { buildClientId, type ClientInstanceFactories } from "../client/manager.ts";
import { wrapNamespace } from "../client/namespace.ts";
import { localIPv4 } from "../client/_host.ts";
import type { ProducerInner } from "../client/types.ts";
import { type ResolvedProducerOptions, resolveProducerOptions } from "./options.ts";
import { ProducerEvents } from "./events.ts";
import { HookList } from "./hooks.ts";
import type {
  CommunicationMode,
  Message,
  MessageQueue,
  ProducerClusterView,
  ProducerHooks,
  ProducerOptions,
  ProducerState,
  SendCallback,
  SendOptions,
  SendResult,
} from "./types.ts";
import { SendTracker } from "./send/inflight.ts";
import { deliverToCallback, openSendEntry, type SendEntry } from "./send/entry.ts";
import { checkSendCallback, notRunningError } from "./usage-errors.ts";
import { clientFactoriesOf } from "./_seams.ts";
import {
  addOptionHooks,
  announceStart,
  checkProducerGroup,
  faultStrategyOf,
  groupTakenError,
  joinClientInstance,
  producerInner,
  resolveInstanceName,
  shutdownProducer,
  startClientInstance,
} from "./lifecycle.ts";

/** A RocketMQ producer. See the module docs for an example. */
export class Producer implements AsyncDisposable {
  /**
   * Instrumentation events: `events.on(EventName.SEND, (e) => e.detail…)` (typed by
   * `ProducerEventMap`, returns an unsubscribe function) or `addEventListener`. Listener errors
   * are isolated (logged, and reported as "producer.listener.error").
   */
  readonly events: ProducerEvents;
  /** Queue selection and latency fault tolerance (inspect `latencyFaultTolerance` for fault items). */
  readonly faultStrategy: FaultStrategyState;
  readonly #fault: MQFaultStrategy;

  readonly #opts: ResolvedProducerOptions;
  readonly #group: string;
  readonly #instanceName: string;
  readonly #factories: ClientInstanceFactories;
  readonly #publishInfo = new PublishTable();
  readonly #tracker = new SendTracker();
  readonly #hooks = new HookList((hook, error) =>
    this.events.emit("producer.hook.error", { hook, error })
  );
  #state: ProducerState = "CREATE_JUST";
  #clientIP: string | undefined;
  #instance: ClientInstance | undefined;
  #sends: SendEntry | undefined;

  /**
   * Create a producer (not started).
   *
   * @param options options; see {@link ProducerOptions}
   * @throws ValidationError naming `options.<name>`
   */
  constructor(options: ProducerOptions) {
    this.#opts = resolveProducerOptions(options);
    this.events = new ProducerEvents(this.#opts.logger.child("producer"));
    this.#inner = producerInner(this.#publishInfo, this.events);
    checkProducerGroup(this.#opts.group);
    this.#group = wrapNamespace(this.#opts.namespace, this.#opts.group);
    this.#instanceName = resolveInstanceName(this.#opts.instanceName);
    this.#clientIP = this.#opts.clientIP;
    addOptionHooks(this.#hooks, this.#opts.hooks);
    this.#factories = clientFactoriesOf(options); // test seam (_seams.ts), off the signature
    this.faultStrategy = this.#fault = faultStrategyOf(this.#opts);
    this.#tracker.room.configure(this.#opts, this.events);
  }

  /** Lifecycle state. */
  get state(): ProducerState {
    return this.#state;
  }

  /** `clientIP@instanceName[@unitName]`; the IP part is empty before `start()` unless `clientIP` was given. */
  get clientId(): string {
    return buildClientId(this.#clientIP ?? "", this.#instanceName, this.#opts.unitName);
  }

  /**
   * The name servers and brokers this producer's client instance knows (empty before `start()`).
   *
   * @returns a fresh snapshot
   */
  clusterView(): ProducerClusterView {
    const instance = this.#instance;
    if (instance === undefined) return { nameServers: [], brokers: [] };
    const ns = instance.nameServers;
    const nameServers = ns.addresses.map((address) => ({
      address,
      lastOkAt: ns.lastOkAt(address),
    }));
    const brokers: ProducerClusterView["brokers"] = [];
    for (const [name, addrs] of instance.brokerAddrTable) {
      const address = addrs["0"];
      if (address !== undefined) brokers.push({ name, address });
    }
    return { nameServers, brokers };
  }

  /** Producer group with namespace applied. */
  get group(): string {
    return this.#group;
  }

  /**
   * Start: get or create the shared client instance, register the group, start the instance,
   * heartbeat, start the trace dispatcher (a failure there is an event, not fatal).
   *
   * @throws StateError unless the state is CREATE_JUST; ValidationError when the group is taken
   */
  async start(): Promise<void> {
    if (this.#state !== "CREATE_JUST") {
      throw new StateError(this.#state, "The producer service state not OK, maybe started once");
    }
    this.#state = "START_FAILED";
    const o = this.#opts;
    this.#clientIP ??= await localIPv4();
    const instance = joinClientInstance(
      o,
      this.#clientIP,
      this.#instanceName,
      this.#group,
      this.#inner,
      this.#factories,
    );
    if (instance === undefined) {
      this.#state = "CREATE_JUST";
      throw groupTakenError(this.#group);
    }
    await startClientInstance(instance, this.#group, this.#publishInfo, o.createTopicKey);
    this.#instance = instance;
    const host = {
      options: o,
      group: this.#group,
      events: this.events,
      tracker: this.#tracker,
      publishInfo: this.#publishInfo,
      running: () => this.#running(),
    };
    const codec = o.codec ?? instance.codec;
    this.#sends = openSendEntry(host, instance, this.#hooks, this.#fault, codec);
    this.#state = "RUNNING";
    await announceStart(instance, o, this.events);
  }

  /** The view of this producer the client instance uses (set in the constructor, after events). */
  readonly #inner: ProducerInner;

  #running(): ClientInstance {
    if (this.#state !== "RUNNING" || this.#instance === undefined) {
      throw notRunningError(this.#state);
    }
    return this.#instance;
  }

  /** Every send: the running producer's send entry (see send/README.md). */
  #tracked<T extends SendResult | undefined>(
    mode: CommunicationMode,
    message: Message | undefined,
    batch: Message[] | undefined,
    options: SendOptions | undefined,
  ): Promise<T> {
    let sends: SendEntry;
    try {
      this.#running();
      sends = this.#sends!;
    } catch (e) {
      return Promise.reject(e);
    }
    const sent = batch !== undefined
      ? sends.sendBatch(mode, batch, options)
      : sends.send(mode, message!, options);
    return sent as Promise<T>;
  }

  /**
   * Send and wait for the broker's answer (Java sync send): up to 1 + retryTimesWhenSendFailed
   * attempts within `timeoutMs`, each on another broker than the last.
   *
   * @param message the message
   * @param options budget, signal, explicit queue or selector
   * @returns the broker's result
   * @throws ValidationError, StateError, RouteNotFoundError, TimeoutError, SendFailedError,
   *   BrokerError (non-retriable codes), AbortedError
   */
  send(message: Message, options?: SendOptions): Promise<SendResult> {
    return this.#tracked<SendResult>("SYNC", message, undefined, options);
  }

  /**
   * Send without waiting for an answer: one attempt, resolved once the frame was written.
   *
   * @param message the message
   * @param options budget, signal, explicit queue or selector
   */
  async sendOneway(message: Message, options?: SendOptions): Promise<void> {
    await this.#tracked<undefined>("ONEWAY", message, undefined, options);
  }

  /**
   * Java async send: the callback gets exactly one call. Transport failures (no answer) are
   * retried on another broker up to retryTimesWhenSendAsyncFailed times; broker answers are final.
   *
   * @param message the message
   * @param callback onSuccess / onException
   * @param options budget, signal, explicit queue or selector
   * @throws ValidationError naming `callback` when it lacks onSuccess / onException (every other
   *   failure goes to `onException`)
   */
  sendAsync(message: Message, callback: SendCallback, options?: SendOptions): void {
    checkSendCallback(callback);
    const result = this.#tracked<SendResult>("ASYNC", message, undefined, options);
    deliverToCallback(result, callback, this.events);
  }

  /**
   * Send a batch (SEND_BATCH_MESSAGE) with the awaited-send retry rules. `msgId` of the result is
   * the messages' ids comma-joined.
   *
   * @param messages same topic, no delay, no retry topic, equal waitStoreMsgOK
   * @param options budget, signal, explicit queue or selector
   * @returns the broker's result
   */
  sendBatch(messages: Message[], options?: SendOptions): Promise<SendResult> {
    return this.#tracked<SendResult>("SYNC", undefined, messages, options);
  }

  /**
   * Register more hooks (Java `registerCheckForbiddenHook` / `registerSendMessageHook`); they
   * apply to sends started afterwards.
   *
   * @param hooks checkForbidden / sendMessageBefore / sendMessageAfter
   * @throws ValidationError when `hooks` is not an object of functions
   */
  addHooks(hooks: ProducerHooks): void {
    this.#hooks.add(hooks);
  }

  /**
   * The queues a topic can be sent to, fresh from the name server (Java `fetchPublishMessageQueues`).
   *
   * @param topic topic without namespace
   * @returns the queues (topic without namespace)
   * @throws RouteNotFoundError when the topic has no route
   */
  async fetchPublishMessageQueues(topic: string): Promise<MessageQueue[]> {
    return await fetchPublishQueues(this.#running(), this.#opts.namespace, topic);
  }

  /**
   * Shut down: refuse new sends, wait for in-flight sends up to shutdownTimeoutMs, fail the rest
   * (AbortedError), unregister from every broker, stop the trace dispatcher, release the client
   * instance (last producer: sockets, timers, codec). Idempotent; a no-op before start.
   */
  async shutdown(): Promise<void> {
    if (this.#state !== "RUNNING") return;
    this.#state = "SHUTDOWN_ALREADY";
    await shutdownProducer(this.#instance!, this.#group, this.#opts, this.events, this.#tracker);
  }

  /** `await using` support: same as {@link shutdown}. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.shutdown();
  }
}
