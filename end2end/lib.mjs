// Shared pieces of the browser tests: a tiny check runner, waiting, free ports, starting the
// wgmik binary and the RouterOS simulator as real processes, and launching Debian's Chromium
// with the flags this closed network needs (TOOLCHAIN.md).
import { spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";

export const root = join(dirname(fileURLToPath(import.meta.url)), "..");
export const output = join(root, "end2end/output");
mkdirSync(output, { recursive: true });

export function runner() {
  const results = [];
  return {
    async check(name, fn) {
      try {
        await fn();
        results.push({ name, ok: true });
        console.log(`ok   ${name}`);
      } catch (err) {
        results.push({ name, ok: false });
        console.log(`FAIL ${name}\n     ${err?.stack ?? err}`);
      }
    },
    fail(name, err) {
      results.push({ name, ok: false });
      console.log(`FAIL ${name}\n     ${err?.stack ?? err}`);
    },
    finish() {
      const failed = results.filter((r) => !r.ok);
      console.log(`${results.length - failed.length} passed, ${failed.length} failed`);
      return failed.length === 0 ? 0 : 1;
    },
  };
}

export function assert(cond, msg) {
  if (!cond) throw new Error(msg);
}

export function freePort() {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

export async function waitFor(fn, timeoutMs, what) {
  const deadline = Date.now() + timeoutMs;
  let last;
  while (Date.now() < deadline) {
    try {
      if (await fn()) return;
    } catch (err) {
      last = err;
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`timed out waiting for ${what}${last ? `: ${last}` : ""}`);
}

/** Starts `wgmik serve` on a free port with an empty data directory (SQLite). */
export async function startWgmik() {
  const binary = process.env.WGMIK_BIN ?? join(root, "target/release/wgmik");
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const dataDir = mkdtempSync(join(tmpdir(), "wgmik-e2e-"));
  const child = spawn(binary, ["serve", "--bind", `127.0.0.1:${port}`, "--data-dir", dataDir], {
    cwd: root,
    env: { ...process.env, RUST_LOG: "warn", DATABASE_URL: "" },
    stdio: ["ignore", "inherit", "inherit"],
  });
  let exitCode = null;
  const exited = new Promise((resolve) =>
    child.on("exit", (code, signal) => {
      exitCode = code ?? signal;
      resolve();
    }),
  );
  await waitFor(async () => (await fetch(`${base}/healthz`)).ok, 30_000, "/healthz");
  return {
    base,
    child,
    exited,
    exitCode: () => exitCode,
    cleanup() {
      if (exitCode === null) child.kill("SIGKILL");
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/**
 * Starts the `routeros-sim` binary (built by `cargo test --workspace` into target/check) and
 * reads its one JSON line per router: ports, credentials and the certificate's SHA-256.
 */
export async function startSimulator(args) {
  const binary =
    process.env.ROUTEROS_SIM_BIN ?? join(root, "target/check/debug/routeros-sim");
  const controlPort = await freePort();
  const child = spawn(binary, ["--control-port", String(controlPort), ...args], {
    cwd: root,
    env: { ...process.env, RUST_LOG: "warn" },
    stdio: ["ignore", "pipe", "inherit"],
  });
  const routers = [];
  const wanted = Number(args[args.indexOf("--routers") + 1] ?? 1) || 1;
  const lines = createInterface({ input: child.stdout });
  await new Promise((resolve, reject) => {
    child.on("exit", (code) => reject(new Error(`routeros-sim exited with ${code}`)));
    lines.on("line", (line) => {
      routers.push(JSON.parse(line));
      if (routers.length === wanted) resolve();
    });
  });
  const control = `http://127.0.0.1:${controlPort}`;
  await waitFor(async () => (await fetch(`${control}/health`)).ok, 10_000, "simulator control API");
  return {
    routers,
    control,
    async peers(router) {
      return (await fetch(`${control}/routers/${router}/peers`)).json();
    },
    async advance(seconds) {
      const res = await fetch(`${control}/advance`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ seconds }),
      });
      assert(res.ok, `advance: ${res.status}`);
    },
    stop() {
      child.kill("SIGTERM");
    },
  };
}

export async function launchBrowser() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
}

/** Collects page errors, console errors and failed responses, to assert a clean page. */
export function watchErrors(page) {
  const errors = [];
  page.on("pageerror", (err) => errors.push(String(err)));
  page.on("console", (msg) => msg.type() === "error" && errors.push(msg.text()));
  page.on("response", (res) => res.status() >= 400 && errors.push(`${res.status()} ${res.url()}`));
  return errors;
}

export const viewports = [
  ["desktop", { width: 1280, height: 800 }],
  ["phone", { width: 375, height: 740 }],
];

/**
 * Opens `url` and waits until the app has hydrated (`App` sets `<body data-hydrated>`): until
 * then a click is a plain form post or nothing, and text typed into a field is replaced by
 * the hydrated field's own value. Each page's code is a lazily loaded wasm chunk, so hydration
 * can come a second or more after the HTML.
 */
export async function gotoHydrated(page, url) {
  const response = await page.goto(url);
  await page.waitForSelector("body[data-hydrated]", { state: "attached", timeout: 30_000 });
  return response;
}
