/**
 * Java `HashMap<String, …>` iteration order, so the embedded cluster lists things (stored message
 * properties, brokers in a route) in the order a real 4.9.8 server would.
 *
 * @module
 */

/** `java.lang.String.hashCode()` over UTF-16 code units. */
export function javaStringHash(s: string): number {
  let h = 0;
  for (let i = 0; i < s.length; i++) h = (Math.imul(31, h) + s.charCodeAt(i)) | 0;
  return h;
}

/**
 * The iteration order of a `new HashMap<>()` into which `keys` were put in the given order
 * (duplicates ignored): bucket index at the final table size, then insertion order within a bucket.
 * Removals do not shrink the table, so pass `maxSize` when keys were removed after a larger size.
 *
 * @param keys keys in insertion order
 * @param maxSize the largest size the map reached (defaults to the number of keys)
 * @returns the keys in Java iteration order
 */
export function javaHashMapOrder(keys: readonly string[], maxSize = keys.length): string[] {
  let capacity = 16;
  while (maxSize > capacity * 0.75) capacity *= 2;
  const mask = capacity - 1;
  const indexed = keys.map((k, i) => {
    const h = javaStringHash(k);
    return { k, i, b: (h ^ (h >>> 16)) & mask };
  });
  indexed.sort((x, y) => x.b - y.b || x.i - y.i);
  return indexed.map((e) => e.k);
}
