/**
 * The producer's start and shutdown steps outside the send path (Java `DefaultMQProducerImpl`
 * `checkConfig` / `start` / `shutdown`): group and instance-name rules, joining and leaving the
 * shared client instance, the kernel's view of the instance, the trace dispatcher, and draining
 * in-flight sends.
 *
 * @module
 */

import { ValidationError } from "../errors.ts";
import { MQFaultStrategy } from "../fault/fault-strategy.ts";
import type { ClientInstance } from "../client/client-instance.ts";
import {
  type ClientInstanceFactories,
  getOrCreateClientInstance,
  releaseClientInstance,
} from "../client/manager.ts";
import { processId, uniqueTick } from "../client/_host.ts";
import type { ProducerInner } from "../client/types.ts";
import { checkGroup } from "./validation.ts";
import {
  CLIENT_INNER_PRODUCER_GROUP,
  DEFAULT_PRODUCER_GROUP,
  type ResolvedProducerOptions,
} from "./options.ts";
import type { ProducerEvents } from "./events.ts";
import type { ProducerEventMap } from "./event-map.ts";
import type { HookList } from "./hooks.ts";
import type { RpcHooks } from "../remoting/rpc-hook.ts";
import type { PublishTable } from "./send/route.ts";
import type { SendTracker } from "./send/inflight.ts";
import type { TraceDispatcher } from "./types.ts";

/**
 * Java checkConfig: a valid group name that is not one of the reserved ones.
 *
 * @param group group without namespace
 * @throws ValidationError naming `options.group`
 */
export function checkProducerGroup(group: string): void {
  checkGroup(group, "options.group");
  for (const reserved of [DEFAULT_PRODUCER_GROUP, CLIENT_INNER_PRODUCER_GROUP]) {
    if (group === reserved) {
      throw new ValidationError(
        "options.group",
        `producerGroup can not equal ${reserved}, please specify your producer group`,
      );
    }
  }
}

/**
 * Java changeInstanceNameToPID: "DEFAULT" (or none) becomes `pid#tick`, one client per producer.
 *
 * @param name the configured instance name
 * @returns the instance name to build the clientId from
 */
export function resolveInstanceName(name: string | undefined): string {
  return name === undefined || name === "DEFAULT" ? `${processId()}#${uniqueTick()}` : name;
}

/**
 * Register the hooks given in the options.
 *
 * @param list the producer's hooks
 * @param hooks `options.hooks`
 * @throws ValidationError naming `options.hooks` or `options.hooks[i]`
 */
export function addOptionHooks(list: HookList, hooks: ResolvedProducerOptions["hooks"]): void {
  if (Array.isArray(hooks)) hooks.forEach((h, i) => list.add(h, `options.hooks[${i}]`));
  else if (hooks !== undefined) list.add(hooks, "options.hooks");
}

/**
 * The producer's fault strategy, configured from its options.
 *
 * @param o resolved producer options
 * @returns a new strategy
 */
export function faultStrategyOf(o: ResolvedProducerOptions): MQFaultStrategy {
  return new MQFaultStrategy({
    sendLatencyFaultEnable: o.sendLatencyFaultEnable,
    latencyMax: o.latencyMax,
    notAvailableDuration: o.notAvailableDuration,
    logger: o.logger.child("fault"),
  });
}

/**
 * The view of a producer the client instance uses.
 *
 * @param publishInfo the producer's publish-info table
 * @param events the producer's events
 * @returns the producer as the instance sees it
 */
export function producerInner(publishInfo: PublishTable, events: ProducerEvents): ProducerInner {
  return {
    publishTopics: () => publishInfo.topics(),
    isPublishTopicNeedUpdate: (topic) => publishInfo.needsUpdate(topic),
    updateTopicPublishInfo: (topic, info) => publishInfo.update(topic, info),
    emit: (type, detail) => events.emit(type, detail as ProducerEventMap[typeof type]),
  };
}

/**
 * Get or create the client instance for this producer's clientId and register the group on it.
 *
 * @param o resolved producer options
 * @param clientIP this client's IP
 * @param instanceName resolved instance name
 * @param group group with namespace
 * @param inner the producer as the instance sees it
 * @param factories test seam for a new instance
 * @returns the instance, or undefined when the group is already registered there
 */
export function joinClientInstance(
  o: ResolvedProducerOptions,
  clientIP: string,
  instanceName: string,
  group: string,
  inner: ProducerInner,
  factories: ClientInstanceFactories,
): ClientInstance | undefined {
  const instance = getOrCreateClientInstance({
    clientIP,
    instanceName,
    unitName: o.unitName,
    nameServer: o.nameServer,
    addressServerUrl: o.addressServerUrl,
    addressServerPollIntervalMs: o.addressServerPollIntervalMs,
    pollNameServerIntervalMs: o.pollNameServerIntervalMs,
    heartbeatIntervalMs: o.heartbeatIntervalMs,
    serializeType: o.serializeType,
    transport: o.transport,
    logger: o.logger,
    rpcHooks: o.rpcHooks,
  }, factories);
  if (!instance.registerProducer(group, inner)) return undefined;
  if (!sameHooks(instance.rpcHooks, o.rpcHooks)) {
    // Java keeps the first producer's RPCHook silently; say so instead.
    o.logger.child("producer").warn(
      "rpcHooks not used: the shared client instance keeps the hooks of the producer that created it",
      { group, clientId: instance.clientId },
    );
  }
  return instance;
}

