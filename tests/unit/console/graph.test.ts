// The console's graph building, layout and routes (embedded/console/src/{graph,router}.ts).
import assert from "node:assert/strict";
import { test } from "node:test";
import { buildGraph, layoutGraph } from "../../../embedded/console/src/graph";
import { parseRoute } from "../../../embedded/console/src/router";
import { executionFilters } from "../../../embedded/console/src/pages/executions";

const template = {
  nodes: [
    { id: "start-node" },
    { id: "n0", metadata: { name: "say_hello" }, task_node: { reference_id: { name: "wf.say_hello" } } },
    { id: "n1", metadata: { name: "count" }, task_node: { reference_id: { name: "wf.count" } } },
    { id: "n2", metadata: { name: "sub" }, workflow_node: { sub_workflow_ref: { name: "wf.sub" } } },
    { id: "g", gate_node: { approve: { signal_id: "ok" } } },
    { id: "end-node" },
  ],
};
const connections = {
  downstream: {
    "start-node": { ids: ["n0"] },
    n0: { ids: ["n1", "n2"] },
    n1: { ids: ["g"] },
    n2: { ids: ["end-node"] },
    g: { ids: ["end-node"] },
  },
};
const exec = (id: string, phase: string, created = "2024-01-01T00:00:00Z") => ({
  id: { node_id: id },
  metadata: { spec_node_id: id },
  closure: { phase, created_at: created },
});

test("nodes carry kinds, labels and the phase of their execution", () => {
  const g = buildGraph(template, connections, [exec("n0", "SUCCEEDED"), exec("n1", "RUNNING")]);
  const byId = Object.fromEntries(g.nodes.map((n) => [n.id, n]));
  assert.deepEqual(Object.keys(byId), ["start-node", "n0", "n1", "n2", "g", "end-node"]);
  assert.equal(byId.n0.label, "say_hello");
  assert.equal(byId.n0.kind, "task");
  assert.equal(byId.n0.detail, "say_hello");
  assert.equal(byId.n0.phase, "SUCCEEDED");
  assert.equal(byId.n1.phase, "RUNNING");
  assert.equal(byId.n2.kind, "subworkflow");
  assert.equal(byId.n2.phase, "UNDEFINED");
  assert.equal(byId.g.kind, "gate");
  assert.equal(byId.g.detail, "approve");
  assert.equal(g.edges.length, 6);
  assert.ok(g.edges.some((e) => e.from === "n0" && e.to === "n2"));
});

test("a map task's node is named after its task", () => {
  const t = { nodes: [{ id: "n0", metadata: { name: "m.map_sq_6b3f-arraynode" }, array_node: { node: { task_node: { reference_id: { name: "m.map_sq_1f2210850ffce76071ffac74a263152a-arraynode" } } } } }] };
  const n = buildGraph(t, undefined, []).nodes.find((x) => x.id === "n0");
  assert.equal(n?.label, "map sq");
  assert.equal(n?.kind, "array");
});

test("the latest record of a node wins; unknown executed nodes are kept", () => {
  const g = buildGraph(template, connections, [
    exec("n0", "FAILED", "2024-01-01T00:00:00Z"),
    exec("n0", "SUCCEEDED", "2024-01-01T00:00:09Z"),
    exec("dyn-0", "RUNNING"),
  ]);
  assert.equal(g.nodes.find((n) => n.id === "n0")?.phase, "SUCCEEDED");
  const extra = g.nodes.find((n) => n.id === "dyn-0");
  assert.equal(extra?.phase, "RUNNING");
  assert.ok(g.edges.some((e) => e.from === "start-node" && e.to === "dyn-0"));
  assert.ok(g.edges.some((e) => e.from === "dyn-0" && e.to === "end-node"));
});

test("without connections, upstream ids and start/end make the edges", () => {
  const t = { nodes: [{ id: "a", task_node: {} }, { id: "b", task_node: {}, upstream_node_ids: ["a"] }] };
  const g = buildGraph(t, undefined, []);
  const edges = g.edges.map((e) => `${e.from}>${e.to}`).sort();
  assert.deepEqual(edges, ["a>b", "b>end-node", "start-node>a"]);
});

