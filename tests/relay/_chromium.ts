/**
 * Headless Chromium for the relay's browser tests: Debian's `/usr/bin/chromium` driven by
 * `playwright-core` (which never downloads a browser of its own), with the flags this machine
 * needs (no sandbox as root, no GPU, no background networking to hosts it cannot reach) and a
 * fresh profile directory per browser, removed afterwards.
 *
 * CI installs the browser with `scripts/ci-chromium.sh`. Without it the tests fail, saying so:
 * a browser test that passes without a browser would test nothing.
 */

import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { requirePeer } from "../../scripts/_peers.ts";

/** The part of playwright-core's `Locator` these tests use. */
export interface Locator {
  count(): Promise<number>;
  first(): Locator;
  nth(index: number): Locator;
  locator(selector: string): Locator;
  textContent(): Promise<string | null>;
  getAttribute(name: string): Promise<string | null>;
  /** Runs `fn` in the page on the matched elements (the DOM's `Element`, as far as used). */
  evaluateAll<R>(fn: (elements: { getAttribute(name: string): string | null }[]) => R): Promise<R>;
  waitFor(): Promise<void>;
}

/** The part of playwright-core's `Page` these tests use. */
export interface Page {
  goto(url: string): Promise<{ status(): number } | null>;
  waitForSelector(selector: string, options?: { timeout?: number }): Promise<unknown>;
  textContent(selector: string): Promise<string | null>;
  getAttribute(selector: string, name: string): Promise<string | null>;
  title(): Promise<string>;
  locator(selector: string): Locator;
  screenshot(options: { path: string; fullPage?: boolean }): Promise<unknown>;
  setDefaultTimeout(ms: number): void;
  on(event: "console", fn: (m: { type(): string; text(): string }) => void): void;
  on(event: "pageerror", fn: (e: Error) => void): void;
}

/** The part of playwright-core's `chromium` these tests use. */
interface Chromium {
  launchPersistentContext(profile: string, options: {
    executablePath: string;
    headless: boolean;
    args: string[];
    viewport: { width: number; height: number };
    timeout: number;
  }): Promise<{ pages(): Page[]; newPage(): Promise<Page>; close(): Promise<void> }>;
}

// playwright-core comes from tests/peers (scripts/_peers.ts says why); it ships no browser.
const { chromium } = requirePeer<{ chromium: Chromium }>("tests/peers", "playwright-core");

/** Where Debian's package puts the browser. */
export const CHROMIUM_PATH = "/usr/bin/chromium";

/** The launch flags this machine requires (see the environment notes). */
const FLAGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

/** What the page logged: console errors and CSP violations count as failures of the page. */
export interface PageProblems {
  /** Console messages of type error, and uncaught page errors. */
  errors: string[];
}

/**
 * Runs `fn` with a page of a freshly launched headless Chromium, then closes the browser and
 * removes its profile whatever `fn` did.
 *
 * @param fn the test body; `problems` collects the page's console errors as they happen
 */
export async function withChromiumPage(
  fn: (page: Page, problems: PageProblems) => Promise<void>,
): Promise<void> {
  if (!existsSync(CHROMIUM_PATH)) {
    throw new Error(
      `${CHROMIUM_PATH} is missing: install Debian's chromium (bash scripts/ci-chromium.sh)`,
    );
  }
  const profile = mkdtempSync(join(tmpdir(), "relay-chromium-"));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: FLAGS,
    viewport: { width: 1100, height: 900 },
    timeout: 60_000,
  });
  try {
    const page = context.pages()[0] ?? await context.newPage();
    page.setDefaultTimeout(20_000);
    const problems: PageProblems = { errors: [] };
    page.on("console", (m) => {
      if (m.type() === "error") problems.errors.push(m.text());
    });
    page.on("pageerror", (e) => problems.errors.push(String(e)));
    await fn(page, problems);
  } finally {
    await context.close();
    rmSync(profile, { recursive: true, force: true });
  }
}

/**
 * The raw number a status-page element shows (its `data-value`).
 *
 * @param page the page
 * @param testId the element's `data-testid`
 * @returns the value as a number (NaN when not numeric)
 */
export async function shownNumber(page: Page, testId: string): Promise<number> {
  const value = await page.getAttribute(`[data-testid="${testId}"]`, "data-value");
  return Number(value);
}
