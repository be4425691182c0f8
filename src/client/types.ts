/**
 * Internal contracts between the client instance and the producers that share it.
 *
 * @module
 */

import type { RemotingClient } from "../remoting/client.ts";
import type { RemotingCommand } from "../remoting/command.ts";
import type { TopicPublishInfo } from "../route/publish-info.ts";
import type { ClientEventMap } from "./events.ts";

/** The part of `RemotingClient` the client instance uses (a seam for unit tests). */
export interface RemotingLike {
  /** Request/response (see `RemotingClient.invoke`). */
  invoke(
    address: string,
    request: RemotingCommand,
    timeoutMs: number,
    signal?: AbortSignal,
  ): Promise<RemotingCommand>;
  /**
   * Optional fast path: a JSON request with pre-serialized extFields whose outcome goes to a sink
   * (see `RemotingClient.invokeJsonTo`). Fakes may leave it out; callers then use {@link invoke}.
   */
  invokeJsonTo?: RemotingClient["invokeJsonTo"];
  /** One-way request, resolved once written. */
  invokeOneway(address: string, request: RemotingCommand, timeoutMs: number): Promise<void>;
  /** Drop the connection to an address (reconnects lazily). */
  closeConnection(address: string): void;
  /** Close every connection and fail pending requests. */
  close(): Promise<void>;
}

/** What the client instance needs from each producer registered on it (Java `MQProducerInner`). */
export interface ProducerInner {
  /** Topics this producer publishes to (Java `getPublishTopicList`). */
  publishTopics(): Iterable<string>;
  /** True when this producer has no usable publish info for the topic. */
  isPublishTopicNeedUpdate(topic: string): boolean;
  /** Install new publish info for a topic after a route change. */
  updateTopicPublishInfo(topic: string, info: TopicPublishInfo): void;
  /** Deliver an instrumentation event of the shared client ("client.*"). */
  emit<K extends keyof ClientEventMap>(type: K, detail: ClientEventMap[K]): void;
}
