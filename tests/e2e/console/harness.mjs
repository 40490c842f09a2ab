// What the console's browser tests stand on: the real engine on a free port, the real
// pyflyte (the pinned venv) and Debian's Chromium driven by playwright-core (from the
// console's own package-lock.json; no browser is ever downloaded).
import { spawn, spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { createServer, connect } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

export const repo = resolve(dirname(fileURLToPath(import.meta.url)), "../../..");
export const examples = join(repo, "examples");
const cache = process.env.FLYTEBOX_CACHE || join(process.env.XDG_CACHE_HOME || join(process.env.HOME, ".cache"), "flytebox");
const engineBin = process.env.FLYTEBOX_ENGINE || join(repo, "build/embedded/flytebox-engine");
// The CLI finds the engine and the supervisor next to it in the build tree.
const cliBin = process.env.FLYTEBOX_CLI || join(repo, "build/cli/flytebox");
const venv = process.env.FLYTEBOX_VENV || join(cache, "venv");
export const chromiumPath = process.env.FLYTEBOX_CHROMIUM || "/usr/bin/chromium";
export const artifacts = process.env.FLYTEBOX_ARTIFACTS || join(repo, "build/test-artifacts/console");

const require = createRequire(join(repo, "embedded/console/package.json"));
export const { chromium } = require("playwright-core");

function freePort() {
  return new Promise((ok, fail) => {
    const s = createServer();
    s.on("error", fail);
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address();
      s.close(() => ok(port));
    });
  });
}

async function waitForPort(port, proc, ms = 30000) {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (proc.exitCode !== null) throw new Error(`engine exited with ${proc.exitCode}`);
    const up = await new Promise((ok) => {
      const c = connect(port, "127.0.0.1", () => (c.destroy(), ok(true)));
      c.on("error", () => ok(false));
    });
    if (up) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`engine did not listen on ${port} within ${ms} ms`);
}

export class Engine {
  static async start(extraArgs = []) {
    const e = new Engine();
    e.dir = mkdtempSync(join(tmpdir(), "flytebox-console-e2e-"));
    e.port = await freePort();
    e.logPath = join(e.dir, "engine.log");
    const log = openSync(e.logPath, "w");
    // The console is found next to the binary (build tree layout), as users get it.
    e.proc = spawn(engineBin, ["--port", String(e.port), "--data-dir", join(e.dir, "data"), "--python", join(venv, "bin/python"), ...extraArgs],
      { stdio: ["ignore", log, log] });
    await waitForPort(e.port, e.proc);
    e.config = join(e.dir, "config.yaml");
    writeFileSync(e.config, `admin:\n  endpoint: dns:///localhost:${e.port}\n  insecure: true\n`);
    e.url = `http://localhost:${e.port}`;
    return e;
  }

  log() {
    return readFileSync(this.logPath, "utf8");
  }

  // Runs pyflyte with `args` in examples/ against this engine; returns its output, throws
  // with the output when it fails.
  pyflyte(...args) {
    return this.pyflyteAt(examples, ...args);
  }

  pyflyteAt(cwd, ...args) {
    const r = spawnSync(join(venv, "bin/pyflyte"), ["-c", this.config, ...args], {
      cwd,
      env: { ...process.env, FLYTECTL_CONFIG: this.config, COLUMNS: "400" },
      encoding: "utf8",
      timeout: 300000,
    });
    if (r.status !== 0) {
      throw new Error(`pyflyte ${args.join(" ")} failed (${r.status}):\n${r.stdout}\n${r.stderr}\n--- engine log ---\n${this.log().slice(-3000)}`);
    }
    return r.stdout + r.stderr;
  }

  // `pyflyte run --remote` and the console link it printed.
  run(file, workflow, ...inputs) {
    const out = this.pyflyte("run", "--remote", file, workflow, ...inputs);
    const m = /(http:\/\/\S+\/console\/projects\/\S+\/executions\/[a-z0-9-]+)/.exec(out.replace(/\s*\n\s*/g, ""));
    if (!m) throw new Error(`no console link in pyflyte's output:\n${out}`);
    return m[1];
  }

  async api(path, init) {
    const res = await fetch(this.url + path, init);
    if (!res.ok) throw new Error(`${path}: ${res.status} ${await res.text()}`);
    return res.json();
  }

  stop() {
    this.proc.kill("SIGTERM");
    rmSync(this.dir, { recursive: true, force: true });
  }
}

