/**
 * Client bookkeeping of the embedded broker: HEART_BEAT (34), UNREGISTER_CLIENT (35) and
 * END_TRANSACTION (37), as a 4.9.8 broker answers them.
 *
 * @module
 */

import type { RemotingCommand } from "../remoting/command.ts";
import { ResponseCode } from "../remoting/codes.ts";
import type { FrameServer, ServerConnection } from "./server.ts";
import type { BrokerSession } from "./broker-send.ts";
import { storedProperties } from "./broker-send.ts";
import { javaPropertiesString, parseProperties, storedRecordSize, utf8Length } from "./store.ts";

/** A client as seen through its heartbeats. */
export interface ClientRecord {
  /** The client's `clientID`. */
  clientId: string;
  /** Language code of its last heartbeat request. */
  language: number;
  /** Protocol version of its last heartbeat request. */
  version: number;
  /** Producer groups currently registered. */
  producerGroups: string[];
  /** Consumer groups currently registered. */
  consumerGroups: string[];
  /** Heartbeats received. */
  heartbeats: number;
  /** Connection id of the last heartbeat. */
  connectionId: number;
  /** Peer `ip:port` of that connection. */
  remoteAddress: string;
  /** Groups unregistered through UNREGISTER_CLIENT, in order. */
  unregistered: string[];
}

/** One END_TRANSACTION request as received. */
export interface EndTransactionRecord {
  /** All header fields as sent. */
  header: Record<string, string>;
  /** Producer group. */
  producerGroup: string;
  /** `8` commit, `12` rollback, `0` unknown. */
  commitOrRollback: number;
  /** Commit-log offset of the half message. */
  commitLogOffset: bigint;
  /** Half-queue offset. */
  tranStateTableOffset: number;
  /** Client msgId (UNIQ_KEY). */
  msgId: string;
  /** True when answering a check-back. */
  fromTransactionCheck: boolean;
  /** Request remark (local exception text), if any. */
  remark?: string;
  /** Whether the request was one-way (it should be). */
  oneway: boolean;
  /** What the broker did: committed into the real topic, rolled back, or nothing. */
  outcome: "committed" | "rolledBack" | "ignored" | "halfNotFound";
}

interface Entry extends ClientRecord {
  producers: Set<string>;
  consumers: Set<string>;
}

/** Clients and transactions seen by one broker. */
export class ClientRegistry {
  #clients = new Map<string, Entry>();
  /** END_TRANSACTION requests in arrival order. */
  readonly endTransactions: EndTransactionRecord[] = [];

