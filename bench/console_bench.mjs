// Console benchmark (run by scripts/bench-console.sh): bytes a first visit transfers, time
// to a rendered executions list over 10,000 executions, and time to a rendered graph of a
// 1,000-node workflow's execution, in Debian's headless Chromium. Prints a JSON summary.
//   node bench/console_bench.mjs   (env: FLYTEBOX_ENGINE, FLYTEBOX_VENV, BENCH_RUNS, BENCH_EXECUTIONS)
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { Engine, launchBrowser } from "../tests/e2e/console/harness.mjs";

const runs = Number(process.env.BENCH_RUNS || 5);
const executions = Number(process.env.BENCH_EXECUTIONS || 10000);
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const log = (...a) => console.error("==>", ...a);

// CreateExecution, retried when a kept-alive connection was closed under the request (the
// engine's HTTP server closes connections after a few requests); a retry that finds the
// first attempt landed (409) is success.
async function create(engine, body) {
  for (let attempt = 0; ; attempt++) {
    try {
      const res = await fetch(`${engine.url}/api/v1/executions`, {
        method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) });
      if (res.ok || (attempt > 0 && res.status === 409)) return;
      throw new Error(`CreateExecution: ${res.status} ${await res.text()}`);
    } catch (e) {
      if (!(e instanceof TypeError) || attempt >= 3) throw e;
    }
  }
}

const engine = await Engine.start(["--no-executions"]);
try {
  // What the first visit transfers: the index and every asset it names.
  const index = await (await fetch(`${engine.url}/console/`)).text();
  const assets = [...index.matchAll(/(?:src|href)="(\/console\/assets\/[^"]+)"/g)].map((m) => m[1]);
  let raw = Buffer.byteLength(index), gz = gzipSync(index, { level: 9 }).length;
  for (const a of assets) {
    const body = Buffer.from(await (await fetch(engine.url + a)).arrayBuffer());
    raw += body.length;
    gz += gzipSync(body, { level: 9 }).length;
  }
  log(`console: ${raw} bytes, ${gz} gzipped`);

  engine.pyflyte("register", "--project", "flytesnacks", "--domain", "development", "--version", "b1", "hello_world.py");
  const big = join(engine.dir, "big_graph.py");
  writeFileSync(big, [
    "from flytekit import task, workflow", "", "@task", "def noop(x: int) -> int:", "    return x", "",
    "@workflow", "def big_wf() -> None:", "    prev = noop(x=0)",
    "    for i in range(1, 1000):", "        prev = noop(x=prev) if i % 10 == 0 else noop(x=i)", "",
  ].join("\n"));
  engine.pyflyteAt(engine.dir, "register", "--project", "flytesnacks", "--domain", "development", "--version", "b1", "big_graph.py");

  log(`creating ${executions} executions`);
  const lp = { resource_type: "LAUNCH_PLAN", project: "flytesnacks", domain: "development", name: "hello_world.hello_wf", version: "b1" };
  const t0 = Date.now();
  let next = 0;
  await Promise.all(Array.from({ length: 8 }, async () => {
    while (next < executions) {
      const i = next++;
      await create(engine, { project: "flytesnacks", domain: "development", name: `b${i}`, spec: { launch_plan: lp }, inputs: { literals: {} } });
    }
  }));
  log(`created in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  const bigLp = { ...lp, name: "big_graph.big_wf" };
  const bigExec = "big";
  await create(engine, { project: "flytesnacks", domain: "development", name: bigExec, spec: { launch_plan: bigLp }, inputs: { literals: {} } });

  const browser = await launchBrowser();
  const page = await browser.newPage();
  const timeTo = async (url, ready) => {
    await page.goto(url, { waitUntil: "commit" });
    await page.waitForFunction(ready, null, { polling: "raf", timeout: 60000 });
    return page.evaluate(() => performance.now());
  };
  const list = [], graph = [];
  for (let i = 0; i < runs; i++) {
    list.push(await timeTo(`${engine.url}/console/projects/flytesnacks/domains/development/executions`,
      () => document.querySelectorAll("table.executions tbody tr").length === 50));
    graph.push(await timeTo(`${engine.url}/console/projects/flytesnacks/domains/development/executions/${bigExec}`,
      () => document.querySelectorAll("g.node").length === 1002));
  }
  await browser.close();
  console.log(JSON.stringify({
    console_bytes: raw, console_gzip_bytes: gz, executions, runs,
    executions_list_ms: { median: Math.round(median(list)), all: list.map(Math.round) },
    graph_1000_nodes_ms: { median: Math.round(median(graph)), all: graph.map(Math.round) },
  }, null, 2));
} finally {
  engine.stop();
}