/** True when a producer's hooks are the instance's (the same hook objects, in the same order). */
function sameHooks(a: RpcHooks | undefined, b: RpcHooks | undefined): boolean {
  if (b === undefined || a === b) return true;
  if (a === undefined || a.hooks.length !== b.hooks.length) return false;
  return a.hooks.every((h, i) => h === b.hooks[i]);
}

/**
 * The error of a start whose group is already registered on the client instance.
 *
 * @param group group with namespace
 * @returns ValidationError naming `options.group`
 */
export function groupTakenError(group: string): ValidationError {
  const msg = `The producer group[${group}] has been created before, specify another name please.`;
  return new ValidationError("options.group", msg);
}

/**
 * Start the joined client instance, with the createTopicKey placeholder in the publish-info
 * table first (as Java does); on failure, drop the group and release the instance.
 *
 * @param instance the instance joined
 * @param group group with namespace
 * @param publishInfo the producer's publish-info table
 * @param createTopicKey the auto-create template topic
 */
export async function startClientInstance(
  instance: ClientInstance,
  group: string,
  publishInfo: PublishTable,
  createTopicKey: string,
): Promise<void> {
  try {
    publishInfo.addPlaceholder(createTopicKey);
    await instance.start();
  } catch (e) {
    instance.producerTable.delete(group);
    await releaseClientInstance(instance);
    throw e;
  }
}

/**
 * Start or shut down the trace dispatcher, if any; a failure is a "producer.trace.failed" event,
 * never fatal.
 *
 * @param td the trace dispatcher
 * @param phase which call
 * @param events where a failure is reported
 * @param nameServer name-server addresses (for "start")
 */
export async function runTraceDispatcher(
  td: TraceDispatcher | undefined,
  phase: "start" | "shutdown",
  events: ProducerEvents,
  nameServer: readonly string[] = [],
): Promise<void> {
  if (td === undefined) return;
  try {
    if (phase === "start") await td.start([...nameServer]);
    else await td.shutdown();
  } catch (error) {
    events.emit("producer.trace.failed", { phase, error });
  }
}

/**
 * The end of a successful start: heartbeat to every broker, then start the trace dispatcher.
 *
 * @param instance the started client instance
 * @param o resolved producer options
 * @param events where a trace dispatcher failure is reported
 */
export async function announceStart(
  instance: ClientInstance,
  o: ResolvedProducerOptions,
  events: ProducerEvents,
): Promise<void> {
  await instance.sendHeartbeatToAllBroker();
  await runTraceDispatcher(o.traceDispatcher, "start", events, instance.nameServers.addresses);
  o.logger.child("producer").info("started", {
    clientId: instance.clientId,
    nameServer: instance.nameServers.addresses,
  });
}

/** Least time each unregister request gets, even when the drain used the whole budget. */
const UNREGISTER_FLOOR_MS = 100;

/**
 * The shutdown of a running producer, within about `shutdownTimeoutMs` in all: wait for
 * in-flight sends up to the deadline (then fail the rest), unregister the group from every broker, shut the trace dispatcher down, release
 * the client instance (the last producer's release closes it), and settle every send.
 *
 * @param instance the client instance
 * @param group group with namespace
 * @param o resolved producer options
 * @param events where a trace dispatcher failure is reported
 * @param tracker the producer's in-flight sends
 */
export async function shutdownProducer(
  instance: ClientInstance,
  group: string,
  o: ResolvedProducerOptions,
  events: ProducerEvents,
  tracker: SendTracker,
): Promise<void> {
  const log = o.logger.child("producer");
  // One budget for the whole shutdown: the drain, then both unregisters, share it. Each
  // unregister still gets a short floor, so a drain that used it all cannot skip them.
  const deadline = Date.now() + o.shutdownTimeoutMs;
  const left = (): number => Math.max(UNREGISTER_FLOOR_MS, deadline - Date.now());
  if (!(await tracker.idle(o.shutdownTimeoutMs))) {
    // Deadline passed: fail the rest. Aborted requests reject at once in the remoting client.
    log.warn("shutdown timed out waiting for in-flight sends; aborting them", {
      group,
      inFlight: tracker.inFlight,
      shutdownTimeoutMs: o.shutdownTimeoutMs,
    });
    tracker.abort();
  }
  await instance.unregisterProducer(group, left());
  await runTraceDispatcher(o.traceDispatcher, "shutdown", events);
  await releaseClientInstance(instance, left());
  // Whatever still waits (e.g. a route lookup on a dead name server) fails once its requests
  // fail; every send promise settles before shutdown() resolves.
  tracker.abort();
  await tracker.idle(Infinity);
  log.info("shut down", { group });
}
