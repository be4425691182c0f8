/**
 * The send response → SendResult mapping (Java `MQClientAPIImpl.processSendResponse`), written
 * once over a small reader of response fields that both input forms provide: the scanned JSON
 * header of the common path (only the strings the result holds are built) and a decoded command
 * (binary headers, unusual JSON, fakes).
 *
 * The rules: codes 0/10/11/12 map to SEND_OK / FLUSH_DISK_TIMEOUT / FLUSH_SLAVE_TIMEOUT /
 * SLAVE_NOT_AVAILABLE, anything else is a {@link BrokerError} with code, remark and address; a
 * result needs `msgId` and an integer `queueOffset` ≥ 0; `queueId`, when present, must be an integer
 * ≥ 0 and replaces the queue sent to; `MSG_REGION` absent or empty is "DefaultRegion"; `TRACE_ON` is
 * on unless "false". Missing or malformed fields are a {@link ProtocolError}.
 *
 * @module
 */

import { BrokerError, ProtocolError } from "../../errors.ts";
import { ResponseCode } from "../../remoting/codes.ts";
import type { RemotingCommand } from "../../remoting/command.ts";
import { FieldNames, nameBytes, type ScannedResponse } from "../../remoting/pending-request.ts";
import type { MessageQueue } from "../../route/message-queue.ts";
import type { SendResult, SendStatus } from "../types.ts";

const STATUS: Record<number, SendStatus> = {
  [ResponseCode.SUCCESS]: "SEND_OK",
  [ResponseCode.FLUSH_DISK_TIMEOUT]: "FLUSH_DISK_TIMEOUT",
  [ResponseCode.FLUSH_SLAVE_TIMEOUT]: "FLUSH_SLAVE_TIMEOUT",
  [ResponseCode.SLAVE_NOT_AVAILABLE]: "SLAVE_NOT_AVAILABLE",
};

/** The response fields a SendResult reads, by index. */
const NAMES = ["msgId", "queueOffset", "queueId", "MSG_REGION", "TRACE_ON", "transactionId"];
const MSG_ID = 0;
const QUEUE_OFFSET = 1;
const QUEUE_ID = 2;
const REGION = 3;
const TRACE_ON = 4;
const TRANSACTION_ID = 5;
const DEFAULT_REGION = "DefaultRegion";
/** Java's queueId is an int. */
const MAX_QUEUE_ID = 0x7fffffff;

/** What the mapping reads of a response: its code, remark and the fields of {@link NAMES}. */
interface ResponseFields {
  readonly code: number;
  remark(): string | undefined;
  /** True when field `k` is present. */
  has(k: number): boolean;
  /** Field `k` (present). */
  text(k: number): string;
  /** Field `k` (present) as an integer, or NaN when it is not one. */
  integer(k: number): number;
  /** True when field `k` (present) is exactly `DEFAULT_REGION` or empty: no string needed. */
  isDefaultRegion(k: number): boolean;
  /** True when field `k` (present) is exactly "false". */
  isFalse(k: number): boolean;
}

const INTEGER = /^-?\d+$/;

/** A decimal integer, or NaN (Java `Long.parseLong` / `Integer.parseInt` accept no more). */
function parseInteger(s: string): number {
  return INTEGER.test(s) ? Number(s) : NaN;
}

/** {@link ResponseFields} of a decoded command. */
class CommandFields implements ResponseFields {
  readonly code: number;
  readonly #cmd: RemotingCommand;
  readonly #ext: Record<string, string>;

  constructor(cmd: RemotingCommand) {
    this.code = cmd.code;
    this.#cmd = cmd;
    this.#ext = cmd.extFields ?? {};
  }
  remark(): string | undefined {
    return this.#cmd.remark;
  }
  has(k: number): boolean {
    return this.#ext[NAMES[k]] !== undefined;
  }
  text(k: number): string {
    return this.#ext[NAMES[k]];
  }
  integer(k: number): number {
    return parseInteger(this.#ext[NAMES[k]]);
  }
  isDefaultRegion(k: number): boolean {
    const s = this.#ext[NAMES[k]];
    return s === "" || s === DEFAULT_REGION;
  }
  isFalse(k: number): boolean {
    return this.#ext[NAMES[k]] === "false";
  }
}

const FIELD_NAMES = new FieldNames(NAMES);
const EMPTY = new Uint8Array(0);
const DEFAULT_REGION_BYTES = nameBytes(DEFAULT_REGION);
const FALSE_BYTES = nameBytes("false");

/**
 * {@link ResponseFields} of a scanned header. One instance, loaded per response and read at once
 * by {@link mapSendResponse} (no user code runs in between; what it keeps is the channel's
 * pooled scanner, whose bytes the channel releases).
 */
class ScannedFields implements ResponseFields {
  code = 0;
  #t: ScannedResponse | undefined;
  readonly #at = new Int32Array(NAMES.length);

