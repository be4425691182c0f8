/**
 * The relay's status page (`GET /`): one self-contained HTML document (no build step, no CDN, no
 * web fonts, no images) whose small inline script polls `v1/status` — relative to the page, so a
 * relay mounted under a path prefix works — about once a second and shows readiness, the name
 * servers (last answer), the brokers with their fault-tolerance state, messages/s and p99 latency
 * over the last five minutes as inline SVG charts, totals and the recent errors. When the status
 * cannot be fetched it keeps the last values greyed out, says why, and retries with backoff.
 *
 * Safe by construction: every value from the status JSON reaches the page through `textContent`
 * or `setAttribute`, never `innerHTML`; the document carries its own Content-Security-Policy
 * (`default-src 'none'`, the script and the style allowed by their SHA-256 only, `connect-src
 * 'self'`), and {@link STATUS_PAGE_CSP} is the same policy plus `frame-ancestors 'none'` for the
 * response header, which a `<meta>` policy cannot carry.
 *
 * Elements carry `data-testid` attributes (`ready`, `messages-total`, `rate`, `p99`,
 * `requests-total`, `failures-total`, `in-flight`, `bytes-total`, `broker`, `name-server`,
 * `error`, `connection`); numbers also carry their raw value in `data-value`.
 *
 * Imports no runtime: it is a string, served the same way on Deno, Bun, Node and Workers.
 *
 * @example
 * ```ts
 * import { Hono } from "hono";
 * import { STATUS_PAGE_CSP, statusPageHtml } from "@rocketmq-edge/client/relay";
 *
 * const app = new Hono();
 * app.get("/", (c) => {
 *   c.header("Content-Security-Policy", STATUS_PAGE_CSP);
 *   c.header("Cache-Control", "no-store");
 *   return c.html(statusPageHtml());
 * });
 * // GET /v1/status must answer the RelayStatus JSON.
 * ```
 *
 * @module
 */

import { STATUS_PAGE_SCRIPT, STATUS_PAGE_SCRIPT_SHA256 } from "./_status-page-script.ts";

/** The page's style sheet. Its SHA-256 is {@link STATUS_PAGE_STYLE_SHA256}; change both together. */
export const STATUS_PAGE_STYLE = `
:root { color-scheme: light dark; --bg: #f7f7f8; --card: #fff; --fg: #1d1d1f; --muted: #6b6b73;
  --line: #e2e2e6; --ok: #1a7f37; --bad: #c62828; --accent: #2f6fdb; --accent-fill: #2f6fdb33; }
@media (prefers-color-scheme: dark) { :root { --bg: #16161a; --card: #202026; --fg: #ececf1;
  --muted: #9a9aa6; --line: #34343c; --ok: #4ac26b; --bad: #ff6b6b; --accent: #6ea1ff;
  --accent-fill: #6ea1ff33; } }
* { box-sizing: border-box; }
body { margin: 0; padding: 16px; background: var(--bg); color: var(--fg);
  font: 14px/1.4 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; }
body.stale main { opacity: 0.55; }
header { display: flex; flex-wrap: wrap; align-items: baseline; gap: 8px 16px; margin-bottom: 12px; }
h1 { font-size: 18px; margin: 0; }
h2 { font-size: 13px; margin: 0 0 8px; color: var(--muted); font-weight: 600;
  text-transform: uppercase; letter-spacing: 0.04em; }
.badge { padding: 2px 10px; border-radius: 999px; font-weight: 600; color: #fff; background: var(--muted); }
.badge[data-state="ok"] { background: var(--ok); }
.badge[data-state="bad"] { background: var(--bad); }
.muted, #conn { color: var(--muted); }
#conn[data-state="error"] { color: var(--bad); font-weight: 600; }
main { display: grid; gap: 12px; grid-template-columns: minmax(0, 3fr) minmax(0, 2fr); }
@media (max-width: 760px) { main { grid-template-columns: minmax(0, 1fr); } }
section { background: var(--card); border: 1px solid var(--line); border-radius: 8px; padding: 12px; }
.wide { grid-column: 1 / -1; }
.stats { display: grid; grid-template-columns: repeat(auto-fit, minmax(110px, 1fr)); gap: 8px; }
.stat b { display: block; font-size: 22px; font-variant-numeric: tabular-nums; }
.stat span { color: var(--muted); font-size: 12px; }
.stat b[data-state="bad"] { color: var(--bad); }
.charts { display: grid; gap: 12px; grid-template-columns: repeat(auto-fit, minmax(300px, 1fr)); }
figure { margin: 0; }
svg { width: 100%; height: auto; display: block; }
svg .grid { stroke: var(--line); stroke-dasharray: 3 3; }
svg .axis { stroke: var(--muted); }
svg .label { fill: var(--muted); font-size: 11px; }
svg .end { text-anchor: end; }
svg .area { fill: var(--accent-fill); stroke: var(--accent); stroke-width: 1.5; }
svg .line { fill: none; stroke: var(--accent); stroke-width: 1.5; }
svg .fail { fill: none; stroke: var(--bad); stroke-width: 1.5; }
table { width: 100%; border-collapse: collapse; }
th, td { text-align: left; padding: 4px 6px; border-bottom: 1px solid var(--line); }
th, td.num, td.addr { white-space: nowrap; }
td.name { overflow-wrap: anywhere; }
th { color: var(--muted); font-weight: 600; font-size: 12px; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
td.ok { color: var(--ok); }
td.bad { color: var(--bad); }
ol { list-style: none; margin: 0; padding: 0; max-height: 320px; overflow: auto; }
li { padding: 4px 0; border-bottom: 1px solid var(--line); display: flex; flex-wrap: wrap; gap: 4px 10px; }
li time { color: var(--muted); font-variant-numeric: tabular-nums; }
li code { color: var(--bad); font-weight: 600; }
li .topic { color: var(--accent); }
li .msg { flex-basis: 100%; word-break: break-word; }
`;

