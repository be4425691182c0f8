/**
 * Turning a caller's {@link Message} (or a list of them) into what goes on the wire, once per
 * send: validation (Java `Validators`, via validation.ts), the UTF-8 body, the properties string in
 * the Java client's order (TAGS, KEYS, UNIQ_KEY, WAIT, DELAY, TRAN_MSG, PGROUP, INSTANCE_ID, user
 * properties), the client id, the namespace, and for batches the encoded body (Java `MessageBatch.generateFromList`).
 * Retries reuse the prepared form, so the UNIQ_KEY stays the same across attempts as in Java.
 *
 * @module
 */

import { ValidationError } from "../../errors.ts";
import { MessageSysFlag } from "../../remoting/codes.ts";
import type { MessageCodec } from "../../client/_codec.ts";
import { type IdStem, idText, type UniqIdGenerator } from "../../codec/message-id.ts";
import { wrapNamespace } from "../../client/namespace.ts";
import {
  checkBatchMessage,
  checkBody,
  checkDelayTimeLevel,
  checkFlag,
  checkKeys,
  checkProperties,
  checkPropertiesSize,
  checkPropertyText,
  checkTopic,
} from "../validation.ts";
import type { Message, MessageType } from "../types.ts";
import type { PropsPart, PropsParts } from "./_props_parts.ts";
import { NAME_VALUE_SEPARATOR as NV, PROPERTY_SEPARATOR as SEP } from "../../codec/properties.ts";

const encoder = new TextEncoder();
/** Tags this long may take the properties past the broker's limit (see checkPropertiesSize). */
const LONG_TAGS = 8192;

/** A message ready for the kernel. */
export interface PreparedMessage {
  /** The caller's message (single) or the first message (batch). */
  readonly message: Message;
  /** Every caller message of a batch; `undefined` for a single message. */
  readonly messages: readonly Message[] | undefined;
  /** Wire topic (namespace applied). */
  readonly topic: string;
  /** Raw body (single) or encoded batch body. */
  readonly body: Uint8Array;
  /** Body as sent: compressed when compression applied. */
  sendBody: Uint8Array;
  /** sysFlag header value (0x1|0x300 compressed, 0x4 transaction half). */
  sysFlag: number;
  /** User flag. */
  readonly flag: number;
  /** Properties header value. */
  readonly properties: string;
  /**
   * For a plain single message, {@link properties} as `propsHead.raw + msgId + propsTail.raw`
   * with both parts' JSON bytes cached (see _props_parts.ts); undefined otherwise.
   */
  readonly propsHead: PropsPart | undefined;
  /** See {@link propsHead}. */
  readonly propsTail: PropsPart | undefined;
  /**
   * For a single message, its id but the last 4 hex digits (shared per millisecond), and its
   * {@link idCounter}: the id written into a frame without reading {@link msgId}, and built as
   * a string only when read. Undefined for a batch.
   */
  readonly idStem: IdStem | undefined;
  /** See {@link idStem}. */
  readonly idCounter: number;
  /** Client id(s) for the SendResult: UNIQ_KEY, comma-joined for a batch. */
  readonly msgId: string;
  /** True for SEND_BATCH_MESSAGE. */
  readonly batch: boolean;
  /** Kind, for hooks. */
  readonly msgType: MessageType;
}

/** What preparing needs from the producer. */
export interface PrepareContext {
  /** Namespace, if configured. */
  namespace: string | undefined;
  /** Producer group (namespace applied), for PGROUP. */
  group: string;
  /** Largest body. */
  maxMessageSize: number;
  /** UNIQ_KEY source. */
  uniqIds: UniqIdGenerator;
  /** Cached properties parts of plain messages. */
  propsParts: PropsParts;
}

/**
 * The one shape of {@link PreparedMessage}, single and batch alike (the kernel's reads stay
 * monomorphic). Every send in flight keeps one alive, so it holds only what the wire needs: a
 * plain message's properties text and a single message's id string are built when read (the
 * send fast path writes both from cached bytes; the id is read once, for the result, when the
 * answer is in), and the batch flag and message type are derived.
 */
class Prepared implements PreparedMessage {
  readonly message: Message;
  readonly messages: readonly Message[] | undefined;
  readonly topic: string;
  readonly body: Uint8Array;
  sendBody: Uint8Array;
  sysFlag: number;
  readonly flag: number;
  readonly propsHead: PropsPart | undefined;
  readonly propsTail: PropsPart | undefined;
  readonly idStem: IdStem | undefined;
  readonly idCounter: number;
  #properties: string | undefined;
  #msgId: string | undefined;

