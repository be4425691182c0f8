/**
 * Errors of the Aliyun-compatible route: each carries the Alibaba Cloud error code and HTTP status
 * that the MQ HTTP SDKs surface (`err.Code` in Node, `ServiceException.getErrorCode()` in Java,
 * `MQServerException.type` in Python). The codes and statuses follow Alibaba Cloud's published
 * error table of the MQ/MNS HTTP gateway (the MQ HTTP SDKs share its protocol, version
 * `2015-06-06`); the few the relay adds for states that gateway has no code for are marked
 * "relay" below.
 *
 * | cause                                         | status | Code                         |
 * | --------------------------------------------- | -----: | ---------------------------- |
 * | Authorization / Date header missing           |    400 | `MissingAuthorizationHeader` / `MissingDateHeader` |
 * | Authorization not `MQ <id>:<signature>`       |    400 | `InvalidAuthorizationHeader` |
 * | AccessKeyId not configured                    |    403 | `InvalidAccessKeyId`         |
 * | signature differs                             |    403 | `SignatureDoesNotMatch`      |
 * | Date not an RFC 1123 GMT date                 |    400 | `InvalidDateHeader`          |
 * | Date outside the allowed window               |    408 | `TimeExpired`                |
 * | x-mq-version missing / not `2015-06-06`       |    400 | `MissingVersionHeader` / `InvalidVersionHeader` |
 * | Content-MD5 differs from the body             |    400 | `InvalidDegist` (sic, as the gateway spells it) |
 * | Content-Type not XML, charset not UTF-8       |    400 | `InvalidContentType`         |
 * | query parameter other than `ns`               |    400 | `InvalidQueryString`         |
 * | body not well-formed XML or not UTF-8         |    400 | `MalformedXML`               |
 * | bad element, property, empty body, transaction|    400 | `InvalidArgument`            |
 * | topic unknown to the cluster                  |    404 | `TopicNotExist`              |
 * | token/topic refused by the relay's own checks |    403 | `AccessDenied`               |
 * | in-flight limit reached                       |    429 | `QpsLimitExceeded` (+ `Retry-After`) |
 * | request body over the limit (relay)           |    413 | `EntityTooLarge`             |
 * | broker or route unavailable (relay)           |    503 | `ServiceUnavailable`         |
 * | send timed out (relay)                        |    504 | `RequestTimeout`             |
 * | anything else                                 |    500 | `InternalError`              |
 * | consume/ack requests (publish-only relay)     |    501 | `NotImplemented`             |
 *
 * @module
 */

import { type RelayHttpError, toRelayHttpError } from "../errors.ts";

/** HTTP statuses of the Aliyun-compatible route's errors. */
export type AliyunErrorStatus = 400 | 403 | 404 | 408 | 413 | 429 | 500 | 501 | 503 | 504;

/** An error answered as `<Error><Code/><Message/><RequestId/><HostId/></Error>`. */
export class AliyunError extends Error {
  /** HTTP status. */
  readonly status: AliyunErrorStatus;
  /** Alibaba Cloud error code (`SignatureDoesNotMatch`, `TopicNotExist`, …). */
  readonly code: string;
  /** Seconds for `Retry-After` (429, 503), when known. */
  readonly retryAfterSec: number | undefined;

  /**
   * Create the error.
   *
   * @param status HTTP status
   * @param code Alibaba Cloud error code
   * @param message human-readable text (sent to the client)
   * @param options the underlying error and a retry hint
   */
  constructor(
    status: AliyunErrorStatus,
    code: string,
    message: string,
    options: { cause?: unknown; retryAfterSec?: number } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = "AliyunError";
    this.status = status;
    this.code = code;
    this.retryAfterSec = options.retryAfterSec;
  }
}

/**
 * A 400 `InvalidArgument` naming what is wrong.
 *
 * @param message what is wrong, naming the element or property
 * @returns the error
 */
export function invalidArgument(message: string): AliyunError {
  return new AliyunError(400, "InvalidArgument", message);
}

/**
 * A 400 with another code (`MalformedXML`, `InvalidContentType`, `InvalidQueryString`, …).
 *
 * @param code Alibaba Cloud error code
 * @param message what is wrong
 * @returns the error
 */
export function badRequest(code: string, message: string): AliyunError {
  return new AliyunError(400, code, message);
}

/**
 * Map anything thrown while publishing to an Aliyun error: first to the relay's HTTP error (the
 * mapping every relay route shares), then its status to the Aliyun code.
 *
 * @param error what `publish` (or the route) threw
 * @returns the error to answer with
 */
export function toAliyunError(error: unknown): AliyunError {
  if (error instanceof AliyunError) return error;
  const http: RelayHttpError = toRelayHttpError(error);
  const opts = { cause: error, retryAfterSec: http.retryAfterSec };
  switch (http.status) {
    case 400:
    case 415:
      return new AliyunError(400, "InvalidArgument", http.message, opts);
    case 401:
    case 403:
      return new AliyunError(403, "AccessDenied", http.message, opts);
    case 404:
      return new AliyunError(404, "TopicNotExist", http.message, opts);
    case 413:
      return new AliyunError(413, "EntityTooLarge", http.message, opts);
    case 429:
      return new AliyunError(429, "QpsLimitExceeded", http.message, opts);
    case 503:
      return new AliyunError(503, "ServiceUnavailable", http.message, opts);
    case 504:
      return new AliyunError(504, "RequestTimeout", http.message, opts);
    default:
      return new AliyunError(500, "InternalError", http.message, opts);
  }
}
