/**
 * Requests the embedded broker sends to clients (Java `Broker2Client`): CHECK_TRANSACTION_STATE (39,
 * one-way) and PUSH_REPLY_MESSAGE_TO_CLIENT (326, answered), plus SEND_REPLY_MESSAGE(_V2)
 * (324/325) from a replier, which the broker forwards to the requester.
 *
 * @module
 */

import type { RemotingCommand } from "../remoting/command.ts";
import { LanguageCode, MQVersion, RequestCode, ResponseCode } from "../remoting/codes.ts";
import type { FrameServer, ServerConnection } from "./server.ts";
import type { ClientRegistry } from "./broker-clients.ts";
import { type BrokerSession, handleSend, storedProperties } from "./broker-send.ts";
import { encodeStoredRecord, parseProperties, type StoredMessage } from "./store.ts";
import { parseSendHeader } from "./send.ts";

/** What a client answered to a server-initiated request. */
export interface PushResult {
  /** Response code (0 = the client accepted it). */
  code: number;
  /** Response remark, if any. */
  remark?: string;
}

/** What the push helpers need from their broker. */
export interface PushHost extends BrokerSession {
  readonly server: FrameServer;
  readonly clientRegistry: ClientRegistry;
  readonly outbound: ServerRequests;
}

/** Server-initiated requests and their pending answers (settled when the connection goes). */
export class ServerRequests {
  #opaque = 0;
  #pending = new Map<number, { connId: number; resolve: (r: PushResult | undefined) => void }>();

  /** Hook into a server's response and close events. */
  constructor(server: FrameServer) {
    server.onResponse = (res, conn) => {
      const p = this.#pending.get(res.opaque);
      if (!p || p.connId !== conn.id) return;
      this.#pending.delete(res.opaque);
      p.resolve({ code: res.code, remark: res.remark });
    };
    server.onConnectionClosed = (conn) => {
      for (const [opaque, p] of this.#pending) {
        if (p.connId !== conn.id) continue;
        this.#pending.delete(opaque);
        p.resolve(undefined);
      }
    };
  }

  /** A fresh opaque from the broker's own counter. */
  nextOpaque(): number {
    this.#opaque = (this.#opaque + 1) | 0;
    return this.#opaque;
  }

  /** Send a request and wait for the client's answer (`undefined` if the connection closes). */
  call(conn: ServerConnection, cmd: RemotingCommand): Promise<PushResult | undefined> {
    return new Promise((resolve) => {
      this.#pending.set(cmd.opaque, { connId: conn.id, resolve });
      conn.send(cmd);
    });
  }
}

function request(
  host: PushHost,
  code: number,
  extFields: Record<string, string>,
  body: Uint8Array,
  oneway: boolean,
): RemotingCommand {
  return {
    code,
    language: LanguageCode.JAVA,
    version: MQVersion.V4_9_8,
    opaque: host.outbound.nextOpaque(),
    flag: oneway ? 2 : 0,
    extFields,
    body,
    serializeType: 0,
  };
}

/** CHECK_TRANSACTION_STATE for a stored half message; false when no producer connection. */
export function sendCheckTransaction(host: PushHost, message: StoredMessage): boolean {
  const r = host.log.findByOffset(Number(message.commitLogOffset));
  if (!r) return false;
  const props = parseProperties(storedProperties(host, r));
  const conn = host.clientRegistry.connectionOfGroup(
    props.get("PGROUP") ?? r.producerGroup,
    host.server,
  );
  if (!conn) return false;
  const uniq = props.get("UNIQ_KEY") ?? message.msgId;
  const body = encodeStoredRecord(r, storedProperties(host, r), host.address, {
    topic: props.get("REAL_TOPIC") ?? r.topic,
    queueId: Number(props.get("REAL_QID") ?? r.queueId),
    storeSize0: true,
  });
  conn.send(request(
    host,
    RequestCode.CHECK_TRANSACTION_STATE,
    {
      tranStateTableOffset: String(r.queueOffset),
      commitLogOffset: String(r.commitLogOffset),
      msgId: uniq,
      transactionId: uniq,
      offsetMsgId: message.msgId,
    },
    body,
    true,
  ));
  return true;
}

/** What a replier sends back for a request message. */
export interface ReplyOptions {
  /** Reply body (default empty). */
  body?: Uint8Array | string;
  /** Extra reply properties. */
  properties?: Record<string, string>;
}