  /** Snapshot of all clients. */
  list(): ClientRecord[] {
    return [...this.#clients.values()].map((e) => ({
      clientId: e.clientId,
      language: e.language,
      version: e.version,
      producerGroups: [...e.producers],
      consumerGroups: [...e.consumers],
      heartbeats: e.heartbeats,
      connectionId: e.connectionId,
      remoteAddress: e.remoteAddress,
      unregistered: e.unregistered.slice(),
    }));
  }

  /** Producer groups registered by any client. */
  producerGroups(): string[] {
    const s = new Set<string>();
    for (const e of this.#clients.values()) for (const g of e.producers) s.add(g);
    return [...s];
  }

  /** An open connection whose client registered `group` (most recent heartbeat wins). */
  connectionOfGroup(group: string, server: FrameServer): ServerConnection | undefined {
    let found: ServerConnection | undefined;
    for (const e of this.#clients.values()) {
      if (!e.producers.has(group)) continue;
      const c = server.connection(e.connectionId);
      if (c) found = c;
    }
    return found;
  }

  /** The open connection of a client id (from its last heartbeat). */
  connectionOfClient(clientId: string, server: FrameServer): ServerConnection | undefined {
    const e = this.#clients.get(clientId);
    return e ? server.connection(e.connectionId) : undefined;
  }

  /** HEART_BEAT: register the client's groups. Response: SUCCESS without extFields. */
  heartbeat(b: BrokerSession, cmd: RemotingCommand, conn: ServerConnection): RemotingCommand {
    let data: {
      clientID?: unknown;
      producerDataSet?: Array<{ groupName?: unknown }>;
      consumerDataSet?: Array<{ groupName?: unknown }>;
    };
    try {
      data = JSON.parse(new TextDecoder().decode(cmd.body ?? new Uint8Array(0)));
    } catch {
      return b.response(ResponseCode.SYSTEM_ERROR, "HeartbeatData decode failed");
    }
    const e = this.#entry(String(data?.clientID ?? ""), cmd, conn);
    e.language = cmd.language;
    e.version = cmd.version;
    e.heartbeats++;
    e.connectionId = conn.id;
    e.remoteAddress = conn.remoteAddress;
    for (const p of data.producerDataSet ?? []) {
      if (p && typeof p.groupName === "string") e.producers.add(p.groupName);
    }
    for (const c of data.consumerDataSet ?? []) {
      if (c && typeof c.groupName === "string") e.consumers.add(c.groupName);
    }
    return b.response(ResponseCode.SUCCESS);
  }

  /** UNREGISTER_CLIENT: response SUCCESS with empty extFields (as recorded). */
  unregister(
    b: BrokerSession,
    cmd: RemotingCommand,
    conn: ServerConnection,
  ): RemotingCommand {
    const ext = cmd.extFields ?? {};
    // A client that never sent a heartbeat here is still listed, with what it unregistered.
    const e = this.#entry(ext.clientID ?? "", cmd, conn);
    for (const g of [ext.producerGroup, ext.consumerGroup]) {
      if (g === undefined) continue;
      e.producers.delete(g);
      e.consumers.delete(g);
      e.unregistered.push(g);
    }
    return b.response(ResponseCode.SUCCESS, undefined, {});
  }

  #entry(clientId: string, cmd: RemotingCommand, conn: ServerConnection): Entry {
    let e = this.#clients.get(clientId);
    if (!e) {
      e = {
        clientId,
        language: cmd.language,
        version: cmd.version,
        producerGroups: [],
        consumerGroups: [],
        heartbeats: 0,
        connectionId: conn.id,
        remoteAddress: conn.remoteAddress,
        unregistered: [],
        producers: new Set(),
        consumers: new Set(),
      };
      this.#clients.set(clientId, e);
    }
    return e;
  }
}

/**
 * END_TRANSACTION: record it; on commit, store the half message into its real topic and queue.
 * One-way requests get no answer; a two-way one gets SUCCESS.
 */
export function handleEndTransaction(
  b: BrokerSession & { readonly clientRegistry: ClientRegistry },
  cmd: RemotingCommand,
  _conn: ServerConnection,
): RemotingCommand | undefined {
  const ext = { ...(cmd.extFields ?? {}) };
  const state = Number(ext.commitOrRollback ?? 0);
  let offset = 0n;
  try {
    offset = BigInt(ext.commitLogOffset ?? "0");
  } catch { /* recorded as 0 */ }
  const rec: EndTransactionRecord = {
    header: ext,
    producerGroup: ext.producerGroup ?? "",
    commitOrRollback: state,
    commitLogOffset: offset,
    tranStateTableOffset: Number(ext.tranStateTableOffset ?? -1),
    msgId: ext.msgId ?? "",
    fromTransactionCheck: ext.fromTransactionCheck === "true",
    remark: cmd.remark,
    oneway: (cmd.flag & 2) !== 0,
    outcome: "ignored",
  };
  b.clientRegistry.endTransactions.push(rec);
  if (state === 8 || state === 12) {
    const half = b.log.findByOffset(Number(offset));
    if (!half || half.topic !== "RMQ_SYS_TRANS_HALF_TOPIC") rec.outcome = "halfNotFound";
    else if (state === 12) rec.outcome = "rolledBack";
    else {
      rec.outcome = "committed";
      const map = parseProperties(storedProperties(b, half));
      const topic = map.get("REAL_TOPIC") ?? half.topic;
      const queueId = Number(map.get("REAL_QID") ?? 0);
      map.delete("REAL_TOPIC");
      map.delete("REAL_QID");
      const props = javaPropertiesString(map);
      const size = storedRecordSize(half.body.length, utf8Length(topic), utf8Length(props));
      const r = {
        ...half,
        topic,
        queueId,
        queueOffset: b.log.nextQueueOffset(topic, queueId),
        commitLogOffset: b.log.reserve(size),
        props,
        sysFlag: (half.sysFlag & ~0xc) | 0x8,
        storeTimestamp: Date.now(),
        requestCode: cmd.code,
      };
      b.log.append(r);
      b.notify(r);
    }
  }
  if (rec.oneway) return undefined;
  return b.response(ResponseCode.SUCCESS);
}
