/**
 * The decoded form of one remoting frame (Java `RemotingCommand`), shared by the codec, the remoting
 * client and the embedded test cluster.
 *
 * @module
 */

import { FrameFlag, type SerializeTypeValue } from "./codes.ts";

/** One request or response frame, decoded. */
export interface RemotingCommand {
  /** Request code, or response code in a response. */
  code: number;
  /** Language code (Java `LanguageCode`). JSON headers carry the name; the codec maps it. Unknown names decode as -1. */
  language: number;
  /** Protocol version ordinal (Java `MQVersion.Version`). */
  version: number;
  /** Correlation id. */
  opaque: number;
  /** Flag bits ({@link FrameFlag}). */
  flag: number;
  /** Optional remark (error text in responses). */
  remark?: string;
  /**
   * Custom header fields, string → string. Insertion order is the wire order. `undefined` means
   * "absent" (JSON: no `extFields` member; binary: map length 0).
   */
  extFields?: Record<string, string>;
  /** Body bytes; `undefined` or empty means no body. */
  body?: Uint8Array;
  /** Serialization of the header on the wire: 0 JSON, 1 ROCKETMQ binary. */
  serializeType: SerializeTypeValue;
}

/** True when the frame is a response (flag bit 0 set). */
export function isResponse(cmd: RemotingCommand): boolean {
  return (cmd.flag & FrameFlag.RESPONSE) !== 0;
}

/** True when the frame is a one-way request (flag bit 1 set). */
export function isOneway(cmd: RemotingCommand): boolean {
  return (cmd.flag & FrameFlag.ONEWAY) !== 0;
}
