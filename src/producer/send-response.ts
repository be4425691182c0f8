/**
 * The send response: its mapping to a SendResult (Java `processSendResponse`), and the sink an
 * awaited attempt receives it through when the remoting client offers `invokeJsonTo`.
 *
 * @module
 */

import { BrokerError, ProtocolError } from "../errors.ts";
import { ResponseCode } from "../remoting/codes.ts";
import type { RemotingCommand } from "../remoting/command.ts";
import type { ResponseSink } from "../remoting/_pending.ts";
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

// Shared promise executor (see PromisedSend): no closure per call.
let capturing: PromisedSend | undefined;
function capture(
  resolve: (result: SendResult | undefined) => void,
  reject: (error: unknown) => void,
): void {
  capturing!.ok = resolve;
  capturing!.fail = reject;
}

/** An {@link AttemptSink} that settles {@link promise}: a {@link SendCall} awaited as a promise. */
export class PromisedSend implements AttemptSink<SendResult | undefined> {
  /** Settles with the mapped answer. */
  readonly promise: Promise<SendResult | undefined>;
  ok!: (result: SendResult | undefined) => void;
  fail!: (error: unknown) => void;

  constructor() {
    capturing = this;
    this.promise = new Promise(capture);
    capturing = undefined;
  }
}

/**
 * One awaited attempt: receives the broker's answer and hands its mapping
 * ({@link processSendResponse}) or the error to its sink.
 */
export class SendCall implements ResponseSink {
  readonly #env: TopicNames;
  readonly #mq: MessageQueue;
  readonly #msgId: string;
  readonly #addr: string;
  readonly #sink: AttemptSink<SendResult | undefined>;

  /**
   * @param env namespace handling
   * @param mq the queue sent to (wire topic)
   * @param msgId client id(s) for the result
   * @param addr the broker's address
   * @param sink receives the outcome (the send loop's first attempt, or a {@link PromisedSend})
   */
  constructor(
    env: TopicNames,
    mq: MessageQueue,
    msgId: string,
    addr: string,
    sink: AttemptSink<SendResult | undefined>,
  ) {
    this.#env = env;
    this.#mq = mq;
    this.#msgId = msgId;
    this.#addr = addr;
    this.#sink = sink;
  }

  onResponse(res: RemotingCommand): void {
    // Called from the socket's data handler: whatever happens is the promise's, never thrown.
    try {
      const mq = this.#mq;
      this.#sink.ok(
        processSendResponse(
          res,
          { topic: this.#env.userTopic(mq.topic), brokerName: mq.brokerName, queueId: mq.queueId },
          this.#msgId,
          this.#addr,
        ),
      );
    } catch (e) {
      this.#sink.fail(e);
    }
  }

  onTokens(t: HeaderTokens, body: Uint8Array | undefined): void {
    // As onResponse: called from the socket's data handler, never throws.
    let result: SendResult | undefined;
    try {
      const mq = this.#mq;
      result = sendResultOfTokens(
        t,
        this.#env.userTopic(mq.topic),
        mq.brokerName,
        mq.queueId,
        this.#msgId,
      );
    } catch (e) {
      this.#sink.fail(e);
      return;
    }
    if (result === undefined) this.onResponse(t.toCommand(body));
    else this.#sink.ok(result);
  }

  onError(error: Error): void {
    this.#sink.fail(error);
  }
}
