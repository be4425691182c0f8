#!/usr/bin/env bash
# The packaging stage of CI (.ci/run runs each part as one counted test): the package as a user
# gets it. `prepare` builds, packs and installs the tarball into fresh projects; every other part
# runs against them:
#
#   node20 node22 bun      scripts/package-smoke.mjs from the npm / `bun add` install
#   deno-npm               the same through `npm:@rocketmq-edge/client` (the npm install's files)
#   deno-jsr               the same through `jsr:@rocketmq-edge/client`, linked to this checkout
#                          (deno.json "links": what JSR would serve, without the network)
#   types                  a strict TypeScript consumer of the packed .d.ts files
#   jsr-publish            `deno publish --dry-run`: no slow types, nothing but the library listed
#   cli                    `npx <tarball> send` against the embedded cluster (`rocketmq-edge
#                          cluster` from the install); `--help` and a bad usage exiting 2 through
#                          the installed `node_modules/.bin/rocketmq-edge`
#   relay                  `rocketmq-edge relay --port 0` from the install (Node): RELAY_URL= first,
#                          one POST stored, SIGTERM exits 0
#
# Usage: scripts/package-smoke.sh [PART...]  (no PART: all of them, in order). The projects live
# in $PKG_SMOKE_DIR (default: a fresh temporary directory, removed at the end of a full run).
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
DENO="npx -y deno@2.9.6"
BUN="npx -y bun@1.4.5"
TSC="npx -y -p typescript@7.0.2 tsc"
work=${PKG_SMOKE_DIR:-}

prepare() {
  mkdir -p "$work/pack" "$work/npm" "$work/bun" "$work/jsr" "$work/cli"
  (cd "$repo" && npm pack --silent --pack-destination "$work/pack" >"$work/pack/name")
  tarball="$work/pack/$(tail -n 1 "$work/pack/name")"
  tar -tzf "$tarball" | sed 's|^package/||' | sort >"$work/pack/files"
  echo "tarball $(basename "$tarball"): $(wc -c <"$tarball") bytes, $(wc -l <"$work/pack/files") files"
  # Only what users need: the compiled package, its README and package.json.
  if grep -v -E '^(dist/.*\.(js|d\.ts)|README\.md|LICENSE|package\.json)$' "$work/pack/files"; then
    echo "unexpected files in the tarball (above)"
    return 1
  fi
  if ! grep -q -x 'LICENSE' "$work/pack/files"; then
    echo "LICENSE (Apache-2.0) is missing from the tarball"
    return 1
  fi
  if ! grep -q -x 'dist/cloudflare/relay.js' "$work/pack/files"; then
    echo "the relay's Worker module dist/cloudflare/relay.js is missing from the tarball"
    return 1
  fi
  echo "$tarball" >"$work/tarball"
  local smoke="$repo/scripts/package-smoke.mjs"
  echo '{ "name": "smoke-npm", "private": true, "type": "module" }' >"$work/npm/package.json"
  (cd "$work/npm" && npm install --no-audit --no-fund --loglevel=error "$tarball")
  cp "$smoke" "$work/npm/smoke.mjs"
  sed -e 's#"@rocketmq-edge/client#"npm:@rocketmq-edge/client#' "$smoke" >"$work/npm/smoke-deno.mjs"
  echo '{ "name": "smoke-bun", "private": true, "type": "module" }' >"$work/bun/package.json"
  (cd "$work/bun" && $BUN add "$tarball" >/dev/null)
  cp "$smoke" "$work/bun/smoke.mjs"
  printf '{ "links": ["%s"] }\n' "$repo" >"$work/jsr/deno.json"
  sed -e 's#"@rocketmq-edge/client#"jsr:@rocketmq-edge/client#' "$smoke" >"$work/jsr/smoke.mjs"
}

