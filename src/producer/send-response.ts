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
import type { MessageQueue } from "../route/message-queue.ts";
import type { SendResult, SendStatus } from "./types.ts";

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
  const result: SendResult = {
    status,
    msgId,
    offsetMsgId,
    queue: { topic: queue.topic, brokerName: queue.brokerName, queueId: qid },
    queueOffset,
    regionId: ext!.MSG_REGION || "DefaultRegion",
    traceOn: ext!.TRACE_ON !== "false",
  };
  if (ext!.transactionId !== undefined) result.transactionId = ext!.transactionId;
  return result;
}

// Shared promise executor (see SendCall): no closure per call.
let capturing: SendCall | undefined;
function capture(
  resolve: (result: SendResult | undefined) => void,
  reject: (error: unknown) => void,
): void {
  capturing!.resolve = resolve;
  capturing!.reject = reject;
}

/**
 * One awaited attempt: receives the broker's answer and settles {@link promise} with its
 * mapping ({@link processSendResponse}).
 */
export class SendCall implements ResponseSink {
  readonly promise: Promise<SendResult | undefined>;
  resolve!: (result: SendResult | undefined) => void;
  reject!: (error: unknown) => void;
  readonly #env: TopicNames;
  readonly #mq: MessageQueue;
  readonly #msgId: string;
  readonly #addr: string;

  constructor(env: TopicNames, mq: MessageQueue, msgId: string, addr: string) {
    this.#env = env;
    this.#mq = mq;
    this.#msgId = msgId;
    this.#addr = addr;
    capturing = this;
    this.promise = new Promise(capture);
    capturing = undefined;
  }

  onResponse(res: RemotingCommand): void {
    // Called from the socket's data handler: whatever happens is the promise's, never thrown.
    try {
      const mq = this.#mq;
      this.resolve(
        processSendResponse(
          res,
          { topic: this.#env.userTopic(mq.topic), brokerName: mq.brokerName, queueId: mq.queueId },
          this.#msgId,
          this.#addr,
        ),
      );
    } catch (e) {
      this.reject(e);
    }
  }

  onError(error: Error): void {
    this.reject(error);
  }
}
