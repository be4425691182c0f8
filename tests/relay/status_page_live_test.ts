/**
 * The status page of a served relay in headless Chromium, beyond tests/relay/status_page_test.ts:
 * while messages keep being published (bounded) the rate, p99 and total move; the page lists the
 * cluster's brokers by name with their fault-tolerance state (one isolated after injected send
 * failures) and the name server by address; a publish to an unknown topic shows up under recent
 * errors with its code and topic, and the failure total moves.
 */

import assert from "node:assert/strict";
import { json, withRelay } from "./_helpers.ts";
import { shownNumber, withChromiumPage } from "./_chromium.ts";

const TOPIC = "RelayTopic";

Deno.test("status page: rate, brokers' fault state, name server and errors of a live relay", async () => {
  await withRelay(async ({ server, call, cluster }) => {
    const publish = async (topic: string, body: unknown): Promise<Response> => {
      const res = await call(`/v1/topics/${topic}/messages`, json(body));
      await res.body?.cancel();
      return res;
    };
    await withChromiumPage(async (page, problems) => {
      const answer = await page.goto(`${server.url}/`);
      assert.equal(answer?.status(), 200);
      await page.waitForSelector('[data-testid="connection"][data-state="live"]');
      await page.waitForSelector('[data-testid="ready"][data-state="ok"]');
      assert.equal(await shownNumber(page, "messages-total"), 0);

      // Single messages and an array, published while the page polls.
      for (let i = 0; i < 10; i++) {
        assert.equal((await publish(TOPIC, { body: `single ${i}`, tags: "page" })).status, 200);
      }
      const batch = Array.from({ length: 20 }, (_, i) => ({ id: String(i), body: `batch ${i}` }));
      assert.equal((await publish(TOPIC, batch)).status, 207);
      await page.waitForSelector('[data-testid="messages-total"][data-value="30"]');
      assert.ok((await shownNumber(page, "requests-total")) >= 11);

      // The rate covers the last five seconds: keep publishing (bounded) until the page shows it.
      let publishing = true;
      let published = 0;
      const background = (async () => {
        for (let i = 0; i < 300 && publishing; i++) {
          assert.equal((await publish(TOPIC, { body: `rate ${i}` })).status, 200);
          published++;
          await new Promise((r) => setTimeout(r, 50));
        }
      })();
      try {
        await page.waitForSelector('[data-testid="rate"]:not([data-value="0"])');
        await page.waitForSelector('[data-testid="p99"]:not([data-value=""])');
      } finally {
        publishing = false;
        await background;
      }
      assert.ok(published > 0);
      await page.waitForSelector(`[data-testid="messages-total"][data-value="${30 + published}"]`);
      assert.ok((await shownNumber(page, "rate")) > 0);
      assert.ok((await shownNumber(page, "p99")) > 0);
      assert.equal(await page.locator('[data-testid="chart-rate"] path').count(), 2);
      assert.equal(await page.locator('[data-testid="chart-p99"] path').count(), 1);

      // Both brokers of the route, healthy, and the name server by address.
      const brokerStates = (): Promise<(string | null)[][]> =>
        page.locator('[data-testid="broker"]').evaluateAll((rows) =>
          rows.map((r) => [r.getAttribute("data-name"), r.getAttribute("data-state")])
        );
      assert.deepEqual(await brokerStates(), [["broker-a", "available"], [
        "broker-b",
        "available",
      ]]);
      const nameServer = page.locator('[data-testid="name-server"]');
      assert.equal(await nameServer.count(), 1);
      assert.equal(await nameServer.getAttribute("data-state"), "ok");
      assert.equal(await nameServer.locator("td").first().textContent(), cluster.namesrvAddr);

      // Failed sends make the fault strategy isolate a broker; the page shows it isolated.
      cluster.broker("broker-a").failNextSends(1, 1, "injected");
      cluster.broker("broker-b").failNextSends(1, 1, "injected");
      for (let i = 0; i < 3; i++) await publish(TOPIC, { body: `fault ${i}` });
      await page.waitForSelector('[data-testid="broker"][data-state="isolated"]');
      assert.match(
        (await page.locator('[data-testid="broker"][data-state="isolated"]').first()
          .textContent())!,
        /isolated, retried in/,
      );

      // A publish that fails appears under recent errors with its code and topic.
      const failed = await call("/v1/topics/no_such_topic/messages", json({ body: "lost" }));
      const error = await failed.json() as { error_code: string };
      assert.ok(failed.status >= 400, `expected a failure, got ${failed.status}`);
      const item = page.locator(`[data-testid="error"][data-code="${error.error_code}"]`);
      await item.first().waitFor();
      assert.match((await item.first().textContent())!, /no_such_topic/);
      await page.waitForSelector('[data-testid="failures-total"]:not([data-value="0"])');

      assert.deepEqual(problems.errors, []);
      const shot = Deno.env.get("STATUS_PAGE_SCREENSHOT"); // a PNG path, to look at the page
      if (shot) await page.screenshot({ path: shot, fullPage: true });
    });
  }, {
    cluster: { autoCreateTopicEnable: false }, // an unknown topic fails instead of being created
    producer: { sendLatencyFaultEnable: true },
  });
});
