// Nodes on a time axis: one bar per node from its start for its duration.
import { Json } from "../api";
import { elapsed, formatSeconds, parseDuration, phaseClass, terminalNodePhases } from "../format";
import { specNodeId } from "../graph";
import { Phase } from "../ui";

export function Timeline({ nodes, names, selected, onSelect }: { nodes: Json[]; names: Map<string, string>; selected?: string; onSelect: (id: string) => void }) {
  const now = Date.now();
  const rows = nodes
    .filter((n) => !["start-node", "end-node"].includes(n.id?.node_id))
    .map((n) => {
      const c = n.closure ?? {};
      const start = c.started_at ? Date.parse(c.started_at) : undefined;
      const running = !terminalNodePhases.has(c.phase);
      const d = parseDuration(c.duration);
      const end = start === undefined ? undefined : d && d > 0 ? start + d * 1000 : running ? now : start;
      return { n, id: specNodeId(n), start, end, running, c };
    })
    .sort((a, b) => (a.start ?? Infinity) - (b.start ?? Infinity));
  const t0 = Math.min(...rows.map((r) => r.start ?? Infinity));
  const t1 = Math.max(...rows.map((r) => r.end ?? -Infinity));
  const span = isFinite(t0) && isFinite(t1) && t1 > t0 ? t1 - t0 : 1;
  if (rows.length === 0) return null;
  return (
    <table class="grid timeline">
      <thead><tr><th>Node</th><th>Phase</th><th>Duration</th><th>Cache</th><th class="bars">Timeline {isFinite(t0) && <span class="muted">({formatSeconds(span / 1000)})</span>}</th></tr></thead>
      <tbody>
        {rows.map((r) => (
          <tr key={r.n.id.node_id} class={selected === r.id ? "selected" : ""} onClick={() => onSelect(r.id)} data-row={r.id}>
            <td><button class="link">{names.get(r.id) ?? r.id}</button> {names.has(r.id) && names.get(r.id) !== r.id && <span class="muted">{r.id}</span>}</td>
            <td><Phase phase={r.c.phase} /></td>
            <td>{elapsed(r.c.started_at, r.c.duration, r.running, now)}</td>
            <td>{cacheLabel(r.c.task_node_metadata?.cache_status)}</td>
            <td class="bars">
              {r.start !== undefined && (
                <div class={`bar ${phaseClass(r.c.phase)}`}
                  style={{ marginLeft: `${((r.start - t0) / span) * 100}%`, width: `${Math.max(0.5, (((r.end ?? r.start) - r.start) / span) * 100)}%` }} />
              )}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

export function cacheLabel(status: string | undefined): string {
  switch (status) {
    case "CACHE_HIT": return "hit";
    case "CACHE_POPULATED": return "stored";
    case "CACHE_MISS": return "miss";
    case "CACHE_LOOKUP_FAILURE": return "lookup failed";
    case "CACHE_PUT_FAILURE": return "store failed";
    case "CACHE_SKIPPED": return "skipped";
    case "CACHE_EVICTED": return "evicted";
    default: return "";
  }
}