test("layout places every node left to right without overlaps", () => {
  const placed = layoutGraph(buildGraph(template, connections, []));
  const pos = Object.fromEntries(placed.nodes.map((n) => [n.id, n]));
  assert.ok(pos["start-node"].x < pos.n0.x);
  assert.ok(pos.n0.x < pos.n1.x && pos.n1.x < pos.g.x && pos.g.x < pos["end-node"].x);
  for (const a of placed.nodes) {
    for (const b of placed.nodes) {
      if (a.id >= b.id) continue;
      const apart = a.x + a.w <= b.x || b.x + b.w <= a.x || a.y + a.h <= b.y || b.y + b.h <= a.y;
      assert.ok(apart, `${a.id} overlaps ${b.id}`);
    }
  }
  assert.equal(placed.edges.length, 6);
  for (const e of placed.edges) assert.ok(e.points.length >= 2);
  assert.ok(placed.width > 0 && placed.height > 0);
});

test("a 1,000-node graph lays out in layers without overlaps", () => {
  const nodes = [{ id: "start-node" }, ...Array.from({ length: 1000 }, (_, i) => ({ id: `n${i}`, task_node: {}, upstream_node_ids: i ? [`n${Math.floor((i - 1) / 2)}`] : [] })), { id: "end-node" }];
  const g = buildGraph({ nodes }, undefined, []);
  const placed = layoutGraph(g);
  assert.equal(placed.nodes.length, 1002);
  assert.equal(placed.edges.length, g.edges.length);
  const pos = new Map(placed.nodes.map((n) => [n.id, n]));
  for (const e of placed.edges) assert.ok(pos.get(e.from)!.x + pos.get(e.from)!.w <= pos.get(e.to)!.x, `${e.from} before ${e.to}`);
  // Within a layer (same x), boxes do not overlap.
  const byX = new Map<number, { y: number; h: number }[]>();
  for (const n of placed.nodes) (byX.get(n.x) ?? byX.set(n.x, []).get(n.x)!).push(n);
  for (const col of byX.values()) {
    col.sort((a, b) => a.y - b.y);
    for (let i = 1; i < col.length; i++) assert.ok(col[i - 1].y + col[i - 1].h <= col[i].y);
  }
  for (const n of placed.nodes) assert.ok(n.x + n.w <= placed.width && n.y + n.h <= placed.height);
});

test("every URL flytekit prints maps to its page", () => {
  assert.deepEqual(parseRoute("/console"), { page: "projects" });
  assert.deepEqual(parseRoute("/console/"), { page: "projects" });
  assert.deepEqual(parseRoute("/console/projects/flytesnacks/domains/development/executions/abc"),
    { page: "execution", project: "flytesnacks", domain: "development", name: "abc" });
  assert.deepEqual(parseRoute("/console/projects/p/executions"), { page: "executions", project: "p", domain: "development" });
  assert.deepEqual(parseRoute("/console/projects/p/executions", "?domain=staging"), { page: "executions", project: "p", domain: "staging" });
  assert.deepEqual(parseRoute("/console/projects/p/domains/d/workflow/wf.hello/version/v1"),
    { page: "entity", project: "p", domain: "d", kind: "workflows", name: "wf.hello", version: "v1" });
  assert.deepEqual(parseRoute("/console/projects/p/domains/d/task/t1/version/v%2F2"),
    { page: "entity", project: "p", domain: "d", kind: "tasks", name: "t1", version: "v/2" });
  assert.deepEqual(parseRoute("/console/projects/p/domains/d/launch_plans/lp"),
    { page: "entity", project: "p", domain: "d", kind: "launch_plans", name: "lp", version: undefined });
  assert.deepEqual(parseRoute("/console/projects/p/domains/d/tasks"), { page: "entities", project: "p", domain: "d", kind: "tasks" });
  assert.deepEqual(parseRoute("/console/status"), { page: "status" });
  assert.equal(parseRoute("/console/nope").page, "notfound");
});

test("execution filters", () => {
  assert.equal(executionFilters({}), "");
  assert.equal(executionFilters({ phase: "FAILED", name: " " }), "eq(phase,FAILED)");
  assert.equal(executionFilters({ phase: "RUNNING", name: " ab(c) " }), "eq(phase,RUNNING)+contains(execution_name,abc)");
  assert.equal(executionFilters({ launchPlan: "hello+", after: "2024-01-02T03:04:05Z" }),
    "contains(launch_plan.name,hello)+gte(execution_created_at,2024-01-02T03:04:05.000Z)");
  assert.equal(executionFilters({ after: "not a time" }), "");
});