/** Base64 SHA-256 of {@link STATUS_PAGE_STYLE}, for the CSP `style-src`. */
export const STATUS_PAGE_STYLE_SHA256 = "PcmCGS9tx+WBzob9bJSdu/s7KJgbuG0xsYQECSeljNk=";

/** The policy inside the page's `<meta>` (everything a `<meta>` policy can carry). */
const META_CSP = "default-src 'none'; " +
  `script-src 'sha256-${STATUS_PAGE_SCRIPT_SHA256}'; ` +
  `style-src 'sha256-${STATUS_PAGE_STYLE_SHA256}'; ` +
  "connect-src 'self'; img-src data:; base-uri 'none'; form-action 'none'";

/**
 * Content-Security-Policy for the response that serves {@link statusPageHtml}: the page's own
 * policy plus `frame-ancestors 'none'` (no framing, which only a header can forbid).
 */
export const STATUS_PAGE_CSP: string = META_CSP + "; frame-ancestors 'none'";

const STAT = (id: string, label: string): string =>
  `<div class="stat"><b data-testid="${id}" data-value="0">-</b><span>${label}</span></div>`;

const PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${META_CSP}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<meta name="robots" content="noindex">
<link rel="icon" href="data:,">
<title>RocketMQ relay status</title>
<style>${STATUS_PAGE_STYLE}</style>
</head>
<body>
<header>
<h1>RocketMQ relay</h1>
<span class="badge" data-testid="ready" data-state="unknown">connecting</span>
<span class="muted" data-testid="uptime"></span>
<span id="conn" data-testid="connection" data-state="connecting" role="status">connecting</span>
</header>
<main>
<section class="wide">
<h2>Totals</h2>
<div class="stats">
${STAT("rate", "messages/s, last 5 s")}
${STAT("p99", "p99 send latency, latest second")}
${STAT("messages-total", "messages sent")}
${STAT("requests-total", "requests")}
${STAT("failures-total", "failed")}
${STAT("in-flight", "in flight")}
${STAT("bytes-total", "bytes")}
</div>
</section>
<section class="wide">
<h2>Last 5 minutes</h2>
<div class="charts">
<figure>
<svg data-testid="chart-rate" viewBox="0 0 600 120" role="img"
 aria-label="messages per second (blue) and failures per second (red), last five minutes"></svg>
<figcaption class="muted">messages/s (failures in red)</figcaption>
</figure>
<figure>
<svg data-testid="chart-p99" viewBox="0 0 600 120" role="img"
 aria-label="p99 send latency per second, last five minutes"></svg>
<figcaption class="muted">p99 send latency per second</figcaption>
</figure>
</div>
</section>
<section>
<h2>Brokers</h2>
<table>
<thead><tr><th>name</th><th>address</th><th>fault tolerance</th><th>latency</th></tr></thead>
<tbody data-testid="brokers"></tbody>
</table>
<p class="muted" data-testid="brokers-empty">no broker known yet</p>
</section>
<section>
<h2>Name servers</h2>
<table>
<thead><tr><th>address</th><th>last answer</th></tr></thead>
<tbody data-testid="name-servers"></tbody>
</table>
<p class="muted" data-testid="name-servers-empty">none configured</p>
</section>
<section class="wide">
<h2>Recent errors</h2>
<ol data-testid="errors" data-count="0"></ol>
<p class="muted" data-testid="errors-empty">none</p>
</section>
</main>
<script>${STATUS_PAGE_SCRIPT}</script>
</body>
</html>
`;

/**
 * The status page: a complete HTML document, the same string on every call. Serve it with
 * `Content-Type: text/html; charset=utf-8` and, ideally, the {@link STATUS_PAGE_CSP} header; it
 * reads `v1/status` relative to its own URL (a page at `/relay` or `/relay/` reads
 * `/relay/v1/status`).
 *
 * @returns the HTML document
 */
export function statusPageHtml(): string {
  return PAGE;
}
