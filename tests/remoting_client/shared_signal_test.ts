import assert from "node:assert/strict";
import { RemotingClient } from "../../src/remoting/client.ts";
import { AbortedError } from "../../src/errors.ts";
import { denoTransport } from "../../src/transport/deno.ts";
import { echo, request, startResponder } from "./_responder.ts";

/** Code the responder never answers. */
const SILENT = 999;

Deno.test("one signal shared by many requests: answered ones stay answered, the rest abort", async () => {
  const responder = await startResponder((req, peer) =>
    req.code === SILENT ? undefined : echo(req, peer)
  );
  const client = new RemotingClient({ transport: denoTransport });
  try {
    const controller = new AbortController();
    const signal = controller.signal;
    // Answered requests under the signal (their entries leave the signal's set).
    for (let i = 0; i < 3; i++) {
      assert.equal((await client.invoke(responder.address, request(10), 5000, signal)).code, 0);
    }
    const silent = [1, 2, 3].map(() =>
      client.invoke(responder.address, request(SILENT), 60_000, signal)
    );
    const other = new AbortController();
    const untouched = client.invoke(responder.address, request(SILENT), 60_000, other.signal);
    await responder.until(() => responder.requests.length === 7);
    controller.abort(new Error("stop"));
    for (const call of silent) {
      await assert.rejects(call, (e) => e instanceof AbortedError && e.cause instanceof Error);
    }
    assert.equal(client.pendingRequests, 1, "a request under another signal is not aborted");
    other.abort();
    await assert.rejects(untouched, AbortedError);
    assert.equal(client.pendingRequests, 0);
  } finally {
    await client.close();
    await responder.close();
  }
});
