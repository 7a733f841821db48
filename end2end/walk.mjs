// Browser tests, part 2: the first-run walk of issue #7 against the RouterOS simulator (a real
// process speaking REST and the binary API): create the admin, set a short poll interval with a
// validation error on the way, walk the wizard's typed errors (wrong password, unreachable,
// TLS failure), add one router over REST and one over API-SSL with a pinned fingerprint, import,
// compare the dashboard with /api/summary/month to the byte, disable and enable a peer and see
// the simulator change, set a peer's quota through the form it opens on demand, use Settings
// with JavaScript off, read the audit log, and screenshot every page at desktop and phone
// widths into end2end/output/.
import { join } from "node:path";
import {
  assert,
  freePort,
  gotoHydrated,
  launchBrowser,
  output,
  runner,
  startSimulator,
  startWgmik,
  viewports,
  waitFor,
  watchErrors,
} from "./lib.mjs";

const { check, fail, finish } = runner();
const admin = { username: "walker", password: "walk the whole panel" };
const sim = await startSimulator([
  "--routers", "2", "--peers", "12", "--interfaces", "2", "--virtual-clock", "--warmup", "3600",
]);
const wgmik = await startWgmik();
const { base } = wgmik;
let browser;

/** Signs in through the plain login form (used by the JavaScript-off check: no hydration). */
async function signIn(page) {
  await page.goto(base + "/login");
  await page.fill("#username", admin.username);
  await page.fill("#password", admin.password);
  await page.click("#sign-in");
  await page.waitForURL(base + "/");
}

async function apiGet(page, path) {
  const res = await page.request.get(base + path);
  assert(res.ok(), `${path}: ${res.status()}`);
  return res.json();
}

/** Fills the wizard's connection step. */
async function connect(page, { transport, port, tls, verify, fingerprint = "", password }) {
  await page.selectOption("#transport", transport);
  await page.fill("#host", "127.0.0.1");
  await page.fill("#port", String(port));
  await page.setChecked("#tls", tls);
  if (tls) await page.setChecked("#tls_verify", verify);
  await page.fill("#tls_fingerprint", fingerprint);
  await page.fill("#username", sim.routers[0].user);
  await page.fill("#password", password);
}

async function expectWizardError(page, code) {
  // The server function answers with the API's status for a router failure (502), not 500.
  const answer = page.waitForResponse((res) => res.request().method() === "POST" && res.url().includes("/api/"));
  await page.click("#wizard-test");
  const status = (await answer).status();
  assert(status === 502, `the ${code} answer has HTTP status ${status}, not 502`);
  const error = page.locator(`#wizard-error[data-code="${code}"]`);
  await error.waitFor({ timeout: 20_000 });
  const words = (await error.textContent()).trim();
  assert(words.length > 10, `the ${code} error has no words: "${words}"`);
  return words;
}

/** Runs the wizard to the end for simulator router `index`; returns the imported keys. */
async function addRouter(page, index, connection) {
  const info = sim.routers[index];
  await gotoHydrated(page, base + "/wizard");
  await connect(page, connection);
  await page.click("#wizard-test");
  await page.locator("#wizard-test-result").waitFor({ timeout: 20_000 });
  const shown = await page.textContent("#wizard-test-result");
  assert(shown.includes(info.identity), `test result lacks the identity ${info.identity}: ${shown}`);
  assert(/7\.\d+/.test(shown), `test result lacks the RouterOS version: ${shown}`);
  await page.click("#wizard-save");
  await page.locator('input[name="interface"]').first().waitFor({ timeout: 20_000 });
  for (const box of await page.locator('input[name="interface"]').all()) await box.setChecked(true);
  await page.click("#wizard-load-peers");
  await page.locator("[data-public-key]").first().waitFor({ timeout: 20_000 });
  const live = await sim.peers(index);
  const offered = new Map();
  for (const row of await page.locator("[data-public-key]").all()) {
    const key = await row.getAttribute("data-public-key");
    const box = row.locator('input[name="peer"]');
    offered.set(key, (await box.count()) > 0 ? await box.isChecked() : null);
  }
  for (const peer of live) {
    const state = offered.get(peer.public_key);
    if (peer.dynamic) {
      assert(!state, `dynamic peer ${peer.public_key} is offered for import`);
    } else if (peer.endpoint_address) {
      assert(state === false, `outbound peer ${peer.public_key} is not unchecked by default`);
    } else {
      assert(state === true, `inbound peer ${peer.public_key} is not checked by default`);
    }
  }
  await page.click("#wizard-import");
  await page.locator("#wizard-done").waitFor({ timeout: 20_000 });
  return live.filter((p) => !p.dynamic && !p.endpoint_address).map((p) => p.public_key);
}

