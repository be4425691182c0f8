/**
 * The send path of the embedded broker (SEND_MESSAGE 10, SEND_MESSAGE_V2 310, SEND_BATCH_MESSAGE
 * 320): the 4.9.8 checks in their order, auto-create through TBW102, storage and the response.
 *
 * @module
 */

import type { RemotingCommand } from "../remoting/command.ts";
import { PermName, RequestCode, ResponseCode } from "../remoting/codes.ts";
import type { ServerConnection } from "./server.ts";
import {
  encodeStoredRecord,
  javaPropertiesString,
  type MessageLog,
  parseProperties,
  type RawRecord,
  type StoredMessage,
  storedRecordSize,
  storedSingleProperties,
  storedSinglePropertiesLength,
  type TopicConfig,
  utf8Length,
} from "./store.ts";
import {
  brokerForbiddenRemark,
  decodeBatchBody,
  forbiddenTopicRemark,
  MAX_BODY_SIZE,
  MAX_PROPERTIES_SIZE,
  MESSAGE_ILLEGAL_REMARK,
  parseSendHeader,
  queueIdRemark,
  type SendHeader,
  topicNotExistRemark,
  topicRemark,
} from "./send.ts";
import { NOT_ALLOWED_SEND_TOPICS } from "../producer/validation.ts";

/** What the send path needs from its broker. */
export interface BrokerSession {
  readonly name: string;
  readonly clusterName: string;
  readonly address: string;
  readonly consts: { region: string; trace: string };
  readonly log: MessageLog;
  readonly topicTable: Map<string, TopicConfig>;
  readonly autoCreate: boolean;
  readonly enforceTopicPerm: boolean;
  readonly brokerPermission: number;
  failures: Array<{ code: number; remark?: string }>;
  msgIdPrefix: string;
  response(code: number, remark?: string, extFields?: Record<string, string>): RemotingCommand;
  register(): void;
  isOrderTopic(topic: string): boolean;
  notify(r: RawRecord): void;
}

const HALF_TOPIC = "RMQ_SYS_TRANS_HALF_TOPIC";
const EMPTY = new Uint8Array(0);

function hex16(n: number): string {
  return n.toString(16).toUpperCase().padStart(16, "0");
}

/** offsetMsgId of a physical offset on this broker. */
export function offsetMsgId(b: BrokerSession, offset: number): string {
  return b.msgIdPrefix + hex16(offset);
}

function errorResponse(b: BrokerSession, code: number, remark?: string): RemotingCommand {
  return b.response(code, remark, { TRACE_ON: b.consts.trace, MSG_REGION: b.consts.region });
}

function okResponse(
  b: BrokerSession,
  cmd: RemotingCommand,
  code: number,
  msgId: string,
  queueId: number,
  queueOffset: number,
  remark?: string,
): RemotingCommand {
  // Field order as recorded: Java HashMap order for JSON; typed fields first in binary headers.
  const ext = cmd.serializeType === 1
    ? {
      msgId,
      queueId: String(queueId),
      queueOffset: String(queueOffset),
      TRACE_ON: b.consts.trace,
      MSG_REGION: b.consts.region,
    }
    : {
      queueId: String(queueId),
      TRACE_ON: b.consts.trace,
      MSG_REGION: b.consts.region,
      msgId,
      queueOffset: String(queueOffset),
    };
  return b.response(code, remark, ext);
}

/** The properties string a record was stored with (computed lazily). */
export function storedProperties(b: BrokerSession, r: RawRecord): string {
  if (r.props !== undefined) return r.props;
  if (r.batchProps !== undefined) {
    r.props = r.sentProps === "" ? r.batchProps : `${r.sentProps}\u0002${r.batchProps}`;
  } else {
    r.props = storedSingleProperties(r.sentProps, b.clusterName);
  }
  return r.props;
}

/** Decode a raw record for inspection. */
export function recordToMessage(b: BrokerSession, r: RawRecord): StoredMessage {
  return {
    topic: r.topic,
    queueId: r.queueId,
    queueOffset: r.queueOffset,
    commitLogOffset: BigInt(r.commitLogOffset),
    msgId: offsetMsgId(b, r.commitLogOffset),
    body: r.body,
    properties: parseProperties(storedProperties(b, r)),
    sentProperties: parseProperties(r.sentProps),
    sysFlag: r.sysFlag,
    flag: r.flag,
    bornTimestamp: r.bornTimestamp,
    storeTimestamp: r.storeTimestamp,
    bornHost: r.bornHost,
    producerGroup: r.producerGroup,
    reconsumeTimes: r.reconsumeTimes,
    batch: r.batch,
    requestCode: r.requestCode,
  };
}

