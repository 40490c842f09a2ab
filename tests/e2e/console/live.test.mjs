// The console's live and data-moving parts in a real browser: a running task's log followed
// as it grows, file and directory inputs uploaded from the launch form through the data
// proxy, a dataframe output previewed as a table, and Recover. Screenshots go to
// FLYTEBOX_ARTIFACTS.
import assert from "node:assert/strict";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { closePage, openPage, screenshot, startTarget } from "./harness.mjs";

let opened;
let engine;
let page;
const timeout = 120000;

before(async () => {
  opened = await openPage(startTarget, timeout);
  ({ target: engine, page } = opened);
});

after(() => closePage(opened));

// A workflow file written for one test, run from the engine's temporary folder.
function workflowFile(name, lines) {
  writeFileSync(join(engine.dir, name), lines.join("\n") + "\n");
}

function runHere(file, workflow, ...inputs) {
  return runHereWith([], file, workflow, ...inputs);
}

// The same with options of `pyflyte run` itself (e.g. --name).
function runHereWith(options, file, workflow, ...inputs) {
  const out = engine.pyflyteAt(engine.dir, "run", "--remote", ...options, file, workflow, ...inputs);
  const m = /(http:\/\/\S+\/console\/projects\/\S+\/executions\/[a-z0-9-]+)/.exec(out.replace(/\s*\n\s*/g, ""));
  if (!m) throw new Error(`no console link in pyflyte's output:\n${out}`);
  return m[1];
}

const node = (label, phase) => page.locator(`g.node[data-phase="${phase}"]`, { hasText: label }).first();
const executionPhase = (text) => page.locator(".summary .phase", { hasText: text }).first().waitFor();
// Submits the launch form and waits for the new execution's page; fails at once with the
// form's error when the launch is refused.
async function launchFromForm() {
  const start = page.url();
  await page.locator("form.launch button[type=submit]").click();
  const alert = page.locator("form.launch [role=alert]");
  await Promise.race([
    page.waitForURL((u) => u.href !== start && /\/executions\/[a-z0-9-]+$/.test(u.pathname)),
    alert.waitFor().then(async () => { throw new Error(`the launch failed: ${await alert.textContent()}`); }),
  ]);
}

const outputsSection = () => page.locator("section", { has: page.locator("h2", { hasText: /^Outputs$/ }) });

test("a running task's log grows on the page without a reload", async () => {
  workflowFile("ticker.py", [
    "import time", "from flytekit import task, workflow", "",
    "@task", "def ticker(n: int) -> int:",
    "    for i in range(n):", "        print(f'tick {i}', flush=True)", "        time.sleep(1)", "    return n", "",
    "@workflow", "def ticker_wf(n: int = 30) -> int:", "    return ticker(n=n)",
  ]);
  const link = runHere("ticker.py", "ticker_wf", "--n", "30");
  const ranges = [];
  page.on("request", (r) => { if (r.url().includes("/logs/")) ranges.push(r.headers().range ?? ""); });
  await page.goto(link);
  await node("ticker", "RUNNING").waitFor();
  await page.evaluate(() => { window.__sameDocument = true; });
  await page.locator("g.node", { hasText: "ticker" }).first().click();
  const log = page.locator("pre.logtext");
  await log.filter({ hasText: "tick 1" }).waitFor();
  const early = await log.textContent();
  // Later lines arrive while the task still runs, in the same document (no reload).
  await log.filter({ hasText: "tick 6" }).waitFor();
  assert.ok(await node("ticker", "RUNNING").isVisible(), "the task should still be running");
  assert.equal(await page.evaluate(() => window.__sameDocument), true);
  const later = await log.textContent();
  assert.ok(later.startsWith(early.trimEnd()), `the log was not appended to:\n${early}\n---\n${later}`);
  await page.locator(".log-head .live", { hasText: "following" }).waitFor();
  // After the first read the page asks only for the bytes it has not seen.
  assert.ok(ranges.some((r) => /^bytes=[1-9]\d*-$/.test(r)), `no Range requests: ${JSON.stringify(ranges)}`);
  await screenshot(page, "log-following");
  await page.getByRole("button", { name: "Abort", exact: true }).click();
  await page.getByRole("button", { name: "Abort execution" }).click();
  await executionPhase("Aborted");
});

