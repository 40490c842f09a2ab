// Workflows, tasks and launch plans of a project-domain, and one of them with its versions.
import { useState } from "preact/hooks";
import { EntityKind, get, Json, listAll, paths, put, query } from "../api";
import { formatTime } from "../format";
import { buildGraph } from "../graph";
import { useLoad } from "../hooks";
import { links } from "../router";
import { ErrorText, Loading, ScopeNav, Section } from "../ui";
import { typeName } from "../literals";
import { GraphView } from "./graph_view";
import { LaunchForm } from "./launch";

const titles: Record<EntityKind, string> = { workflows: "Workflows", tasks: "Tasks", launch_plans: "Launch plans" };

export function EntitiesPage({ project, domain, kind }: { project: string; domain: string; kind: EntityKind }) {
  const [search, setSearch] = useState("");
  const r = useLoad(() => listAll(paths.entityIds(kind, { project, domain }), "entities", { "sort_by.key": "name", "sort_by.direction": "ASCENDING" }), [project, domain, kind]);
  const all: Json[] = r.data ?? [];
  const shown = all.filter((e) => e.name.toLowerCase().includes(search.toLowerCase()));
  return (
    <div>
      <ScopeNav project={project} domain={domain} current={kind} />
      <Section title={titles[kind]}>
        <div class="filters">
          <label>Search <input type="search" name="search" value={search} onInput={(e) => setSearch((e.target as HTMLInputElement).value)} /></label>
          <span class="muted">{shown.length} of {all.length}</span>
        </div>
        <ErrorText error={r.error} />
        {r.loading && !r.data && <Loading what={titles[kind].toLowerCase()} />}
        <table class="grid">
          <thead><tr><th>Name</th></tr></thead>
          <tbody>
            {shown.map((e) => (
              <tr key={e.name}><td><a href={links.entity(project, domain, kind, e.name)}>{e.name}</a></td></tr>
            ))}
          </tbody>
        </table>
        {r.data && all.length === 0 && <div class="muted empty">Nothing registered yet.</div>}
      </Section>
    </div>
  );
}

export function EntityPage(props: { project: string; domain: string; kind: EntityKind; name: string; version?: string }) {
  const { project, domain, kind, name } = props;
  const [tick, setTick] = useState(0);
  const versions = useLoad(
    () => get(paths.entityVersions(kind, { project, domain, name }) + query({ limit: 100, "sort_by.key": "created_at", "sort_by.direction": "DESCENDING" })),
    [project, domain, kind, name, tick],
  );
  const list: Json[] = versions.data?.[kind] ?? [];
  const version = props.version ?? list[0]?.id?.version;
  const entity = useLoad(async () => (version ? get(paths.entity(kind, { project, domain, name, version })) : undefined), [kind, name, version, tick]);
  const e = entity.data;
  return (
    <div>
      <ScopeNav project={project} domain={domain} current={kind} />
      <Section title={`${titles[kind].replace(/s$/, "")} ${name}`}>
        <ErrorText error={versions.error || entity.error} />
        {!e && !entity.error && <Loading what={name} />}
        {e && <EntityDetail kind={kind} entity={e} onChange={() => setTick(tick + 1)} />}
      </Section>
      <Section title="Versions">
        <table class="grid">
          <thead><tr><th>Version</th><th>Created</th>{kind === "launch_plans" && <th>State</th>}</tr></thead>
          <tbody>
            {list.map((v) => (
              <tr key={v.id.version} class={v.id.version === version ? "selected" : ""}>
                <td><a href={links.entity(project, domain, kind, name, v.id.version)}>{v.id.version}</a></td>
                <td>{formatTime(v.closure?.created_at)}</td>
                {kind === "launch_plans" && <td>{(v.closure?.state ?? "INACTIVE").toLowerCase()}</td>}
              </tr>
            ))}
          </tbody>
        </table>
      </Section>
    </div>
  );
}

function Interface({ inputs, outputs }: { inputs: Json; outputs: Json }) {
  const rows = (vars: Json, dir: string) =>
    Object.entries(vars ?? {}).map(([k, v]: [string, Json]) => (
      <tr key={dir + k}><td>{dir}</td><td><code>{k}</code></td><td>{typeName(v.type)}</td><td class="muted">{v.description !== k ? v.description : ""}</td></tr>
    ));
  return (
    <table class="grid interface">
      <thead><tr><th></th><th>Name</th><th>Type</th><th>Description</th></tr></thead>
      <tbody>{rows(inputs?.variables, "input")}{rows(outputs?.variables, "output")}</tbody>
    </table>
  );
}

