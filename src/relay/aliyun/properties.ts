/**
 * The `<Properties>` text of an MQ HTTP publish (`k:v|k2:v2`, the Go SDK adds a trailing `|`) and
 * how its entries map onto a RocketMQ message:
 *
 * | property             | becomes                                              |
 * | -------------------- | ---------------------------------------------------- |
 * | `KEYS`               | the message keys (`Message.keys`)                    |
 * | `__STARTDELIVERTIME` | the delivery time (`deliverAt`, epoch ms)            |
 * | `__SHARDINGKEY`      | the sharding key (ordered send by hash)              |
 * | `__TransCheckT`      | refused with `InvalidArgument`: no transactions yet  |
 * | anything else        | a user property (the producer refuses reserved names)|
 *
 * Parsing is stricter than the SDKs' own consume-side parsers, which skip what they cannot read:
 * here an entry without `:` or with an empty name, and a name given twice, are refused, so nothing
 * is silently dropped. A value keeps every `:` after the first (`url:http://x` is
 * `url` = `http://x`).
 *
 * @example
 * ```ts
 * import { parseProperties } from "@rocketmq-edge/client/relay";
 *
 * parseProperties("KEYS:order-1|region:eu|"); // Map { "KEYS" => "order-1", "region" => "eu" }
 * ```
 *
 * @module
 */

import type { Message } from "../../producer/types.ts";
import { invalidArgument } from "./_errors.ts";

/** Property of the message keys. */
export const KEYS = "KEYS";
/** Property of the delivery time (epoch ms), as the SDKs' `startDeliverTime`. */
export const START_DELIVER_TIME = "__STARTDELIVERTIME";
/** Property of the sharding key, as the SDKs' `shardingKey`. */
export const SHARDING_KEY = "__SHARDINGKEY";
/** Property that marks a transactional publish (first check after N seconds). */
export const TRANS_CHECK_IMMUNITY_TIME = "__TransCheckT";

/**
 * Split `k:v|k2:v2|` into its entries, in order.
 *
 * @param text the `<Properties>` text
 * @returns the entries by name
 * @throws {AliyunError} `InvalidArgument` for an entry without `:`, an empty name or a repeated
 * name
 */
export function parseProperties(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const entry of text.split("|")) {
    if (entry === "") continue; // trailing "|" (Go SDK) or "||"
    const colon = entry.indexOf(":");
    if (colon < 0) throw invalidArgument(`Properties: entry "${entry}" is not name:value`);
    const name = entry.slice(0, colon);
    if (name === "") throw invalidArgument(`Properties: entry "${entry}" has an empty name`);
    if (out.has(name)) throw invalidArgument(`Properties: "${name}" is given more than once`);
    out.set(name, entry.slice(colon + 1));
  }
  return out;
}

/** The message and the publish extras that the properties describe. */
export interface MappedPublish {
  /** The message (topic filled in by the caller). */
  message: Message;
  /** Sharding key, from `__SHARDINGKEY`. */
  shardingKey?: string;
  /** Delivery time in epoch ms, from `__STARTDELIVERTIME`. */
  deliverAt?: number;
}

/**
 * Build the RocketMQ message of a publish from its body, tag and properties.
 *
 * @param topic the topic (from the path)
 * @param body the message body text
 * @param tag the `MessageTag`, if any
 * @param properties the parsed `<Properties>` entries
 * @returns the message and extras
 * @throws {AliyunError} `InvalidArgument` for an empty body, a transactional publish, a
 * delivery time that is not a non-negative integer, or an empty key or sharding key
 */
export function toMessage(
  topic: string,
  body: string,
  tag: string | undefined,
  properties: ReadonlyMap<string, string>,
): MappedPublish {
  if (body === "") throw invalidArgument("MessageBody must not be empty");
  const message: Message = { topic, body };
  if (tag !== undefined) message.tags = tag;
  const out: MappedPublish = { message };
  const user: Record<string, string> = {};
  let hasUser = false;
  for (const [name, value] of properties) {
    switch (name) {
      case TRANS_CHECK_IMMUNITY_TIME:
        throw invalidArgument(
          `Properties: transactional messages (${TRANS_CHECK_IMMUNITY_TIME}) are not supported by the relay`,
        );
      case KEYS:
        if (value.trim() === "") throw invalidArgument(`Properties: ${KEYS} must not be empty`);
        message.keys = value;
        break;
      case SHARDING_KEY:
        if (value === "") throw invalidArgument(`Properties: ${SHARDING_KEY} must not be empty`);
        out.shardingKey = value;
        break;
      case START_DELIVER_TIME: {
        const ms = /^\d{1,16}$/.test(value) ? Number(value) : NaN;
        if (!Number.isSafeInteger(ms)) {
          throw invalidArgument(
            `Properties: ${START_DELIVER_TIME} must be epoch milliseconds, got "${value}"`,
          );
        }
        out.deliverAt = ms;
        break;
      }
      default:
        user[name] = value;
        hasUser = true;
    }
  }
  if (hasUser) message.properties = user;
  return out;
}