test("a file chosen in the launch form is uploaded and the workflow reads it", async () => {
  engine.pyflyte("register", "--project", "flytesnacks", "--domain", "development", "--version", "up1", "files.py");
  const local = join(engine.dir, "upload-me.txt");
  writeFileSync(local, "uploaded from the browser");
  await page.goto(`${engine.url}/console/projects/flytesnacks/domains/development/launch_plans/files.file_input_wf`);
  await page.locator('form.launch input[name="f.upload"]').setInputFiles(local);
  await screenshot(page, "launch-file-input");
  await launchFromForm();
  await executionPhase("Succeeded");
  await outputsSection().getByText('"UPLOADED FROM THE BROWSER"').waitFor();
  // The input is the uploaded object, readable through the data proxy.
  const name = page.url().split("/").pop();
  const data = await engine.api(`/api/v1/data/executions/flytesnacks/development/${name}`);
  const uri = data.full_inputs.literals.f.scalar.blob.uri;
  assert.match(uri, /upload-me\.txt$/);
  const signed = await engine.api(`/api/v1/dataproxy/artifact_urn?native_url=${encodeURIComponent(uri)}`);
  assert.equal(await (await fetch(signed.signed_url)).text(), "uploaded from the browser");
  await screenshot(page, "launch-file-input-succeeded");
});

test("a directory chosen in the launch form is uploaded with its files", async () => {
  const dir = join(engine.dir, "numbers");
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, "a.txt"), "5");
  writeFileSync(join(dir, "b.txt"), "7");
  await page.goto(`${engine.url}/console/projects/flytesnacks/domains/development/tasks/files.sum_dir`);
  await page.locator('form.launch input[name="d.upload"]').setInputFiles(dir);
  await launchFromForm();
  await executionPhase("Succeeded");
  await outputsSection().locator("td", { hasText: /^12$/ }).waitFor();
});

test("Recover on a failed execution starts a recovered one that succeeds", async () => {
  // The second task fails in the execution named `fail_in` only, so the recovered execution
  // (a new name, the same inputs) gets past it; this holds in a container too.
  workflowFile("recoverable.py", [
    "import os", "from flytekit import task, workflow", "",
    "@task", "def first(x: int) -> int:", "    return x + 1", "",
    "@task", "def picky(x: int, fail_in: str) -> int:",
    "    if os.environ.get('FLYTE_INTERNAL_EXECUTION_ID') == fail_in:",
    "        raise ValueError(f'refusing to run in {fail_in}')", "    return x * 10", "",
    "@workflow", "def recover_wf(x: int = 1, fail_in: str = '') -> int:",
    "    return picky(x=first(x=x), fail_in=fail_in)",
  ]);
  const name = `rec${Date.now().toString(36)}`;
  const link = runHereWith(["--name", name], "recoverable.py", "recover_wf", "--x", "1", "--fail_in", name);
  assert.ok(link.endsWith(`/${name}`), link);
  await page.goto(link);
  await executionPhase("Failed");
  await node("first", "SUCCEEDED").waitFor();
  const answer = page.waitForResponse((r) => r.url().endsWith("/api/v1/executions/recover"));
  await page.getByRole("button", { name: "Recover", exact: true }).click();
  assert.equal((await answer).status(), 200);
  await page.waitForURL((u) => !u.pathname.endsWith(`/${name}`) && /\/executions\/[a-z0-9-]+$/.test(u.pathname));
  await executionPhase("Succeeded");
  await page.locator(".summary", { hasText: "recovered" }).waitFor();
  await outputsSection().locator("td", { hasText: /^20$/ }).waitFor();
  const recovered = page.url().split("/").pop();
  const e = await engine.api(`/api/v1/executions/flytesnacks/development/${recovered}`);
  assert.equal(e.closure.phase, "SUCCEEDED");
  assert.equal(e.spec.metadata.mode, "RECOVERED");
  await screenshot(page, "recovered");
});

// Native only: the image leaves out pandas and pyarrow (images/python-exclude.txt), so no
// DataFrame task runs in a container; the preview itself is the same page either way.
const inContainer = ["docker", "podman"].includes(process.env.FLYTEBOX_CONSOLE_RUNTIME);
(inContainer ? () => {} : test)("a dataframe output is previewed as a table", async () => {
  const link = engine.run("dataframe.py", "frame_wf", "--n", "25");
  await page.goto(link);
  await executionPhase("Succeeded");
  await page.locator("g.node", { hasText: "make_frame" }).first().click();
  const panel = page.locator("section", { has: page.locator("h2", { hasText: /^Node / }) });
  const table = panel.locator("table.dataframe");
  await table.waitFor();
  assert.deepEqual(await table.locator("thead th").allTextContents(), ["i", "sq"]);
  assert.equal(await table.locator("tbody tr").count(), 20);
  assert.deepEqual(await table.locator("tbody tr").nth(4).locator("td").allTextContents(), ["4", "16"]);
  await panel.getByText("first 20 of 25 rows").waitFor();
  await screenshot(page, "dataframe-preview");
});