  constructor(
    message: Message,
    messages: readonly Message[] | undefined,
    topic: string,
    body: Uint8Array,
    sysFlag: number,
    flag: number,
    properties: string | undefined,
    propsHead: PropsPart | undefined,
    propsTail: PropsPart | undefined,
    idStem: IdStem | undefined,
    idCounter: number,
    msgId: string | undefined,
  ) {
    this.message = message;
    this.messages = messages;
    this.topic = topic;
    this.body = body;
    this.sendBody = body;
    this.sysFlag = sysFlag;
    this.flag = flag;
    this.propsHead = propsHead;
    this.propsTail = propsTail;
    this.idStem = idStem;
    this.idCounter = idCounter;
    this.#properties = properties;
    this.#msgId = msgId;
  }

  get properties(): string {
    return this.#properties ??= this.propsHead!.raw + this.msgId + this.propsTail!.raw;
  }

  get msgId(): string {
    return this.#msgId ??= idText(this.idStem!, this.idCounter);
  }

  get batch(): boolean {
    return this.messages !== undefined;
  }

  get msgType(): MessageType {
    return this.messages !== undefined ? "Normal_Msg" : messageType(this.message);
  }
}

function bodyBytes(body: unknown, field: string, max: number): Uint8Array {
  const bytes = typeof body === "string" ? encoder.encode(body) : body;
  checkBody(bytes, max, field);
  return bytes;
}

/**
 * Validate a message's fields and build its properties string with a fresh UNIQ_KEY.
 *
 * @param m the message
 * @param prefix field prefix for errors ("" or "messages[i].")
 * @param ctx producer context
 * @param uniqKey the UNIQ_KEY to embed
 * @returns the properties string
 */
function buildProperties(m: Message, prefix: string, ctx: PrepareContext, uniqKey: string): string {
  let props = "";
  if (m.tags !== undefined) {
    checkPropertyText(prefix + "tags", m.tags);
    if (m.tags.length > 0) props = "TAGS" + NV + m.tags;
  }
  if (m.keys !== undefined) {
    checkKeys(m.keys, prefix + "keys");
    const keys = typeof m.keys === "string" ? m.keys : m.keys.join(" ");
    if (keys.length > 0) props += (props ? SEP : "") + "KEYS" + NV + keys;
  }
  props += (props ? SEP : "") + "UNIQ_KEY" + NV + uniqKey;
  if (m.waitStoreMsgOK !== undefined && typeof m.waitStoreMsgOK !== "boolean") {
    throw new ValidationError(prefix + "waitStoreMsgOK", "must be a boolean");
  }
  props += SEP + "WAIT" + NV + (m.waitStoreMsgOK === false ? "false" : "true");
  if (m.delayTimeLevel !== undefined) {
    checkDelayTimeLevel(m.delayTimeLevel, prefix + "delayTimeLevel");
    // Java sendMessageInTransaction clears DELAY on half messages.
    if (m.delayTimeLevel > 0 && !m.transactionPrepared) {
      props += SEP + "DELAY" + NV + m.delayTimeLevel;
    }
  }
  if (m.transactionPrepared) {
    props += SEP + "TRAN_MSG" + NV + "true" + SEP + "PGROUP" + NV + ctx.group;
  }
  // Java sendKernelImpl: msg.setInstanceId(namespace) when a namespace is configured.
  if (ctx.namespace !== undefined) props += SEP + "INSTANCE_ID" + NV + ctx.namespace;
  if (m.properties !== undefined) {
    if (m.properties === null || typeof m.properties !== "object") {
      throw new ValidationError(prefix + "properties", "must be an object of strings");
    }
    checkProperties(m.properties);
    for (const k in m.properties) props += SEP + k + NV + m.properties[k];
  }
  checkPropertiesSize(props, () => sizedFields(m, prefix));
  return props;
}

/** The caller's fields a properties text is built from, named as in errors. */
function* sizedFields(m: Message, prefix: string): Iterable<readonly [string, string]> {
  if (m.tags !== undefined) yield [prefix + "tags", m.tags];
  if (m.keys !== undefined) {
    yield [prefix + "keys", typeof m.keys === "string" ? m.keys : m.keys.join(" ")];
  }
  for (const k in m.properties ?? {}) yield [`${prefix}properties.${k}`, m.properties![k]];
}

function checkShape(m: unknown, field: string): asserts m is Message {
  if (m === null || typeof m !== "object") throw new ValidationError(field, "must be an object");
}

function messageType(m: Message): MessageType {
  if (m.transactionPrepared) return "Trans_Msg_Half";
  if (m.delayTimeLevel !== undefined && m.delayTimeLevel > 0) return "Delay_Msg";
  // Java also classifies the Aliyun start-deliver-time property as a delay message.
  if (m.properties?.__STARTDELIVERTIME !== undefined) return "Delay_Msg";
  return "Normal_Msg";
}

/**
 * Prepare one message (Java `Validators.checkMessage` + the property work of `sendKernelImpl`).
 *
 * @param m the message
 * @param ctx producer context
 * @param now the current time in ms if the caller just read it (stamps the UNIQ_KEY)
 * @returns the prepared message (not compressed yet: see {@link compressIfNeeded})
 * @throws ValidationError naming the field
 */
