/**
 * Picks the socket adapter of the running runtime.
 *
 * @module
 */

import type { Transport } from "./types.ts";

/**
 * The {@link Transport} of the running runtime: `cloudflare.ts` inside workerd (its
 * `navigator.userAgent` is `"Cloudflare-Workers"`), `deno.ts` under Deno, `bun.ts` under Bun,
 * `node.ts` otherwise. Adapters are imported dynamically so a runtime never loads another's code.
 */
export async function detectTransport(): Promise<Transport> {
  const g = globalThis as { Deno?: unknown; Bun?: unknown; navigator?: { userAgent?: unknown } };
  if (g.navigator?.userAgent === "Cloudflare-Workers") {
    return (await import("./cloudflare.ts")).cloudflareTransport;
  }
  if (g.Deno !== undefined) return (await import("./deno.ts")).denoTransport;
  if (g.Bun !== undefined) return (await import("./bun.ts")).bunTransport;
  return (await import("./node.ts")).nodeTransport;
}