function pushHeader(
  host: PushHost,
  fields: {
    producerGroup: string;
    topic: string;
    queueId: number;
    sysFlag: number;
    bornTimestamp: number;
    flag: number;
    properties: string;
    bornHost: string;
  },
): Record<string, string> {
  // ReplyMessageRequestHeader; hosts as Java's InetSocketAddress.toString() writes them.
  return {
    producerGroup: fields.producerGroup,
    topic: fields.topic,
    defaultTopic: "TBW102",
    defaultTopicQueueNums: "4",
    queueId: String(fields.queueId),
    sysFlag: String(fields.sysFlag),
    bornTimestamp: String(fields.bornTimestamp),
    flag: String(fields.flag),
    properties: fields.properties,
    reconsumeTimes: "0",
    unitMode: "false",
    bornHost: `/${fields.bornHost}`,
    storeHost: `/${host.address}`,
    storeTimestamp: String(Date.now()),
  };
}

/**
 * Push a reply for a stored request message (properties CORRELATION_ID, REPLY_TO_CLIENT) to the
 * requesting client, like a replier + broker would. Resolves with the client's answer, or
 * `undefined` when the requester has no open connection or closes it.
 */
export function pushReply(
  host: PushHost,
  requestMessage: StoredMessage,
  reply: ReplyOptions = {},
): Promise<PushResult | undefined> {
  const req = requestMessage.properties;
  const clientId = req.get("REPLY_TO_CLIENT") ?? "";
  const conn = host.clientRegistry.connectionOfClient(clientId, host.server);
  if (!conn) return Promise.resolve(undefined);
  const props = new Map<string, string>([
    ["MSG_TYPE", "reply"],
    ["CORRELATION_ID", req.get("CORRELATION_ID") ?? ""],
    ["REPLY_TO_CLIENT", clientId],
    ["TTL", req.get("TTL") ?? "3000"],
    ["CLUSTER", host.clusterName],
    ...Object.entries(reply.properties ?? {}),
    ["PUSH_REPLY_TIME", String(Date.now())],
  ]);
  const body = typeof reply.body === "string"
    ? new TextEncoder().encode(reply.body)
    : reply.body ?? new Uint8Array(0);
  const ext = pushHeader(host, {
    producerGroup: "testing_replier",
    topic: `${host.clusterName}_REPLY_TOPIC`,
    queueId: 0,
    sysFlag: 0,
    bornTimestamp: Date.now(),
    flag: 0,
    properties: [...props].map(([k, v]) => `${k}\u0001${v}`).join("\u0002"),
    bornHost: host.address,
  });
  return host.outbound.call(
    conn,
    request(host, RequestCode.PUSH_REPLY_MESSAGE_TO_CLIENT, ext, body, false),
  );
}

/**
 * SEND_REPLY_MESSAGE (324) / _V2 (325) from a replier: push to the requester named by
 * REPLY_TO_CLIENT, then store the reply like a send (4.9 `storeReplyMessageEnable=true`).
 */
export async function handleReply(
  host: PushHost,
  cmd: RemotingCommand,
  conn: ServerConnection,
): Promise<RemotingCommand | undefined> {
  const h = parseSendHeader(cmd);
  if (typeof h === "string") return host.response(ResponseCode.SYSTEM_ERROR, h);
  const props = parseProperties(h.properties);
  const clientId = props.get("REPLY_TO_CLIENT") ?? "";
  const target = host.clientRegistry.connectionOfClient(clientId, host.server);
  const fail = (remark: string): RemotingCommand =>
    host.response(ResponseCode.SYSTEM_ERROR, remark, {
      TRACE_ON: host.consts.trace,
      MSG_REGION: host.consts.region,
    });
  if (!target) return fail(`push reply message fail, channel of <${clientId}> not found.`);
  props.set("PUSH_REPLY_TIME", String(Date.now()));
  const ext = pushHeader(host, {
    ...h,
    properties: [...props].map(([k, v]) => `${k}\u0001${v}`).join("\u0002"),
    bornHost: conn.remoteAddress,
  });
  const res = await host.outbound.call(
    target,
    request(
      host,
      RequestCode.PUSH_REPLY_MESSAGE_TO_CLIENT,
      ext,
      cmd.body ?? new Uint8Array(0),
      false,
    ),
  );
  if (res?.code !== ResponseCode.SUCCESS) return fail(`push reply message to ${clientId}fail.`);
  return handleSend(host, cmd, conn);
}
