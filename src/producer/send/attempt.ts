/**
 * One attempt of a send (Java `sendKernelImpl` + `MQClientAPIImpl.sendMessage`): the broker's
 * address (refreshing the route when it is unknown), the VIP channel, the checkForbidden and
 * sendMessage hooks, the request header, and the one place the request is written. The outcome
 * goes to an {@link AttemptTarget}, never to a promise of the attempt's own.
 *
 * @module
 */

import { RouteNotFoundError } from "../../errors.ts";
import { LanguageCode, MQVersion, RequestCode } from "../../remoting/codes.ts";
import type { MessageQueue } from "../../route/message-queue.ts";
import type { RemotingLike } from "../../client/types.ts";
import type { HookList } from "../hooks.ts";
import type { CommunicationMode, SendMessageContext } from "../types.ts";
import { type HeaderParts, SendHeader } from "./header.ts";
import type { PreparedMessage } from "./prepare.ts";
import { type AttemptTarget, HookedAttempt } from "./sinks.ts";

/** What an attempt needs from the producer and its client instance. */
export interface AttemptEnv {
  /** Remoting client. */
  remoting: RemotingLike;
  /** The producer's header parts (group, createTopicKey, defaultTopicQueueNums). */
  header: HeaderParts;
  /** Header encoding (0 JSON, 1 ROCKETMQ binary). */
  serializeType: 0 | 1;
  /** Use port − 2. */
  vipChannel: boolean;
  /** Hook lists. */
  hooks: HookList;
  /** Namespace (hook contexts). */
  namespace: string | undefined;
  /** Name servers (hook contexts). */
  nameServer: () => string;
  /** This client's IP (hook contexts). */
  clientIP: string;
  /** Broker master address, if known. */
  findBrokerAddress(brokerName: string): string | undefined;
  /** Refresh the topic's route (Java `tryToFindTopicPublishInfo`). */
  refreshRoute(topic: string): Promise<unknown>;
  /** Strip the namespace from a wire topic. */
  userTopic(topic: string): string;
}

/**
 * Java `MixAll.brokerVIPChannel`: the same host, port − 2.
 *
 * @param addr `host:port`
 * @returns the VIP address
 */
export function vipAddress(addr: string): string {
  const i = addr.lastIndexOf(":");
  return addr.slice(0, i + 1) + String(Number(addr.slice(i + 1)) - 2);
}

/**
 * Start one attempt; its outcome goes to `target` (possibly synchronously, from this call).
 * Never throws: a refusing checkForbidden hook is a failed attempt.
 *
 * @param env producer environment
 * @param p prepared message
 * @param mq target queue (wire topic)
 * @param mode SYNC/ASYNC wait for the answer; ONEWAY reports once the frame was written
 * @param timeoutMs time left in the budget
 * @param signal abort signal
 * @param target receives the outcome
 * @param bornTimestamp the attempt's start (Date.now() clock): the header's `g`
 */
export function startAttempt(
  env: AttemptEnv,
  p: PreparedMessage,
  mq: MessageQueue,
  mode: CommunicationMode,
  timeoutMs: number,
  signal: AbortSignal | undefined,
  target: AttemptTarget,
  bornTimestamp: number,
): void {
  const brokerAddr = env.findBrokerAddress(mq.brokerName);
  if (brokerAddr === undefined) {
    // Java: the broker is not in the address table → tryToFindTopicPublishInfo, then look again.
    env.refreshRoute(p.topic).then(() => {
      const again = env.findBrokerAddress(mq.brokerName);
      if (again === undefined) {
        const cause = new Error(`The broker[${mq.brokerName}] not exist`);
        target.fail(new RouteNotFoundError(p.topic, { cause }));
      } else write(env, p, mq, mode, timeoutMs, signal, target, bornTimestamp, again);
    }, (e) => target.fail(e));
    return;
  }
  write(env, p, mq, mode, timeoutMs, signal, target, bornTimestamp, brokerAddr);
}

