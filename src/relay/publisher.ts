/**
 * The relay's way to the producer: every route publishes through here, so admission control,
 * metrics and the failure log are the same for the native API, the Aliyun-compatible route and
 * background (`?async=true`) sends.
 *
 * Extras map to RocketMQ as follows:
 * - `shardingKey`: queue chosen by Java's `SelectMessageQueueByHash` with the key as `arg` (no
 *   retry on another queue, as Java's `send(msg, selector, arg)`); the key is also stored as the
 *   `__SHARDINGKEY` property (the name RocketMQ 5's proxy and Aliyun use for the message group).
 * - `deliverAt`: property `TIMER_DELIVER_MS` (epoch ms), what RocketMQ 5.x's
 *   `Message.setDeliverTimeMs` sets; a 5.x broker with its timer wheel holds the message until
 *   then. A 4.9.x broker has no timer: it stores the property and delivers at once.
 * - `namespace`: the topic becomes `namespace%topic` (Java `NamespaceUtil.wrapNamespace`, which is
 *   how a 5.x namespace / an Aliyun instance id scopes topics on the wire).
 *
 * @module
 */

import { ValidationError } from "../errors.ts";
import type { Logger } from "../log/logger.ts";
import type { Producer } from "../producer/producer.ts";
import type { Message, SendOptions, SendResult } from "../producer/types.ts";
import { selectMessageQueueByHash } from "../route/select-by-hash.ts";
import type { Admission } from "./admission.ts";
import { RelayHttpError, toRelayHttpError } from "./errors.ts";
import type { RelayMetrics } from "./metrics.ts";
import type { RelayPublish, RelayPublishExtra } from "./types.ts";

const encoder = new TextEncoder();
const NAMESPACE_RE = /^[a-zA-Z0-9_-]{1,64}$/;

/**
 * Body size in bytes (strings as UTF-8).
 *
 * @param body a message body
 * @returns its byte length
 */
export function bodyBytes(body: Uint8Array | string): number {
  return typeof body === "string" ? encoder.encode(body).length : body.length;
}

/**
 * An upper estimate of a message's size inside a RocketMQ batch body (Java `MessageBatch`
 * encoding: 20 fixed bytes, the body, 2 bytes and the properties, of which the client adds about
 * 64 bytes: UNIQ_KEY, WAIT).
 *
 * @param m the message
 * @returns estimated bytes
 */
export function batchEntryBytes(m: Message): number {
  let props = 64;
  if (m.tags !== undefined) props += 6 + bodyBytes(m.tags);
  if (m.keys !== undefined) {
    props += 6 + bodyBytes(typeof m.keys === "string" ? m.keys : m.keys.join(" "));
  }
  for (const [k, v] of Object.entries(m.properties ?? {})) props += 2 + bodyBytes(k) + bodyBytes(v);
  return 22 + bodyBytes(m.body) + props;
}

/** What the publisher needs. */
export interface PublisherDeps {
  producer: Producer;
  admission: Admission;
  metrics: RelayMetrics;
  logger: Logger;
  sendTimeoutMs: number | undefined;
  now: () => number;
}

/** Publishes messages for the routes. */
export class RelayPublisher {
  readonly #d: PublisherDeps;

  /**
   * Create the publisher.
   *
   * @param deps producer, admission, metrics, logger, clock
   */
  constructor(deps: PublisherDeps) {
    this.#d = deps;
  }

  /**
   * The {@link RelayPublish} of a route: admission, then {@link sendAdmitted}.
   *
   * @param route the route label of metrics and logs
   * @returns the publish function
   */
  publishFor(route: string): RelayPublish {
    return (topic, message, extra) => {
      let bytes: number;
      try {
        bytes = bodyBytes(message.body);
        this.#d.admission.acquire(1, bytes);
      } catch (e) {
        const err = toRelayHttpError(e);
        this.#d.metrics.failed(route, 1, err.status, err.errorCode, err.message, topic);
        return Promise.reject(err);
      }
      return this.sendAdmitted(route, topic, message, extra).finally(() => {
        this.#d.admission.release(1, bytes);
      });
    };
  }

