/**
 * Bundle a Cloudflare Worker entry point into one self-contained ES module for workerd: every
 * import is inlined except `cloudflare:*` and `node:*` built-ins, and the Deno, Bun and `node:net`
 * socket adapters are left out (inside workerd, `detectTransport()` only ever loads
 * `src/transport/cloudflare.ts`). The result loads as is in Miniflare and with
 * `wrangler deploy --no-bundle`.
 *
 * Runs under Node 22 and Deno; uses esbuild from npm, installed in scripts/peers (not a dependency
 * of the package: `node scripts/install-peers.mjs scripts/peers`; `scripts/_peers.ts` says why).
 *
 * @example Build the relay Worker
 * ```sh
 * node scripts/install-peers.mjs scripts/peers
 * npx -y node@22 scripts/build-worker-bundle.ts
 * ```
 *
 * @module
 */

import { requirePeer } from "./_peers.ts";

/** A module esbuild is about to load (the part of `esbuild.OnLoadArgs` used here). */
interface OnLoadArgs {
  path: string;
}

/** The part of `esbuild.Plugin` used here. */
interface EsbuildPlugin {
  name: string;
  setup(build: {
    onLoad(
      options: { filter: RegExp },
      callback: (args: OnLoadArgs) => { contents: string; loader: "js" },
    ): void;
  }): void;
}

/** The part of the esbuild module used here (its `build` with a metafile). */
interface Esbuild {
  build(options: {
    absWorkingDir: string;
    entryPoints: string[];
    outfile: string;
    bundle: true;
    format: "esm";
    platform: "browser";
    conditions: string[];
    target: string;
    external: string[];
    plugins: EsbuildPlugin[];
    metafile: true;
    logLevel: "error";
    legalComments: "none";
  }): Promise<{ metafile: { outputs: Record<string, { imports: { path: string }[] }> } }>;
}

/** Entry points the package build writes, relative to the repository root. */
export const WORKER_BUNDLES: readonly { entry: string; outfile: string }[] = [
  { entry: "src/relay/cloudflare.ts", outfile: "dist/cloudflare/relay.js" },
];

const ROOT = new URL("../", import.meta.url);

/** Adapters that never run inside workerd; their modules are replaced by one that throws. */
const OTHER_ADAPTERS = /[\\/]src[\\/]transport[\\/](deno|bun|node)\.ts$/;

/** Keeps the other runtimes' adapters out of the bundle. */
const workerdOnly: EsbuildPlugin = {
  name: "workerd-only-adapters",
  setup(build) {
    build.onLoad({ filter: OTHER_ADAPTERS }, (args) => ({
      contents: `throw new Error(${
        JSON.stringify(`${args.path.split(/[\\/]/).pop()} is not part of the workerd bundle`)
      });`,
      loader: "js",
    }));
  },
};

/**
 * Bundle `entry` into `outfile` (paths relative to the repository root, or absolute).
 *
 * @param entry the Worker module (exports `default { fetch }`, maybe Durable Object classes)
 * @param outfile where the ES module goes (directories are created)
 * @returns the absolute path of the written file
 * @throws Error when esbuild fails or the bundle imports anything but `cloudflare:*`/`node:*`
 */
export async function buildWorkerBundle(entry: string, outfile: string): Promise<string> {
  const out = new URL(outfile, ROOT).pathname;
  const esbuild = requirePeer<Esbuild>("scripts/peers", "esbuild");
  const result = await esbuild.build({
    absWorkingDir: new URL(".", ROOT).pathname,
    entryPoints: [new URL(entry, ROOT).pathname],
    outfile: out,
    bundle: true,
    format: "esm",
    // Package conditions wrangler uses for Workers.
    platform: "browser",
    conditions: ["workerd", "worker", "browser"],
    target: "es2022",
    external: ["cloudflare:*", "node:*"],
    plugins: [workerdOnly],
    metafile: true,
    logLevel: "error",
    legalComments: "none",
  });
  const output = Object.values(result.metafile.outputs)[0];
  const foreign = output.imports.filter((i) => !/^(cloudflare|node):/.test(i.path));
  if (foreign.length > 0) {
    throw new Error(`${outfile} imports ${foreign.map((i) => i.path).join(", ")}`);
  }
  return out;
}

const isMain = (import.meta as { main?: boolean }).main ??
  import.meta.url === `file://${(globalThis as { process?: { argv: string[] } }).process?.argv[1]}`;
if (isMain) {
  for (const { entry, outfile } of WORKER_BUNDLES) {
    console.log(`wrote ${await buildWorkerBundle(entry, outfile)}`);
  }
}
