/**
 * Host facts the client id and message ids need: this process's id and a local IPv4 address.
 *
 * The only runtime-touching code of `src/client`: it reads `process.pid` / `Deno.pid` through
 * `globalThis` casts and, for the address, tries a guarded dynamic `import("node:os")` (available in
 * Deno, Bun and Node; absent on edge runtimes, where we fall back to loopback).
 *
 * @module
 */

let cachedPid: number | undefined;

/**
 * This process's id, or a random 16-bit number when the runtime exposes none (edge runtimes).
 *
 * @returns the pid
 */
export function processId(): number {
  if (cachedPid !== undefined) return cachedPid;
  const g = globalThis as {
    process?: { pid?: unknown };
    Deno?: { pid?: unknown };
  };
  const pid = g.process?.pid ?? g.Deno?.pid;
  cachedPid = typeof pid === "number" && Number.isInteger(pid) && pid > 0
    ? pid
    : 1 + Math.floor(Math.random() * 65534);
  return cachedPid;
}

let cachedIp: Promise<string> | undefined;

/**
 * The first non-loopback, non-internal IPv4 address of this host (Java `RemotingUtil.getLocalAddress`
 * prefers such an address), or "127.0.0.1" when none is found or the runtime has no `node:os`.
 *
 * @returns the address, cached for the process
 */
export function localIPv4(): Promise<string> {
  cachedIp ??= (async () => {
    try {
      const spec = "node:os";
      const os = (await import(spec)) as {
        networkInterfaces?: () => Record<
          string,
          { family: string | number; address: string; internal: boolean }[] | undefined
        >;
      };
      const nets = os.networkInterfaces?.() ?? {};
      for (const list of Object.values(nets)) {
        for (const n of list ?? []) {
          if (
            (n.family === "IPv4" || n.family === 4) && !n.internal && !n.address.startsWith("127.")
          ) {
            return n.address;
          }
        }
      }
    } catch {
      // No node:os here (edge runtime) or no permission: fall back below.
    }
    return "127.0.0.1";
  })();
  return cachedIp;
}

let lastTick = 0;

/**
 * A strictly increasing microsecond tick for instance names (Java uses `System.nanoTime()`).
 *
 * @returns an integer that differs between calls in one process
 */
export function uniqueTick(): number {
  const p = globalThis.performance;
  const now = p === undefined ? Date.now() * 1000 : Math.floor((p.timeOrigin + p.now()) * 1000);
  lastTick = now > lastTick ? now : lastTick + 1;
  return lastTick;
}
