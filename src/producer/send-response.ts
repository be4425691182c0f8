/**
 * The send response: its mapping to a SendResult (Java `processSendResponse`), and the sink an
 * awaited attempt receives it through when the remoting client offers `invokeJsonTo`.
 *
 * @module
 */

import { BrokerError, ProtocolError } from "../errors.ts";
import { ResponseCode } from "../remoting/codes.ts";
import type { RemotingCommand } from "../remoting/command.ts";
import { PendingCall } from "../remoting/_pending.ts";
import { FieldNames, type HeaderTokens, nameBytes } from "../remoting/_header_tokens.ts";
import type { MessageQueue } from "../route/message-queue.ts";
import type { SendResult, SendStatus } from "./types.ts";
import type { AttemptSink } from "./send-loop.ts";

/** What the sink needs of the kernel environment. */
export interface TopicNames {
  /** Strip the namespace from a wire topic. */
  userTopic(topic: string): string;
}

const STATUS: Record<number, SendStatus> = {
  [ResponseCode.SUCCESS]: "SEND_OK",
  [ResponseCode.FLUSH_DISK_TIMEOUT]: "FLUSH_DISK_TIMEOUT",
  [ResponseCode.FLUSH_SLAVE_TIMEOUT]: "FLUSH_SLAVE_TIMEOUT",
  [ResponseCode.SLAVE_NOT_AVAILABLE]: "SLAVE_NOT_AVAILABLE",
};

/**
 * Map a send response (Java `processSendResponse`): 0/10/11/12 → a SendResult, anything else →
 * {@link BrokerError} carrying code, remark and address.
 *
 * @param res the response
 * @param queue the queue sent to, topic WITHOUT namespace (queueId replaced by the response's)
 * @param msgId client id(s)
 * @param brokerAddr address that answered
 * @returns the result
 * @throws BrokerError on other codes; ProtocolError when a success lacks its fields
 */
export function processSendResponse(
  res: RemotingCommand,
  queue: MessageQueue,
  msgId: string,
  brokerAddr: string,
): SendResult {
  const status = STATUS[res.code];
  if (status === undefined) throw new BrokerError(res.code, res.remark, brokerAddr);
  const ext = res.extFields;
  const offsetMsgId = ext?.msgId;
  const queueOffset = Number(ext?.queueOffset);
  if (offsetMsgId === undefined || !Number.isFinite(queueOffset)) {
    throw new ProtocolError(`send response from ${brokerAddr} lacks msgId/queueOffset`);
  }
  const qid = ext!.queueId === undefined ? queue.queueId : Number(ext!.queueId);
  return sendResult(
    status,
    msgId,
    offsetMsgId,
    queue.topic,
    queue.brokerName,
    qid,
    queueOffset,
    ext!.MSG_REGION || "DefaultRegion",
    ext!.TRACE_ON !== "false",
    ext!.transactionId,
  );
}

/** The one place a SendResult is built, so both mappings give objects of the same shape. */
function sendResult(
  status: SendStatus,
  msgId: string,
  offsetMsgId: string,
  topic: string,
  brokerName: string,
  queueId: number,
  queueOffset: number,
  regionId: string,
  traceOn: boolean,
  transactionId: string | undefined,
): SendResult {
  const result: SendResult = {
    status,
    msgId,
    offsetMsgId,
    queue: { topic, brokerName, queueId },
    queueOffset,
    regionId,
    traceOn,
  };
  if (transactionId !== undefined) result.transactionId = transactionId;
  return result;
}

/** The response fields a SendResult needs, located in one pass (indices into FOUND). */
const SEND_FIELDS = new FieldNames([
  "msgId",
  "queueOffset",
  "queueId",
  "MSG_REGION",
  "TRACE_ON",
  "transactionId",
]);
const FOUND = new Int32Array(6);
const DEFAULT_REGION = nameBytes("DefaultRegion");
const FALSE = nameBytes("false");

/**
 * {@link processSendResponse} reading the scanned header directly: only the strings the result
 * holds are built. Undefined when the fields are not plain (a missing msgId, a queueOffset or
 * queueId that is not plain digits, an unmapped code): the caller then maps the full command.
 */