export async function launchBrowser() {
  const userData = mkdtempSync(join(tmpdir(), "flytebox-chromium-"));
  const browser = await chromium.launchPersistentContext(userData, {
    executablePath: chromiumPath,
    headless: true,
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
      "--disable-sync", "--no-first-run"],
    viewport: { width: 1400, height: 1000 },
  });
  // Chromium may still write to its profile just after the close event: remove it then and,
  // failing that, when this process exits.
  const remove = () => rmSync(userData, { recursive: true, force: true, maxRetries: 10, retryDelay: 100 });
  browser.on("close", () => {
    try {
      remove();
    } catch {
      process.once("exit", () => { try { remove(); } catch { /* left in the temp folder */ } });
    }
  });
  return browser;
}

// A browser page over `target` (an Engine or a Sandbox, started by `start()`), for a suite's
// before(); close it with closePage() in its after().
export async function openPage(start, timeout) {
  const target = await start();
  const browser = await launchBrowser();
  const page = await browser.newPage();
  page.setDefaultTimeout(timeout);
  page.on("pageerror", (e) => console.error("page error:", e.message));
  return { target, browser, page };
}

export async function closePage(opened) {
  await opened?.browser?.close();
  opened?.target?.stop();
}

export async function screenshot(page, name) {
  mkdirSync(artifacts, { recursive: true });
  await page.screenshot({ path: join(artifacts, `${name}.png`), fullPage: true });
}

// A sandbox as users start it (`flytebox demo start`): natively (the supervisor with the
// engine under it) or, with `runtime` docker or podman, the image in a container (FLYTEBOX_IMAGE,
// default the CLI's). Its own HOME (so ~/.flyte is a temporary folder), state folder, free
// ports and, in a container, its own container and volume name. Offers what the tests use of
// an Engine: url, dir, config, pyflyte, run, api, log, stop.
export class Sandbox {
  static async start(runtime = "native") {
    const s = new Sandbox();
    s.runtime = runtime;
    s.dir = mkdtempSync(join(tmpdir(), "flytebox-console-sandbox-"));
    s.home = join(s.dir, "home");
    mkdirSync(s.home);
    s.port = await freePort();
    s.env = { ...process.env, HOME: s.home, FLYTEBOX_HOME: join(s.dir, "state") };
    for (const k of ["XDG_DATA_HOME", "FLYTEBOX_RUNTIME", "FLYTECTL_CONFIG"]) delete s.env[k];
    s.common = ["--runtime", runtime];
    const start = ["demo", "start", ...s.common, "--port", String(s.port)];
    if (runtime === "native") {
      start.push("--python", join(venv, "bin/python"));
    } else {
      s.common.push("--name", `flytebox-console-e2e-${process.pid}`);
      start.push("--name", `flytebox-console-e2e-${process.pid}`, "--s3-port", String(await freePort()));
      if (process.env.FLYTEBOX_IMAGE) start.push("--image", process.env.FLYTEBOX_IMAGE);
    }
    s.cli(...start);
    s.config = join(s.home, ".flyte/config-sandbox.yaml");
    s.url = `http://localhost:${s.port}`;
    return s;
  }

  cli(...args) {
    const r = spawnSync(cliBin, args, { env: this.env, encoding: "utf8", timeout: 300000 });
    if (r.status !== 0) throw new Error(`flytebox ${args.join(" ")} failed (${r.status}):\n${r.stdout}\n${r.stderr}`);
    return r.stdout;
  }

  log() {
    const r = spawnSync(cliBin, ["demo", "logs", ...this.common], { env: this.env, encoding: "utf8", timeout: 60000 });
    return r.stdout + r.stderr;
  }

  stop() {
    try {
      // Everything of this sandbox goes: the container and its volume, or the state folder.
      this.cli("demo", "teardown", "--volume", ...this.common);
    } finally {
      rmSync(this.dir, { recursive: true, force: true });
    }
  }
}
for (const m of ["pyflyte", "pyflyteAt", "run", "api"]) Sandbox.prototype[m] = Engine.prototype[m];

// What the browser suites run against: an engine of the build tree on a free port, or, with
// FLYTEBOX_CONSOLE_RUNTIME=native|docker|podman, a sandbox started by `flytebox demo start`.
export function startTarget() {
  const runtime = process.env.FLYTEBOX_CONSOLE_RUNTIME;
  return runtime ? Sandbox.start(runtime) : Engine.start();
}
