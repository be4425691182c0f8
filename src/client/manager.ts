/**
 * Client-instance manager (Java `MQClientManager`): one {@link ClientInstance} per clientId,
 * shared by the producers that build the same id, released when its last producer leaves.
 *
 * @module
 */

import { RemotingClient } from "../remoting/client.ts";
import { createDefaultCodec, type MessageCodec } from "./_codec.ts";
import type { Transport } from "../transport/types.ts";
import { ClientInstance } from "./client-instance.ts";
import type { RemotingLike } from "./types.ts";
import { processId } from "./_host.ts";
import type { Logger } from "../log/logger.ts";
import type { RpcHooks } from "../remoting/rpc-hook.ts";

const instances = new Map<string, ClientInstance>();
let instanceIndex = 0;

/** What a client instance is built from (the first producer's options win, as in Java). */
export interface ClientInstanceOptions {
  /** This client's IP. */
  clientIP: string;
  /** Instance name (already defaulted to `pid#tick`). */
  instanceName: string;
  /** Optional unit name. */
  unitName: string | undefined;
  /** Name-server addresses. */
  nameServer: string[];
  /** Address server. */
  addressServerUrl: string | undefined;
  /** Address-server poll interval. */
  addressServerPollIntervalMs: number;
  /** Route refresh interval. */
  pollNameServerIntervalMs: number;
  /** Heartbeat interval. */
  heartbeatIntervalMs: number;
  /** Header encoding. */
  serializeType: 0 | 1;
  /** Transport override. */
  transport: Transport | undefined;
  /** Where a new instance logs. */
  logger?: Logger;
  /**
   * RPC hooks of a new instance's remoting client. An existing instance keeps the hooks it was
   * created with (Java `MQClientManager` keeps the first producer's `RPCHook`).
   */
  rpcHooks?: RpcHooks;
}

/** Factories the manager uses; tests replace them to run without sockets. */
export interface ClientInstanceFactories {
  /** Create the remoting client (with the instance's RPC hooks, if any). */
  remoting?: (transport: Transport | undefined, rpcHooks?: RpcHooks) => RemotingLike;
  /** Create the default codec. */
  codec?: () => MessageCodec;
}

/**
 * Java `ClientConfig.buildMQClientId`: `ip@instanceName`, then `@unitName` when set.
 *
 * @param clientIP client IP
 * @param instanceName instance name
 * @param unitName unit name
 * @returns the clientId
 */
export function buildClientId(clientIP: string, instanceName: string, unitName?: string): string {
  return unitName ? `${clientIP}@${instanceName}@${unitName}` : `${clientIP}@${instanceName}`;
}

/**
 * The instance for these options' clientId, created if absent (Java `getOrCreateMQClientInstance`).
 *
 * @param options options of the producer asking
 * @param factories test seams
 * @returns the shared instance
 */
export function getOrCreateClientInstance(
  options: ClientInstanceOptions,
  factories: ClientInstanceFactories = {},
): ClientInstance {
  const clientId = buildClientId(options.clientIP, options.instanceName, options.unitName);
  let instance = instances.get(clientId);
  if (instance === undefined || instance.state === "SHUTDOWN_ALREADY") {
    instance = new ClientInstance({
      clientId,
      clientIP: options.clientIP,
      nameServer: options.nameServer,
      addressServerUrl: options.addressServerUrl,
      addressServerPollIntervalMs: options.addressServerPollIntervalMs,
      pollNameServerIntervalMs: options.pollNameServerIntervalMs,
      heartbeatIntervalMs: options.heartbeatIntervalMs,
      serializeType: options.serializeType,
      remoting: factories.remoting?.(options.transport, options.rpcHooks) ??
        new RemotingClient({ transport: options.transport, rpcHooks: options.rpcHooks }),
      codec: factories.codec?.() ?? createDefaultCodec(),
      pid: processId(),
      instanceIndex: instanceIndex++,
      logger: options.logger,
      rpcHooks: options.rpcHooks,
    });
    instances.set(clientId, instance);
  }
  return instance;
}

/**
 * Release an instance: when no producer is registered on it any more, remove it and shut it down
 * (Java `MQClientInstance.shutdown` + `removeClientFactory`).
 *
 * @param instance the instance
 * @param budgetMs longest wait for the inner producer's unregister (default 1000)
 */
export async function releaseClientInstance(
  instance: ClientInstance,
  budgetMs?: number,
): Promise<void> {
  if (instance.producerTable.size > 0) return;
  if (instances.get(instance.clientId) === instance) instances.delete(instance.clientId);
  await instance.shutdown(budgetMs);
}

/** Number of live instances (for tests). */
export function clientInstanceCount(): number {
  return instances.size;
}
