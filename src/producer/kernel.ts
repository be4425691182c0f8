/**
 * One send attempt (Java `sendKernelImpl` + `MQClientAPIImpl.sendMessage`/`processSendResponse`):
 * broker address (refreshing the route when unknown), VIP channel, hooks, the SEND_MESSAGE_V2 /
 * SEND_BATCH_MESSAGE header in the Java client's field order, and the response mapping.
 *
 * @module
 */

import { RouteNotFoundError } from "../errors.ts";
import { LanguageCode, MQVersion, RequestCode } from "../remoting/codes.ts";
import type { RemotingCommand } from "../remoting/command.ts";
import type { MessageQueue } from "../route/message-queue.ts";
import type { RemotingLike } from "../client/types.ts";
import type { PreparedMessage } from "./message.ts";
import type { HookList } from "./hooks.ts";
import { SendHeaderWriter } from "./send-header.ts";
import { processSendResponse, PromisedSend, SendCall } from "./send-response.ts";
import type { PendingEntry } from "../remoting/_pending.ts";
import type { CommunicationMode, SendMessageContext, SendResult } from "./types.ts";

export { processSendResponse };

/** Per-producer constants of the send header, stringified once. */
export interface HeaderConstants {
  /** `a`: producer group (namespace applied). */
  group: string;
  /** `c`: createTopicKey. */
  createTopicKey: string;
  /** `d`: defaultTopicQueueNums as a string. */
  defaultTopicQueueNums: string;
  /** Cached JSON text of the constant parts of the header (see {@link sendHeaderJson}). */
  jsonCache?: Map<string, string>;
  /** The producer's reusable header writer (see send-header.ts). */
  writer?: SendHeaderWriter;
}

/** `JSON.stringify` of a header string value. */
const q = JSON.stringify;

/**
 * The SEND_MESSAGE_V2 / SEND_BATCH_MESSAGE extFields of {@link buildSendHeader} as JSON text, the
 * bytes `encodeFrame` writes for that object. The parts that only depend on the producer, topic
 * and broker are built once and cached on `k`; per send only queueId, sysFlag, bornTimestamp,
 * flag and the properties are spliced in.
 *
 * @param k producer constants (holds the cache)
 * @param p prepared message
 * @param queueId target queue id
 * @param brokerName target broker name
 * @param bornTimestamp client epoch ms
 * @returns the extFields JSON text
 */
export function sendHeaderJson(
  k: HeaderConstants,
  p: PreparedMessage,
  queueId: number,
  brokerName: string,
  bornTimestamp: number,
): string {
  const cache = k.jsonCache ??= new Map();
  let head = cache.get(p.topic);
  if (head === undefined) {
    head = '{"a":' + q(k.group) + ',"b":' + q(p.topic) + ',"c":' + q(k.createTopicKey) +
      ',"d":' + q(k.defaultTopicQueueNums) + ',"e":"';
    if (cache.size > 10_000) cache.clear();
    cache.set(p.topic, head);
  }
  const tailKey = (p.batch ? "\u0001" : "\u0000") + brokerName;
  let tail = cache.get(tailKey);
  if (tail === undefined) {
    tail = ',"j":"0","k":"false","m":"' + (p.batch ? "true" : "false") + '","n":' +
      q(brokerName) + "}";
    if (cache.size > 10_000) cache.clear();
    cache.set(tailKey, tail);
  }
  // Numbers print as String(n) does; queueId, sysFlag and flag are int32, bornTimestamp an integer.
  return head + queueId + '","f":"' + p.sysFlag + '","g":"' + bornTimestamp + '","h":"' +
    p.flag + '","i":' + q(p.properties) + tail;
}

/**
 * The SEND_MESSAGE_V2 header (Java `SendMessageRequestHeaderV2`): one object literal in Java's order
 * a,b,c,d,e,f,g,h,i,j,k,m,n. `l` (maxReconsumeTimes) is only for retry topics and comes from a
 * reserved property we never carry, so it is never written.
 *
 * @param k producer constants
 * @param p prepared message
 * @param queueId target queue id
 * @param brokerName target broker name (`n`, required by 5.x proxies)
 * @param bornTimestamp client epoch ms
 * @returns the extFields
 */
