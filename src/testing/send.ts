/**
 * Send-request parsing and the 4.9.8 broker's validation rules and remarks (Java `AbstractSendMessageProcessor`, `SendMessageProcessor`,
 * §14), kept apart from the broker's state so each rule is easy to find.
 *
 * @module
 */

import { type BatchRecord, decodeBatchRecords } from "../codec/batch.ts";
import type { RemotingCommand } from "../remoting/command.ts";
import { RequestCode } from "../remoting/codes.ts";
import type { TopicConfig } from "./store.ts";

/** A SEND_MESSAGE / SEND_MESSAGE_V2 / SEND_BATCH_MESSAGE header, V1 names. */
export interface SendHeader {
  producerGroup: string;
  topic: string;
  defaultTopic: string;
  defaultTopicQueueNums: number;
  queueId: number;
  sysFlag: number;
  bornTimestamp: number;
  flag: number;
  properties: string;
  reconsumeTimes: number;
  batch: boolean;
}

const V1 = [
  "producerGroup",
  "topic",
  "defaultTopic",
  "defaultTopicQueueNums",
  "queueId",
  "sysFlag",
  "bornTimestamp",
  "flag",
  "properties",
  "reconsumeTimes",
  "unitMode",
  "maxReconsumeTimes",
  "batch",
] as const;
const V2 = ["a", "b", "c", "d", "e", "f", "g", "h", "i", "j", "k", "l", "m"] as const;
/** Fields marked `@CFNotNull` in both header classes (the first eight). */
const REQUIRED = 8;

/**
 * Parse a send header; returns a remark string when a required field is missing or not a number
 * (the real broker answers SYSTEM_ERROR from its remoting layer then).
 */
export function parseSendHeader(cmd: RemotingCommand): SendHeader | string {
  const ext = cmd.extFields ?? {};
  const names = cmd.code === RequestCode.SEND_MESSAGE || cmd.code === RequestCode.SEND_REPLY_MESSAGE
    ? V1
    : V2;
  for (let i = 0; i < REQUIRED; i++) {
    if (ext[names[i]] === undefined) {
      return `org.apache.rocketmq.remoting.exception.RemotingCommandException: the custom field <${
        names[i]
      }> is null`;
    }
  }
  const h: SendHeader = {
    producerGroup: ext[names[0]],
    topic: ext[names[1]],
    defaultTopic: ext[names[2]],
    defaultTopicQueueNums: Number(ext[names[3]]),
    queueId: Number(ext[names[4]]),
    sysFlag: Number(ext[names[5]]),
    bornTimestamp: Number(ext[names[6]]),
    flag: Number(ext[names[7]]),
    properties: ext[names[8]] ?? "",
    reconsumeTimes: Number(ext[names[9]] ?? 0),
    batch: ext[names[12]] === "true" || cmd.code === RequestCode.SEND_BATCH_MESSAGE,
  };
  for (
    const k of ["defaultTopicQueueNums", "queueId", "sysFlag", "bornTimestamp", "flag"] as const
  ) {
    if (!Number.isFinite(h[k])) return `java.lang.NumberFormatException: For input string: "${k}"`;
  }
  if (!Number.isFinite(h.reconsumeTimes)) h.reconsumeTimes = 0;
  return h;
}

const VALID_TOPIC = /^[%|a-zA-Z0-9_-]+$/;

/** `TopicValidator.validateTopic` (4.9: code 1). Returns the remark, or undefined when valid. */
export function topicRemark(topic: string): string | undefined {
  if (topic.trim() === "") return "The specified topic is blank.";
  if (!VALID_TOPIC.test(topic)) {
    return "The specified topic contains illegal characters, allowing only ^[%|a-zA-Z0-9_-]+$";
  }
  if (topic.length > 127) return "The specified topic is longer than topic max length.";
  return undefined;
}

/** Remark of NO_PERMISSION for a forbidden system topic. */
export function forbiddenTopicRemark(topic: string): string {
  return `Sending message to topic[${topic}] is forbidden.`;
}

/** Remark of TOPIC_NOT_EXIST when auto-create failed. */
export function topicNotExistRemark(topic: string): string {
  return `topic[${topic}] not exist, apply first please!\n` +
    "See http://rocketmq.apache.org/docs/faq/ for further details.";
}

/** `PermName.perm2String`. */
export function permString(perm: number): string {
  return `${perm & 4 ? "R" : "-"}${perm & 2 ? "W" : "-"}${perm & 1 ? "X" : "-"}`;
}

/** Remark of SYSTEM_ERROR for a queue id beyond the topic's queues (4.9 `msgCheck`). */
export function queueIdRemark(queueId: number, tc: TopicConfig, producer: string): string {
  return `request queueId[${queueId}] is illegal, TopicConfig [topicName=${tc.topic}, ` +
    `readQueueNums=${tc.readQueueNums}, writeQueueNums=${tc.writeQueueNums}, perm=${
      permString(tc.perm)
    }, topicFilterType=SINGLE_TAG, topicSysFlag=${tc.topicSysFlag}, order=false] Producer: ${producer}`;
}

/** Remark of NO_PERMISSION when the broker is not writeable (4.9 `msgCheck`). */
export function brokerForbiddenRemark(brokerIp: string): string {
  return `the broker[${brokerIp}] sending message is forbidden`;
}

/** Largest body a 4.9.8 broker stores (`maxMessageSize`). */
export const MAX_BODY_SIZE = 4194304;
/** Largest properties string (int16 length in the store format). */
export const MAX_PROPERTIES_SIZE = 32767;

/** Remark of MESSAGE_ILLEGAL for a body or properties over the limits (as recorded). */
export const MESSAGE_ILLEGAL_REMARK =
  "the message is illegal, maybe msg body or properties length " +
  "not matched. msg body length limit 4194304B, msg properties length limit 32KB.";

/** Decode a batch body (Java `MessageDecoder.decodes`); `undefined` when malformed. */
export function decodeBatchBody(body: Uint8Array): BatchRecord[] | undefined {
  try {
    return decodeBatchRecords(body);
  } catch {
    return undefined;
  }
}