export function prepareMessage(
  m: Message,
  ctx: PrepareContext,
  now?: number,
): PreparedMessage {
  checkShape(m, "message");
  checkTopic(m.topic, "topic");
  const body = bodyBytes(m.body, "body", ctx.maxMessageSize);
  const flag = m.flag ?? 0;
  checkFlag(flag, "flag");
  const ids = ctx.uniqIds;
  ids.advance(now);
  const idStem = ids.lastStem;
  const idCounter = ids.lastCounter;
  let properties: string | undefined;
  let msgId: string | undefined;
  let propsHead: PropsPart | undefined;
  let propsTail: PropsPart | undefined;
  const wait = m.waitStoreMsgOK;
  if (
    m.keys === undefined && m.delayTimeLevel === undefined && !m.transactionPrepared &&
    m.properties === undefined && (wait === undefined || typeof wait === "boolean") &&
    // Long tags take the full build, which checks the properties' size limit.
    (typeof m.tags !== "string" || m.tags.length < LONG_TAGS)
  ) {
    // The common plain message: cached parts around the id, same text as buildProperties
    // (built only if something reads it; see Prepared).
    propsHead = ctx.propsParts.head(m.tags, "tags");
    propsTail = ctx.propsParts.tail(wait !== false);
  } else {
    msgId = idText(idStem, idCounter);
    properties = buildProperties(m, "", ctx, msgId);
  }
  return new Prepared(
    m,
    undefined,
    wrapNamespace(ctx.namespace, m.topic),
    body,
    m.transactionPrepared ? MessageSysFlag.TRANSACTION_PREPARED : 0,
    flag,
    properties,
    propsHead,
    propsTail,
    idStem,
    idCounter,
    msgId,
  );
}

/**
 * Compress a single message's body when it reaches `compressOver` (Java `tryToCompressMessage`):
 * zlib at `level` through the codec, sysFlag |= 0x1 | 0x300. Batches are never compressed. A
 * codec failure leaves the body uncompressed, as Java does.
 *
 * @param p prepared message (updated in place)
 * @param codec the codec seam
 * @param compressOver threshold in bytes
 * @param level zlib level
 */
export async function compressIfNeeded(
  p: PreparedMessage,
  codec: MessageCodec,
  compressOver: number,
  level: number,
): Promise<void> {
  if (p.batch || p.body.length < compressOver) return;
  try {
    p.sendBody = await codec.compress(p.body, level);
    p.sysFlag |= MessageSysFlag.COMPRESSED | MessageSysFlag.COMPRESSION_ZLIB;
  } catch {
    p.sendBody = p.body;
  }
}

/**
 * Prepare a batch (Java `DefaultMQProducer.batch`): every message validated (fields named
 * `messages[i].…`), same topic, no delay, no retry topic, equal waitStoreMsgOK, each its own
 * UNIQ_KEY; the batch header carries only `WAIT` (never UNIQ_KEY: Java `MessageBatch` / `MessageClientIDSetter`); the
 * encoded body must fit `maxMessageSize`.
 *
 * @param messages the messages
 * @param ctx producer context
 * @param codec the codec seam (encodes the records)
 * @returns the prepared batch
 * @throws ValidationError naming the field
 */
export async function prepareBatch(
  messages: readonly Message[],
  ctx: PrepareContext,
  codec: MessageCodec,
): Promise<PreparedMessage> {
  if (!Array.isArray(messages) || messages.length === 0) {
    throw new ValidationError("messages", "must be a non-empty array");
  }
  const records: { body: Uint8Array; flag: number; properties: string }[] = [];
  const ids: string[] = [];
  const first = messages[0];
  for (let i = 0; i < messages.length; i++) {
    const m = messages[i];
    const prefix = `messages[${i}].`;
    checkShape(m, `messages[${i}]`);
    checkTopic(m.topic, prefix + "topic");
    checkBatchMessage(m, first, i);
    if (m.transactionPrepared) {
      throw new ValidationError(prefix + "transactionPrepared", "must be unset in a batch");
    }
    const body = bodyBytes(m.body, prefix + "body", ctx.maxMessageSize);
    const flag = m.flag ?? 0;
    checkFlag(flag, prefix + "flag");
    const id = ctx.uniqIds.next();
    ids.push(id);
    records.push({ body, flag, properties: buildProperties(m, prefix, ctx, id) });
  }
  const body = await codec.encodeBatch(records);
  if (body.length > ctx.maxMessageSize) {
    throw new ValidationError(
      "messages",
      `encoded batch must be at most ${ctx.maxMessageSize} bytes, got ${body.length}`,
    );
  }
  return new Prepared(
    first,
    messages,
    wrapNamespace(ctx.namespace, first.topic),
    body,
    0,
    0,
    "WAIT" + NV + (first.waitStoreMsgOK === false ? "false" : "true"),
    undefined,
    undefined,
    undefined,
    0,
    ids.join(","),
  );
}
