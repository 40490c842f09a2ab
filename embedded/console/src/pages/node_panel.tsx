// The selected node: its phase, attempts with their logs and errors, inputs and outputs,
// cache status, children of a parent node, and approve/reject for a gate.
import { useEffect, useRef, useState } from "preact/hooks";
import { ApiError, get, Id, Json, listAll, logPath, paths, post } from "../api";
import { elapsed, formatTime, terminalNodePhases } from "../format";
import { usePoll } from "../hooks";
import { literalFromText, typeName } from "../literals";
import { useLogTail } from "../log_tail";
import { links } from "../router";
import { ErrorText, ExecutionError, Literals, Phase, Section } from "../ui";
import { pollMs } from "./execution";
import { cacheLabel } from "./timeline";
import { buildGraph, specNodeId } from "../graph";
import { GraphView } from "./graph_view";

interface Props {
  exec: Id;
  nodeId: string; // the node execution's unique id
  specNode?: Json; // its template node, when it is a top-level node
  known?: Json; // the node execution as last listed
  subWorkflows?: Json[]; // the execution's compiled sub-workflows
  onClose: () => void;
}

// The graph inside a parent node: a dynamic node's generated workflow, or a sub-workflow.
function innerWorkflow(data: Json, specNode: Json | undefined, subWorkflows: Json[] | undefined): Json | undefined {
  const dyn = data?.dynamic_workflow?.compiled_workflow?.primary;
  if (dyn) return dyn;
  const ref = specNode?.workflow_node?.sub_workflow_ref;
  if (!ref) return undefined;
  return (subWorkflows ?? []).find((w) => w.template?.id?.name === ref.name && w.template?.id?.version === ref.version);
}

