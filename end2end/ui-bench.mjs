// The UI benchmark (issue #7, BENCHMARKS.md "Dashboard UI"): against a running wgmik whose data
// directory `server/examples/ui_seed.rs` filled, measures
//   1. the server's response time for GET / with a signed-in session (fetch, sequential),
//      plus the JSON API reads the dashboard is made of, to say where the time goes;
//   2. time to interactive in headless Chromium: navigation start until the page is hydrated
//      (the search box's `input` listener is attached and the daily chart's effect has drawn),
//      checked by a search typed at that moment which must filter the list;
//   3. search latency: from an `input` event carrying a needle in #peer-search until
//      #peer-table shows the one matching row (in-page clock, MutationObserver), split at the
//      start of the server-function request, i.e. after the page's 150 ms debounce;
//   4. the gzip -9 size of the wasm + JS in <site>/pkg (ECharts lives outside pkg/): what a first
//      visit of each page fetches from /pkg/ (the main module and that page's chunks), and all
//      files together.
// Run through scripts/ui-bench.sh, or by hand:
//   node end2end/ui-bench.mjs --base http://127.0.0.1:8000 --seed /tmp/ui-bench-data/seed.json \
//        --site target/site
// Prints one JSON object (last line) after a human-readable table.
import { execFileSync } from "node:child_process";
import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { launchBrowser } from "./lib.mjs";

const args = Object.fromEntries(
  process.argv
    .slice(2)
    .reduce((pairs, arg, i, all) => (arg.startsWith("--") ? [...pairs, [arg.slice(2), all[i + 1]]] : pairs), []),
);
const base = args.base ?? "http://127.0.0.1:8000";
const seed = JSON.parse(readFileSync(args.seed ?? "/tmp/ui-bench-data/seed.json", "utf8"));
const site = args.site ?? "target/site";
const REQUESTS = Number(args.requests ?? 30);
const LOADS = Number(args.loads ?? 5);
const SEARCHES = Number(args.searches ?? 10);

const median = (xs) => quantile(xs, 0.5);
/** Nearest rank, as the accounting benchmark reports its percentiles. */
function quantile(xs, q) {
  if (xs.length === 0) return null;
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))];
}
const round = (x) => (x == null ? null : Math.round(x * 10) / 10);

async function signIn() {
  const res = await fetch(`${base}/api/session`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ username: seed.username, password: seed.password }),
  });
  if (res.status !== 204) throw new Error(`sign-in: ${res.status} ${await res.text()}`);
  const cookie = res.headers.get("set-cookie").split(";")[0];
  return { header: cookie, name: cookie.split("=")[0], value: cookie.slice(cookie.indexOf("=") + 1) };
}

/** Sequential GETs: time to the response head and to the last body byte. */
async function timeGets(path, cookie, n, check) {
  const head = [];
  const full = [];
  for (let i = 0; i < n + 3; i++) {
    const t0 = performance.now();
    const res = await fetch(`${base}${path}`, { headers: { cookie }, redirect: "manual" });
    const t1 = performance.now();
    const body = await res.text();
    const t2 = performance.now();
    if (res.status !== 200) throw new Error(`GET ${path}: ${res.status}`);
    if (check) check(body);
    // The first three warm the server's caches and the connection; they are not counted.
    if (i >= 3) {
      head.push(t1 - t0);
      full.push(t2 - t0);
    }
  }
  return {
    head_p50: round(median(head)),
    head_p95: round(quantile(head, 0.95)),
    full_p50: round(median(full)),
    full_p95: round(quantile(full, 0.95)),
  };
}

// In every page, before its own scripts: the moment hydration attaches the `input` listener
// to #peer-search (this build binds it on the element itself, not delegated) and the moment
// ECharts draws into #daily-chart (an Effect, so it only runs in the hydrated app). Both on
// the document's clock, whose origin is navigation start.
const INIT = () => {
  const mark = { inputListener: null, chart: null };
  window.__bench = mark;
  const add = EventTarget.prototype.addEventListener;
  EventTarget.prototype.addEventListener = function (type, ...rest) {
    if (type === "input" && mark.inputListener === null && (this === window || this === document || this.id === "peer-search")) {
      mark.inputListener = performance.now();
    }
    return add.call(this, type, ...rest);
  };
  new MutationObserver((_, observer) => {
    if (mark.chart === null && document.querySelector("#daily-chart canvas")) {
      mark.chart = performance.now();
      observer.disconnect();
    }
  }).observe(document, { childList: true, subtree: true });
};

