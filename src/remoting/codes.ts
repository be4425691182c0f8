/**
 * Named constants of the remoting protocol: request codes, response codes, language codes,
 * frame flag bits, serialize types and protocol versions (Java `RequestCode`, `ResponseCode`,
 * `LanguageCode`, `RemotingCommand`, `SerializeType`, `MQVersion`).
 *
 * Plain `as const` objects (no `enum`) so the source stays erasable TypeScript.
 *
 * @module
 */

/** Request codes a producer sends or receives (Java `RequestCode`). */
export const RequestCode = {
  SEND_MESSAGE: 10,
  UPDATE_AND_CREATE_TOPIC: 17,
  VIEW_MESSAGE_BY_ID: 33,
  HEART_BEAT: 34,
  UNREGISTER_CLIENT: 35,
  END_TRANSACTION: 37,
  CHECK_TRANSACTION_STATE: 39,
  NOTIFY_CONSUMER_IDS_CHANGED: 40,
  REGISTER_BROKER: 103,
  UNREGISTER_BROKER: 104,
  GET_ROUTEINFO_BY_TOPIC: 105,
  SEND_MESSAGE_V2: 310,
  SEND_BATCH_MESSAGE: 320,
  SEND_REPLY_MESSAGE: 324,
  SEND_REPLY_MESSAGE_V2: 325,
  PUSH_REPLY_MESSAGE_TO_CLIENT: 326,
} as const;

/** Response codes (Java `ResponseCode`, `RemotingSysResponseCode`). */
export const ResponseCode = {
  SUCCESS: 0,
  SYSTEM_ERROR: 1,
  SYSTEM_BUSY: 2,
  REQUEST_CODE_NOT_SUPPORTED: 3,
  TRANSACTION_FAILED: 4,
  FLUSH_DISK_TIMEOUT: 10,
  SLAVE_NOT_AVAILABLE: 11,
  FLUSH_SLAVE_TIMEOUT: 12,
  MESSAGE_ILLEGAL: 13,
  SERVICE_NOT_AVAILABLE: 14,
  VERSION_NOT_SUPPORTED: 15,
  NO_PERMISSION: 16,
  TOPIC_NOT_EXIST: 17,
  TOPIC_EXIST_ALREADY: 18,
  INVALID_PARAMETER: 29,
  NO_BUYER_ID: 204,
  NOT_IN_CURRENT_UNIT: 205,
  FLOW_CONTROL: 215,
  GO_AWAY: 1500,
} as const;

/** Language codes (Java `LanguageCode`). The index of a name in {@link LANGUAGE_NAMES} is its code. */
export const LanguageCode = {
  JAVA: 0,
  CPP: 1,
  DOTNET: 2,
  PYTHON: 3,
  DELPHI: 4,
  ERLANG: 5,
  RUBY: 6,
  OTHER: 7,
  HTTP: 8,
  GO: 9,
  PHP: 10,
  OMS: 11,
  RUST: 12,
  NODE_JS: 13,
} as const;

/** Language names indexed by code, for JSON headers (which carry the name). */
export const LANGUAGE_NAMES: readonly string[] = Object.keys(LanguageCode);

/** Language name → code, for decoding JSON headers (unknown names decode as -1 there). */
export const LANGUAGE_BY_NAME: ReadonlyMap<string, number> = new Map(
  LANGUAGE_NAMES.map((name, code) => [name, code]),
);

/** Bits of the frame header `flag` field (Java `RemotingCommand` `RPC_TYPE` / `RPC_ONEWAY`). */
export const FrameFlag = {
  /** Set on responses. */
  RESPONSE: 0x1,
  /** Set on one-way requests: the receiver must not answer. */
  ONEWAY: 0x2,
} as const;

/** Header serialization types (the high byte of the header-length word). */
export const SerializeType = {
  JSON: 0,
  ROCKETMQ: 1,
} as const;

/** A header serialization type value. */
export type SerializeTypeValue = (typeof SerializeType)[keyof typeof SerializeType];

/** Protocol `version` ordinals (Java `MQVersion.Version`). */
export const MQVersion = {
  V3_4_9: 121,
  V4_9_3: 399,
  V4_9_4: 401,
  V4_9_8: 409,
  V5_0_0: 413,
  V5_1_4: 441,
  V5_3_2: 477,
} as const;

/** Topic/queue permission bits (Java `PermName`). */
export const PermName = {
  PRIORITY: 0x8,
  READ: 0x4,
  WRITE: 0x2,
  INHERIT: 0x1,
} as const;

/** Message `sysFlag` bits a producer may set (Java `MessageSysFlag`). */
export const MessageSysFlag = {
  COMPRESSED: 0x1,
  TRANSACTION_PREPARED: 0x4,
  COMPRESSION_ZLIB: 0x300,
} as const;

/** Largest frame a peer accepts: `totalLength + 4 ≤ 16 MiB` (Java `NettyDecoder` `FRAME_MAX_LENGTH`). */
export const MAX_FRAME_LENGTH = 16 * 1024 * 1024;