export function NodePanel({ exec, nodeId, specNode, known, subWorkflows, onClose }: Props) {
  const [child, setChild] = useState<string>();
  const live = (d: { node?: Json }) => !terminalNodePhases.has(d.node?.closure?.phase);
  const r = usePoll(
    async () => {
      let node: Json;
      try {
        node = await get(`${paths.nodeExecutions(exec)}/${encodeURIComponent(nodeId)}`);
      } catch (e) {
        // Not started yet: nothing recorded for it.
        if (e instanceof ApiError && e.status === 404) return { node: undefined, attempts: [], data: {}, children: [] };
        throw e;
      }
      const [attempts, data, children] = await Promise.all([
        listAll(paths.taskExecutions(exec, nodeId), "task_executions"),
        get(paths.nodeData(exec, nodeId)).catch(() => ({})),
        node.metadata?.is_parent_node
          ? listAll(paths.nodeExecutions(exec), "node_executions", { unique_parent_id: nodeId })
          : Promise.resolve([]),
      ]);
      return { node, attempts, data, children };
    },
    // A phase change seen in the execution's node list refreshes the panel at once.
    [exec.name, nodeId, known?.closure?.phase],
    pollMs,
    live,
  );
  const node = r.data?.node ?? known;
  const c = node?.closure ?? {};
  const running = !terminalNodePhases.has(c.phase);
  const attempts: Json[] = r.data?.attempts ?? [];
  const children: Json[] = r.data?.children ?? [];
  const wfMeta = c.workflow_node_metadata?.execution_id;
  const inner = innerWorkflow(r.data?.data, specNode, subWorkflows);
  const innerGraph = inner ? buildGraph(inner.template, inner.connections, children) : undefined;
  const childSpec = child ? children.find((n) => n.id.node_id === child) : undefined;
  const innerSpec = (id?: Json) => inner?.template?.nodes?.find((n: Json) => n.id === specNodeId(id ?? {}));
  return (
    <>
      <Section title={`Node ${specNode?.metadata?.name ?? node?.metadata?.spec_node_id ?? nodeId}`} actions={<button onClick={onClose}>Close</button>}>
        <div class="summary node-summary">
          <div><span class="k">Phase</span><Phase phase={c.phase} /></div>
          {specNode?.task_node && <div><span class="k">Task</span>{specNode.task_node.reference_id?.name}</div>}
          <div><span class="k">Started</span>{formatTime(c.started_at) || "—"}</div>
          <div><span class="k">Duration</span>{elapsed(c.started_at, c.duration, running) || "—"}</div>
          {c.task_node_metadata?.cache_status && <div><span class="k">Cache</span>{cacheLabel(c.task_node_metadata.cache_status)}</div>}
          <div><span class="k">Attempts</span>{attempts.length}</div>
          {wfMeta && <div><span class="k">Child execution</span><a href={links.execution(wfMeta.project, wfMeta.domain, wfMeta.name)}>{wfMeta.name}</a></div>}
        </div>
        {r.data && !r.data.node && <div class="muted">This node has not started.</div>}
        {!attempts.some((a) => a.closure?.error) && <ExecutionError error={c.error} />}
        <ErrorText error={r.error} />
        {specNode?.gate_node && running && <Gate exec={exec} gate={specNode.gate_node} />}
        {attempts.map((a) => <Attempt key={a.id?.retry_attempt ?? 0} attempt={a} />)}
        {children.length > 0 && (
          <div class="children">
            <h3>Child nodes</h3>
            {innerGraph && (
              <GraphView graph={innerGraph} selected={childSpec ? specNodeId(childSpec) : undefined}
                onSelect={(id) => setChild(children.find((n) => specNodeId(n) === id)?.id?.node_id)} />
            )}
            <table class="grid">
              <thead><tr><th>Node</th><th>Phase</th><th>Duration</th></tr></thead>
              <tbody>
                {children.filter((n) => !/(start|end)-node$/.test(n.id.node_id)).map((n) => (
                  <tr key={n.id.node_id} class={child === n.id.node_id ? "selected" : ""}>
                    <td><button class="link" onClick={() => setChild(n.id.node_id)}>{n.metadata?.spec_node_id ?? n.id.node_id}</button></td>
                    <td><Phase phase={n.closure?.phase} /></td>
                    <td>{elapsed(n.closure?.started_at, n.closure?.duration, !terminalNodePhases.has(n.closure?.phase))}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
        <div class="two">
          <div><h3>Inputs</h3><Literals map={r.data?.data?.full_inputs} empty="No inputs." /></div>
          <div><h3>Outputs</h3><Literals map={r.data?.data?.full_outputs} empty={running ? "Not yet." : "No outputs."} /></div>
        </div>
      </Section>
      {child && <NodePanel exec={exec} nodeId={child} specNode={innerSpec(childSpec)} subWorkflows={subWorkflows} onClose={() => setChild(undefined)} />}
    </>
  );
}

function Attempt({ attempt }: { attempt: Json }) {
  const c = attempt.closure ?? {};
  const running = !["SUCCEEDED", "FAILED", "ABORTED"].includes(c.phase);
  const logs: Json[] = c.logs ?? [];
  const elements: Json[] = c.metadata?.external_resources ?? [];
  return (
    <div class="attempt">
      <h3>Attempt {(attempt.id?.retry_attempt ?? 0) + 1} <Phase phase={c.phase} /> <span class="muted">{elapsed(c.started_at, c.duration, running)}</span></h3>
      <ExecutionError error={c.error} />
      {logs.map((l) => <Log key={l.uri} link={l} running={running} />)}
      {elements.length > 0 && <Elements elements={elements} />}
    </div>
  );
}

// A map task's elements (one task execution whose external resources are the elements).
function Elements({ elements }: { elements: Json[] }) {
  return (
    <table class="grid elements">
      <thead><tr><th>Element</th><th>Phase</th><th>Retry</th><th>Cache</th><th>Log</th></tr></thead>
      <tbody>
        {elements.map((x) => (
          <tr key={x.external_id ?? x.index} data-element={x.index ?? 0}>
            <td>{x.index ?? 0}</td>
            <td><Phase phase={x.phase} /></td>
            <td>{x.retry_attempt ?? 0}</td>
            <td>{cacheLabel(x.cache_status)}</td>
            <td>{(x.logs ?? []).map((l: Json) => <a key={l.uri} href={logPath(l.uri)} target="_blank" rel="noopener">{l.name || "log"}</a>)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function Log({ link, running }: { link: Json; running: boolean }) {
  const path = logPath(link.uri);
  const sameOrigin = path.startsWith("/");
  const log = useLogTail(sameOrigin ? path : "", running);
  const pre = useRef<HTMLPreElement>(null);
  const atEnd = useRef(true); // follow the end unless the reader scrolled up
  useEffect(() => {
    const el = pre.current;
    if (el && atEnd.current) el.scrollTop = el.scrollHeight;
  }, [log.text]);
  const onScroll = () => {
    const el = pre.current;
    if (el) atEnd.current = el.scrollTop + el.clientHeight >= el.scrollHeight - 4;
  };
  return (
    <div class="log">
      <div class="log-head">
        <b>{link.name || "log"}</b> <a href={path} target="_blank" rel="noopener">open</a>
        {running && sameOrigin && <span class="live" title="new lines appear as the task writes them">● following</span>}
      </div>
      <ErrorText error={log.error} />
      {sameOrigin && (
        <pre class="logtext" ref={pre} onScroll={onScroll}>{log.text?.trim() ? log.text : log.text === undefined ? "…" : "(empty)"}</pre>
      )}
    </div>
  );
}

// Approve/reject a gate node, or give a signal its value.
function Gate({ exec, gate }: { exec: Id; gate: Json }) {
  const [text, setText] = useState("");
  const [msg, setMsg] = useState("");
  const signalId: string = gate.approve?.signal_id ?? gate.signal?.signal_id ?? "";
  if (gate.sleep) return <div class="muted">Sleeping for {gate.sleep.duration}.</div>;
  const send = async (value: Json) => {
    setMsg("");
    try {
      await post(paths.setSignal(), { id: { execution_id: exec, signal_id: signalId }, value });
      setMsg("sent");
    } catch (e) {
      setMsg((e as Error).message);
    }
  };
  const bool = (b: boolean) => ({ scalar: { primitive: { boolean: b } } });
  return (
    <div class="gate">
      <b>Waiting for {gate.approve ? "approval" : `signal ${signalId}`}</b>{" "}
      {gate.approve ? (
        <>
          <button class="primary" onClick={() => send(bool(true))}>Approve</button>
          <button class="danger" onClick={() => send(bool(false))}>Reject</button>
        </>
      ) : (
        <>
          <input name="signal" placeholder={typeName(gate.signal?.type)} value={text} onInput={(e) => setText((e.target as HTMLInputElement).value)} />
          <button class="primary" onClick={() => { try { send(literalFromText(gate.signal?.type ?? {}, text)); } catch (e) { setMsg((e as Error).message); } }}>Send</button>
        </>
      )}
      {msg && <span class={msg === "sent" ? "muted" : "error inline"}> {msg}</span>}
    </div>
  );
}
