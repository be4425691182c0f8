/**
 * The browser script of the relay's status page (see `status-page.ts`), kept as plain JavaScript
 * text: the page has no build step, and the text must be byte-for-byte what its CSP hash covers.
 * It polls `v1/status` relative to the page, renders every value with `textContent` or
 * `setAttribute` (never `innerHTML`), and draws the charts as SVG elements it creates.
 *
 * Written for evergreen browsers (ES2020, `replaceChildren`); no template literals, so the text
 * can live inside this one.
 *
 * @module
 */

/** The page script. Its SHA-256 is {@link STATUS_PAGE_SCRIPT_SHA256}; change both together. */
export const STATUS_PAGE_SCRIPT = `"use strict";
{
  const POLL_MS = 1000;
  const MAX_BACKOFF_MS = 10000;
  const TIMEOUT_MS = 5000;
  const WINDOW_MS = 300000;
  const RATE_WINDOW_S = 5;
  const NAME_SERVER_STALE_MS = 30000;
  const SVG = "http://www.w3.org/2000/svg";
  // Relative to the page, so a relay mounted under a path prefix polls its own status.
  const path = location.pathname.endsWith("/") ? location.pathname : location.pathname + "/";
  const statusUrl = path + "v1/status";
  const byId = (id) => document.querySelector('[data-testid="' + id + '"]');
  const num = (v) => (typeof v === "number" && Number.isFinite(v) ? v : 0);
  const list = (v) => (Array.isArray(v) ? v : []);
  const text = (v) => (v === undefined || v === null ? "" : String(v));
  const intFmt = new Intl.NumberFormat("en-US", { maximumFractionDigits: 0 });
  const oneFmt = new Intl.NumberFormat("en-US", { maximumFractionDigits: 1 });
  const pad2 = (n) => String(n).padStart(2, "0");
  const clock = (ms) => {
    const d = new Date(ms);
    return pad2(d.getHours()) + ":" + pad2(d.getMinutes()) + ":" + pad2(d.getSeconds());
  };
  const span = (ms) => {
    const s = Math.max(0, Math.round(ms / 1000));
    if (s < 120) return s + " s";
    if (s < 7200) return Math.round(s / 60) + " min";
    if (s < 172800) return Math.round(s / 3600) + " h";
    return Math.round(s / 86400) + " d";
  };
  const bytes = (n) => {
    const units = ["B", "KiB", "MiB", "GiB", "TiB"];
    let i = 0;
    while (n >= 1024 && i < units.length - 1) { n /= 1024; i++; }
    return (i === 0 ? intFmt.format(n) : oneFmt.format(n)) + " " + units[i];
  };
  const ms = (v) => (v < 10 ? v.toFixed(2) : oneFmt.format(v)) + " ms";
  // Shows a number: formatted text for people, the raw value in data-value for tests and tools.
  const show = (id, value, shown, state) => {
    const el = byId(id);
    el.dataset.value = String(value);
    el.textContent = shown;
    if (state !== undefined) el.dataset.state = state;
  };
  const cell = (tag, content, cls) => {
    const el = document.createElement(tag);
    el.textContent = content;
    if (cls) el.className = cls;
    return el;
  };
  const row = (cells, attrs) => {
    const tr = document.createElement("tr");
    for (const c of cells) tr.append(c);
    for (const k in attrs) tr.setAttribute(k, attrs[k]);
    return tr;
  };
  const svgEl = (tag, attrs, content) => {
    const el = document.createElementNS(SVG, tag);
    for (const k in attrs) el.setAttribute(k, String(attrs[k]));
    if (content !== undefined) el.textContent = content;
    return el;
  };
  const niceMax = (v) => {
    if (!(v > 0)) return 1;
    const p = Math.pow(10, Math.floor(Math.log10(v)));
    for (const m of [1, 2, 5, 10]) if (v <= m * p) return m * p;
    return 10 * p;
  };

  // One chart: a series of [time, value|null] points over the last five minutes, as a path
  // (an area when filled) that breaks where a value is missing.
  const chart = (id, lines, now, unit) => {
    const svg = byId(id);
    const W = 600, H = 120, TOP = 14, BOTTOM = 16;
    let max = 0;
    for (const l of lines) for (const p of l.points) if (p[1] !== null && p[1] > max) max = p[1];
    const top = niceMax(max);
    const x = (t) => ((t - (now - WINDOW_MS)) / WINDOW_MS) * W;
    const y = (v) => TOP + (1 - v / top) * (H - TOP - BOTTOM);
    const parts = [
      svgEl("line", { x1: 0, x2: W, y1: y(top), y2: y(top), class: "grid" }),
      svgEl("line", { x1: 0, x2: W, y1: y(top / 2), y2: y(top / 2), class: "grid" }),
      svgEl("line", { x1: 0, x2: W, y1: y(0), y2: y(0), class: "axis" }),
      svgEl("text", { x: 2, y: TOP - 3, class: "label" }, oneFmt.format(top) + " " + unit),
      svgEl("text", { x: 2, y: H - 3, class: "label" }, "-5 min"),
      svgEl("text", { x: W - 2, y: H - 3, class: "label end" }, "now"),
    ];
    for (const l of lines) {
      let d = "";
      let open = false;
      let firstX = 0;
      let lastX = 0;
      for (const p of l.points) {
        if (p[1] === null) {
          if (open && l.area) d += "L" + lastX + "," + y(0) + "L" + firstX + "," + y(0) + "Z";
          open = false;
          continue;
        }
        const px = x(p[0]).toFixed(1);
        if (!open) firstX = px;
        d += (open ? "L" : "M") + px + "," + y(p[1]).toFixed(1);
        lastX = px;
        open = true;
      }
      if (open && l.area) d += "L" + lastX + "," + y(0) + "L" + firstX + "," + y(0) + "Z";
      if (d) parts.push(svgEl("path", { d, class: l.cls }));
    }
    svg.replaceChildren(...parts);
  };

  const render = (s) => {
    const now = num(s.now);
    const totals = s.totals || {};
    const series = list(s.series);
    show("ready", s.ready === true, s.ready === true ? "ready" : "not ready",
      s.ready === true ? "ok" : "bad");
    show("uptime", now - num(s.startedAt), "up " + span(now - num(s.startedAt)));
    show("messages-total", num(totals.messages), intFmt.format(num(totals.messages)));
    show("requests-total", num(totals.requests), intFmt.format(num(totals.requests)));
    show("failures-total", num(totals.failures), intFmt.format(num(totals.failures)),
      num(totals.failures) > 0 ? "bad" : "ok");
    show("in-flight", num(totals.inFlight), intFmt.format(num(totals.inFlight)));
    show("bytes-total", num(totals.bytes), bytes(num(totals.bytes)));

    // Rate: messages in the buckets that started within the last RATE_WINDOW_S seconds (the
    // current, partial one included), divided by the time those buckets cover (from the oldest
    // one's start, or the relay's start if later, to now; at least a second).
    const since = now - RATE_WINDOW_S * 1000;
    let recent = 0;
    let from = now;
    for (const b of series) {
      if (num(b.t) <= since) continue;
      recent += num(b.messages);
      if (num(b.t) < from) from = num(b.t);
    }
    const coveredS = Math.max(1, (now - Math.max(from, num(s.startedAt))) / 1000);
    const rate = recent / coveredS;
    show("rate", rate, oneFmt.format(rate) + " msg/s");
    let p99 = null;
    for (let i = series.length - 1; i >= 0; i--) {
      const b = series[i];
      if (num(b.t) <= now - 10000) break;
      if (typeof b.p99Ms === "number") { p99 = b.p99Ms; break; }
    }
    show("p99", p99 === null ? "" : p99, p99 === null ? "-" : ms(p99));

    chart("chart-rate", [
      { points: series.map((b) => [num(b.t), num(b.messages)]), cls: "area", area: true },
      { points: series.map((b) => [num(b.t), num(b.failures)]), cls: "fail", area: false },
    ], now, "msg/s");
    chart("chart-p99", [
      { points: series.map((b) => [num(b.t), typeof b.p99Ms === "number" ? b.p99Ms : null]),
        cls: "line", area: false },
    ], now, "ms");

    const nameServers = list(s.nameServers);
    byId("name-servers").replaceChildren(...nameServers.map((n) => {
      const ok = typeof n.lastOkAt === "number";
      const fresh = ok && now - n.lastOkAt < NAME_SERVER_STALE_MS;
      return row([
        cell("td", text(n.address), "addr"),
        cell("td", ok ? span(now - n.lastOkAt) + " ago" : "never", fresh ? "ok" : "bad"),
      ], { "data-testid": "name-server", "data-state": fresh ? "ok" : "stale" });
    }));
    byId("name-servers-empty").hidden = nameServers.length > 0;

    const brokers = list(s.brokers);
    byId("brokers").replaceChildren(...brokers.map((b) => {
      const isolated = typeof b.faultUntil === "number" && b.faultUntil > now;
      const state = b.available === true && !isolated ? "available" : "isolated";
      const detail = isolated ? "isolated, retried in " + span(b.faultUntil - now)
        : b.available === true ? "available" : "unavailable";
      return row([
        cell("td", text(b.name), "name"),
        cell("td", text(b.address), "addr"),
        cell("td", detail, state === "available" ? "ok" : "bad"),
        cell("td", typeof b.latencyMs === "number" ? ms(b.latencyMs) : "-", "num"),
      ], { "data-testid": "broker", "data-name": text(b.name), "data-state": state });
    }));
    byId("brokers-empty").hidden = brokers.length > 0;

    const errors = list(s.recentErrors);
    byId("errors").replaceChildren(...errors.map((e) => {
      const li = document.createElement("li");
      li.dataset.testid = "error";
      li.dataset.code = text(e.code);
      li.append(cell("time", clock(num(e.time))), cell("code", text(e.code)));
      if (e.topic !== undefined) li.append(cell("span", text(e.topic), "topic"));
      li.append(cell("span", text(e.message), "msg"));
      return li;
    }));
    byId("errors").dataset.count = String(errors.length);
    byId("errors-empty").hidden = errors.length > 0;
  };

  const connection = byId("connection");
  let failures = 0;
  const poll = async () => {
    const abort = new AbortController();
    const timer = setTimeout(() => abort.abort(), TIMEOUT_MS);
    try {
      const res = await fetch(statusUrl, {
        cache: "no-store",
        headers: { accept: "application/json" },
        signal: abort.signal,
      });
      if (!res.ok) throw new Error("HTTP " + res.status + " " + res.statusText);
      const status = await res.json();
      if (!status || typeof status !== "object") throw new Error("not a status object");
      render(status);
      failures = 0;
      document.body.classList.remove("stale");
      connection.dataset.state = "live";
      connection.textContent = "live, updated " + clock(Date.now());
    } catch (e) {
      failures++;
      document.body.classList.add("stale");
      connection.dataset.state = "error";
      const why = e && e.name === "AbortError" ? "timed out" : text(e && e.message ? e.message : e);
      connection.textContent = "status unavailable (" + why + "), retrying";
    } finally {
      clearTimeout(timer);
    }
    // Back off while the relay does not answer; poll slowly while the tab is hidden.
    const delay = failures > 0 ? Math.min(MAX_BACKOFF_MS, POLL_MS * Math.pow(2, failures - 1))
      : document.hidden ? 5 * POLL_MS : POLL_MS;
    setTimeout(poll, delay);
  };
  poll();
}
`;

/** Base64 SHA-256 of {@link STATUS_PAGE_SCRIPT}, for the CSP `script-src`. */
export const STATUS_PAGE_SCRIPT_SHA256 = "qNyKI61QDc23lM+2D2TJb6VDABqpcc+zJVkPh7u2qeo=";
