#!/usr/bin/env bash
# The full test run (README's test command calls this through `deno task test`):
# 1. the main suite under Deno with sanitizers on, 2. the portable suite under Bun 1.4 and Node 22,
# 3. the workerd suite (tests/edge: Workers in Miniflare) in the same Node 22 run (one TAP summary).
set -uo pipefail
cd "$(dirname "$0")/.."
status=0
# npm packages only the tests use (Aliyun SDK, miniflare, playwright-core) and esbuild: in their own
# folders, not the root package.json, so the demo never installs them (scripts/_peers.ts says why).
# A no-op when already installed.
node scripts/install-peers.mjs tests/peers scripts/peers || exit 1
npx -y deno@2.9.6 test -A --quiet tests/ || status=1
portable=$(ls tests/portable/*.test.ts)
echo "== portable suite under Bun"
npx -y bun@1.4.5 test $portable || status=1
echo "== portable suite and workerd suite under Node 22"
# tests/edge runs Miniflare, whose dispatchFetch is unreliable under Deno's Node layer (a response
# body that never ends, a reset connection): deno.json excludes it from the Deno run.
edge=$(ls tests/edge/*.test.ts)
tap=$(mktemp)
npx -y node@22 --test --test-reporter=tap $portable $edge >"$tap" 2>&1 || status=1
grep -E -A 20 '^not ok' "$tap" || true
grep -E '^# (tests|pass|fail) ' "$tap"
rm -f "$tap"
exit $status