# expect_send_ok RUNTIME-LABEL CMD...: runs a smoke and checks its one JSON line.
expect_send_ok() {
  local out
  out=$("$@")
  echo "$out"
  echo "$out" | grep -q '"status":"SEND_OK"'
}

node20() {
  if node --version | grep -q '^v20\.'; then
    (cd "$work/npm" && expect_send_ok node smoke.mjs)
  else
    (cd "$work/npm" && expect_send_ok npx -y node@20 smoke.mjs)
  fi
}
node22() { (cd "$work/npm" && expect_send_ok npx -y node@22 smoke.mjs); }
bun() { (cd "$work/bun" && expect_send_ok $BUN run smoke.mjs); }
deno_npm() { (cd "$work/npm" && expect_send_ok $DENO run -A smoke-deno.mjs); }
deno_jsr() { (cd "$work/jsr" && expect_send_ok $DENO run -A smoke.mjs); }

types() {
  cat >"$work/npm/consumer.ts" <<'EOF'
import { Producer, type SendResult } from "@rocketmq-edge/client";
import { startCluster, type TestCluster } from "@rocketmq-edge/client/testing";
import { createRelay } from "@rocketmq-edge/client/relay";
import { serveRelay } from "@rocketmq-edge/client/relay/node";

export async function serve(producer: Producer): Promise<string> {
  const server = await serveRelay(createRelay({ producer, auth: false }), { port: 0 });
  return server.url;
}
export async function sendOne(cluster: TestCluster): Promise<SendResult> {
  await using producer = new Producer({ nameServer: cluster.namesrvAddr, group: "g" });
  await producer.start();
  return await producer.send({ topic: "T", body: "x", keys: ["k"] });
}
export const start: typeof startCluster = startCluster;
// @ts-expect-error a misspelled option does not compile
new Producer({ nameServer: "127.0.0.1:9876", grop: "g" });
EOF
  (cd "$work/npm" && $TSC --noEmit --strict --target esnext --module nodenext \
    --moduleResolution nodenext consumer.ts)
}

jsr_publish() {
  local out
  out=$(cd "$repo" && $DENO publish --dry-run --allow-dirty 2>&1 | sed -e 's/\x1b\[[0-9;]*m//g')
  echo "$out" | grep -E '^(warning|error)|-->|Success'
  echo "$(echo "$out" | grep -c "file://$repo/") files listed"
  echo "$out" | grep -q 'Success Dry run complete'
  # Known and harmless: guarded dynamic imports of node: built-ins (resolvable at runtime with no
  # import map), written that way so edge bundlers do not follow them. Any other warning fails.
  if echo "$out" | grep -E '^(warning|error)' | grep -v 'warning\[unanalyzable-dynamic-import\]'; then
    return 1
  fi
  if echo "$out" | grep -E "file://$repo/(tests|bench|scripts|docs|workers|dist|\.ci)/"; then
    echo "files that must not be published are listed (above)"
    return 1
  fi
  (cd "$repo" && $DENO doc --html --output="$work/jsr/docs" mod.ts src/testing/mod.ts \
    >"$work/jsr/doc.log" 2>&1) || { cat "$work/jsr/doc.log"; return 1; }
  test -s "$work/jsr/docs/index.html"
}

cli() {
  local tarball pid namesrv
  tarball=$(cat "$work/tarball")
  # The cluster from the installed bin, stopped by its pid below.
  node "$work/npm/node_modules/@rocketmq-edge/client/dist/src/cli/bin.js" cluster --brokers 1 \
    --topic Orders >"$work/cli/cluster.out" 2>&1 &
  pid=$!
  for _ in $(seq 1 100); do
    grep -q '^broker-a ' "$work/cli/cluster.out" 2>/dev/null && break
    sleep 0.1
  done
  namesrv=$(sed -n 's/^ROCKETMQ_NAMESRV=//p' "$work/cli/cluster.out")
  local status=0
  cli_checks "$tarball" "$namesrv" || status=$?
  kill -TERM "$pid"
  wait "$pid" || status=1
  return $status
}

