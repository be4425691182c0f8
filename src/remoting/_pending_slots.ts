/**
 * The pending-request table of one connection, keyed by opaque. Private to the remoting client.
 *
 * Why not a `Map`: a V8 `Map` that sees one insert and one delete per request rehashes into a
 * new backing table every few dozen requests, and the obsolete table keeps a link to its
 * successor and its old entries. Once one table is promoted to the old generation, the chain of
 * successors (and every request, response and result reachable from their entries) survives
 * each scavenge and is promoted too, only to die there: measured at about 1 KiB per send
 * promoted, scavenges of 3 ms every 30 ms, and a major GC every few hundred ms under load.
 *
 * Opaques come from a sequential counter, so the requests in flight on a connection occupy
 * distinct slots of a power-of-two array indexed by `opaque & mask`; a slot is cleared the moment
 * its request settles. A collision (a request outliving `capacity` newer ones) grows the array,
 * or goes to a small overflow `Map` once the array is at its largest; the array goes back to its
 * initial size whenever the table empties.
 *
 * @module
 */

/** What the table stores: anything with its opaque and an insertion sequence it may write. */
export interface SlotEntry {
  readonly opaque: number;
  /** Set by {@link PendingSlots.set}: insertion order, for {@link PendingSlots.values}. */
  slotSeq: number;
}

const INITIAL_CAPACITY = 256;
const MAX_CAPACITY = 1 << 16;

/** Opaque → entry, with `Map`'s operations the client uses and none of its rehash chains. */
export class PendingSlots<E extends SlotEntry> {
  #slots: (E | undefined)[] = new Array(INITIAL_CAPACITY).fill(undefined);
  #mask = INITIAL_CAPACITY - 1;
  #overflow: Map<number, E> | undefined;
  #size = 0;
  #seq = 0;

  /** Entries in the table. */
  get size(): number {
    return this.#size;
  }

  /** The entry of `opaque`, if any. */
  get(opaque: number): E | undefined {
    const entry = this.#slots[opaque & this.#mask];
    if (entry !== undefined && entry.opaque === opaque) return entry;
    return this.#overflow === undefined ? undefined : this.#overflow.get(opaque);
  }

  /** True when `opaque` has an entry. */
  has(opaque: number): boolean {
    return this.get(opaque) !== undefined;
  }

  /** Add `entry` under its opaque, which must not be in the table already. */
  set(entry: E): void {
    entry.slotSeq = this.#seq++;
    this.#size++;
    this.#place(entry);
  }

  /** Remove the entry of `opaque`; true when there was one. */
  delete(opaque: number): boolean {
    const i = opaque & this.#mask;
    const entry = this.#slots[i];
    if (entry !== undefined && entry.opaque === opaque) {
      this.#slots[i] = undefined;
      if (--this.#size === 0 && this.#slots.length > INITIAL_CAPACITY) this.#reset();
      return true;
    }
    if (this.#overflow !== undefined && this.#overflow.delete(opaque)) {
      if (this.#overflow.size === 0) this.#overflow = undefined;
      if (--this.#size === 0 && this.#slots.length > INITIAL_CAPACITY) this.#reset();
      return true;
    }
    return false;
  }

  /** A snapshot of the entries, oldest first (safe to settle entries while walking it). */
  values(): E[] {
    const out: E[] = [];
    if (this.#size === 0) return out;
    for (const entry of this.#slots) if (entry !== undefined) out.push(entry);
    if (this.#overflow !== undefined) {
      for (const entry of this.#overflow.values()) {
        out.push(entry);
      }
    }
    return out.sort((a, b) => a.slotSeq - b.slotSeq);
  }

  #place(entry: E): void {
    for (;;) {
      const i = entry.opaque & this.#mask;
      if (this.#slots[i] === undefined) {
        this.#slots[i] = entry;
        return;
      }
      if (this.#slots.length >= MAX_CAPACITY) {
        (this.#overflow ??= new Map()).set(entry.opaque, entry);
        return;
      }
      this.#grow();
    }
  }

  /** Empty again after a burst that grew the array: back to the initial size (it is all holes). */
  #reset(): void {
    this.#slots = new Array(INITIAL_CAPACITY).fill(undefined);
    this.#mask = INITIAL_CAPACITY - 1;
  }

  /** Double the array and re-place every entry; the old array is emptied, not just dropped. */
  #grow(): void {
    const old = this.#slots;
    const overflow = this.#overflow;
    this.#slots = new Array(old.length * 2).fill(undefined);
    this.#mask = this.#slots.length - 1;
    this.#overflow = undefined;
    for (const entry of old) if (entry !== undefined) this.#place(entry);
    if (overflow !== undefined) { for (const entry of overflow.values()) this.#place(entry); }
    // The old array may already sit in the old generation; emptied, it keeps nothing alive.
    old.fill(undefined);
  }
}
