// The execution graph: a workflow's compiled template (nodes, connections) joined with the
// node executions that ran it, then placed by dagre (layered layout for DAGs, which is what
// a Flyte workflow is; it is small, has no dependencies of its own and runs synchronously,
// so a poll can re-layout without flicker).
import dagre from "@dagrejs/dagre";
import { Json } from "./api";

export type NodeKind =
  | "start"
  | "end"
  | "task"
  | "subworkflow"
  | "launchplan"
  | "branch"
  | "gate"
  | "array"
  | "unknown";

export interface GraphNode {
  id: string;
  label: string;
  kind: NodeKind;
  detail: string; // task name, sub-workflow or launch plan it runs
  phase: string; // of its node execution, UNDEFINED before it runs
  execution?: Json; // the NodeExecution, once there is one
}

export interface GraphEdge {
  from: string;
  to: string;
}

export interface Graph {
  nodes: GraphNode[];
  edges: GraphEdge[];
}

function shortName(ref: Json | undefined): string {
  const name: string = ref?.name ?? "";
  return name.split(".").pop() ?? name;
}

function kindOf(node: Json): [NodeKind, string] {
  if (node.id === "start-node") return ["start", ""];
  if (node.id === "end-node") return ["end", ""];
  if (node.task_node) return ["task", shortName(node.task_node.reference_id)];
  if (node.workflow_node?.sub_workflow_ref) return ["subworkflow", shortName(node.workflow_node.sub_workflow_ref)];
  if (node.workflow_node?.launchplan_ref) return ["launchplan", shortName(node.workflow_node.launchplan_ref)];
  if (node.branch_node) return ["branch", "branch"];
  if (node.gate_node) {
    const g = node.gate_node;
    return ["gate", g.approve ? "approve" : g.signal ? `signal ${g.signal.signal_id ?? ""}` : "sleep"];
  }
  if (node.array_node) return ["array", shortName(node.array_node.node?.task_node?.reference_id) || "map"];
  return ["unknown", ""];
}

// Which template node a node execution belongs to.
export function specNodeId(exec: Json): string {
  return exec.metadata?.spec_node_id || exec.id?.node_id || "";
}

// The graph of `template` (a WorkflowTemplate, with start-node and end-node as the engine
// compiles them) and `connections` (ConnectionSet), with each node's phase taken from
// `executions` (NodeExecutions of that workflow level). Nodes that ran but are not in the
// template (a dynamic workflow's) are added unconnected so they are not lost.
export function buildGraph(template: Json, connections: Json, executions: Json[]): Graph {
  const byNode = new Map<string, Json>();
  for (const e of executions) {
    const id = specNodeId(e);
    const prev = byNode.get(id);
    // Several records for one node (retries of a parent) keep the latest.
    if (!prev || (e.closure?.created_at ?? "") >= (prev.closure?.created_at ?? "")) byNode.set(id, e);
  }
  const nodes: GraphNode[] = [];
  const seen = new Set<string>();
  const add = (id: string, kind: NodeKind, detail: string, label: string) => {
    if (seen.has(id)) return;
    seen.add(id);
    const execution = byNode.get(id);
    nodes.push({ id, label, kind, detail, phase: execution?.closure?.phase ?? "UNDEFINED", execution });
  };
  const templateNodes: Json[] = template?.nodes ?? [];
  const hasStart = templateNodes.some((n) => n.id === "start-node");
  if (!hasStart) add("start-node", "start", "", "start");
  for (const n of templateNodes) {
    const [kind, detail] = kindOf(n);
    // flytekit names a map task's node after a hash ("mod.map_f_<hash>-arraynode"): use the task.
    const label = kind === "start" ? "start" : kind === "end" ? "end"
      : kind === "array" && detail ? `map ${detail}` : n.metadata?.name || n.id;
    add(n.id, kind, detail, label);
  }
  if (!templateNodes.some((n) => n.id === "end-node")) add("end-node", "end", "", "end");
  for (const [id, e] of byNode) {
    if (!seen.has(id)) add(id, e.metadata?.is_parent_node ? "subworkflow" : "task", "", id);
  }

  const edges: GraphEdge[] = [];
  const edgeSeen = new Set<string>();
  const link = (from: string, to: string) => {
    const key = `${from}\u0000${to}`;
    if (from === to || edgeSeen.has(key) || !seen.has(from) || !seen.has(to)) return;
    edgeSeen.add(key);
    edges.push({ from, to });
  };
  const downstream = connections?.downstream ?? {};
  for (const from of Object.keys(downstream)) {
    for (const to of downstream[from]?.ids ?? []) link(from, to);
  }
  if (edges.length === 0) {
    // No connections (an older closure): fall back to upstream ids and start/end.
    for (const n of templateNodes) {
      for (const up of n.upstream_node_ids ?? []) link(up, n.id);
    }
  }
  // Every node reachable from start and reaching end, so the drawing reads top to bottom.
  const hasIn = new Set(edges.map((e) => e.to));
  const hasOut = new Set(edges.map((e) => e.from));
  for (const n of nodes) {
    if (n.kind === "start" || n.kind === "end") continue;
    if (!hasIn.has(n.id)) link("start-node", n.id);
    if (!hasOut.has(n.id)) link(n.id, "end-node");
  }
  return { nodes, edges };
}

export interface Placed {
  width: number;
  height: number;
  nodes: (GraphNode & { x: number; y: number; w: number; h: number })[];
  edges: (GraphEdge & { points: { x: number; y: number }[] })[];
}

export const nodeHeight = 44;

// The second line of a node's box: its kind, and what it runs when that is not its name.
export function nodeSubtitle(n: GraphNode): string {
  return n.detail && n.detail !== n.label ? `${n.kind} · ${n.detail}` : n.kind;
}

export function nodeWidth(n: GraphNode): number {
  if (n.kind === "start" || n.kind === "end") return 64;
  // Bold 12.5px label vs 11px subtitle plus " · " and the phase (at most 11 characters).
  const chars = Math.max(n.label.length * 1.1, nodeSubtitle(n).length + 14);
  return Math.min(280, Math.max(120, 34 + chars * 6.6));
}

// dagre's network-simplex ranking gives the tidiest drawing but grows steeply with size
// (seconds for a 1,000-node tree); past this many nodes the linear longest-path ranking is used.
export const tidyLayoutLimit = 150;

// Positions for every node and a polyline for every edge, left to right.
export function layoutGraph(g: Graph): Placed {
  const dg = new dagre.graphlib.Graph();
  const ranker = g.nodes.length > tidyLayoutLimit ? "longest-path" : "network-simplex";
  dg.setGraph({ rankdir: "LR", nodesep: 18, ranksep: 46, marginx: 12, marginy: 12, ranker });
  dg.setDefaultEdgeLabel(() => ({}));
  for (const n of g.nodes) {
    dg.setNode(n.id, { width: nodeWidth(n), height: n.kind === "start" || n.kind === "end" ? 30 : nodeHeight });
  }
  for (const e of g.edges) dg.setEdge(e.from, e.to);
  dagre.layout(dg);
  const nodes = g.nodes.map((n) => {
    const p = dg.node(n.id);
    return { ...n, x: p.x - p.width / 2, y: p.y - p.height / 2, w: p.width, h: p.height };
  });
  const edges = g.edges.map((e) => ({ ...e, points: (dg.edge(e.from, e.to)?.points ?? []) as { x: number; y: number }[] }));
  const gr = dg.graph();
  return { width: gr.width ?? 0, height: gr.height ?? 0, nodes, edges };
}
