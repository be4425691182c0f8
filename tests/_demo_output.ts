/** Shared assertions on the demo's output (embedded and external cluster runs). */

import assert from "node:assert/strict";

/**
 * Every send mode printed a SEND_OK line, the one-way line, and the ordered sends shared a queue.
 *
 * @param text the demo's output lines joined with "\n"
 */
export function assertSendModes(text: string): void {
  for (const mode of ["sync", "async", "batch", "ordered", "compressed", "delayed"]) {
    assert.match(
      text,
      new RegExp(`^${mode} +SEND_OK \\S+/q\\d+ offset \\d+ msgId [0-9A-F]`, "m"),
      mode,
    );
  }
  assert.match(text, /^oneway +written/m);
  assert.match(text, /order 42: all steps on one queue/);
}