/** `TopicConfigManager.createTopicInSendMessageMethod`. */
function autoCreateTopic(b: BrokerSession, h: SendHeader): TopicConfig | undefined {
  const def = b.topicTable.get(h.defaultTopic);
  if (!def || (def.perm & PermName.INHERIT) === 0) return undefined;
  if (h.defaultTopic === "TBW102" && !b.autoCreate) return undefined;
  const queues = Math.max(0, Math.min(h.defaultTopicQueueNums, def.writeQueueNums));
  const tc: TopicConfig = {
    topic: h.topic,
    readQueueNums: queues,
    writeQueueNums: queues,
    perm: def.perm & ~PermName.INHERIT,
    topicSysFlag: 0,
  };
  b.topicTable.set(h.topic, tc);
  b.register();
  return tc;
}

/** Append one message; returns the record. */
function store(
  b: BrokerSession,
  h: SendHeader,
  cmd: RemotingCommand,
  conn: ServerConnection,
  topic: string,
  queueId: number,
  body: Uint8Array,
  flag: number,
  sentProps: string,
  batchProps: string | undefined,
  eagerProps: string | undefined,
  now: number,
): RawRecord {
  let propsLen: number;
  if (eagerProps !== undefined) propsLen = utf8Length(eagerProps);
  else if (batchProps !== undefined) {
    propsLen = (sentProps === "" ? 0 : utf8Length(sentProps) + 1) + utf8Length(batchProps);
  } else propsLen = storedSinglePropertiesLength(sentProps, 9 + b.clusterName.length);
  const size = storedRecordSize(body.length, utf8Length(topic), propsLen);
  const r: RawRecord = {
    topic,
    queueId,
    queueOffset: b.log.nextQueueOffset(topic, queueId),
    commitLogOffset: b.log.reserve(size),
    props: eagerProps,
    sentProps,
    batchProps,
    body,
    sysFlag: h.sysFlag,
    flag,
    bornTimestamp: h.bornTimestamp,
    storeTimestamp: now,
    bornHost: conn.remoteAddress,
    producerGroup: h.producerGroup,
    reconsumeTimes: h.reconsumeTimes,
    requestCode: cmd.code,
    batch: batchProps !== undefined,
  };
  b.log.append(r);
  b.notify(r);
  return r;
}

