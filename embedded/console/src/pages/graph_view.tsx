// The execution's DAG drawn as SVG from the dagre layout.
import { useMemo } from "preact/hooks";
import { phaseClass, phaseLabel } from "../format";
import { Graph, layoutGraph, nodeSubtitle } from "../graph";

// `phases` off: a workflow's shape only (no execution behind it).
export function GraphView({ graph, selected, onSelect, phases = true }: { graph: Graph; selected?: string; onSelect: (id: string) => void; phases?: boolean }) {
  // Layout depends only on the structure; phases change colour without moving anything.
  const key = graph.nodes.map((n) => n.id + ":" + n.label).join(",") + "|" + graph.edges.map((e) => e.from + ">" + e.to).join(",");
  const placed = useMemo(() => layoutGraph(graph), [key]);
  const byId = new Map(graph.nodes.map((n) => [n.id, n]));
  return (
    <div class="graph">
      <svg width={placed.width} height={placed.height} viewBox={`0 0 ${placed.width} ${placed.height}`} role="img" aria-label="execution graph">
        <defs>
          <marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse">
            <path d="M 0 0 L 10 5 L 0 10 z" class="arrowhead" />
          </marker>
        </defs>
        {placed.edges.map((e) => (
          <polyline key={e.from + ">" + e.to} class="edge" marker-end="url(#arrow)"
            points={e.points.map((p) => `${p.x},${p.y}`).join(" ")} />
        ))}
        {placed.nodes.map((p) => {
          const n = byId.get(p.id) ?? p;
          const round = p.kind === "start" || p.kind === "end";
          return (
            <g key={p.id} class={`node ${phaseClass(n.phase)} ${p.kind}${selected === p.id ? " selected" : ""}`}
              transform={`translate(${p.x},${p.y})`} data-node={p.id} data-phase={n.phase}
              onClick={() => !round && onSelect(p.id)}>
              <title>{`${p.label}${p.detail ? " (" + p.detail + ")" : ""}${phases ? ": " + phaseLabel(n.phase) : ""}`}</title>
              <rect width={p.w} height={p.h} rx={round ? p.h / 2 : 6} />
              {round ? (
                <text x={p.w / 2} y={p.h / 2 + 4} text-anchor="middle" class="label">{p.label}</text>
              ) : (
                <>
                  <circle cx={12} cy={p.h / 2} r={4.5} class="dot" />
                  <text x={24} y={18} class="label">{clip(p.label, p.w, 7.2)}</text>
                  <text x={24} y={34} class="detail">{clip(phases ? `${nodeSubtitle(p)} · ${phaseLabel(n.phase)}` : nodeSubtitle(p), p.w, 5.9)}</text>
                </>
              )}
            </g>
          );
        })}
      </svg>
    </div>
  );
}

function clip(s: string, width: number, charWidth: number): string {
  const max = Math.floor((width - 30) / charWidth);
  return s.length > max ? s.slice(0, Math.max(1, max - 1)) + "…" : s;
}