// In the page: types `needle` (one input event, as a paste would) and resolves when
// #peer-table shows exactly `rows` rows matching `want` and #peer-count says `count`.
// Returns the total time, and the server-function request that answered it.
const SEARCH = async ({ needle, count, want }) => {
  const input = document.querySelector("#peer-search");
  const done = () => {
    const counter = document.querySelector("#peer-count");
    if (!counter || counter.dataset.count !== String(count)) return false;
    const rows = document.querySelectorAll("#peer-table [data-peer-id]");
    if (want === null) return rows.length > 0;
    return rows.length === 1 && rows[0].textContent.includes(want);
  };
  const t0 = performance.now();
  const finished = new Promise((resolve) => {
    const observer = new MutationObserver(() => {
      if (done()) {
        observer.disconnect();
        resolve(performance.now());
      }
    });
    observer.observe(document.body, { childList: true, subtree: true, characterData: true, attributes: true });
  });
  input.value = needle;
  input.dispatchEvent(new InputEvent("input", { bubbles: true, inputType: "insertFromPaste", data: needle }));
  const t1 = await finished;
  const fetches = performance
    .getEntriesByType("resource")
    .filter((e) => e.startTime >= t0 && e.startTime <= t1 && /peer_table/.test(e.name));
  const last = fetches[fetches.length - 1];
  return {
    total: t1 - t0,
    fetchStart: last ? last.startTime - t0 : null,
    afterDebounce: last ? t1 - last.startTime : null,
    request: last ? last.responseEnd - last.startTime : null,
    render: last ? t1 - last.responseEnd : null,
    fetches: fetches.length,
  };
};

async function measureLoads(browser, cookie) {
  const loads = [];
  for (let i = 0; i < LOADS + 1; i++) {
    // A new context per load: a first visit, nothing cached (the wasm is fetched and compiled).
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    await context.addCookies([{ name: cookie.name, value: cookie.value, url: base }]);
    await context.addInitScript(INIT);
    const page = await context.newPage();
    const errors = [];
    page.on("pageerror", (err) => errors.push(String(err)));
    await page.goto(`${base}/`, { waitUntil: "commit" });
    await page.waitForFunction(() => window.__bench?.chart != null && window.__bench?.inputListener != null, null, {
      timeout: 60_000,
      polling: 10,
    });
    // Proof that the page reacts at that moment: a search typed now filters the list.
    const needle = seed.needles[i % seed.needles.length];
    const check = await page.evaluate(SEARCH, { needle, count: 1, want: needle });
    const nav = await page.evaluate(() => {
      const [n] = performance.getEntriesByType("navigation");
      const wasm = performance.getEntriesByType("resource").find((e) => e.name.endsWith(".wasm"));
      return {
        ttfb: n.responseStart,
        html_done: n.responseEnd,
        dom_content_loaded: n.domContentLoadedEventEnd,
        load: n.loadEventEnd,
        wasm_loaded: wasm ? wasm.responseEnd : null,
        hydrated: window.__bench.inputListener,
        chart_drawn: window.__bench.chart,
      };
    });
    if (errors.length) throw new Error(`page errors: ${errors.join("; ")}`);
    await context.close();
    // The first load warms the server and the OS page cache; it is not counted.
    if (i > 0) loads.push({ ...nav, interactive: Math.max(nav.hydrated, nav.chart_drawn), check_search: check.total });
  }
  const pick = (k) => round(median(loads.map((l) => l[k])));
  return {
    loads: loads.length,
    interactive_p50: pick("interactive"),
    interactive_max: round(Math.max(...loads.map((l) => l.interactive))),
    ttfb_p50: pick("ttfb"),
    html_done_p50: pick("html_done"),
    dom_content_loaded_p50: pick("dom_content_loaded"),
    load_p50: pick("load"),
    wasm_loaded_p50: pick("wasm_loaded"),
    hydrated_p50: pick("hydrated"),
    chart_drawn_p50: pick("chart_drawn"),
    search_right_after_p50: pick("check_search"),
    each: loads.map((l) => Object.fromEntries(Object.entries(l).map(([k, v]) => [k, round(v)]))),
  };
}

