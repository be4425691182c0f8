/**
 * Bearer-token auth of the native API: a static list and/or a verify callback, a topic allow-list
 * per token, and an optional token-bucket rate limit per token (requests per second). Hono's
 * `bearerAuth` answers with its own bodies and knows neither grants nor topics, so this is ours.
 *
 * @module
 */

import { RelayHttpError } from "./errors.ts";
import type { RelayAuthOptions, TokenGrant } from "./options.ts";

/** A token's grant with the name logs use. */
export interface ResolvedGrant extends TokenGrant {
  /** Name for logs and idempotency scoping (never the token). */
  name: string;
}

interface Bucket {
  tokens: number;
  updatedAt: number;
}

/** Most rate-limit buckets kept for verify-callback tokens (oldest leave first). */
const MAX_BUCKETS = 10000;

/** Checks bearer tokens against the relay's auth options. */
export class RelayAuth {
  readonly #options: RelayAuthOptions;
  readonly #static = new Map<string, ResolvedGrant>();
  readonly #buckets = new Map<string, Bucket>();
  readonly #now: () => number;

  /**
   * Create the checker.
   *
   * @param options the auth options (`false`: every request passes)
   * @param now epoch-ms clock
   */
  constructor(options: RelayAuthOptions, now: () => number) {
    this.#options = options;
    this.#now = now;
    if (options !== false) {
      (options.tokens ?? []).forEach((t, i) => {
        const grant: ResolvedGrant = typeof t === "string"
          ? { name: `token#${i}` }
          : { ...t, name: t.name ?? `token#${i}` };
        if ("token" in grant) delete (grant as { token?: string }).token;
        this.#static.set(typeof t === "string" ? t : t.token, grant);
      });
    }
  }

  /** Whether auth is on. */
  get enabled(): boolean {
    return this.#options !== false;
  }

  /**
   * Authenticate a request for `topic`.
   *
   * @param authorization the `Authorization` header
   * @param topic the topic it publishes to
   * @returns the grant (undefined when auth is off)
   * @throws RelayHttpError 401 (no or bad token), 403 (topic not allowed), 429 (rate limit)
   */
  async check(
    authorization: string | undefined,
    topic: string,
  ): Promise<ResolvedGrant | undefined> {
    const o = this.#options;
    if (o === false) return undefined;
    const m = authorization === undefined ? null : /^Bearer\s+(\S+)\s*$/i.exec(authorization);
    if (m === null) {
      throw new RelayHttpError(401, "UNAUTHORIZED", "an Authorization: Bearer <token> is required");
    }
    const token = m[1];
    let grant = this.#static.get(token);
    if (grant === undefined && o.verify !== undefined) {
      let verified: TokenGrant | null;
      try {
        verified = await o.verify(token);
      } catch (e) {
        throw new RelayHttpError(503, "UNAVAILABLE", "token verification failed", {
          cause: e,
          retryAfterSec: 1,
        });
      }
      if (verified !== null && verified !== undefined) {
        grant = { ...verified, name: verified.name ?? "verified" };
      }
    }
    if (grant === undefined) throw new RelayHttpError(401, "UNAUTHORIZED", "unknown token");
    if (grant.topics !== undefined && !grant.topics.includes(topic)) {
      throw new RelayHttpError(403, "FORBIDDEN", `this token may not publish to topic ${topic}`);
    }
    if (grant.ratePerSecond !== undefined) this.#take(token, grant);
    return grant;
  }

  /** Token bucket: refill at `ratePerSecond`, hold at most `burst`, take one per request. */
  #take(token: string, grant: ResolvedGrant): void {
    const rate = grant.ratePerSecond!;
    const burst = grant.burst ?? Math.max(1, Math.ceil(rate));
    const now = this.#now();
    let b = this.#buckets.get(token);
    if (b === undefined) {
      b = { tokens: burst, updatedAt: now };
      this.#buckets.set(token, b);
      if (this.#buckets.size > MAX_BUCKETS) {
        this.#buckets.delete(this.#buckets.keys().next().value as string);
      }
    }
    b.tokens = Math.min(burst, b.tokens + ((now - b.updatedAt) / 1000) * rate);
    b.updatedAt = now;
    if (b.tokens < 1) {
      const waitSec = Math.max(1, Math.ceil((1 - b.tokens) / rate));
      throw new RelayHttpError(429, "RATE_LIMITED", `rate limit of ${rate}/s reached`, {
        retryAfterSec: waitSec,
      });
    }
    b.tokens -= 1;
  }
}
