/**
 * Request dispatch of the embedded broker: routes each request code to its handler, and answers
 * UPDATE_AND_CREATE_TOPIC.
 *
 * @module
 */

import type { RemotingCommand } from "../remoting/command.ts";
import { RequestCode, ResponseCode } from "../remoting/codes.ts";
import type { ServerConnection } from "./server.ts";
import { handleReply } from "./broker-push.ts";
import { handleSend, handleViewMessage } from "./broker-send.ts";
import { handleEndTransaction } from "./broker-clients.ts";
import type { Broker } from "./broker.ts";

/**
 * Answer one request to broker `b` (undefined: no response, e.g. one-way).
 *
 * @param b the broker
 * @param cmd the request
 * @param conn the connection it came on
 * @returns the response, if any
 */
export function dispatchRequest(
  b: Broker,
  cmd: RemotingCommand,
  conn: ServerConnection,
): RemotingCommand | undefined | Promise<RemotingCommand | undefined> {
  switch (cmd.code) {
    case RequestCode.SEND_MESSAGE:
    case RequestCode.SEND_MESSAGE_V2:
    case RequestCode.SEND_BATCH_MESSAGE:
      return handleSend(b, cmd, conn);
    case RequestCode.HEART_BEAT:
      return b.clientRegistry.heartbeat(b, cmd, conn);
    case RequestCode.UNREGISTER_CLIENT:
      return b.clientRegistry.unregister(b, cmd, conn);
    case RequestCode.END_TRANSACTION:
      return handleEndTransaction(b, cmd, conn);
    case RequestCode.SEND_REPLY_MESSAGE:
    case RequestCode.SEND_REPLY_MESSAGE_V2:
      return handleReply(b, cmd, conn);
    case RequestCode.VIEW_MESSAGE_BY_ID:
      return handleViewMessage(b, cmd);
    case RequestCode.UPDATE_AND_CREATE_TOPIC:
      return handleUpdateTopic(b, cmd);
    default:
      return b.response(
        ResponseCode.REQUEST_CODE_NOT_SUPPORTED,
        ` request type ${cmd.code} not supported`,
      );
  }
}

/** UPDATE_AND_CREATE_TOPIC: create or update the topic in `extFields`. */
function handleUpdateTopic(b: Broker, cmd: RemotingCommand): RemotingCommand {
  const e = cmd.extFields ?? {};
  if (!e.topic) {
    return b.response(ResponseCode.SYSTEM_ERROR, "the custom field <topic> is null");
  }
  b.createTopic(e.topic, {
    readQueues: Number(e.readQueueNums ?? 4),
    writeQueues: Number(e.writeQueueNums ?? 4),
    perm: Number(e.perm ?? 6),
  });
  return b.response(ResponseCode.SUCCESS);
}
