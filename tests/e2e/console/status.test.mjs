// The console's status page on a sandbox started as users start it (`flytebox demo start`):
// the supervisor's components with their state, version and memory, through the engine's
// GET /api/v1/sandbox/status; and what the page says when no supervisor started the engine.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { Engine, Sandbox, closePage, openPage, screenshot } from "./harness.mjs";

let opened;
let sandbox;
let page;

before(async () => {
  opened = await openPage(() => Sandbox.start(process.env.FLYTEBOX_CONSOLE_RUNTIME || "native"), 60000);
  ({ target: sandbox, page } = opened);
});

after(() => closePage(opened));

test("the status page shows the supervisor's components, versions and memory", async () => {
  const status = await (await fetch(`${sandbox.url}/api/v1/sandbox/status`)).json();
  const engine = status.components.find((c) => c.name === "engine");
  assert.ok(engine, JSON.stringify(status));
  await page.goto(`${sandbox.url}/console/status`);
  const row = page.locator('table.components tr[data-component="engine"]');
  await row.waitFor();
  await row.locator(".phase", { hasText: "running" }).waitFor();
  const cells = await row.locator("td").allTextContents();
  assert.equal(cells[2], engine.version || "—");
  assert.match(cells[3], /^\d+(\.\d)? (KB|MB|GB)$/); // resident memory
  assert.equal(cells[7], engine.ports.join(", "));
  // Natively the engine listens on the sandbox's port itself; in a container on 30080, published.
  assert.ok(engine.ports.includes(sandbox.runtime === "native" ? sandbox.port : 30080), JSON.stringify(engine.ports));
  await page.locator('td[data-ready="true"]', { hasText: "ready" }).waitFor();
  await page.locator("tr", { hasText: "Supervisor" }).locator("td", { hasText: status.supervisor.version }).waitFor();
  await screenshot(page, "status");
});

test("an engine started on its own says it has no supervisor", async () => {
  const alone = await Engine.start(["--no-executions"]);
  try {
    const res = await fetch(`${alone.url}/api/v1/sandbox/status`);
    assert.equal(res.status, 404);
    assert.match(await res.text(), /not started by the flytebox supervisor/);
    await page.goto(`${alone.url}/console/status`);
    await page.getByText("This engine was not started by the flytebox supervisor").waitFor();
    await page.locator('td[data-health="ok"]').waitFor();
  } finally {
    alone.stop();
  }
});
