/**
 * HEART_BEAT and UNREGISTER_CLIENT (Java `HeartbeatData`, `UnregisterClientRequestHeader`), as the client instance sends them
 * (Java `MQClientInstance.sendHeartbeatToAllBroker` / `unregisterClient`).
 *
 * @module
 */

import { RequestCode, ResponseCode } from "../remoting/codes.ts";
import type { RemotingCommand } from "../remoting/command.ts";
import type { RemotingLike } from "./types.ts";
import type { ClientEventMap } from "./events.ts";

/** Java `MixAll.CLIENT_INNER_PRODUCER_GROUP`, always announced in heartbeats. */
export const CLIENT_INNER_PRODUCER = "CLIENT_INNER_PRODUCER";

/** What sending heartbeats needs from the client instance. */
export interface HeartbeatHost {
  /** This client's id. */
  readonly clientId: string;
  /** Remoting client. */
  readonly remoting: RemotingLike;
  /** brokerName → brokerId → address. */
  readonly brokerAddrTable: ReadonlyMap<string, Record<string, string>>;
  /** Build a request with the client's language, version and encoding. */
  request(code: number, extFields?: Record<string, string>, body?: Uint8Array): RemotingCommand;
  /** Report an event to the producers. */
  emit<K extends keyof ClientEventMap>(type: K, detail: ClientEventMap[K]): void;
  /** Remember the version a broker answered with. */
  recordBrokerVersion(brokerName: string, address: string, version: number): void;
}

/**
 * The producer-only heartbeat body, member order as Java `HeartbeatData` encodes it.
 *
 * @param clientId client id
 * @param groups producer groups (CLIENT_INNER_PRODUCER is appended, as Java does)
 * @returns UTF-8 JSON
 */
export function heartbeatBody(clientId: string, groups: Iterable<string>): Uint8Array {
  const producerDataSet = [...groups].map((groupName) => ({ groupName }));
  producerDataSet.push({ groupName: CLIENT_INNER_PRODUCER });
  return new TextEncoder().encode(
    JSON.stringify({ clientID: clientId, consumerDataSet: [], producerDataSet }),
  );
}

/**
 * HEART_BEAT to the master (id "0") of every known broker; each outcome is a "client.heartbeat"
 * event. Never rejects.
 *
 * @param host the client instance
 * @param body heartbeat body
 * @param timeoutMs per-broker timeout
 */
export async function sendHeartbeats(
  host: HeartbeatHost,
  body: Uint8Array,
  timeoutMs: number,
): Promise<void> {
  const jobs: Promise<void>[] = [];
  for (const [brokerName, addrs] of host.brokerAddrTable) {
    const addr = addrs["0"];
    if (addr === undefined) continue;
    const req = host.request(RequestCode.HEART_BEAT, {}, body);
    jobs.push(
      host.remoting.invoke(addr, req, timeoutMs).then((res) => {
        const ok = res.code === ResponseCode.SUCCESS;
        if (ok) host.recordBrokerVersion(brokerName, addr, res.version);
        host.emit("client.heartbeat", { brokerName, brokerAddr: addr, ok, code: res.code });
      }, (error) => {
        host.emit("client.heartbeat", { brokerName, brokerAddr: addr, ok: false, error });
      }),
    );
  }
  await Promise.all(jobs);
}

/**
 * UNREGISTER_CLIENT (clientID + producerGroup) to every known broker address, masters and
 * slaves. Failures are ignored. Never rejects.
 *
 * @param host the client instance
 * @param group producer group
 * @param timeoutMs per-broker timeout
 */
export async function unregisterClient(
  host: HeartbeatHost,
  group: string,
  timeoutMs: number,
): Promise<void> {
  const jobs: Promise<unknown>[] = [];
  for (const addrs of host.brokerAddrTable.values()) {
    for (const addr of Object.values(addrs)) {
      const req = host.request(RequestCode.UNREGISTER_CLIENT, {
        clientID: host.clientId,
        producerGroup: group,
      });
      jobs.push(host.remoting.invoke(addr, req, timeoutMs).catch(() => undefined));
    }
  }
  await Promise.all(jobs);
}
