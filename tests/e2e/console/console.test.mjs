// The web console in a real browser: the links pyflyte prints, what a person sees on them
// (graph nodes and phases, outputs, logs, errors), and the console's actions (launch,
// abort, approve). Screenshots go to FLYTEBOX_ARTIFACTS.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { closePage, openPage, screenshot, startTarget } from "./harness.mjs";

let opened;
let engine;
let page;
const timeout = 90000;

before(async () => {
  opened = await openPage(startTarget, timeout);
  ({ target: engine, page } = opened);
});

after(() => closePage(opened));

// The graph node `label` once it shows `phase`.
async function nodeInPhase(label, phase) {
  const node = page.locator(`g.node[data-phase="${phase}"]`, { hasText: label });
  await node.first().waitFor();
  return node.first();
}

async function executionPhase(text) {
  await page.locator(".summary .phase", { hasText: text }).first().waitFor();
}

test("the engine serves the console with caching headers and SPA fallback", async () => {
  const index = await fetch(`${engine.url}/console/projects/x/domains/y/executions/z`);
  assert.equal(index.status, 200);
  assert.equal(index.headers.get("cache-control"), "no-cache");
  assert.match(index.headers.get("content-type"), /^text\/html/);
  const html = await index.text();
  const js = /src="(\/console\/assets\/app-[^"]+\.js)"/.exec(html);
  assert.ok(js, html);
  const asset = await fetch(engine.url + js[1]);
  assert.equal(asset.status, 200);
  assert.match(asset.headers.get("content-type"), /^application\/javascript/);
  // Sent as is: the engine's HTTP server would compress with Brotli at its slowest setting.
  assert.equal(asset.headers.get("content-encoding"), null);
  assert.match(asset.headers.get("cache-control"), /immutable/);
  assert.equal((await fetch(`${engine.url}/console/assets/app-missing.js`)).status, 404);
});

test("a typed workflow's link shows its graph, phases, outputs and logs", async () => {
  const link = engine.run("typed_pipeline.py", "typed_wf", "--n", "4", "--label", "console");
  await page.goto(link);
  for (const name of ["make_numbers", "summarize", "describe"]) await nodeInPhase(name, "SUCCEEDED");
  await executionPhase("Succeeded");
  const outputs = page.locator("section", { has: page.locator("h2", { hasText: /^Outputs$/ }) });
  await outputs.getByText('"console: 4 numbers, total 12.0"').waitFor();
  await page.locator("g.node", { hasText: "summarize" }).click();
  const panel = page.locator("section", { has: page.locator("h2", { hasText: /^Node / }) });
  await panel.locator("table.values th", { hasText: "total" }).waitFor();
  await panel.locator("table.values th", { hasText: "numbers" }).waitFor();
  await panel.locator(".attempt .phase", { hasText: "Succeeded" }).waitFor();
  await panel.locator(".log-head", { hasText: "Task log" }).waitFor();
  await screenshot(page, "typed-workflow");

  // Relaunch: a new execution with the same inputs, opened in place.
  const first = page.url();
  await page.getByRole("button", { name: "Relaunch" }).click();
  await page.waitForURL((u) => u.href !== first && /\/executions\/[a-z0-9-]+$/.test(u.pathname));
  await executionPhase("Succeeded");
  await page.getByText('"console: 4 numbers, total 12.0"').first().waitFor();
});

test("a file output downloads through the data proxy", async () => {
  const link = engine.run("files.py", "files_wf", "--text", "from the console");
  await page.goto(link);
  await executionPhase("Succeeded");
  const outputs = page.locator("section", { has: page.locator("h2", { hasText: /^Outputs$/ }) });
  await outputs.getByText('"FROM THE CONSOLE"').waitFor();
  const popup = page.waitForEvent("popup");
  await outputs.getByRole("button", { name: "download" }).click();
  await (await popup).close();
  const href = await outputs.locator("a.signed").getAttribute("href");
  const res = await fetch(href);
  assert.equal(res.status, 200);
  assert.equal(await res.text(), "FROM THE CONSOLE");
  await screenshot(page, "file-output");
});

test("a failed node shows the user's error", async () => {
  const link = engine.run("behaviours.py", "failing_wf", "--x", "3");
  await page.goto(link);
  await nodeInPhase("broken", "FAILED");
  await executionPhase("Failed");
  await page.locator(".failure", { hasText: "the input 3 is not acceptable" }).first().waitFor();
  await page.locator("g.node", { hasText: "broken" }).click();
  await page.locator(".attempt .failure", { hasText: "ValueError" }).first().waitFor();
  // The task's log as the engine recorded it: flytekit's report of the exception.
  await page.locator("pre.logtext", { hasText: "the input 3 is not acceptable" }).first().waitFor();
  await screenshot(page, "failed-node");
});

test("the launch form starts an execution that succeeds", async () => {
  engine.run("hello_world.py", "hello_wf"); // registers the workflow and its launch plan
  await page.goto(`${engine.url}/console/projects/flytesnacks/domains/development/launch_plans/hello_world.hello_wf`);
  const name = page.locator('form.launch input[name="name"]');
  await name.waitFor();
  assert.equal(await name.inputValue(), "world");
  await name.fill("console");
  await screenshot(page, "launch-form");
  await page.locator("form.launch button[type=submit]").click();
  await page.waitForURL(/\/executions\/[a-z0-9-]+$/);
  await nodeInPhase("say_hello", "SUCCEEDED");
  await page.getByText('"Hello, console!"').first().waitFor();
  const r = await engine.api(`/api/v1/executions/flytesnacks/development?limit=100`);
  const mine = r.executions.find((e) => page.url().endsWith(e.id.name));
  assert.equal(mine.closure.phase, "SUCCEEDED");
  assert.equal(mine.spec.metadata.principal, "console");
});

