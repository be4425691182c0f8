/**
 * Name-server access: the address list, the chosen address with failover, and the HTTP address
 * server (Java `NettyRemotingClient.getAndCreateNameserverChannel` + `TopAddressing`).
 *
 * Like the Java client we start at a random index and stick to one name server until a request to
 * it fails at the transport level; then we rotate to the next one and retry there at once, so one
 * dead name server costs one failed connect rather than a failed send.
 *
 * @module
 */

import { ConnectionError, RocketMQError, TimeoutError } from "../errors.ts";
import type { RemotingCommand } from "../remoting/command.ts";
import type { RemotingLike } from "./types.ts";

/** Transport-level failures that make us try the next name server. */
export function isTransportError(e: unknown): boolean {
  return e instanceof ConnectionError || e instanceof TimeoutError;
}

/** The name-server address list of one client instance. */
export class NameServerList {
  #addresses: string[] = [];
  #index: number;
  #chosen: string | undefined;
  /** Epoch ms of each address's last answer (any response code): readiness and status pages. */
  readonly #lastOkAt = new Map<string, number>();
  readonly #remoting: RemotingLike;
  readonly #onFailover: (from: string, to: string | undefined, error: unknown) => void;

  /**
   * Create the list.
   *
   * @param remoting where requests go
   * @param addresses initial addresses (may be empty when an address server is used)
   * @param onFailover called when a request failed on one address and the next is tried
   * @param startIndex first address index (default random, as Java)
   */
  constructor(
    remoting: RemotingLike,
    addresses: readonly string[],
    onFailover: (from: string, to: string | undefined, error: unknown) => void,
    startIndex: number = Math.floor(Math.random() * 1024),
  ) {
    this.#remoting = remoting;
    this.#onFailover = onFailover;
    this.#index = startIndex;
    this.update(addresses);
  }

  /** Current addresses. */
  get addresses(): readonly string[] {
    return this.#addresses;
  }

  /** The address requests currently go to, if one was chosen. */
  get chosen(): string | undefined {
    return this.#chosen;
  }

  /**
   * When `address` last answered a request (any response code counts: it is alive).
   *
   * @param address a name-server address
   * @returns epoch ms, or undefined when it never answered
   */
  lastOkAt(address: string): number | undefined {
    return this.#lastOkAt.get(address);
  }

  /**
   * Replace the address list (address-server poll). Keeps the chosen address if still listed.
   *
   * @param addresses new list
   * @returns true when the list changed
   */
  update(addresses: readonly string[]): boolean {
    const same = addresses.length === this.#addresses.length &&
      addresses.every((a, i) => a === this.#addresses[i]);
    if (same) return false;
    this.#addresses = [...addresses];
    if (this.#chosen !== undefined && !this.#addresses.includes(this.#chosen)) {
      this.#chosen = undefined;
    }
    return true;
  }

  #pick(): string | undefined {
    if (this.#chosen !== undefined) return this.#chosen;
    const n = this.#addresses.length;
    if (n === 0) return undefined;
    this.#chosen = this.#addresses[this.#index % n];
    return this.#chosen;
  }

  /**
   * Send a request to the chosen name server, failing over through every address on transport
   * errors. Each address gets `timeoutMs`.
   *
   * @param request the request (its opaque is reassigned per attempt)
   * @param timeoutMs per-address timeout
   * @returns the response
   * @throws ConnectionError when no address is known, or the last transport error
   */
  async invoke(request: RemotingCommand, timeoutMs: number): Promise<RemotingCommand> {
    const n = this.#addresses.length;
    if (n === 0) throw new ConnectionError("", "no name-server address is known");
    let last: unknown;
    for (let i = 0; i < n; i++) {
      const address = this.#pick()!;
      try {
        const response = await this.#remoting.invoke(address, request, timeoutMs);
        this.#lastOkAt.set(address, Date.now());
        return response;
      } catch (e) {
        if (!isTransportError(e)) throw e;
        last = e;
        if (this.#chosen === address) {
          this.#chosen = undefined;
          this.#index++;
          this.#remoting.closeConnection(address);
        }
        this.#onFailover(address, n > 1 ? this.#pick() : undefined, e);
      }
    }
    throw last;
  }
}

/**
 * Fetch name-server addresses from an HTTP address server (Java `TopAddressing.fetchNSAddr`):
 * GET the URL, the body is "h:p;h:p". Always consumes the body and clears its timer.
 *
 * @param url address-server URL
 * @param timeoutMs request timeout
 * @returns the addresses (empty when the body was blank)
 * @throws ConnectionError when the server is unreachable or answers non-2xx
 */
export async function fetchNameServerAddresses(url: string, timeoutMs: number): Promise<string[]> {
  const ac = new AbortController();
  const timer = setTimeout(() => ac.abort(), timeoutMs);
  try {
    const res = await fetch(url, { signal: ac.signal });
    const text = await res.text();
    if (!res.ok) throw new ConnectionError(url, `address server answered HTTP ${res.status}`);
    return text.trim().split(";").map((s) => s.trim()).filter((s) => s.length > 0);
  } catch (e) {
    if (e instanceof RocketMQError) throw e;
    throw new ConnectionError(url, "address server unreachable", { cause: e });
  } finally {
    clearTimeout(timer);
  }
}