async function measureSearch(browser, cookie) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  await context.addCookies([{ name: cookie.name, value: cookie.value, url: base }]);
  await context.addInitScript(INIT);
  const page = await context.newPage();
  await page.goto(`${base}/`, { waitUntil: "load" });
  await page.waitForFunction(() => window.__bench?.chart != null, null, { timeout: 60_000 });
  const runs = [];
  for (let i = 0; i < SEARCHES + 1; i++) {
    const needle = seed.needles[i % seed.needles.length];
    const found = await page.evaluate(SEARCH, { needle, count: 1, want: needle });
    // Back to the whole list before the next needle (not measured).
    await page.evaluate(SEARCH, { needle: "", count: seed.tracked_peers, want: null });
    await page.waitForTimeout(300);
    if (i > 0) runs.push(found);
  }
  await context.close();
  const pick = (k) => round(median(runs.map((r) => r[k]).filter((v) => v != null)));
  return {
    searches: runs.length,
    total_p50: pick("total"),
    total_max: round(Math.max(...runs.map((r) => r.total))),
    fetch_start_p50: pick("fetchStart"),
    after_debounce_p50: pick("afterDebounce"),
    after_debounce_max: round(Math.max(...runs.map((r) => r.afterDebounce ?? 0))),
    request_p50: pick("request"),
    render_p50: pick("render"),
    // A refresh tick (every 10 s) landing inside a search shows up as a second request.
    runs_with_extra_request: runs.filter((r) => r.fetches > 1).length,
  };
}

const gzipSize = (file) =>
  Number(execFileSync("sh", ["-c", 'gzip -9 -c "$1" | wc -c', "sh", file]).toString().trim());

/** Every wasm and JS file of the build (all pages' chunks), gzip -9. */
function bundle() {
  const pkg = join(site, "pkg");
  const files = readdirSync(pkg).filter((f) => /\.(wasm|js)$/.test(f) && !/echarts/i.test(f));
  const sizes = files.map((f) => ({ file: f, raw: readFileSync(join(pkg, f)).length, gzip: gzipSize(join(pkg, f)) }));
  return { files: sizes, gzip_total: sizes.reduce((a, s) => a + s.gzip, 0) };
}

// The pages as a first visit opens them: each page's code is a wasm chunk of its own
// (app/src/routes.rs), so a visit downloads the main module plus that page's chunks.
const PAGES = ["/", "/peers/1", "/wizard", "/settings", "/audit", "/system", "/login"];

/** Per page: the wasm and JS files (from /pkg/) a first visit fetched, and their gzip -9 sum. */
async function pageLoads(browser, cookie, files) {
  const gzipOf = Object.fromEntries(files.map((f) => [f.file, f.gzip]));
  const pages = [];
  for (const path of PAGES) {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    // /login is the signed-out visitor's page.
    if (path !== "/login") await context.addCookies([{ name: cookie.name, value: cookie.value, url: base }]);
    const page = await context.newPage();
    const fetched = new Set();
    page.on("requestfinished", (req) => {
      const name = new URL(req.url()).pathname;
      if (name.startsWith("/pkg/") && /\.(wasm|js)$/.test(name)) fetched.add(name.slice("/pkg/".length));
    });
    await page.goto(`${base}${path}`, { waitUntil: "networkidle" });
    await context.close();
    const list = [...fetched].sort();
    const unknown = list.filter((f) => !(f in gzipOf));
    if (unknown.length) throw new Error(`${path} fetched files not in ${site}/pkg: ${unknown.join(", ")}`);
    pages.push({ path, files: list, gzip: list.reduce((a, f) => a + gzipOf[f], 0) });
  }
  return pages;
}