/** The attempt to a known broker: VIP, hooks, then the request in the form the client takes. */
function write(
  env: AttemptEnv,
  p: PreparedMessage,
  mq: MessageQueue,
  mode: CommunicationMode,
  timeoutMs: number,
  signal: AbortSignal | undefined,
  target: AttemptTarget,
  bornTimestamp: number,
  brokerAddr: string,
): void {
  const addr = env.vipChannel ? vipAddress(brokerAddr) : brokerAddr;
  const hooks = env.hooks;
  try {
    if (hooks.hasCheckForbidden) checkForbidden(env, p, mq, mode, addr);
  } catch (e) {
    target.fail(e);
    return;
  }
  if (hooks.hasSendMessageHook) target = runBeforeHooks(env, p, mq, mode, addr, target);
  const code = p.batch ? RequestCode.SEND_BATCH_MESSAGE : RequestCode.SEND_MESSAGE_V2;
  const header = new SendHeader(env.header, p, mq.queueId, mq.brokerName, bornTimestamp);
  try {
    send(env.remoting, env.serializeType, p, mode, timeoutMs, signal, target, addr, header, code);
  } catch (e) {
    target.fail(e); // a fake client that throws instead of reporting
  }
}

/** Hand the request to the remoting client in the form it takes for `mode`. */
function send(
  remoting: RemotingLike,
  serializeType: 0 | 1,
  p: PreparedMessage,
  mode: CommunicationMode,
  timeoutMs: number,
  signal: AbortSignal | undefined,
  target: AttemptTarget,
  addr: string,
  header: SendHeader,
  code: number,
): void {
  if (mode !== "ONEWAY" && serializeType === 0 && remoting.invokeJsonTo !== undefined) {
    // The common path: the header's bytes go straight into the frame, the target is the
    // request's pending entry.
    remoting.invokeJsonTo(
      addr,
      code,
      LanguageCode.OTHER,
      MQVersion.V4_9_4,
      header,
      p.sendBody,
      timeoutMs,
      signal,
      target,
    );
    return;
  }
  const request = {
    code,
    language: LanguageCode.OTHER,
    version: MQVersion.V4_9_4,
    opaque: 0,
    flag: 0,
    extFields: header.fields(),
    body: p.sendBody,
    serializeType,
  };
  if (mode === "ONEWAY") {
    remoting.invokeOneway(addr, request, timeoutMs).then(
      () => target.ok(undefined),
      (e) => target.fail(e),
    );
  } else {
    remoting.invoke(addr, request, timeoutMs, signal).then(
      (res) => target.answer(res, addr),
      (e) => target.fail(e),
    );
  }
}

/** Java `checkForbidden`: the first hook that throws refuses the attempt. */
function checkForbidden(
  env: AttemptEnv,
  p: PreparedMessage,
  mq: MessageQueue,
  mode: CommunicationMode,
  addr: string,
): void {
  env.hooks.checkForbidden({
    nameServer: env.nameServer(),
    group: env.header.group,
    communicationMode: mode,
    brokerAddr: addr,
    message: p.message,
    queue: mq,
    unitMode: false,
  });
}

/** Run the sendMessageBefore hooks; the returned target runs the after-hooks on the outcome. */
function runBeforeHooks(
  env: AttemptEnv,
  p: PreparedMessage,
  mq: MessageQueue,
  mode: CommunicationMode,
  addr: string,
  target: AttemptTarget,
): AttemptTarget {
  const ctx: SendMessageContext = {
    producerGroup: env.header.group,
    communicationMode: mode,
    bornHost: env.clientIP,
    brokerAddr: addr,
    message: p.message,
    queue: mq,
    namespace: env.namespace,
    msgType: p.msgType,
  };
  env.hooks.before(ctx);
  return new HookedAttempt(target, ctx, env.hooks);
}