export function buildSendHeader(
  k: HeaderConstants,
  p: PreparedMessage,
  queueId: number,
  brokerName: string,
  bornTimestamp: number,
): Record<string, string> {
  return {
    a: k.group,
    b: p.topic,
    c: k.createTopicKey,
    d: k.defaultTopicQueueNums,
    e: String(queueId),
    f: String(p.sysFlag),
    g: String(bornTimestamp),
    h: String(p.flag),
    i: p.properties,
    j: "0",
    k: "false",
    m: p.batch ? "true" : "false",
    n: brokerName,
  };
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

/** What the kernel needs from the producer and its client instance. */
export interface KernelEnv {
  /** Remoting client. */
  remoting: RemotingLike;
  /** Header constants. */
  header: HeaderConstants;
  /** Header encoding. */
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
 * One attempt: resolve the broker, run hooks, write the request and map the answer.
 *
 * Not an async function on purpose: the common path (broker address known) allocates one
 * promise reaction instead of a suspended async frame per send.
 *
 * @param env producer environment
 * @param p prepared message
 * @param mq target queue (wire topic)
 * @param mode SYNC/ASYNC wait for the answer; ONEWAY resolves once written
 * @param timeoutMs time left in the budget
 * @param signal abort signal
 * @returns the result; undefined for one-way
 */
export function sendKernel(
  env: KernelEnv,
  p: PreparedMessage,
  mq: MessageQueue,
  mode: CommunicationMode,
  timeoutMs: number,
  signal: AbortSignal | undefined,
): Promise<SendResult | undefined> {
  const addr = env.findBrokerAddress(mq.brokerName);
  if (addr === undefined) return sendKernelAfterRefresh(env, p, mq, mode, timeoutMs, signal);
  try {
    return sendToBroker(env, p, mq, mode, timeoutMs, signal, addr);
  } catch (e) {
    return Promise.reject(e);
  }
}

/** Java: the broker is not in the address table → tryToFindTopicPublishInfo, then look again. */
async function sendKernelAfterRefresh(
  env: KernelEnv,
  p: PreparedMessage,
  mq: MessageQueue,
  mode: CommunicationMode,
  timeoutMs: number,
  signal: AbortSignal | undefined,
): Promise<SendResult | undefined> {
  await env.refreshRoute(p.topic);
  const addr = env.findBrokerAddress(mq.brokerName);
  if (addr === undefined) {
    throw new RouteNotFoundError(p.topic, {
      cause: new Error(`The broker[${mq.brokerName}] not exist`),
    });
  }
  return await sendToBroker(env, p, mq, mode, timeoutMs, signal, addr);
}

/**
 * {@link sendKernel} with `entry` as the request's pending entry, which receives the answer
 * instead of a promise (see `SendRun.attemptTo`; the send job is its own entry): only for the
 * plain path (awaited or async mode, JSON headers, broker address known, no sendMessage hooks).
 * Returns false, having done nothing, otherwise. `bornTimestamp` is the attempt's start
 * (Date.now()).
 *
 * @throws what checkForbidden hooks throw (a failed attempt)
 */
export function sendKernelTo(
  env: KernelEnv,
  p: PreparedMessage,
  mq: MessageQueue,
  mode: CommunicationMode,
  timeoutMs: number,
  signal: AbortSignal | undefined,
  entry: PendingEntry,
  bornTimestamp: number,
): boolean {
  if (
    mode === "ONEWAY" || env.serializeType !== 0 || env.remoting.invokeJsonTo === undefined ||
    env.hooks.hasSendMessageHook
  ) return false;
  const brokerAddr = env.findBrokerAddress(mq.brokerName);
  if (brokerAddr === undefined) return false;
  const addr = env.vipChannel ? vipAddress(brokerAddr) : brokerAddr;
  checkForbidden(env, p, mq, mode, addr);
  invokeSend(env, p, mq, addr, timeoutMs, signal, entry, bornTimestamp);
  return true;
}

function checkForbidden(
  env: KernelEnv,
  p: PreparedMessage,
  mq: MessageQueue,
  mode: CommunicationMode,
  addr: string,
): void {
  const hooks = env.hooks;
  if (!hooks.hasCheckForbidden) return;
  hooks.checkForbidden({
    nameServer: env.nameServer(),
    group: env.header.group,
    communicationMode: mode,
    brokerAddr: addr,
    message: p.message,
    queue: mq,
    unitMode: false,
  });
}

/** Write the request through the JSON fast path; `entry` waits for the answer. */
function invokeSend(
  env: KernelEnv,
  p: PreparedMessage,
  mq: MessageQueue,
  addr: string,
  timeoutMs: number,
  signal: AbortSignal | undefined,
  entry: PendingEntry,
  bornTimestamp: number,
): void {
  const remoting = env.remoting;
  remoting.invokeJsonTo!.call(
    remoting,
    addr,
    p.batch ? RequestCode.SEND_BATCH_MESSAGE : RequestCode.SEND_MESSAGE_V2,
    LanguageCode.OTHER,
    MQVersion.V4_9_4,
    (env.header.writer ??= new SendHeaderWriter(env.header)).prepare(
      p,
      mq.queueId,
      mq.brokerName,
      bornTimestamp,
    ),
    p.sendBody,
    timeoutMs,
    signal,
    entry,
  );
}

function sendToBroker(
  env: KernelEnv,
  p: PreparedMessage,
  mq: MessageQueue,
  mode: CommunicationMode,
  timeoutMs: number,
  signal: AbortSignal | undefined,
  brokerAddr: string,
): Promise<SendResult | undefined> {
  const addr = env.vipChannel ? vipAddress(brokerAddr) : brokerAddr;
  const hooks = env.hooks;
  checkForbidden(env, p, mq, mode, addr);
  let ctx: SendMessageContext | undefined;
  if (hooks.hasSendMessageHook) {
    ctx = {
      producerGroup: env.header.group,
      communicationMode: mode,
      bornHost: env.clientIP,
      brokerAddr: addr,
      message: p.message,
      queue: mq,
      namespace: env.namespace,
      msgType: p.msgType,
    };
    hooks.before(ctx);
  }
  const remoting = env.remoting;
  if (mode !== "ONEWAY" && env.serializeType === 0 && remoting.invokeJsonTo !== undefined) {
    const sink = new PromisedSend(env, mq, p);
    invokeSend(env, p, mq, addr, timeoutMs, signal, new SendCall(sink), Date.now());
    return ctx === undefined ? sink.promise : withAfterHooks(sink.promise, ctx, hooks);
  }
  const request: RemotingCommand = {
    code: p.batch ? RequestCode.SEND_BATCH_MESSAGE : RequestCode.SEND_MESSAGE_V2,
    language: LanguageCode.OTHER,
    version: MQVersion.V4_9_4,
    opaque: 0,
    flag: 0,
    extFields: buildSendHeader(env.header, p, mq.queueId, mq.brokerName, Date.now()),
    body: p.sendBody,
    serializeType: env.serializeType,
  };
  if (mode === "ONEWAY") {
    const sent = remoting.invokeOneway(addr, request, timeoutMs).then(toUndefined);
    return ctx === undefined ? sent : withAfterHooks(sent, ctx, hooks);
  }
  const response = remoting.invoke(addr, request, timeoutMs, signal);
  const sent: Promise<SendResult | undefined> = response.then((res) =>
    processSendResponse(
      res,
      { topic: env.userTopic(mq.topic), brokerName: mq.brokerName, queueId: mq.queueId },
      p.msgId,
      addr,
    )
  );
  return ctx === undefined ? sent : withAfterHooks(sent, ctx, hooks);
}

/** Run the sendMessage after-hooks once `sent` settled, passing its outcome through. */
function withAfterHooks(
  sent: Promise<SendResult | undefined>,
  c: SendMessageContext,
  hooks: HookList,
): Promise<SendResult | undefined> {
  return sent.then((result) => {
    c.sendResult = result;
    hooks.after(c);
    return result;
  }, (e) => {
    c.exception = e as Error;
    hooks.after(c);
    throw e;
  });
}

function toUndefined(): undefined {
  return undefined;
}
