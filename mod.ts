/**
 * rocketmq-edge: a RocketMQ producer for Deno, Bun, Node and edge runtimes, speaking the native
 * "remoting" TCP protocol of Apache RocketMQ 4.9.x and 5.x.
 *
 * @example Typed errors
 * ```ts
 * import { RocketMQError } from "@rocketmq-edge/client";
 *
 * try {
 *   throw new RocketMQError("CLIENT", "example", false);
 * } catch (e) {
 *   if (e instanceof RocketMQError) console.log(e.code, e.retriable);
 * }
 * ```
 *
 * @module
 */

export * from "./src/errors.ts";
export {
  FrameFlag,
  LanguageCode,
  MessageSysFlag,
  MQVersion,
  PermName,
  RequestCode,
  ResponseCode,
  SerializeType,
} from "./src/remoting/codes.ts";
export type { SerializeTypeValue } from "./src/remoting/codes.ts";
export type { RemotingCommand } from "./src/remoting/command.ts";