function EntityDetail({ kind, entity, onChange }: { kind: EntityKind; entity: Json; onChange: () => void }) {
  const id = entity.id;
  if (kind === "tasks") {
    const t = entity.closure?.compiled_task?.template ?? {};
    return (
      <div>
        <div class="summary">
          <div><span class="k">Version</span>{id.version}</div>
          <div><span class="k">Type</span>{t.type}</div>
          {t.container?.image && <div><span class="k">Image</span><code>{t.container.image}</code></div>}
          {t.metadata?.retries?.retries && <div><span class="k">Retries</span>{t.metadata.retries.retries}</div>}
          {t.metadata?.discoverable && <div><span class="k">Cache</span>version {t.metadata.discovery_version}</div>}
        </div>
        <h3>Interface</h3>
        <Interface inputs={t.interface?.inputs} outputs={t.interface?.outputs} />
        <h3>Launch</h3>
        <LaunchForm target={{ ...id, resource_type: "TASK" }} parameters={taskParameters(t.interface?.inputs)} />
      </div>
    );
  }
  if (kind === "workflows") {
    const primary = entity.closure?.compiled_workflow?.primary;
    const graph = buildGraph(primary?.template, primary?.connections, []);
    return (
      <div>
        <div class="summary"><div><span class="k">Version</span>{id.version}</div>
          <div><span class="k">Launch plan</span><a href={links.entity(id.project, id.domain, "launch_plans", id.name, id.version)}>{id.name}</a></div></div>
        <h3>Interface</h3>
        <Interface inputs={primary?.template?.interface?.inputs} outputs={primary?.template?.interface?.outputs} />
        <h3>Graph</h3>
        <GraphView graph={graph} onSelect={() => undefined} phases={false} />
      </div>
    );
  }
  const spec = entity.spec ?? {};
  const state = entity.closure?.state ?? "INACTIVE";
  return (
    <div>
      <div class="summary">
        <div><span class="k">Version</span>{id.version}</div>
        <div><span class="k">Workflow</span><a href={links.entity(id.project, id.domain, "workflows", spec.workflow_id?.name, spec.workflow_id?.version)}>{spec.workflow_id?.name}</a></div>
        <div><span class="k">State</span><b data-state={state}>{state.toLowerCase()}</b></div>
        {spec.entity_metadata?.schedule && <div><span class="k">Schedule</span><code>{scheduleText(spec.entity_metadata.schedule)}</code></div>}
      </div>
      <ActivateButton id={id} active={state === "ACTIVE"} onChange={onChange} />
      <h3>Launch</h3>
      <LaunchForm target={{ ...id, resource_type: "LAUNCH_PLAN" }} parameters={entity.closure?.expected_inputs?.parameters ?? {}} />
    </div>
  );
}

function scheduleText(s: Json): string {
  if (s.cron_expression) return s.cron_expression;
  if (s.cron_schedule) return s.cron_schedule.schedule;
  if (s.rate) return `every ${s.rate.value} ${(s.rate.unit ?? "MINUTE").toLowerCase()}(s)`;
  return "";
}

function ActivateButton({ id, active, onChange }: { id: Json; active: boolean; onChange: () => void }) {
  const [err, setErr] = useState("");
  const flip = async () => {
    try {
      setErr("");
      await put(paths.entity("launch_plans", id), { id, state: active ? "INACTIVE" : "ACTIVE" });
      onChange();
    } catch (e) {
      setErr((e as Error).message);
    }
  };
  return (
    <div class="actions-row">
      <button onClick={flip}>{active ? "Deactivate" : "Activate"}</button>
      {err && <span class="error inline">{err}</span>}
    </div>
  );
}

// A task's inputs as launch parameters (no defaults: a task has none).
function taskParameters(inputs: Json): Json {
  const out: Json = {};
  for (const [k, v] of Object.entries(inputs?.variables ?? {})) out[k] = { var: v, required: true };
  return out;
}
