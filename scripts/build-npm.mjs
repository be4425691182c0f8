#!/usr/bin/env node
/**
 * `npm run build`: compile the package for npm into `dist/` (ESM JavaScript + `.d.ts`, one output
 * file per source file) with the TypeScript compiler, pinned and fetched through npx so that
 * neither the library's users nor `deno task demo` (Deno installs devDependencies) download it.
 *
 * The entry points are the values of deno.json's `exports` (the JSR package) plus package.json's
 * `bin`; adding an entry point is one line in deno.json's `exports`, after which this script says
 * which line package.json's `exports` needs (or writes it: `node scripts/build-npm.mjs --sync`).
 * Each package.json export gives every runtime the compiled files and their types (see
 * {@link exportEntry} for why not the source).
 *
 * Plain JavaScript on purpose: it runs under Node 20, which cannot run TypeScript.
 *
 * @module
 */

import { execFileSync } from "node:child_process";
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { fileURLToPath } from "node:url";
import { installPeers } from "./install-peers.mjs";

/** The TypeScript compiler the build uses (7.x: the native compiler, ~1 s for the package). */
export const TYPESCRIPT = "typescript@7.0.2";

const root = fileURLToPath(new URL("../", import.meta.url));

/**
 * The package.json `exports` entry of one source entry point: the compiled file and its types,
 * for every runtime. Deno refuses TypeScript under node_modules
 * (ERR_UNSUPPORTED_NODE_MODULES_TYPE_STRIPPING; its users get the source from JSR instead), and
 * Bun imports the compiled files as fast as the source, so shipping the source too would double
 * the tarball for nothing.
 *
 * @param {string} source path of the `.ts` entry, relative to the root, starting with `./`
 * @returns {Record<string, string>} the conditions, most specific first
 */
export function exportEntry(source) {
  const compiled = `./dist/${source.slice(2).replace(/\.ts$/, "")}`;
  return { types: `${compiled}.d.ts`, default: `${compiled}.js` };
}

/**
 * package.json's `exports` as derived from deno.json's.
 *
 * @param {Record<string, string>} denoExports deno.json `exports` (subpath → `.ts` source)
 * @returns {Record<string, Record<string, string>>} the expected package.json `exports`
 */
export function npmExports(denoExports) {
  /** @type {Record<string, Record<string, string>>} */
  const out = {};
  for (const [subpath, source] of Object.entries(denoExports)) out[subpath] = exportEntry(source);
  return out;
}

/** @param {string} file @returns {any} */
function readJson(file) {
  return JSON.parse(readFileSync(join(root, file), "utf8"));
}

function main() {
  const deno = readJson("deno.json");
  const pkg = readJson("package.json");
  const expected = npmExports(deno.exports);
  if (JSON.stringify(pkg.exports) !== JSON.stringify(expected)) {
    if (process.argv.includes("--sync")) {
      pkg.exports = expected;
      writeFileSync(join(root, "package.json"), JSON.stringify(pkg, null, 2) + "\n");
      console.log("package.json exports updated from deno.json");
    } else {
      console.error(
        "package.json exports do not match deno.json exports; expected:\n" +
          JSON.stringify(expected, null, 2) +
          "\n(run `node scripts/build-npm.mjs --sync` to write them)",
      );
      process.exit(1);
    }
  }
  const cliVersion = /VERSION = "([^"]+)"/.exec(
    readFileSync(join(root, "src/cli/_version.ts"), "utf8"),
  )?.[1];
  if (pkg.version !== deno.version || pkg.version !== cliVersion) {
    console.error(
      `versions differ: package.json ${pkg.version}, deno.json ${deno.version}, ` +
        `src/cli/_version.ts ${cliVersion}`,
    );
    process.exit(1);
  }
  const bins = Object.values(pkg.bin ?? {});
  const entries = [...Object.values(deno.exports)];
  for (const bin of bins) {
    const match = /^\.\/dist\/(.+)\.js$/.exec(bin);
    if (!match) throw new Error(`bin ${bin} is not a compiled file under ./dist/`);
    entries.push(`./${match[1]}.ts`);
  }

  rmSync(join(root, "dist"), { recursive: true, force: true });
  const tmp = mkdtempSync(join(tmpdir(), "rocketmq-edge-build-"));
  try {
    const config = join(tmp, "tsconfig.json");
    writeFileSync(
      config,
      JSON.stringify({
        extends: join(root, "tsconfig.build.json"),
        files: entries.map((e) => join(root, e)),
      }),
    );
    execFileSync("npx", ["-y", "-p", TYPESCRIPT, "tsc", "-p", config], {
      cwd: root,
      stdio: "inherit",
    });
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
  // The relay as one self-contained Worker module (dist/cloudflare/relay.js, for Miniflare and
  // `wrangler deploy --no-bundle`). The bundle script is TypeScript and uses esbuild, installed in
  // scripts/peers (not a devDependency: Deno would install it with the demo; see install-peers.mjs):
  // Node 22 runs it, fetched through npx when this build runs on Node 20.
  installPeers("scripts/peers");
  const [major, minor] = process.versions.node.split(".").map(Number);
  const node22 = major > 22 || (major === 22 && minor >= 18); // strips types by default
  execFileSync(
    node22 ? process.execPath : "npx",
    [...(node22 ? [] : ["-y", "node@22"]), "scripts/build-worker-bundle.ts"],
    { cwd: root, stdio: ["ignore", "ignore", "inherit"] },
  );
  for (const bin of bins) {
    const file = join(root, bin);
    if (!readFileSync(file, "utf8").startsWith("#!/usr/bin/env node\n")) {
      throw new Error(`${bin} must start with #!/usr/bin/env node`);
    }
    chmodSync(file, 0o755);
  }
  // stderr: `npm pack --json` prints its JSON on stdout after this (prepack) script.
  console.error(`built dist/ from ${entries.join(", ")}`);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) main();