# cli_checks TARBALL NAMESRV: what a user runs with npx, from a directory without the package.
cli_checks() {
  local tarball=$1 namesrv=$2 out code=0
  cd "$work/cli"
  out=$(npx -y "file:$tarball" send --namesrv "$namesrv" --topic Orders --tags smoke \
    --keys a,b --property origin=ci "hello from npx") || return 1
  echo "send: $out"
  echo "$out" | grep -q '"status":"SEND_OK"' || return 1
  # The rest through the bin that `npm install` linked (each npx run re-resolves the tarball).
  local bin="$work/npm/node_modules/.bin/rocketmq-edge"
  "$bin" send --help >"$work/cli/help" || return 1
  head -n 1 "$work/cli/help" | grep -q '^Usage: rocketmq-edge send' || return 1
  "$bin" send --topic Orders --namesrv "$namesrv" --bogus x 2>"$work/cli/err" || code=$?
  echo "bad usage: exit $code: $(head -n 1 "$work/cli/err")"
  [ "$code" -eq 2 ] && grep -q -- '--bogus' "$work/cli/err"
}

relay() {
  local bin="$work/npm/node_modules/@rocketmq-edge/client/dist/src/cli/bin.js" pid url status=0
  mkdir -p "$work/relay"
  # No --namesrv: the relay starts its own embedded cluster.
  node "$bin" relay --port 0 --no-auth --log-level warn >"$work/relay/out" 2>"$work/relay/err" &
  pid=$!
  for _ in $(seq 1 100); do
    grep -q '^RELAY_URL=' "$work/relay/out" 2>/dev/null && break
    sleep 0.1
  done
  head -n 1 "$work/relay/out"
  url=$(head -n 1 "$work/relay/out" | sed -n 's/^RELAY_URL=//p')
  if [ -z "$url" ]; then
    cat "$work/relay/err"
    status=1
  else
    node --input-type=module -e '
      const res = await fetch(process.argv[1] + "/v1/topics/Smoke/messages", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ body: "hello through the relay", tags: "smoke" }),
      });
      const text = await res.text();
      console.log(`POST ${res.status} ${text}`);
      if (res.status !== 200 || JSON.parse(text).status !== "SEND_OK") process.exit(1);
    ' "$url" || status=1
  fi
  kill -TERM "$pid"
  wait "$pid" || { echo "relay exited $?"; status=1; }
  return $status
}

run_part() {
  case $1 in
    prepare) prepare ;;
    node20) node20 ;;
    node22) node22 ;;
    bun) bun ;;
    deno-npm) deno_npm ;;
    deno-jsr) deno_jsr ;;
    types) types ;;
    jsr-publish) jsr_publish ;;
    cli) cli ;;
    relay) relay ;;
    *)
      echo "unknown part $1" >&2
      return 2
      ;;
  esac
}

if [ $# -gt 0 ]; then
  [ -n "$work" ] || { echo "set PKG_SMOKE_DIR (shared by the parts)" >&2; exit 2; }
  for part in "$@"; do run_part "$part"; done
  exit 0
fi

# A full standalone run: every part, each reported like a CI step.
cleanup=""
if [ -z "$work" ]; then
  work=$(mktemp -d)
  cleanup=$work
fi
failed=0
for part in prepare node20 node22 bun deno-npm deno-jsr types jsr-publish cli relay; do
  start=$(date +%s)
  if PKG_SMOKE_DIR=$work bash "$0" "$part" >"$work/$part.log" 2>&1; then
    echo "ok   package: $part ($(($(date +%s) - start)) s)"
  else
    failed=$((failed + 1))
    echo "FAIL package: $part"
    tail -n 40 "$work/$part.log"
    [ "$part" = prepare ] && break
  fi
done
[ -n "$cleanup" ] && rm -rf "$cleanup"
[ "$failed" -eq 0 ]
