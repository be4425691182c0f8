/**
 * Host facts the client needs: this process's id, a local IPv4 address, and a way to keep a timer
 * from holding the process open.
 *
 * The only runtime-touching code of `src/client`: it reads `process.pid` / `Deno.pid` /
 * `Deno.unrefTimer` through `globalThis` casts and, for the address, tries a guarded dynamic
 * `import("node:os")` (available in Deno, Bun and Node; absent on edge runtimes, where we fall
 * back to loopback).
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

function isPrivateIPv4(a: string): boolean {
  const [x, y] = a.split(".").map(Number);
  return x === 10 || (x === 172 && y >= 16 && y <= 31) || (x === 192 && y === 168);
}

/**
 * This host's IPv4 address as Java `RemotingUtil.getLocalAddress` picks it: the first public
 * (non-private, non-loopback) one, else the first private one, else "127.0.0.1" (also when the
 * runtime has no `node:os`).
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
      let privateIp: string | undefined;
      for (const list of Object.values(nets)) {
        for (const n of list ?? []) {
          const v4 = n.family === "IPv4" || n.family === 4;
          if (!v4 || n.internal || n.address.startsWith("127.")) continue;
          if (!isPrivateIPv4(n.address)) return n.address;
          privateIp ??= n.address;
        }
      }
      if (privateIp !== undefined) return privateIp;
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

/**
 * Keep a timer from holding the process open: Node/Bun timers have `unref()`, Deno's are numbers
 * unref'd through `Deno.unrefTimer`; elsewhere (edge runtimes) nothing to do.
 *
 * @param timer what `setTimeout` / `setInterval` returned
 */
export function unrefTimer(timer: unknown): void {
  const maybe = timer as { unref?: () => void } | null | undefined;
  if (typeof maybe?.unref === "function") {
    maybe.unref();
    return;
  }
  const deno = (globalThis as { Deno?: { unrefTimer?: (id: number) => void } }).Deno;
  if (typeof timer === "number") deno?.unrefTimer?.(timer);
}
