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
import { type HeaderParts, sendHeaderFields } from "./header.ts";
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

/** What an attempt is of: the send job (its environment, message, mode and signal). */
export interface AttemptSource {
  /** Producer environment. */
  readonly env: AttemptEnv;
  /** Prepared message. */
  readonly prepared: PreparedMessage;
  /** SYNC/ASYNC wait for the answer; ONEWAY reports once the frame was written. */
  readonly mode: CommunicationMode;
  /** The send's abort signal. */
  readonly signal: AbortSignal | undefined;
}

/**
 * Start one attempt; its outcome goes to `target` (possibly synchronously, from this call).
 * Never throws: a refusing checkForbidden hook is a failed attempt.
 *
 * @param send the send the attempt is of
 * @param target the attempt: its queue and start, the writer of its header, its outcome's receiver
 * @param timeoutMs time left in the budget
 */
export function startAttempt(send: AttemptSource, target: AttemptTarget, timeoutMs: number): void {
  const env = send.env;
  const mq = target.queue;
  const brokerAddr = env.findBrokerAddress(mq.brokerName);
  if (brokerAddr !== undefined) return write(send, target, timeoutMs, brokerAddr);
  // Java: the broker is not in the address table → tryToFindTopicPublishInfo, then look again.
  const topic = send.prepared.topic;
  env.refreshRoute(topic).then(() => {
    const again = env.findBrokerAddress(mq.brokerName);
    if (again !== undefined) return write(send, target, timeoutMs, again);
    const cause = new Error(`The broker[${mq.brokerName}] not exist`);
    target.fail(new RouteNotFoundError(topic, { cause }));
  }, (e) => target.fail(e));
}

/** The attempt to a known broker: VIP, hooks, then the request in the form the client takes. */
function write(
  send: AttemptSource,
  target: AttemptTarget,
  timeoutMs: number,
  brokerAddr: string,
): void {
  const env = send.env;
  const mq = target.queue;
  const addr = env.vipChannel ? vipAddress(brokerAddr) : brokerAddr;
  const hooks = env.hooks;
  try {
    if (hooks.hasCheckForbidden) checkForbidden(send, mq, addr);
    if (hooks.hasSendMessageHook) target = runBeforeHooks(send, mq, addr, target);
    const p = send.prepared;
    const code = p.batch ? RequestCode.SEND_BATCH_MESSAGE : RequestCode.SEND_MESSAGE_V2;
    const remoting = env.remoting;
    if (send.mode !== "ONEWAY" && env.serializeType === 0 && remoting.invokeJsonTo !== undefined) {
      // The common path: the target writes its header's bytes straight into the frame and is
      // the request's pending entry.
      const { OTHER } = LanguageCode;
      remoting.invokeJsonTo(
        addr,
        code,
        OTHER,
        MQVersion.V4_9_4,
        target,
        p.sendBody,
        timeoutMs,
        send.signal,
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
      extFields: sendHeaderFields(env.header, target),
      body: p.sendBody,
      serializeType: env.serializeType,
    };
    if (send.mode === "ONEWAY") {
      remoting.invokeOneway(addr, request, timeoutMs).then(
        () => target.ok(undefined),
        (e) => target.fail(e),
      );
    } else {
      remoting.invoke(addr, request, timeoutMs, send.signal).then(
        (res) => target.answer(res, addr),
        (e) => target.fail(e),
      );
    }
  } catch (e) {
    // A refusing checkForbidden hook, or a fake client that throws instead of reporting.
    target.fail(e);
  }
}

/** Java `checkForbidden`: the first hook that throws refuses the attempt. */
function checkForbidden(send: AttemptSource, mq: MessageQueue, addr: string): void {
  const env = send.env;
  env.hooks.checkForbidden({
    nameServer: env.nameServer(),
    group: env.header.group,
    communicationMode: send.mode,
    brokerAddr: addr,
    message: send.prepared.message,
    queue: mq,
    unitMode: false,
  });
}

/** Run the sendMessageBefore hooks; the returned target runs the after-hooks on the outcome. */
function runBeforeHooks(
  send: AttemptSource,
  mq: MessageQueue,
  addr: string,
  target: AttemptTarget,
): AttemptTarget {
  const env = send.env;
  const ctx: SendMessageContext = {
    producerGroup: env.header.group,
    communicationMode: send.mode,
    bornHost: env.clientIP,
    brokerAddr: addr,
    message: send.prepared.message,
    queue: mq,
    namespace: env.namespace,
    msgType: send.prepared.msgType,
  };
  env.hooks.before(ctx);
  return new HookedAttempt(target, ctx, env.hooks);
}
