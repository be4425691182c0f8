// The repository carries a copy of the recorded 4.9.8 fixtures (tests/fixtures/) so a fresh clone
// tests on its own. When the shared folder sits beside the checkout (as in CI), the copy must be
// identical to it, so a re-recording there is never silently ignored here.
import assert from "node:assert/strict";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { FIXTURE_DIR, SHARED_FIXTURE_DIR } from "./fixtures.ts";

const shared = fileURLToPath(SHARED_FIXTURE_DIR);
const local = fileURLToPath(FIXTURE_DIR);

Deno.test({
  name: "tests/fixtures is byte-identical to ../shared/fixtures (when present)",
  ignore: !existsSync(shared),
  fn: () => {
    const names = readdirSync(shared).sort();
    assert.deepEqual(readdirSync(local).sort(), names);
    for (const name of names) {
      assert.ok(readFileSync(local + name).equals(readFileSync(shared + name)), name);
    }
  },
});