function sendResultOfTokens(
  t: HeaderTokens,
  topic: string,
  brokerName: string,
  sentQueueId: number,
  msgId: string,
): SendResult | undefined {
  const status = STATUS[t.code];
  if (status === undefined) return undefined;
  t.locate(SEND_FIELDS, FOUND);
  const iMsgId = FOUND[0];
  const iOffset = FOUND[1];
  if (iMsgId < 0 || iOffset < 0) return undefined;
  const queueOffset = t.digits(iOffset);
  const iQueue = FOUND[2];
  const queueId = iQueue < 0 ? sentQueueId : t.digits(iQueue);
  if (queueOffset < 0 || queueId < 0) return undefined;
  const iRegion = FOUND[3];
  const iTrace = FOUND[4];
  const iTx = FOUND[5];
  return sendResult(
    status,
    msgId,
    t.value(iMsgId),
    topic,
    brokerName,
    queueId,
    queueOffset,
    // `|| "DefaultRegion"` as processSendResponse: absent or empty
    iRegion < 0 || t.valueIs(iRegion, EMPTY_NAME) || t.valueIs(iRegion, DEFAULT_REGION)
      ? "DefaultRegion"
      : t.value(iRegion),
    iTrace < 0 || !t.valueIs(iTrace, FALSE),
    iTx < 0 ? undefined : t.value(iTx),
  );
}

const EMPTY_NAME = new Uint8Array(0);

/**
 * The send an awaited attempt reports to: where its outcome goes, and what mapping the answer
 * needs. Read when the answer is in, so a send in flight holds no copy of them.
 */
export interface SendTarget extends AttemptSink<SendResult | undefined> {
  /** Namespace handling. */
  readonly names: TopicNames;
  /** The queue the attempt went to (wire topic). */
  readonly queue: MessageQueue;
  /** Client id(s) for the result. */
  readonly msgId: string;
}

// Shared promise executor (see PromisedSend): no closure per call.
let capturing: PromisedSend | undefined;
function capture(
  resolve: (result: SendResult | undefined) => void,
  reject: (error: unknown) => void,
): void {
  capturing!.ok = resolve;
  capturing!.fail = reject;
}

/** A {@link SendTarget} that settles {@link promise}: a {@link SendCall} awaited as a promise. */
export class PromisedSend implements SendTarget {
  /** Settles with the mapped answer. */
  readonly promise: Promise<SendResult | undefined>;
  readonly names: TopicNames;
  readonly queue: MessageQueue;
  readonly #p: { readonly msgId: string };
  ok!: (result: SendResult | undefined) => void;
  fail!: (error: unknown) => void;

  /**
   * @param names namespace handling
   * @param queue the queue sent to (wire topic)
   * @param p the message sent (its id is read for the result)
   */
  constructor(names: TopicNames, queue: MessageQueue, p: { readonly msgId: string }) {
    this.names = names;
    this.queue = queue;
    this.#p = p;
    capturing = this;
    this.promise = new Promise(capture);
    capturing = undefined;
  }

  get msgId(): string {
    return this.#p.msgId;
  }
}

/**
 * Hand `target` the mapping of a send response ({@link processSendResponse}) or its error. Called
 * from the socket's data handler: never throws.
 *
 * @param target the send the attempt belongs to
 * @param res the response
 * @param address the broker that answered
 */
export function answerSend(target: SendTarget, res: RemotingCommand, address: string): void {
  try {
    const mq = target.queue;
    target.ok(
      processSendResponse(
        res,
        { topic: target.names.userTopic(mq.topic), brokerName: mq.brokerName, queueId: mq.queueId },
        target.msgId,
        address,
      ),
    );
  } catch (e) {
    target.fail(e);
  }
}

/**
 * {@link answerSend} reading the scanned header in place (only the strings the result holds are
 * built); falls back to the full command when the fields are not plain. Never throws.
 *
 * @param target the send the attempt belongs to
 * @param t the scanned response header
 * @param body the response body, if any
 * @param address the broker that answered
 */
export function answerSendTokens(
  target: SendTarget,
  t: HeaderTokens,
  body: Uint8Array | undefined,
  address: string,
): void {
  let result: SendResult | undefined;
  try {
    const mq = target.queue;
    result = sendResultOfTokens(
      t,
      target.names.userTopic(mq.topic),
      mq.brokerName,
      mq.queueId,
      target.msgId,
    );
  } catch (e) {
    target.fail(e);
    return;
  }
  if (result === undefined) answerSend(target, t.toCommand(body), address);
  else target.ok(result);
}

/**
 * One awaited attempt, as the remoting client's pending entry: hands the answer's mapping or the
 * error to its target (a {@link PromisedSend}: the send job is its own entry for its first
 * attempt).
 */
export class SendCall extends PendingCall {
  readonly #target: SendTarget;

  /** @param target receives the outcome */
  constructor(target: SendTarget) {
    super();
    this.#target = target;
  }

  onResponse(res: RemotingCommand): void {
    answerSend(this.#target, res, this.table!.address);
  }

  override onTokens(t: HeaderTokens, body: Uint8Array | undefined): void {
    answerSendTokens(this.#target, t, body, this.table!.address);
  }

  onError(error: Error): void {
    this.#target.fail(error);
  }
}