  /**
   * Send one message whose room the caller already reserved with `Admission.acquire`.
   *
   * @param route metrics and log label
   * @param topic topic (without namespace)
   * @param message the message (its `topic` is replaced)
   * @param extra sharding key, delivery time, namespace
   * @returns the broker's result
   * @throws RelayHttpError for every failure
   */
  async sendAdmitted(
    route: string,
    topic: string,
    message: Message,
    extra: RelayPublishExtra = {},
  ): Promise<SendResult> {
    const begin = this.#d.now();
    try {
      const options: SendOptions = { timeoutMs: this.#d.sendTimeoutMs };
      const m = this.#prepare(topic, message, extra);
      if (extra.shardingKey !== undefined) {
        options.selector = selectMessageQueueByHash;
        options.arg = extra.shardingKey;
      }
      const r = await this.#d.producer.send(m, options);
      this.#d.metrics.sent(route, 1, bodyBytes(m.body), this.#d.now() - begin);
      return r;
    } catch (e) {
      throw this.#failed(route, topic, 1, e);
    }
  }

  /**
   * Send messages of one topic as one RocketMQ batch (the caller reserved their room and keeps
   * the batch under the broker's size limit).
   *
   * @param route metrics and log label
   * @param topic topic
   * @param messages plain messages (no delay, no sharding key)
   * @returns one result per message, in order
   * @throws RelayHttpError when the batch failed (every message of it failed)
   */
  async sendBatchAdmitted(
    route: string,
    topic: string,
    messages: Message[],
  ): Promise<SendResult[]> {
    if (messages.length === 1) return [await this.sendAdmitted(route, topic, messages[0])];
    const begin = this.#d.now();
    try {
      const batch = messages.map((m) => ({ ...m, topic }));
      const r = await this.#d.producer.sendBatch(batch, { timeoutMs: this.#d.sendTimeoutMs });
      let bytes = 0;
      for (const m of batch) bytes += bodyBytes(m.body);
      this.#d.metrics.sent(route, messages.length, bytes, this.#d.now() - begin);
      const ids = r.msgId.split(",");
      const offsetIds = r.offsetMsgId.split(",");
      return messages.map((_, i) => ({
        ...r,
        msgId: ids[i] ?? r.msgId,
        offsetMsgId: offsetIds[i] ?? r.offsetMsgId,
        queueOffset: r.queueOffset + i,
      }));
    } catch (e) {
      throw this.#failed(route, topic, messages.length, e);
    }
  }

  /** Apply the extras to a copy of the message. */
  #prepare(topic: string, message: Message, extra: RelayPublishExtra): Message {
    let fullTopic = topic;
    if (extra.namespace !== undefined && extra.namespace !== "") {
      if (!NAMESPACE_RE.test(extra.namespace)) {
        throw new ValidationError("namespace", "must be 1..64 of [a-zA-Z0-9_-]");
      }
      fullTopic = `${extra.namespace}%${topic}`;
    }
    const m: Message = { ...message, topic: fullTopic };
    if (extra.shardingKey !== undefined || extra.deliverAt !== undefined) {
      const props = { ...message.properties };
      if (extra.shardingKey !== undefined) {
        if (typeof extra.shardingKey !== "string" || extra.shardingKey === "") {
          throw new ValidationError("shardingKey", "must be a non-empty string");
        }
        props.__SHARDINGKEY = extra.shardingKey;
      }
      if (extra.deliverAt !== undefined) {
        if (!Number.isSafeInteger(extra.deliverAt) || extra.deliverAt <= 0) {
          throw new ValidationError("deliverAt", "must be a positive integer (epoch ms)");
        }
        if (message.delayTimeLevel !== undefined && message.delayTimeLevel > 0) {
          throw new ValidationError("deliverAt", "cannot be combined with a delay level");
        }
        props.TIMER_DELIVER_MS = String(extra.deliverAt);
      }
      m.properties = props;
    }
    return m;
  }

  /** Count, log and map a failure. */
  #failed(route: string, topic: string, count: number, e: unknown): RelayHttpError {
    const err = toRelayHttpError(e);
    this.#d.metrics.failed(route, count, err.status, err.errorCode, err.message, topic);
    const fields = { route, topic, count, status: err.status, error_code: err.errorCode };
    if (err.status >= 500) {
      this.#d.logger.warn(`publish failed: ${err.message}`, { ...fields, cause: String(e) });
    } else this.#d.logger.info(`publish refused: ${err.message}`, fields);
    return err;
  }
}

/**
 * Split plain messages into batches whose estimated encoded size stays within `maxBytes` (a
 * message larger than that on its own forms a batch of one, which the producer then judges).
 *
 * @param messages the messages, in order
 * @param maxBytes size limit of one batch
 * @returns index lists, one per batch, in order
 */
export function splitBatches(messages: readonly Message[], maxBytes: number): number[][] {
  const out: number[][] = [];
  let current: number[] = [];
  let size = 0;
  for (let i = 0; i < messages.length; i++) {
    const s = batchEntryBytes(messages[i]);
    if (current.length > 0 && size + s > maxBytes) {
      out.push(current);
      current = [];
      size = 0;
    }
    current.push(i);
    size += s;
  }
  if (current.length > 0) out.push(current);
  return out;
}

/** A RelayHttpError for a request body that is not what the route expects. */
export function badRequest(field: string, message: string): RelayHttpError {
  return new RelayHttpError(400, "VALIDATION", `${field}: ${message}`, { field });
}
