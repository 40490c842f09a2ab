// One execution, live: polls every second until it ends.
import { useState } from "preact/hooks";
import { del, get, Json, listAll, paths, post } from "../api";
import { elapsed, formatTime, modeLabel, terminalExecutionPhases } from "../format";
import { buildGraph, specNodeId } from "../graph";
import { useLoad, usePoll } from "../hooks";
import { links, navigate } from "../router";
import { ErrorText, ExecutionError, Literals, Loading, Phase, ScopeNav, Section } from "../ui";
import { GraphView } from "./graph_view";
import { NodePanel } from "./node_panel";
import { Timeline } from "./timeline";

export const pollMs = 1000;

export function ExecutionPage({ project, domain, name }: { project: string; domain: string; name: string }) {
  const id = { project, domain, name };
  const [selected, setSelected] = useState<string>();
  const exec = usePoll(
    async () => {
      const [e, nodes] = await Promise.all([get(paths.execution(id)), listAll(paths.nodeExecutions(id), "node_executions")]);
      return { e, nodes };
    },
    [project, domain, name],
    pollMs,
    (d) => !terminalExecutionPhases.has(d.e.closure?.phase),
  );
  const e: Json | undefined = exec.data?.e;
  const phase: string | undefined = e?.closure?.phase;
  const wfId: Json | undefined = e?.closure?.workflow_id;
  const wf = useLoad(async () => (wfId ? get(paths.entity("workflows", wfId)) : undefined), [wfId?.name, wfId?.version]);
  const data = useLoad(() => get(paths.executionData(id)), [project, domain, name, phase]);

  if (!e) {
    return (
      <div>
        <ScopeNav project={project} domain={domain} current="executions" />
        <ErrorText error={exec.error} />
        {!exec.error && <Loading what={`execution ${name}`} />}
      </div>
    );
  }
  const compiled = wf.data?.closure?.compiled_workflow?.primary;
  const nodes: Json[] = exec.data?.nodes ?? [];
  const graph = buildGraph(compiled?.template, compiled?.connections, nodes);
  const selectedExec = selected ? nodes.find((n) => specNodeId(n) === selected || n.id?.node_id === selected) : undefined;
  const c = e.closure ?? {};
  const lp = e.spec?.launch_plan ?? {};
  const running = !terminalExecutionPhases.has(phase ?? "");
  return (
    <div>
      <ScopeNav project={project} domain={domain} current="executions" />
      <Section title={`Execution ${name}`} actions={<Actions id={id} running={running} failed={phase === "FAILED"} />}>
        <div class="summary">
          <div><span class="k">Phase</span><Phase phase={phase} /></div>
          <div><span class="k">{lp.resource_type === "TASK" ? "Task" : "Launch plan"}</span>
            <a href={links.entity(project, domain, lp.resource_type === "TASK" ? "tasks" : "launch_plans", lp.name ?? "", lp.version)}>{lp.name}</a></div>
          {wfId && <div><span class="k">Workflow</span><a href={links.entity(project, domain, "workflows", wfId.name, wfId.version)}>{wfId.name}</a></div>}
          <div><span class="k">Started</span>{formatTime(c.started_at) || "—"}</div>
          <div><span class="k">Duration</span>{elapsed(c.started_at, c.duration, running) || "—"}</div>
          <div><span class="k">Mode</span>{modeLabel(e.spec?.metadata?.mode)}</div>
          {e.spec?.metadata?.principal && <div><span class="k">User</span>{e.spec.metadata.principal}</div>}
          {running && <div class="live" title="updates every second">● live</div>}
        </div>
        <ExecutionError error={c.error} />
        {c.abort_metadata && (
          <div class="failure"><b>Aborted</b>{c.abort_metadata.principal && ` by ${c.abort_metadata.principal}`}<pre>{c.abort_metadata.cause}</pre></div>
        )}
        <ErrorText error={exec.error || wf.error} />
      </Section>
      <Section title="Graph">
        {compiled ? <GraphView graph={graph} selected={selected} onSelect={setSelected} /> : <Loading what="graph" />}
        <Timeline nodes={nodes} names={new Map(graph.nodes.map((n) => [n.id, n.label]))} selected={selected} onSelect={setSelected} />
      </Section>
      {selected && (
        <NodePanel exec={id} nodeId={selectedExec?.id?.node_id ?? selected} specNode={compiled?.template?.nodes?.find((n: Json) => n.id === selected)}
          known={selectedExec} subWorkflows={wf.data?.closure?.compiled_workflow?.sub_workflows} onClose={() => setSelected(undefined)} />
      )}
      <div class="two">
        <Section title="Inputs"><Literals map={data.data?.full_inputs} empty="No inputs." /></Section>
        <Section title="Outputs">
          <Literals map={data.data?.full_outputs} empty={running ? "Not yet." : "No outputs."} />
        </Section>
      </div>
    </div>
  );
}

function Actions({ id, running, failed }: { id: { project: string; domain: string; name: string }; running: boolean; failed: boolean }) {
  const [aborting, setAborting] = useState(false);
  const [cause, setCause] = useState("");
  const [error, setError] = useState("");
  const [busy, setBusy] = useState(false);
  const act = async (f: () => Promise<void>) => {
    setBusy(true);
    setError("");
    try {
      await f();
    } catch (e) {
      setError((e as Error).message);
    } finally {
      setBusy(false);
    }
  };
  const abort = () =>
    act(async () => {
      await del(paths.execution(id), { id, cause: cause || "aborted from the console" });
      setAborting(false);
    });
  const relaunch = () =>
    act(async () => {
      const r = await post(paths.relaunch(), { id });
      navigate(links.execution(r.id.project, r.id.domain, r.id.name));
    });
  // Recover: a new execution that reuses the nodes that succeeded and runs the rest.
  const recover = () =>
    act(async () => {
      const r = await post(paths.recover(), { id });
      navigate(links.execution(r.id.project, r.id.domain, r.id.name));
    });
  return (
    <>
      {running && !aborting && <button class="danger" onClick={() => setAborting(true)}>Abort</button>}
      {aborting && (
        <span class="inline-form">
          <input name="cause" placeholder="cause" value={cause} onInput={(e) => setCause((e.target as HTMLInputElement).value)} />
          <button class="danger" disabled={busy} onClick={abort}>Abort execution</button>
          <button onClick={() => setAborting(false)}>Cancel</button>
        </span>
      )}
      <button disabled={busy} onClick={relaunch}>Relaunch</button>
      {failed && <button disabled={busy} onClick={recover} title="run again from the failed nodes, reusing the outputs of those that succeeded">Recover</button>}
      {error && <span class="error inline">{error}</span>}
    </>
  );
}
