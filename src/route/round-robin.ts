/**
 * The round-robin counter behind queue selection (Java `ThreadLocalIndex`, 4.9).
 *
 * Java keeps one counter per thread, starting at a random int. JavaScript has one thread per
 * isolate, so one counter per owner is the equivalent. The arithmetic is 32-bit like Java's: the
 * counter wraps at 2^31 and {@link RoundRobinIndex.incrementAndGet} masks off the sign bit.
 *
 * @module
 */

/** A source of uniform numbers in [0, 1), like `Math.random`. Injectable for deterministic tests. */
export type RandomSource = () => number;

/** Java's `int` overflow: wrap a number to a signed 32-bit integer. */
function toInt32(n: number): number {
  return n | 0;
}

/** A wrapping counter that starts at a random 32-bit value (Java `ThreadLocalIndex`). */
export class RoundRobinIndex {
  #value: number;
  readonly #random: RandomSource;

  /**
   * Create the counter.
   *
   * @param random random source for the start value (default `Math.random`)
   */
  constructor(random: RandomSource = Math.random) {
    this.#random = random;
    // Java 4.9: Math.abs(random.nextInt()), where Math.abs(MIN_VALUE) stays MIN_VALUE.
    const r = toInt32(Math.floor(random() * 0x1_0000_0000));
    this.#value = r === -0x80000000 ? r : Math.abs(r);
  }

  /** The raw signed 32-bit counter value (for tests and diagnostics). */
  get value(): number {
    return this.#value;
  }

  /**
   * Increment and return the new value with the sign bit cleared (`++index & 0x7FFFFFFF`).
   *
   * @returns a value in [0, 2^31)
   */
  incrementAndGet(): number {
    this.#value = toInt32(this.#value + 1);
    return this.#value & 0x7fffffff;
  }

  /** Restart at a random non-negative value (Java `reset`). */
  reset(): void {
    this.#value = Math.floor(this.#random() * 0x7fffffff);
  }
}

/**
 * Java's `Math.abs(i) % n` followed by `if (pos < 0) pos = 0`, including the quirk that
 * `Math.abs(Integer.MIN_VALUE)` stays negative.
 *
 * @param i a signed 32-bit integer
 * @param n the modulus (> 0)
 * @returns a position in [0, n)
 */
export function javaAbsMod(i: number, n: number): number {
  const a = i === -0x80000000 ? i : Math.abs(i);
  const pos = a % n;
  return pos > 0 ? pos : 0;
}
