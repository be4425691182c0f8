/**
 * Loads an npm package that only the tests, the build or the benches use (a "peer") from its own
 * folder: `tests/peers/` (the Aliyun SDK, miniflare, playwright-core) or `scripts/peers/`
 * (esbuild), each with a package.json and lockfile, installed by
 * `node scripts/install-peers.mjs tests/peers scripts/peers` (`scripts/test.sh` and
 * `scripts/build-npm.mjs` run it).
 *
 * Why not the root package.json or `npm:` specifiers: Deno (nodeModulesDir "auto") installs every
 * package of the root package.json, of deno.json's imports and of deno.lock on any first run, so
 * the demo would download ~200 MB of test tools. Loading through `require` from the peer folder
 * keeps them out of all three, and works the same under Deno, Bun and Node. The price: no
 * published types; each user declares the part of the API it calls (as `bench/_ali_ons.ts` does).
 *
 * @module
 */

import { createRequire } from "node:module";

/** The peer folders, relative to the repository root. */
export type PeerFolder = "tests/peers" | "scripts/peers";

/**
 * `require(name)` resolved from `folder`'s node_modules.
 *
 * @param folder the peer folder that lists `name` in its package.json
 * @param name the npm package
 * @returns the package's exports, typed by the caller
 * @throws Error naming the install command when the package is not installed
 */
export function requirePeer<T>(folder: PeerFolder, name: string): T {
  const require = createRequire(new URL(`../${folder}/package.json`, import.meta.url));
  try {
    return require(name) as T;
  } catch (e) {
    if ((e as { code?: string }).code !== "MODULE_NOT_FOUND") throw e;
    throw new Error(
      `${name} is not installed: run \`node scripts/install-peers.mjs ${folder}\` ` +
        "(scripts/test.sh does)",
      { cause: e },
    );
  }
}