const cookie = await signIn();
const server = {
  dashboard: await timeGets("/", cookie.header, REQUESTS, (body) => {
    // The server-rendered page must carry the table (DOM contract), not only a shell.
    if (!body.includes('id="peer-table"') || !body.includes("data-peer-id")) {
      throw new Error("GET / has no #peer-table rows");
    }
  }),
  api_peers_page: await timeGets("/api/peers?tracked=true&sort=total&order=desc&per_page=100", cookie.header, REQUESTS),
  // The dashboard's totals card reads /api/summary/totals; the month summary is the API's.
  api_summary_totals: await timeGets("/api/summary/totals", cookie.header, REQUESTS),
  api_summary_month: await timeGets("/api/summary/month?per_page=1", cookie.header, REQUESTS),
  api_summary_daily: await timeGets("/api/summary/daily", cookie.header, REQUESTS),
  api_untracked: await timeGets("/api/peers?tracked=false&per_page=50", cookie.header, REQUESTS),
  api_routers: await timeGets("/api/routers", cookie.header, REQUESTS),
};
// Without a built wasm the page cannot hydrate: measure the server alone (--server-only too).
const hydrates = readdirSync(join(site, "pkg")).some((f) => f.endsWith(".wasm"));
let tti = {};
let search = {};
let pages = [];
const size = bundle();
if (hydrates && args["server-only"] === undefined) {
  const browser = await launchBrowser();
  try {
    tti = await measureLoads(browser, cookie);
    search = await measureSearch(browser, cookie);
    pages = await pageLoads(browser, cookie, size.files);
  } finally {
    await browser.close();
  }
} else {
  console.log(`no browser measurements (${hydrates ? "--server-only" : `no .wasm in ${site}/pkg`})`);
}
const largestPage = pages.length ? Math.max(...pages.map((p) => p.gzip)) : null;
size.largest_page_load_gzip = largestPage;
size.pages = pages;
const result = { seed: { peers: seed.tracked_peers, untracked: seed.untracked_peers, days: seed.days, rows: seed.rows }, server, tti, search, bundle: size };

const verdict = (v, target) => (v == null ? "n/a" : v <= target ? "met" : "MISSED");
const f = (v) => v ?? "—";
const rows = [
  ["GET / (signed in), full body p50 / p95", `${server.dashboard.full_p50} / ${server.dashboard.full_p95} ms`, "< 200 ms", verdict(server.dashboard.full_p95, 200)],
  ["GET / first byte p50 / p95", `${server.dashboard.head_p50} / ${server.dashboard.head_p95} ms`, "", ""],
  [`interactive (hydrated + chart), median of ${f(tti.loads)}`, `${f(tti.interactive_p50)} ms (max ${f(tti.interactive_max)})`, "< 2,000 ms", verdict(tti.interactive_p50, 2000)],
  [`search after the debounce, median of ${f(search.searches)}`, `${f(search.after_debounce_p50)} ms (max ${f(search.after_debounce_max)})`, "< 100 ms", verdict(search.after_debounce_p50, 100)],
  ["search incl. 150 ms debounce, median", `${f(search.total_p50)} ms`, "", ""],
  ["wasm + JS a page's first visit loads, gzip -9, largest page", `${f(largestPage?.toLocaleString("en"))} B`, "< 400 KB (409,600 B)", verdict(largestPage, 400 * 1024)],
  [`wasm + JS, every chunk of every page (${size.files.length} files), gzip -9`, `${size.gzip_total.toLocaleString("en")} B`, "", ""],
];
console.log("\n| measure | value | target | verdict |\n|---|---|---|---|");
for (const r of rows) console.log(`| ${r.join(" | ")} |`);
console.log("\nwhere GET / goes (p50 full): " +
  Object.entries(server).map(([k, v]) => `${k} ${v.full_p50} ms`).join(", "));
console.log(`page timeline (p50 ms from navigation start): first byte ${tti.ttfb_p50}, HTML ${tti.html_done_p50}, DOMContentLoaded ${tti.dom_content_loaded_p50}, wasm loaded ${tti.wasm_loaded_p50}, hydrated ${tti.hydrated_p50}, chart drawn ${tti.chart_drawn_p50}, load ${tti.load_p50}`);
console.log(`search split (p50 ms): request starts ${search.fetch_start_p50} after the input event, server function ${search.request_p50}, render ${search.render_p50}; runs with an extra (refresh) request: ${search.runs_with_extra_request}`);
console.log("first visit per page (gzip -9 of the /pkg/ files fetched): " +
  pages.map((p) => `${p.path} ${p.gzip.toLocaleString("en")} B (${p.files.length} files)`).join(", "));
console.log(JSON.stringify(result));
