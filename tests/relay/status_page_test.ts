/**
 * The status page served by the relay itself, in headless Chromium: it shows readiness, the name
 * server and brokers, and its numbers move while messages are published through the relay.
 */

import assert from "node:assert/strict";
import { json, withRelay } from "./_helpers.ts";
import { shownNumber, withChromiumPage } from "./_chromium.ts";

Deno.test("status page: live numbers from the real relay move while messages are published", async () => {
  await withRelay(async ({ server, call }) => {
    // one publish first so the route (and its brokers) is known
    const first = await call("/v1/topics/RelayTopic/messages", json({ body: "warm-up" }));
    assert.equal(first.status, 200);
    await first.body?.cancel();
    const page = await call("/");
    assert.match(page.headers.get("content-type")!, /text\/html/);
    assert.ok(page.headers.get("content-security-policy"));
    await page.body?.cancel();
    await withChromiumPage(async (p, problems) => {
      await p.goto(server.url + "/");
      await p.waitForSelector('[data-testid="connection"][data-state="live"]');
      assert.equal(await p.textContent('[data-testid="ready"]'), "ready");
      const before = await shownNumber(p, "messages-total");
      assert.equal(before, 1);
      assert.equal(await p.locator('[data-testid="name-server"]').count(), 1);
      assert.equal(await p.locator('[data-testid="broker"]').count(), 2);
      const batch = Array.from({ length: 25 }, (_, i) => ({ body: `m${i}` }));
      const res = await call("/v1/topics/RelayTopic/messages", json(batch));
      assert.equal(res.status, 207);
      await res.body?.cancel();
      const bad = await call("/v1/topics/RelayTopic/messages", json({ body: "" }));
      await bad.body?.cancel();
      await p.waitForSelector('[data-testid="messages-total"][data-value="26"]', {
        timeout: 15_000,
      });
      await p.waitForSelector('[data-testid="error"]', { timeout: 15_000 });
      assert.ok((await shownNumber(p, "rate")) > 0);
      assert.deepEqual(problems.errors, []);
    });
  }, { relay: { statusPage: true } });
});

Deno.test("status page: off with statusPage: false", async () => {
  await withRelay(async ({ call }) => {
    const res = await call("/");
    assert.equal(res.status, 404);
    await res.body?.cancel();
  }, { relay: { statusPage: false } });
});
