/**
 * The `Idempotency-Key` store: the first answer to a key is kept for a while and replayed to any
 * repeat, without sending again; a repeat that arrives while the first request is still being
 * sent waits for its answer. Bounded in memory: least recently used keys leave first, and entries
 * expire after a TTL. A `Map` kept in use order is the whole LRU here (no dependency needed);
 * expiry is checked on read, so no timer keeps a process alive.
 *
 * Only answers worth replaying are kept: successes and client errors (4xx except 429). A 429 or a
 * 5xx is forgotten so that a retry with the same key really tries again.
 *
 * @module
 */

/** A stored answer. */
export interface StoredAnswer {
  /** HTTP status. */
  status: number;
  /** JSON body. */
  body: unknown;
  /** Extra response headers (`Retry-After`). */
  headers?: Record<string, string>;
}

interface Slot {
  expiresAt: number;
  answer: Promise<StoredAnswer>;
}

/** Bounded LRU + TTL map of idempotency keys to answers. */
export class IdempotencyStore {
  readonly #ttlMs: number;
  readonly #maxKeys: number;
  readonly #now: () => number;
  readonly #slots = new Map<string, Slot>();

  /**
   * Create an empty store.
   *
   * @param ttlMs how long an answer is replayed
   * @param maxKeys most keys kept
   * @param now epoch-ms clock
   */
  constructor(ttlMs: number, maxKeys: number, now: () => number) {
    this.#ttlMs = ttlMs;
    this.#maxKeys = maxKeys;
    this.#now = now;
  }

  /** Keys held now (expired ones included until read or evicted). */
  get size(): number {
    return this.#slots.size;
  }

  /**
   * The answer for `key`: replayed when known (`replayed: true`), else computed by `run` once.
   *
   * @param key the scoped key (token, topic and header value)
   * @param run computes the first answer
   * @returns the answer and whether it is a replay
   */
  async answer(
    key: string,
    run: () => Promise<StoredAnswer>,
  ): Promise<{ answer: StoredAnswer; replayed: boolean }> {
    const now = this.#now();
    const slot = this.#slots.get(key);
    if (slot !== undefined) {
      this.#slots.delete(key);
      if (slot.expiresAt > now) {
        this.#slots.set(key, slot); // most recently used now
        return { answer: await slot.answer, replayed: true };
      }
    }
    const answer = run();
    const fresh: Slot = { expiresAt: now + this.#ttlMs, answer };
    this.#slots.set(key, fresh);
    while (this.#slots.size > this.#maxKeys) {
      const oldest = this.#slots.keys().next().value as string;
      this.#slots.delete(oldest);
    }
    try {
      const a = await answer;
      if (a.status === 429 || a.status >= 500) this.#forget(key, fresh);
      return { answer: a, replayed: false };
    } catch (e) {
      this.#forget(key, fresh);
      throw e;
    }
  }

  #forget(key: string, slot: Slot): void {
    if (this.#slots.get(key) === slot) this.#slots.delete(key);
  }
}
