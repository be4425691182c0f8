/**
 * Small helpers shared by the socket adapters.
 *
 * @module
 */

import { ConnectionError } from "../errors.ts";
import type { ConnectOptions } from "./types.ts";

/** `host:port`, with IPv6 literals in brackets, as used in error messages. */
export function formatAddress(hostname: string, port: number): string {
  return hostname.includes(":") && !hostname.startsWith("[")
    ? `[${hostname}]:${port}`
    : `${hostname}:${port}`;
}

/** The rejection every adapter uses while TLS is not implemented (reserved for a later issue). */
export function tlsUnsupported(options: ConnectOptions): ConnectionError | undefined {
  if (options.tls === undefined || options.tls === false) return undefined;
  return new ConnectionError(
    formatAddress(options.hostname, options.port),
    "TLS is not supported yet (planned in a later issue)",
  );
}

/** Brackets stripped from an IPv6 literal, for socket APIs that want the bare address. */
export function bareHostname(hostname: string): string {
  return hostname.startsWith("[") && hostname.endsWith("]") ? hostname.slice(1, -1) : hostname;
}