  load(t: ScannedResponse): this {
    this.#t = t;
    this.code = t.code;
    t.locate(FIELD_NAMES, this.#at);
    return this;
  }
  remark(): string | undefined {
    return this.#t!.remark();
  }
  has(k: number): boolean {
    return this.#at[k] >= 0;
  }
  text(k: number): string {
    return this.#t!.value(this.#at[k]);
  }
  integer(k: number): number {
    const d = this.#t!.digits(this.#at[k]);
    return d >= 0 ? d : parseInteger(this.text(k));
  }
  isDefaultRegion(k: number): boolean {
    const i = this.#at[k];
    return this.#t!.valueIs(i, EMPTY) || this.#t!.valueIs(i, DEFAULT_REGION_BYTES);
  }
  isFalse(k: number): boolean {
    return this.#t!.valueIs(this.#at[k], FALSE_BYTES);
  }
}

const scanned = new ScannedFields();

/**
 * Map a send response given as a decoded command.
 *
 * @param res the response
 * @param topic the topic sent to, WITHOUT namespace
 * @param sent the queue sent to (its queueId is replaced by the response's, if any)
 * @param msgId client id(s)
 * @param brokerAddr address that answered
 * @returns the result
 * @throws BrokerError on other codes; ProtocolError when a success lacks or garbles its fields
 */
export function processSendResponse(
  res: RemotingCommand,
  topic: string,
  sent: MessageQueue,
  msgId: string,
  brokerAddr: string,
): SendResult {
  return mapSendResponse(new CommandFields(res), topic, sent, msgId, brokerAddr);
}

/**
 * {@link processSendResponse} of a scanned header.
 *
 * @param t the scanned response (valid during this call)
 * @param topic as {@link processSendResponse}
 * @param sent as {@link processSendResponse}
 * @param msgId client id(s)
 * @param brokerAddr address that answered
 * @returns the result
 * @throws as {@link processSendResponse}
 */
export function processScannedSendResponse(
  t: ScannedResponse,
  topic: string,
  sent: MessageQueue,
  msgId: string,
  brokerAddr: string,
): SendResult {
  return mapSendResponse(scanned.load(t), topic, sent, msgId, brokerAddr);
}

/** The rules (see the module doc), once for both forms. */
function mapSendResponse(
  f: ResponseFields,
  topic: string,
  sent: MessageQueue,
  msgId: string,
  brokerAddr: string,
): SendResult {
  const status = STATUS[f.code];
  if (status === undefined) throw new BrokerError(f.code, f.remark(), brokerAddr);
  if (!f.has(MSG_ID) || !f.has(QUEUE_OFFSET)) {
    throw new ProtocolError(`send response from ${brokerAddr} lacks msgId/queueOffset`);
  }
  const queueOffset = f.integer(QUEUE_OFFSET);
  const queueId = f.has(QUEUE_ID) ? f.integer(QUEUE_ID) : sent.queueId;
  if (!(queueOffset >= 0) || !(queueId >= 0 && queueId <= MAX_QUEUE_ID)) {
    // NaN fails both comparisons: a garbled, negative or out-of-range field is never a result.
    throw new ProtocolError(
      `send response from ${brokerAddr} has a malformed queueOffset/queueId ` +
        `(an integer ≥ 0 expected)`,
    );
  }
  const result: SendResult = {
    status,
    msgId,
    offsetMsgId: f.text(MSG_ID),
    queue: { topic, brokerName: sent.brokerName, queueId },
    queueOffset,
    regionId: !f.has(REGION) || f.isDefaultRegion(REGION) ? DEFAULT_REGION : f.text(REGION),
    traceOn: !f.has(TRACE_ON) || !f.isFalse(TRACE_ON),
  };
  if (f.has(TRANSACTION_ID)) result.transactionId = f.text(TRANSACTION_ID);
  return result;
}
