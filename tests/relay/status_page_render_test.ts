/**
 * The status page on its own: its CSP hashes match the inline script and style, it loads nothing
 * from elsewhere, and in headless Chromium it renders a status served next to it (under a path
 * prefix), shows hostile strings from the JSON as text, obeys its CSP without violations, and
 * degrades (greyed, "status unavailable", retrying) when the status endpoint fails, then recovers.
 * The same page against the real relay is tests/relay/status_page_test.ts.
 */

import assert from "node:assert/strict";
import {
  STATUS_PAGE_CSP,
  STATUS_PAGE_STYLE,
  STATUS_PAGE_STYLE_SHA256,
  statusPageHtml,
} from "../../src/relay/status-page.ts";
import {
  STATUS_PAGE_SCRIPT,
  STATUS_PAGE_SCRIPT_SHA256,
} from "../../src/relay/_status-page-script.ts";
import { shownNumber, withChromiumPage } from "./_chromium.ts";

async function sha256Base64(text: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
  return btoa(String.fromCharCode(...new Uint8Array(digest)));
}

Deno.test("status page: the CSP hashes are those of the inline script and style", async () => {
  assert.equal(
    await sha256Base64(STATUS_PAGE_SCRIPT),
    STATUS_PAGE_SCRIPT_SHA256,
    "update STATUS_PAGE_SCRIPT_SHA256 to the value above",
  );
  assert.equal(
    await sha256Base64(STATUS_PAGE_STYLE),
    STATUS_PAGE_STYLE_SHA256,
    "update STATUS_PAGE_STYLE_SHA256 to the value above",
  );
  const html = statusPageHtml();
  assert.ok(html.includes(`<script>${STATUS_PAGE_SCRIPT}</script>`));
  assert.ok(html.includes(`<style>${STATUS_PAGE_STYLE}</style>`));
  assert.ok(STATUS_PAGE_CSP.includes(`'sha256-${STATUS_PAGE_SCRIPT_SHA256}'`));
  assert.ok(STATUS_PAGE_CSP.includes("frame-ancestors 'none'"));
  // Nothing from elsewhere: the only absolute URL is the SVG namespace the script names.
  const urls = html.match(/\b(?:https?:)?\/\/[\w.-]+[^\s"')]*/g) ?? [];
  assert.deepEqual([...new Set(urls)], ["http://www.w3.org/2000/svg"]);
  assert.ok(!/innerHTML|outerHTML|insertAdjacentHTML|document\.write|eval\(/.test(html));
});

const HOSTILE = `<img src=x onerror="document.title='pwned'">`;

function statusAt(now: number, messages: number): Record<string, unknown> {
  const series = [];
  for (let t = now - 299_000; t <= now; t += 1000) {
    const recent = t > now - 60_000;
    series.push({
      t,
      messages: recent ? 40 + ((t / 1000) % 7) * 3 : 0,
      failures: t > now - 20_000 && t < now - 15_000 ? 2 : 0,
      p99Ms: recent ? 1.5 + ((t / 1000) % 5) * 0.4 : null,
    });
  }
  return {
    ready: true,
    startedAt: now - 3_600_000,
    now,
    nameServers: [
      { address: "127.0.0.1:9876", lastOkAt: now - 2000 },
      { address: "127.0.0.1:9877", lastOkAt: null },
    ],
    brokers: [
      { name: "broker-a", address: "127.0.0.1:10911", available: true, latencyMs: 0.8 },
      { name: HOSTILE, address: "127.0.0.1:10921", available: false, faultUntil: now + 30_000 },
    ],
    totals: { requests: 1200, messages, failures: 10, inFlight: 3, bytes: 5_300_000 },
    series,
    recentErrors: [
      { time: now - 5000, code: "UNAVAILABLE", message: HOSTILE, topic: "orders" },
      { time: now - 9000, code: "TIMEOUT", message: "send timed out after 3000 ms" },
    ],
  };
}

Deno.test("status page: renders a status in Chromium, escapes its text, degrades and recovers", async () => {
  let messages = 1234;
  let failing = false;
  let statusRequests = 0;
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, (req) => {
    const path = new URL(req.url).pathname;
    if (path === "/relay/") {
      return new Response(statusPageHtml(), {
        headers: {
          "content-type": "text/html; charset=utf-8",
          "content-security-policy": STATUS_PAGE_CSP,
        },
      });
    }
    if (path === "/relay/v1/status") {
      statusRequests++;
      if (failing) return new Response("down", { status: 503, statusText: "Service Unavailable" });
      return Response.json(statusAt(Date.now(), messages));
    }
    return new Response("not found", { status: 404 });
  });
  try {
    await withChromiumPage(async (page, problems) => {
      await page.goto(`http://127.0.0.1:${server.addr.port}/relay/`);
      await page.waitForSelector('[data-testid="connection"][data-state="live"]');
      assert.equal(await shownNumber(page, "messages-total"), 1234);
      assert.equal(await page.textContent('[data-testid="messages-total"]'), "1,234");
      assert.equal(await page.textContent('[data-testid="ready"]'), "ready");
      assert.ok((await shownNumber(page, "rate")) > 0);
      assert.ok((await shownNumber(page, "p99")) > 0);
      assert.equal(await page.textContent('[data-testid="bytes-total"]'), "5.1 MiB");

      const brokers = page.locator('[data-testid="broker"]');
      assert.equal(await brokers.count(), 2);
      assert.equal(await brokers.nth(0).getAttribute("data-state"), "available");
      assert.equal(await brokers.nth(1).getAttribute("data-state"), "isolated");
      // The hostile name is text, not markup: no <img> anywhere, the title untouched.
      assert.equal(await brokers.nth(1).locator("td").first().textContent(), HOSTILE);
      assert.equal(await page.locator("img").count(), 0);
      assert.equal(await page.title(), "RocketMQ relay status");
      const nameServers = page.locator('[data-testid="name-server"]');
      assert.deepEqual(
        await nameServers.evaluateAll((rows) => rows.map((r) => r.getAttribute("data-state"))),
        ["ok", "stale"],
      );
      const errors = page.locator('[data-testid="error"]');
      assert.equal(await errors.count(), 2);
      assert.equal(await errors.nth(0).getAttribute("data-code"), "UNAVAILABLE");
      assert.ok((await errors.nth(0).textContent())!.includes(HOSTILE));
      // The charts are drawn: an area, a failure line and a latency line.
      assert.equal(await page.locator('[data-testid="chart-rate"] path').count(), 2);
      assert.equal(await page.locator('[data-testid="chart-p99"] path').count(), 1);

      messages = 5000;
      await page.waitForSelector('[data-testid="messages-total"][data-value="5000"]');

      failing = true;
      await page.waitForSelector('[data-testid="connection"][data-state="error"]');
      assert.match((await page.textContent('[data-testid="connection"]'))!, /HTTP 503/);
      assert.equal(await page.getAttribute("body", "class"), "stale");
      // The last values stay visible while the relay does not answer.
      assert.equal(await shownNumber(page, "messages-total"), 5000);

      failing = false;
      messages = 6000;
      await page.waitForSelector('[data-testid="connection"][data-state="live"]', {
        timeout: 30_000,
      });
      await page.waitForSelector('[data-testid="messages-total"][data-value="6000"]');
      assert.ok(!(await page.getAttribute("body", "class"))?.includes("stale"));
      // The failed fetches logged console errors (Chromium reports the 503s); nothing else may:
      // no CSP violation, no script error.
      const unexpected = problems.errors.filter((e) => !/503|Service Unavailable/.test(e));
      assert.deepEqual(unexpected, []);
      const shot = Deno.env.get("STATUS_PAGE_SCREENSHOT"); // a PNG path, to look at the page
      if (shot) await page.screenshot({ path: shot, fullPage: true });
    });
    assert.ok(statusRequests >= 4);
  } finally {
    await server.shutdown();
  }
});
