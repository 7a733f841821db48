// Browser tests, part 1: start the release binary on a free port with an empty data directory,
// drive Debian's Chromium through playwright-core: first-run setup, the page gate, login with
// JavaScript on and off, and hydration proven by an element that only works once the wasm has
// taken over. Screenshots go to end2end/output/. Part 2 (walk.mjs) walks the whole UI against
// the RouterOS simulator.
import { join } from "node:path";
import { assert, launchBrowser, output, runner, startWgmik, waitFor } from "./lib.mjs";

const { check, fail, finish } = runner();
const wgmik = await startWgmik();
const { base } = wgmik;

let browser;
try {
  await check("health probes answer", async () => {
    assert((await fetch(`${base}/healthz`)).status === 200, "/healthz not 200");
    const ready = await fetch(`${base}/readyz`);
    assert(ready.status === 200, `/readyz status ${ready.status}`);
  });

  await check("ECharts is served from our own site", async () => {
    const res = await fetch(`${base}/echarts.min.js`);
    assert(res.status === 200, `status ${res.status}`);
    assert((res.headers.get("content-type") ?? "").includes("javascript"), "content-type");
    assert((await res.text()).length > 100_000, "echarts.min.js too small");
  });

  await check("unknown paths get a 404 page", async () => {
    const res = await fetch(`${base}/no/such/page`);
    assert(res.status === 404, `status ${res.status}`);
  });

  browser = await launchBrowser();

  const admin = { username: "admin", password: "correct horse battery" };

  await check("first run: pages send to setup, and creating the admin signs in", async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    const response = await page.goto(base + "/");
    assert(new URL(page.url()).pathname === "/setup", `landed on ${page.url()}`);
    assert(response.status() === 200, `status ${response.status()}`);
    await page.screenshot({ path: join(output, "setup-desktop.png"), fullPage: true });
    // A too-short password is refused with the reason in words.
    await page.fill("#username", admin.username);
    await page.fill("#password", "short-pw1");
    await page.fill("#confirm", "short-pw1");
    await page.evaluate(() => document.querySelectorAll("input").forEach((i) => i.removeAttribute("minlength")));
    await page.click("#create-admin");
    await page.waitForSelector("#setup-error");
    assert((await page.textContent("#setup-error")).includes("10 characters"), "no password error");
    await page.fill("#username", admin.username);
    await page.fill("#password", admin.password);
    await page.fill("#confirm", admin.password);
    await page.click("#create-admin");
    await page.waitForURL(base + "/");
    assert((await page.textContent("h1")).includes("Dashboard"), "not on the dashboard");
    // The API agrees: the session works there too, and there is no second setup.
    const setup = await (await fetch(`${base}/api/setup`)).json();
    assert(setup.needed === false, "setup still needed");
    await page.close();
  });

  await check("pages and the API refuse callers without a session", async () => {
    const res = await fetch(`${base}/`, { redirect: "manual" });
    assert(res.status === 303, `status ${res.status}`);
    assert(res.headers.get("location").startsWith("/login"), res.headers.get("location"));
    const api = await fetch(`${base}/api/summary/month`);
    assert(api.status === 401, `api status ${api.status}`);
    assert(res.headers.get("content-security-policy")?.includes("frame-ancestors 'none'"), "no CSP");
  });

  await check("login works with JavaScript off, and a wrong password says so", async () => {
    const context = await browser.newContext({ javaScriptEnabled: false });
    const page = await context.newPage();
    await page.goto(base + "/");
    assert(new URL(page.url()).pathname === "/login", `landed on ${page.url()}`);
    await page.fill("#username", admin.username);
    await page.fill("#password", "not the password");
    await page.click("#sign-in");
    await page.waitForSelector("#login-error");
    assert((await page.textContent("#login-error")).includes("Wrong username or password"), "no error text");
    await page.fill("#username", admin.username);
    await page.fill("#password", admin.password);
    await page.click("#sign-in");
    await page.waitForURL(base + "/");
    await page.goto(base + "/system");
    assert((await page.textContent("#db-check-result")).includes("No check run yet"), "system page not rendered");
    await page.click("#sign-out");
    await page.waitForURL((url) => new URL(url).pathname === "/login");
    await context.close();
  });

  for (const [label, viewport] of [
    ["desktop", { width: 1280, height: 800 }],
    ["phone", { width: 375, height: 740 }],
  ]) {
    await check(`the system page hydrates and the database check works (${label})`, async () => {
      const page = await browser.newPage({ viewport });
      const errors = [];
      page.on("pageerror", (err) => errors.push(String(err)));
      page.on("console", (msg) => msg.type() === "error" && errors.push(msg.text()));
      page.on("response", (res) => res.status() >= 400 && errors.push(`${res.status()} ${res.url()}`));
      await page.goto(base + "/");
      assert(new URL(page.url()).pathname === "/login", `landed on ${page.url()}`);
      await page.screenshot({ path: join(output, `login-${label}.png`), fullPage: true });
      await page.fill("#username", admin.username);
      await page.fill("#password", admin.password);
      await page.click("#sign-in");
      await page.waitForURL(base + "/");
      const response = await page.goto(base + "/system");
      assert(response.status() === 200, `status ${response.status()}`);
      const result = page.locator("#db-check-result");
      // Server-rendered text: proves SSR, before any script ran.
      assert((await result.textContent()).includes("No check run yet"), "SSR text missing");
      // Only the hydrated page reacts to the click; keep clicking until it does.
      await waitFor(
        async () => {
          await page.click("#check-db");
          await page.waitForTimeout(300);
          return (await result.textContent()).includes("reachable");
        },
        20_000,
        "the hydrated button to answer",
      );
      const text = await result.textContent();
      assert(/sqlite reachable — \d+ µs/.test(text), `unexpected result text: ${text}`);
      await waitFor(
        async () => (await page.locator("#db-latency-chart canvas").count()) > 0,
        5_000,
        "the ECharts canvas",
      );
      // Design tokens applied: a gray-50 page (Tailwind 4 reports it in lab/oklch, so
      // compare against an element styled with the same token) and a white card.
      const colors = await page.evaluate(() => {
        const probe = document.createElement("div");
        probe.className = "bg-gray-50";
        document.body.appendChild(probe);
        const token = getComputedStyle(probe).backgroundColor;
        probe.remove();
        const card = document.querySelector("section.rounded-xl");
        return {
          body: getComputedStyle(document.body).backgroundColor,
          token,
          card: card && getComputedStyle(card).backgroundColor,
        };
      });
      assert(colors.body === colors.token, `body ${colors.body} is not gray-50 ${colors.token}`);
      assert(!/rgba\(0, 0, 0, 0\)/.test(colors.token), "Tailwind CSS not loaded");
      assert(/rgb\(255, 255, 255\)|lab\(100 0 0\)|oklch\(1 0 0\)/.test(colors.card), `card ${colors.card}`);
      await page.screenshot({ path: join(output, `system-${label}.png`), fullPage: true });
      assert(errors.length === 0, `browser errors: ${errors.join(" | ")}`);
      await page.close();
    });
  }

  await check("SIGTERM stops the server cleanly", async () => {
    wgmik.child.kill("SIGTERM");
    await Promise.race([wgmik.exited, new Promise((r) => setTimeout(r, 10_000))]);
    assert(wgmik.exitCode() === 0, `exit ${wgmik.exitCode()}`);
  });
} catch (err) {
  fail("setup", err);
} finally {
  await browser?.close();
  wgmik.cleanup();
}

process.exit(finish());