test("a launch plan is activated and deactivated", async () => {
  const lp = `/console/projects/flytesnacks/domains/development/launch_plans/hello_world.hello_wf`;
  await page.goto(engine.url + lp);
  const state = async () => {
    const r = await engine.api("/api/v1/active_launch_plans/flytesnacks/development?limit=10");
    return (r.launch_plans ?? []).map((l) => l.id.name);
  };
  await page.getByRole("button", { name: "Activate" }).click();
  await page.locator('b[data-state="ACTIVE"]').waitFor();
  assert.deepEqual(await state(), ["hello_world.hello_wf"]);
  await page.getByRole("button", { name: "Deactivate" }).click();
  await page.locator('b[data-state="INACTIVE"]').waitFor();
  assert.deepEqual(await state(), []);
});

test("a bad launch input is refused in the form", async () => {
  await page.goto(`${engine.url}/console/projects/flytesnacks/domains/development/launch_plans/typed_pipeline.typed_wf`);
  await page.locator('form.launch input[name="n"]').fill("four");
  await page.locator("form.launch button[type=submit]").click();
  await page.getByText("'four' is not an integer").waitFor();
});

test("a running execution is aborted with a cause", async () => {
  const link = engine.run("behaviours.py", "sleepy_wf", "--seconds", "600");
  await page.goto(link);
  await nodeInPhase("sleepy", "RUNNING");
  await page.getByRole("button", { name: "Abort", exact: true }).click();
  await page.locator('input[name="cause"]').fill("stopped by the browser test");
  await page.getByRole("button", { name: "Abort execution" }).click();
  await executionPhase("Aborted");
  await page.locator(".failure", { hasText: "stopped by the browser test" }).waitFor();
  await screenshot(page, "aborted");
});

test("a gate is approved from the node panel", async () => {
  const link = engine.run("control_flow.py", "gate_wf", "--x", "3");
  await page.goto(link);
  const gate = page.locator('g.node.gate[data-phase="RUNNING"]', { hasText: "approve-double" });
  await gate.waitFor();
  await gate.click();
  await page.getByRole("button", { name: "Approve", exact: true }).click();
  await executionPhase("Succeeded");
  const outputs = page.locator("section", { has: page.locator("h2", { hasText: /^Outputs$/ }) });
  await outputs.locator("td", { hasText: "12" }).first().waitFor();
  await screenshot(page, "gate-approved");
});

test("a dynamic node expands into the workflow it generated", async () => {
  const link = engine.run("control_flow.py", "dynamic_wf", "--n", "3");
  await page.goto(link);
  await nodeInPhase("fan_out", "SUCCEEDED");
  await page.locator("g.node", { hasText: "fan_out" }).click();
  const inner = page.locator(".children .graph");
  await inner.locator('g.node[data-phase="SUCCEEDED"]', { hasText: "total" }).waitFor();
  await page.waitForFunction(() =>
    document.querySelectorAll('.children g.node[data-phase="SUCCEEDED"]').length === 4); // 3 × double, total
  await screenshot(page, "dynamic");
});

test("a map task's elements show with their phases and logs", async () => {
  const link = engine.run("map_tasks.py", "tolerant_map_wf");
  await page.goto(link);
  await executionPhase("Succeeded");
  await page.locator("g.node", { hasText: "map fragile" }).click();
  const rows = page.locator("table.elements tbody tr");
  await rows.nth(7).waitFor();
  assert.equal(await rows.count(), 8);
  assert.equal(await page.locator("table.elements .phase", { hasText: "Failed" }).count(), 2);
  await page.getByText('"6 of 8, sum 24"').waitFor();
  await screenshot(page, "map-task");
});

test("the executions list shows every run and filters by phase", async () => {
  await page.goto(`${engine.url}/console/projects/flytesnacks/executions`);
  await page.locator("table.executions tbody tr").nth(8).waitFor();
  await screenshot(page, "executions");
  await page.locator('select[name="phase"]').selectOption("FAILED");
  await page.waitForFunction(() => {
    const rows = [...document.querySelectorAll("table.executions tbody tr")];
    return rows.length === 1 && rows[0].textContent.includes("Failed");
  });
  await page.locator('select[name="phase"]').selectOption("");
  await page.locator('input[name="launch_plan"]').fill("hello_world");
  await page.waitForFunction(() => {
    const rows = [...document.querySelectorAll("table.executions tbody tr")];
    return rows.length === 2 && rows.every((r) => r.textContent.includes("hello_world.hello_wf"));
  });
});

test("a workflow's page shows its interface and graph", async () => {
  const wf = (await engine.api("/api/v1/workflows/flytesnacks/development/typed_pipeline.typed_wf?limit=1")).workflows[0];
  await page.goto(`${engine.url}/console/projects/flytesnacks/domains/development/workflow/typed_pipeline.typed_wf/version/${wf.id.version}`);
  const scale = page.locator("table.interface tr", { has: page.locator("code", { hasText: /^scale$/ }) });
  await scale.locator("td", { hasText: /^float$/ }).waitFor();
  await page.locator("g.node", { hasText: "summarize" }).waitFor();
  await screenshot(page, "workflow");
});
