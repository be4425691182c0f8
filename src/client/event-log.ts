/**
 * What the client instance logs of its events ("client.*"), at which level and in which words:
 * name-server failover and fetch failures at warn, failed heartbeats at warn, route and
 * name-server list changes at info. Logged once per instance, however many producers share it.
 *
 * @module
 */

import type { Logger } from "../log/logger.ts";
import type { ClientEventMap } from "./events.ts";

function brokerNames(route: { brokerDatas: { brokerName: string }[] } | undefined): string[] {
  return route === undefined ? [] : route.brokerDatas.map((b) => b.brokerName);
}

/**
 * Log one client event.
 *
 * @param logger the instance's logger
 * @param type event name
 * @param detail event detail
 */
export function logClientEvent<K extends keyof ClientEventMap>(
  logger: Logger,
  type: K,
  detail: ClientEventMap[K],
): void {
  switch (type) {
    case "client.route.changed": {
      if (!logger.enabled("info")) return;
      const { topic, route, previous } = detail as ClientEventMap["client.route.changed"];
      logger.info(previous === undefined ? "route found" : "route changed", {
        topic,
        brokers: brokerNames(route),
        writeQueues: route.queueDatas.reduce((n, q) => n + q.writeQueueNums, 0),
        previousBrokers: previous === undefined ? undefined : brokerNames(previous),
      });
      return;
    }
    case "client.heartbeat": {
      const d = detail as ClientEventMap["client.heartbeat"];
      if (d.ok) logger.debug("heartbeat", { broker: d.brokerName, address: d.brokerAddr });
      else {
        logger.warn("heartbeat to a broker failed", {
          broker: d.brokerName,
          address: d.brokerAddr,
          code: d.code,
          error: d.error,
        });
      }
      return;
    }
    case "client.namesrv.failover": {
      const { from, to, error } = detail as ClientEventMap["client.namesrv.failover"];
      logger.warn(
        to === undefined
          ? "name-server request failed; no other name server to fail over to"
          : "name-server request failed; failing over to the next name server",
        { from, to, error },
      );
      return;
    }
    case "client.namesrv.changed":
      logger.info("name-server list changed (address server)", {
        addresses: (detail as ClientEventMap["client.namesrv.changed"]).addresses,
      });
      return;
    case "client.namesrv.fetch.failed": {
      const { url, error } = detail as ClientEventMap["client.namesrv.fetch.failed"];
      logger.warn("address-server poll failed; keeping the name-server list", { url, error });
      return;
    }
  }
}
