#!/usr/bin/env bash
# Makes sure Debian's Chromium is at /usr/bin/chromium for the relay's browser tests
# (tests/relay/status_page*_test.ts drive it with playwright-core, which never downloads a browser).
# Installs it with apt-get when missing; when that is impossible (no root, no apt, apt unreachable)
# it says so and exits 1, and the browser tests then fail naming the missing browser.
set -uo pipefail

CHROMIUM=/usr/bin/chromium
if [ -x "$CHROMIUM" ]; then
  "$CHROMIUM" --version 2>/dev/null | head -n 1
  exit 0
fi
if ! command -v apt-get >/dev/null 2>&1 || [ "$(id -u)" -ne 0 ]; then
  echo "FAIL ci-chromium: $CHROMIUM is missing and apt-get is not usable here (needs Debian and root)"
  exit 1
fi
echo "installing Debian's chromium with apt-get"
log=$(mktemp)
if timeout 900 apt-get update >"$log" 2>&1 &&
  DEBIAN_FRONTEND=noninteractive timeout 1200 apt-get install -y chromium >>"$log" 2>&1 &&
  [ -x "$CHROMIUM" ]; then
  rm -f "$log"
  "$CHROMIUM" --version 2>/dev/null | head -n 1
  exit 0
fi
tail -n 20 "$log"
rm -f "$log"
echo "FAIL ci-chromium: could not install chromium (apt repositories unreachable?); the relay's browser tests will fail"
exit 1
