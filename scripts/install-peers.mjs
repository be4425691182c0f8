// Installs the npm packages that only the tests, the build or the benches use ("peers"), each
// folder with its own package.json + package-lock.json, into that folder's node_modules:
//   node scripts/install-peers.mjs tests/peers scripts/peers
// They are not in the root package.json because Deno (nodeModulesDir "auto") installs everything
// there on any first run, the demo included. The folders hold no TypeScript: Deno scopes a file
// under a package.json to that package (deno.json's fmt/lint settings would stop applying).
// Idempotent and fast: a folder whose install is newer than its package.json and lockfile is
// skipped without starting npm. scripts/_peers.ts loads the packages (Deno, Bun, Node).
import { execFileSync } from "node:child_process";
import { existsSync, statSync, utimesSync } from "node:fs";
import { join } from "node:path";
import process from "node:process";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("../", import.meta.url));

/** Install `folder` (relative to the repository root) unless its install is up to date. */
export function installPeers(folder) {
  const dir = join(root, folder);
  // npm writes node_modules/.package-lock.json on every install; it is our "done" stamp.
  const stamp = join(dir, "node_modules", ".package-lock.json");
  const inputs = ["package.json", "package-lock.json"].map((f) => join(dir, f)).filter(existsSync);
  if (existsSync(stamp) && inputs.every((f) => statSync(f).mtimeMs <= statSync(stamp).mtimeMs)) {
    return;
  }
  console.error(`installing ${folder} (npm install --prefix ${folder})`);
  execFileSync("npm", ["install", "--prefix", dir, "--no-audit", "--no-fund", "--loglevel=error"], {
    stdio: ["ignore", "ignore", "inherit"],
    shell: process.platform === "win32",
  });
  const now = new Date();
  utimesSync(stamp, now, now); // npm leaves it untouched when nothing changed
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const folders = process.argv.slice(2);
  if (folders.length === 0) {
    console.error("usage: node scripts/install-peers.mjs tests/peers scripts/peers bench/peers");
    process.exit(2);
  }
  for (const folder of folders) installPeers(folder);
}
