import { useState } from "preact/hooks";
import { get, Json, paths, query } from "../api";
import { elapsed, executionPhases, formatTime, modeLabel, phaseLabel, terminalExecutionPhases } from "../format";
import { usePoll } from "../hooks";
import { links } from "../router";
import { ErrorText, Loading, Phase, ScopeNav, Section } from "../ui";

const pageSize = 50;

export interface ExecutionQuery {
  phase?: string;
  name?: string; // part of the execution's name
  launchPlan?: string; // part of its launch plan's name (a workflow's default one has its name)
  after?: string; // created at or after this local date-time (datetime-local input)
}

// FlyteAdmin's `filters` parameter for a query; characters of its syntax are dropped from text.
export function executionFilters(q: ExecutionQuery): string {
  const clean = (s?: string) => (s ?? "").trim().replace(/[(),+]/g, "");
  const parts: string[] = [];
  if (q.phase) parts.push(`eq(phase,${q.phase})`);
  if (clean(q.name)) parts.push(`contains(execution_name,${clean(q.name)})`);
  if (clean(q.launchPlan)) parts.push(`contains(launch_plan.name,${clean(q.launchPlan)})`);
  if (q.after) {
    const t = new Date(q.after);
    if (!isNaN(t.getTime())) parts.push(`gte(execution_created_at,${t.toISOString()})`);
  }
  return parts.join("+");
}

function target(e: Json): { text: string; href?: string } {
  const lp = e.spec?.launch_plan ?? {};
  const s = e.id;
  if (lp.resource_type === "TASK") return { text: lp.name, href: links.entity(s.project, s.domain, "tasks", lp.name) };
  if (lp.name?.startsWith(".flytegen.")) return { text: lp.name.slice(10), href: links.entity(s.project, s.domain, "tasks", lp.name.slice(10)) };
  return { text: lp.name ?? "", href: lp.name ? links.entity(s.project, s.domain, "launch_plans", lp.name) : undefined };
}

export function ExecutionsPage({ project, domain }: { project: string; domain: string }) {
  const [q, setQ] = useState<ExecutionQuery>({});
  const [tokens, setTokens] = useState<string[]>([""]); // token of each page seen so far
  const token = tokens[tokens.length - 1];
  const filters = executionFilters(q);
  const r = usePoll(
    () =>
      get(
        paths.executions({ project, domain }) +
          query({ limit: pageSize, token, filters, "sort_by.key": "created_at", "sort_by.direction": "DESCENDING" }),
      ),
    [project, domain, token, filters],
    3000,
  );
  const list: Json[] = r.data?.executions ?? [];
  const next: string = r.data?.token ?? "";
  const reset = () => setTokens([""]);
  return (
    <div>
      <ScopeNav project={project} domain={domain} current="executions" />
      <Section title="Executions">
        <div class="filters">
          <label>
            Phase{" "}
            <select value={q.phase ?? ""} onChange={(e) => { setQ({ ...q, phase: (e.target as HTMLSelectElement).value }); reset(); }} name="phase">
              <option value="">any</option>
              {executionPhases.filter((p) => p !== "UNDEFINED").map((p) => <option key={p} value={p}>{phaseLabel(p)}</option>)}
            </select>
          </label>
          <label>
            Name{" "}
            <input type="search" name="name" placeholder="contains…" value={q.name ?? ""}
              onInput={(e) => { setQ({ ...q, name: (e.target as HTMLInputElement).value }); reset(); }} />
          </label>
          <label>
            Launch plan{" "}
            <input type="search" name="launch_plan" placeholder="contains…" value={q.launchPlan ?? ""}
              onInput={(e) => { setQ({ ...q, launchPlan: (e.target as HTMLInputElement).value }); reset(); }} />
          </label>
          <label>
            Since{" "}
            <input type="datetime-local" name="after" value={q.after ?? ""}
              onInput={(e) => { setQ({ ...q, after: (e.target as HTMLInputElement).value }); reset(); }} />
          </label>
          <span class="pager">
            <span class="muted">page {tokens.length}</span>
            <button disabled={tokens.length <= 1} onClick={() => setTokens(tokens.slice(0, -1))}>‹ Newer</button>
            <button disabled={!next} onClick={() => setTokens([...tokens, next])}>Older ›</button>
          </span>
        </div>
        <ErrorText error={r.error} />
        {r.loading && !r.data && <Loading what="executions" />}
        <table class="grid executions">
          <thead>
            <tr><th>Name</th><th>Phase</th><th>Started</th><th>Duration</th><th>Launch plan / task</th><th>Mode</th><th>User</th></tr>
          </thead>
          <tbody>
            {list.map((e) => {
              const c = e.closure ?? {};
              const t = target(e);
              return (
                <tr key={e.id.name} data-execution={e.id.name}>
                  <td><a href={links.execution(project, domain, e.id.name)}>{e.id.name}</a></td>
                  <td><Phase phase={c.phase} /></td>
                  <td>{formatTime(c.started_at || c.created_at)}</td>
                  <td>{elapsed(c.started_at, c.duration, !terminalExecutionPhases.has(c.phase))}</td>
                  <td>{t.href ? <a href={t.href}>{t.text}</a> : t.text}</td>
                  <td>{modeLabel(e.spec?.metadata?.mode)}</td>
                  <td>{e.spec?.metadata?.principal}</td>
                </tr>
              );
            })}
          </tbody>
        </table>
        {r.data && list.length === 0 && <div class="muted empty">No executions{filters ? " match" : " yet"}.</div>}
      </Section>
    </div>
  );
}
