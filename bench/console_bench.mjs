// Console benchmark (run by scripts/bench-console.sh): bytes a first visit transfers, time
// to a rendered executions list over 10,000 executions, and time to a rendered graph of a
// 1,000-node workflow's execution, in Debian's headless Chromium. Prints a JSON summary.
//   node bench/console_bench.mjs   (env: FLYTEBOX_ENGINE, FLYTEBOX_VENV, BENCH_RUNS, BENCH_EXECUTIONS)
import { readdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { gzipSync } from "node:zlib";
import { Engine, launchBrowser } from "../tests/e2e/console/harness.mjs";

const runs = Number(process.env.BENCH_RUNS || 5);
const executions = Number(process.env.BENCH_EXECUTIONS || 10000);
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const summary = (xs) => ({ median: Math.round(median(xs)), all: xs.map(Math.round) });
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
  // What the first visit transfers (the index and every asset it names, preloaded chunks
  // included), and the whole console (every asset: pages with a graph load theirs on first use).
  const index = await (await fetch(`${engine.url}/console/`)).text();
  const named = [...index.matchAll(/(?:src|href)="\/console\/(assets\/[^"]+)"/g)].map((m) => m[1]);
  const dist = join(dirname(process.env.FLYTEBOX_ENGINE), "console/dist");
  const sizes = async (paths) => {
    let r = 0, g = 0;
    for (const a of paths) {
      const body = Buffer.from(await (await fetch(`${engine.url}/console/${a}`)).arrayBuffer());
      if (body.length === 0) throw new Error(`empty asset ${a}`);
      r += body.length;
      g += gzipSync(body, { level: 9 }).length;
    }
    return [r, g];
  };
  const indexGz = gzipSync(index, { level: 9 }).length;
  let [firstRaw, firstGz] = await sizes(named);
  firstRaw += Buffer.byteLength(index);
  firstGz += indexGz;
  let [raw, gz] = await sizes(readdirSync(join(dist, "assets")).map((f) => `assets/${f}`));
  raw += Buffer.byteLength(index);
  gz += indexGz;
  log(`first visit: ${firstRaw} bytes, ${firstGz} gzipped; whole console: ${raw} bytes, ${gz} gzipped`);

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

  // The list's request as the page sends it, from Node: the engine's side of the time
  // (30 requests: a stall on one in a few shows in p90 and max).
  const timeRequest = async () => {
    const url = `${engine.url}/api/v1/executions/flytesnacks/development?limit=50&sort_by.key=created_at&sort_by.direction=DESCENDING`;
    const ms = [];
    for (let i = 0; i < 30; i++) {
      const t = performance.now();
      await (await fetch(url)).text();
      ms.push(performance.now() - t);
    }
    ms.sort((a, b) => a - b);
    return { median: Math.round(ms[15]), p90: Math.round(ms[27]), max: Math.round(ms[29]) };
  };
  const browser = await launchBrowser();
  const page = await browser.newPage();
  // Measured in the page: the first animation frame after the DOM holds the wanted elements
  // (the frame that paints them), as performance.now() from navigation start. The driver's
  // own view (when its polling over the DevTools protocol saw them) is reported beside it.
  await page.addInitScript(() => {
    const seen = {};
    const check = () => {
      const want = { list: () => document.querySelectorAll("table.executions tbody tr").length === 50,
        graph: () => document.querySelectorAll("g.node").length === 1002 };
      for (const [k, f] of Object.entries(want)) {
        if (!seen[k] && f()) {
          seen[k] = true;
          requestAnimationFrame(() => { window.__painted = performance.now(); });
        }
      }
    };
    new MutationObserver(check).observe(document, { childList: true, subtree: true });
  });
  const timeTo = async (url, ready) => {
    await page.goto(url, { waitUntil: "commit" });
    await page.waitForFunction(ready, null, { polling: "raf", timeout: 60000 });
    const driver = await page.evaluate(() => performance.now());
    await page.waitForFunction(() => window.__painted !== undefined);
    return { painted: await page.evaluate(() => window.__painted), driver };
  };
  // Where the list's time goes, from the page's own resource timings: when the script had
  // arrived and when the ListExecutions answer left and arrived.
  const phases = () => page.evaluate(() => {
    const r = performance.getEntriesByType("resource");
    const script = r.find((e) => /\/assets\/app-.*\.js$/.test(e.name));
    const api = r.find((e) => e.name.includes("/api/v1/executions/"));
    const ms = (x) => Math.round(x ?? -1);
    return { script_end: ms(script?.responseEnd), api_start: ms(api?.startTime), api_end: ms(api?.responseEnd) };
  });
  const list = [], graph = [], listPhases = [];
  for (let i = 0; i < runs; i++) {
    list.push(await timeTo(`${engine.url}/console/projects/flytesnacks/domains/development/executions`,
      () => document.querySelectorAll("table.executions tbody tr").length === 50));
    listPhases.push({ ...(await phases()), painted: Math.round(list[i].painted) });
    graph.push(await timeTo(`${engine.url}/console/projects/flytesnacks/domains/development/executions/${bigExec}`,
      () => document.querySelectorAll("g.node").length === 1002));
  }
  await browser.close();
  console.log(JSON.stringify({
    console_bytes: raw, console_gzip_bytes: gz, first_visit_bytes: firstRaw, first_visit_gzip_bytes: firstGz, executions, runs,
    executions_list_ms: summary(list.map((x) => x.painted)),
    executions_list_driver_ms: summary(list.map((x) => x.driver)),
    executions_list_phases: listPhases,
    list_request_ms: await timeRequest(),
    graph_1000_nodes_ms: summary(graph.map((x) => x.painted)),
    graph_1000_nodes_driver_ms: summary(graph.map((x) => x.driver)),
  }, null, 2));
} finally {
  engine.stop();
}