/** Handle a send request; `undefined` never happens for sends but keeps the handler type. */
export function handleSend(
  b: BrokerSession,
  cmd: RemotingCommand,
  conn: ServerConnection,
): RemotingCommand | undefined {
  const h = parseSendHeader(cmd);
  if (typeof h === "string") return b.response(ResponseCode.SYSTEM_ERROR, h);
  let injected: { code: number; remark?: string } | undefined;
  if (b.failures.length > 0) {
    injected = b.failures.shift()!;
    const c = injected.code;
    if (
      c !== ResponseCode.FLUSH_DISK_TIMEOUT && c !== ResponseCode.FLUSH_SLAVE_TIMEOUT &&
      c !== ResponseCode.SLAVE_NOT_AVAILABLE
    ) {
      return errorResponse(b, c, injected.remark);
    }
  }
  // msgCheck's first check: brokerPermission, and only for order topics.
  if ((b.brokerPermission & PermName.WRITE) === 0 && b.isOrderTopic(h.topic)) {
    return errorResponse(b, ResponseCode.NO_PERMISSION, brokerForbiddenRemark("127.0.0.1"));
  }
  const bad = topicRemark(h.topic);
  if (bad !== undefined) return errorResponse(b, ResponseCode.SYSTEM_ERROR, bad);
  if (NOT_ALLOWED_SEND_TOPICS.has(h.topic)) {
    return errorResponse(b, ResponseCode.NO_PERMISSION, forbiddenTopicRemark(h.topic));
  }
  const tc = b.topicTable.get(h.topic) ?? autoCreateTopic(b, h);
  if (!tc) return errorResponse(b, ResponseCode.TOPIC_NOT_EXIST, topicNotExistRemark(h.topic));
  if (h.queueId >= Math.max(tc.readQueueNums, tc.writeQueueNums)) {
    return errorResponse(
      b,
      ResponseCode.SYSTEM_ERROR,
      queueIdRemark(h.queueId, tc, conn.remoteAddress.replace(/^::ffff:/, "")),
    );
  }
  // Not a 4.9.8 check (topic perm only shapes the route); kept behind `enforceTopicPerm`.
  if (b.enforceTopicPerm && (tc.perm & PermName.WRITE) === 0) {
    return errorResponse(b, ResponseCode.NO_PERMISSION, brokerForbiddenRemark("127.0.0.1"));
  }
  const body = cmd.body ?? EMPTY;
  if (body.length > MAX_BODY_SIZE || utf8Length(h.properties) > MAX_PROPERTIES_SIZE) {
    return errorResponse(b, ResponseCode.MESSAGE_ILLEGAL, MESSAGE_ILLEGAL_REMARK);
  }
  let queueId = h.queueId;
  if (queueId < 0) queueId = Math.floor(Math.random() * Math.max(1, tc.writeQueueNums));
  const code = injected?.code ?? ResponseCode.SUCCESS;
  const remark = injected?.remark;
  const now = Date.now();

  if (cmd.code === RequestCode.SEND_BATCH_MESSAGE || h.batch) {
    const entries = decodeBatchBody(body);
    const batchMap = parseProperties(h.properties);
    if (
      !entries || entries.length === 0 || (h.sysFlag & 0xc) !== 0 || batchMap.has("DELAY") ||
      h.topic.startsWith("%RETRY%")
    ) {
      return errorResponse(b, ResponseCode.MESSAGE_ILLEGAL, MESSAGE_ILLEGAL_REMARK);
    }
    // 4.8+ brokers append the batch's own properties plus CLUSTER to every entry.
    batchMap.set("CLUSTER", b.clusterName);
    const batchProps = javaPropertiesString(batchMap);
    const ids: string[] = [];
    let first = -1;
    for (const e of entries) {
      const r = store(
        b,
        h,
        cmd,
        conn,
        h.topic,
        queueId,
        e.body,
        e.flag,
        e.properties,
        batchProps,
        undefined,
        now,
      );
      if (first < 0) first = r.queueOffset;
      ids.push(offsetMsgId(b, r.commitLogOffset));
    }
    return okResponse(b, cmd, code, ids.join(","), queueId, first, remark);
  }

  let topic = h.topic;
  let storeQueue = queueId;
  let eager: string | undefined;
  if (h.properties.includes("TRAN_MSG\u0001true")) {
    const map = parseProperties(h.properties);
    if (map.get("TRAN_MSG") === "true") {
      // Half message: stored in the half topic, queue 0, with the real topic and queue kept.
      map.set("REAL_TOPIC", h.topic);
      map.set("REAL_QID", String(queueId));
      map.set("CLUSTER", b.clusterName);
      const size = map.size;
      map.delete("WAIT");
      eager = javaPropertiesString(map, size);
      topic = HALF_TOPIC;
      storeQueue = 0;
    }
  }
  const r = store(
    b,
    h,
    cmd,
    conn,
    topic,
    storeQueue,
    body,
    h.flag,
    h.properties,
    undefined,
    eager,
    now,
  );
  return okResponse(
    b,
    cmd,
    code,
    offsetMsgId(b, r.commitLogOffset),
    queueId,
    r.queueOffset,
    remark,
  );
}

/** VIEW_MESSAGE_BY_ID (33): the stored record at a commit-log offset, as 4.9.8 answers it. */
export function handleViewMessage(b: BrokerSession, cmd: RemotingCommand): RemotingCommand {
  const offset = cmd.extFields?.offset ?? "";
  const r = b.log.findByOffset(Number(offset));
  if (!r) {
    return b.response(ResponseCode.SYSTEM_ERROR, `can not find message by the offset, ${offset}`);
  }
  const res = b.response(ResponseCode.SUCCESS);
  res.body = encodeStoredRecord(r, storedProperties(b, r), b.address);
  return res;
}