try {
  browser = await launchBrowser();
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const page = await context.newPage();

  await check("first run: create the admin and land on the dashboard", async () => {
    await gotoHydrated(page, base + "/");
    assert(new URL(page.url()).pathname === "/setup", `landed on ${page.url()}`);
    await page.fill("#username", admin.username);
    await page.fill("#password", admin.password);
    await page.fill("#confirm", admin.password);
    await page.click("#create-admin");
    await page.waitForURL(base + "/");
    assert((await page.textContent("h1")).includes("Dashboard"), "not on the dashboard");
  });

  await check("settings: a bad poll interval is refused next to the field, a good one saved", async () => {
    await gotoHydrated(page, base + "/settings");
    await page.fill("#poll_interval_seconds", "2");
    await page.click("#settings-save");
    const error = page.locator("#poll_interval_seconds-error");
    await waitFor(async () => ((await error.textContent()) ?? "").trim().length > 0, 10_000, "the field error");
    assert((await page.inputValue("#poll_interval_seconds")) === "2", "the typed value was lost");
    await page.fill("#poll_interval_seconds", "5");
    await page.click("#settings-save");
    await page.locator("#settings-saved").waitFor({ timeout: 10_000 });
    const settings = await apiGet(page, "/api/settings");
    assert(settings.poll_interval_seconds === 5, `poll interval is ${settings.poll_interval_seconds}`);
  });

  await check("wizard: wrong password, unreachable router and TLS failure say what went wrong", async () => {
    const info = sim.routers[0];
    await gotoHydrated(page, base + "/wizard");
    await connect(page, { transport: "rest", port: info.rest_http, tls: false, password: "wrong" });
    await expectWizardError(page, "router_auth");
    await connect(page, { transport: "rest", port: await freePort(), tls: false, password: info.password });
    await expectWizardError(page, "router_unreachable");
    // The simulator's certificate is self-signed: verification on and no pin must fail.
    await connect(page, { transport: "rest", port: info.rest_https, tls: true, verify: true, password: info.password });
    await expectWizardError(page, "router_tls");
    await page.screenshot({ path: join(output, "wizard-error-desktop.png"), fullPage: true });
  });

  let imported = [];
  await check("wizard over REST imports the inbound peers", async () => {
    const info = sim.routers[0];
    imported = imported.concat(
      await addRouter(page, 0, { transport: "rest", port: info.rest_http, tls: false, password: info.password }),
    );
  });

  await check("wizard over API-SSL with a pinned fingerprint imports the inbound peers", async () => {
    const info = sim.routers[1];
    imported = imported.concat(
      await addRouter(page, 1, {
        transport: "api",
        port: info.api_ssl,
        tls: true,
        verify: true,
        fingerprint: info.tls_sha256,
        password: info.password,
      }),
    );
  });

  await check("dashboard numbers equal /api/summary/month to the byte", async () => {
    await sim.advance(900);
    // Wait for a poll after the traffic moved, then for the next one (values settle).
    await waitFor(async () => (await apiGet(page, "/api/summary/month")).total_rx > 0, 30_000, "a poll");
    await page.waitForTimeout(6_000);
    const summary = await apiGet(page, "/api/summary/month?per_page=1000");
    assert(summary.total_peers === imported.length, `${summary.total_peers} tracked, ${imported.length} imported`);
    const errors = watchErrors(page);
    await gotoHydrated(page, base + "/");
    await page.locator("#peer-table [data-peer-id]").first().waitFor({ timeout: 10_000 });
    const down = await page.getAttribute("#cycle-total-download", "data-bytes");
    const up = await page.getAttribute("#cycle-total-upload", "data-bytes");
    assert(down === String(summary.total_tx), `download total ${down} vs API ${summary.total_tx}`);
    assert(up === String(summary.total_rx), `upload total ${up} vs API ${summary.total_rx}`);
    for (const peer of summary.peers) {
      const row = page.locator(`#peer-table [data-peer-id="${peer.id}"]`);
      assert((await row.count()) === 1, `peer ${peer.id} is not on the dashboard`);
      assert((await row.getAttribute("data-cycle-rx")) === String(peer.cycle_rx), `peer ${peer.id} rx`);
      assert((await row.getAttribute("data-cycle-tx")) === String(peer.cycle_tx), `peer ${peer.id} tx`);
    }
    assert((await page.locator("#router-health [data-router-id]").count()) === 2, "router health strip");
    assert(errors.length === 0, `browser errors: ${errors.join(" | ")}`);
  });

  await check("dashboard search narrows the list", async () => {
    const summary = await apiGet(page, "/api/summary/month?per_page=1000");
    const target = summary.peers[0];
    const needle = target.public_key.slice(0, 16);
    await page.fill("#peer-search", needle);
    await waitFor(
      async () => (await page.locator("#peer-table [data-peer-id]").count()) === 1,
      10_000,
      "the search to leave one peer",
    );
    assert(
      (await page.locator(`#peer-table [data-peer-id="${target.id}"]`).count()) === 1,
      "the wrong peer was left",
    );
    await page.fill("#peer-search", "");
  });

  await check("the dashboard refreshes while open, keeping the search text and the page", async () => {
    await gotoHydrated(page, base + "/");
    await page.locator("#peer-table [data-peer-id]").first().waitFor({ timeout: 10_000 });
    await page.evaluate(() => {
      window.__notReloaded = true;
    });
    await page.fill("#peer-search", "wg");
    const before = await page.getAttribute("#cycle-total-download", "data-bytes");
    await sim.advance(600);
    await waitFor(
      async () => (await page.getAttribute("#cycle-total-download", "data-bytes")) !== before,
      40_000,
      "the totals to refresh",
    );
    assert(await page.evaluate(() => window.__notReloaded === true), "the page was reloaded");
    assert((await page.inputValue("#peer-search")) === "wg", "the search text was lost");
    await page.fill("#peer-search", "");
  });

  await check("peer detail: disable, then enable, and the simulator follows", async () => {
    const summary = await apiGet(page, "/api/summary/month?per_page=1000");
    const target = summary.peers.find((p) => p.router_id === summary.peers[0].router_id);
    const routers = await apiGet(page, "/api/routers");
    const simIndex = routers.findIndex((r) => r.id === target.router_id);
    const errors = watchErrors(page);
    await gotoHydrated(page, `${base}/peers/${target.id}`);
    await page.locator("#peer-status [data-status]").waitFor();
    for (const [button, wanted] of [["#peer-disable", true], ["#peer-enable", false]]) {
      await page.click(button);
      await page.click("#confirm-action");
      await waitFor(
        async () => (await sim.peers(simIndex)).find((p) => p.public_key === target.public_key)?.disabled === wanted,
        20_000,
        `the simulator to show disabled=${wanted}`,
      );
      await waitFor(
        async () => (await page.getAttribute("#peer-disabled", "data-disabled")) === String(wanted),
        20_000,
        `the page to show disabled=${wanted}`,
      );
    }
    const actions = await apiGet(page, `/api/peers/${target.id}/actions`);
    assert(actions.length >= 2, `${actions.length} actions recorded`);
    assert(errors.length === 0, `browser errors: ${errors.join(" | ")}`);
  });

  await check("audit lists the disable and the enable", async () => {
    await gotoHydrated(page, base + "/audit");
    await waitFor(
      async () => (await page.locator("#audit-table [data-action-id]").count()) >= 2,
      10_000,
      "two audit rows",
    );
  });

  await check("peer quota: the form loads when opened, refuses a bad limit next to the field, saves a good one", async () => {
    const summary = await apiGet(page, "/api/summary/month?per_page=1");
    const id = summary.peers[0].id;
    const loadErrors = watchErrors(page);
    await gotoHydrated(page, `${base}/peers/${id}`);
    await page.locator("#quota-card dl").waitFor();
    assert((await page.locator("#quota-form").count()) === 0, "the quota form was open before it was asked for");
    await page.click("#quota-edit");
    await page.locator("#quota-form").waitFor({ timeout: 10_000 });
    assert(loadErrors.length === 0, `browser errors: ${loadErrors.join(" | ")}`);
    await page.selectOption("#mode", "limit");
    await page.fill("#limit_gb", "-3");
    // Refused by the page's own server code (not the API's handler): a 400 all the same.
    const refusal = page.waitForResponse(
      (res) => res.request().method() === "POST" && new URL(res.url()).pathname.startsWith("/api/"),
    );
    await page.click("#quota-save");
    const refused = await refusal;
    assert(refused.status() === 400, `the refused limit answered ${refused.status()}`);
    await waitFor(
      async () => ((await page.textContent("#limit_gb-error")) ?? "").trim().length > 0,
      10_000,
      "an error next to the limit",
    );
    // The refusal above is an error response by design; from here on, none.
    const errors = watchErrors(page);
    // 5 TB: far above what the simulator's peers move, so enforcement leaves the peer alone.
    await page.fill("#limit_gb", "5000.5");
    await page.click("#quota-save");
    await page.locator("#quota-saved", { hasText: "Saved." }).waitFor({ timeout: 10_000 });
    const quota = await apiGet(page, `/api/peers/${id}/quota`);
    assert(quota.mode === "limit" && quota.limit_bytes === 5_000_500_000_000, `quota is ${JSON.stringify(quota)}`);
    await waitFor(
      async () => (await page.getAttribute("#quota-card dl", "data-mode")) === "limit",
      10_000,
      "the quota numbers to show the own limit",
    );
    assert(errors.length === 0, `browser errors: ${errors.join(" | ")}`);
  });

  await check("settings work with JavaScript off: error next to the field, then saved", async () => {
    const noJs = await browser.newContext({ javaScriptEnabled: false });
    const plain = await noJs.newPage();
    await signIn(plain);
    await plain.goto(base + "/settings");
    await plain.fill("#reset_day", "31");
    await plain.click("#settings-save");
    await plain.waitForLoadState();
    const error = ((await plain.textContent("#reset_day-error")) ?? "").trim();
    assert(error.length > 0, "no error next to reset_day");
    assert((await plain.inputValue("#reset_day")) === "31", "the typed value was lost");
    await plain.fill("#reset_day", "1");
    await plain.fill("#online_threshold_seconds", "20");
    await plain.click("#settings-save");
    await plain.locator("#settings-saved").waitFor({ timeout: 10_000 });
    const settings = await apiGet(plain, "/api/settings");
    assert(settings.online_threshold_seconds === 20, `threshold is ${settings.online_threshold_seconds}`);
    await noJs.close();
  });

  await check("every page at desktop and phone widths, screenshotted, without browser errors", async () => {
    const summary = await apiGet(page, "/api/summary/month");
    const pages = [
      ["dashboard", "/"],
      ["peer", `/peers/${summary.peers[0].id}`],
      ["wizard", "/wizard"],
      ["settings", "/settings"],
      ["audit", "/audit"],
      ["system", "/system"],
    ];
    const problems = [];
    for (const [label, viewport] of viewports) {
      const shot = await context.newPage();
      await shot.setViewportSize(viewport);
      const errors = watchErrors(shot);
      for (const [name, path] of pages) {
        const res = await gotoHydrated(shot, base + path);
        assert(res.status() === 200, `${path}: ${res.status()}`);
        await shot.waitForTimeout(500);
        const overflow = await shot.evaluate(() => {
          const width = window.innerWidth;
          const extra = document.documentElement.scrollWidth - width;
          // Name the outermost elements that stick out, to say what to fix.
          const clipped = (el) => {
            for (let up = el.parentElement; up; up = up.parentElement) {
              if (["auto", "scroll", "hidden", "clip"].includes(getComputedStyle(up).overflowX)) return true;
            }
            return false;
          };
          const culprits = [...document.querySelectorAll("body *")]
            .filter((el) => el.getBoundingClientRect().right > width + 1 && !clipped(el))
            .filter((el) => !el.parentElement || el.parentElement.getBoundingClientRect().right <= width + 1)
            .slice(0, 5)
            .map((el) => `${el.tagName.toLowerCase()}${el.id ? "#" + el.id : ""}.${[...el.classList].slice(0, 4).join(".")}`);
          return { extra, culprits };
        });
        if (overflow.extra > 1) {
          problems.push(`${path} is ${overflow.extra}px wider than the ${label} viewport: ${overflow.culprits.join(", ")}`);
        }
        await shot.screenshot({ path: join(output, `${name}-${label}.png`), fullPage: true });
      }
      if (errors.length > 0) problems.push(`browser errors (${label}): ${errors.join(" | ")}`);
      await shot.close();
    }
    assert(problems.length === 0, problems.join("\n     "));
  });
} catch (err) {
  fail("walk", err);
} finally {
  await browser?.close();
  wgmik.cleanup();
  sim.stop();
}

process.exit(finish());
