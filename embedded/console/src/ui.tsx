// Components shared by the pages.
import { ComponentChildren } from "preact";
import { useState } from "preact/hooks";
import { Json, signedDownload } from "./api";
import { DatasetPreview } from "./dataset";
import { phaseClass, phaseLabel } from "./format";
import { Rendered, renderMap } from "./literals";
import { links } from "./router";

export function Phase({ phase }: { phase?: string }) {
  return <span class={`phase ${phaseClass(phase)}`}>{phaseLabel(phase)}</span>;
}

export function ErrorText({ error }: { error?: string }) {
  return error ? <div class="error" role="alert">{error}</div> : null;
}

export function Loading({ what }: { what: string }) {
  return <div class="muted">Loading {what}…</div>;
}

export function Section({ title, children, actions }: { title: string; children: ComponentChildren; actions?: ComponentChildren }) {
  return (
    <section class="card">
      <header>
        <h2>{title}</h2>
        {actions && <div class="actions">{actions}</div>}
      </header>
      {children}
    </section>
  );
}

// Tabs between a project-domain's pages.
export function ScopeNav({ project, domain, current }: { project: string; domain: string; current: string }) {
  const tab = (key: string, label: string, to: string) => (
    <a class={key === current ? "tab active" : "tab"} href={to}>{label}</a>
  );
  return (
    <div class="scope">
      <div class="crumbs">
        <a href={links.projects()}>Projects</a> / <b>{project}</b> / <b>{domain}</b>
      </div>
      <nav class="tabs">
        {tab("executions", "Executions", links.executions(project, domain))}
        {tab("workflows", "Workflows", links.entities(project, domain, "workflows"))}
        {tab("tasks", "Tasks", links.entities(project, domain, "tasks"))}
        {tab("launch_plans", "Launch plans", links.entities(project, domain, "launch_plans"))}
      </nav>
    </div>
  );
}

// A file in the object store: a signed URL from the data proxy, fetched on click (they
// expire), opened in a new tab and left on the page as a link.
function Download({ uri, label }: { uri: string; label: string }) {
  const [err, setErr] = useState("");
  const [href, setHref] = useState("");
  const go = async () => {
    try {
      setErr("");
      const url = await signedDownload(uri);
      setHref(url);
      const w = window.open(url, "_blank");
      if (w) w.opener = null;
    } catch (e) {
      setErr((e as Error).message);
    }
  };
  return (
    <span>
      <button class="link" onClick={go} title={uri}>{label}</button>
      {href && <> <a class="signed" href={href} target="_blank" rel="noopener">link</a></>}
      {err && <span class="error inline">{err}</span>}
    </span>
  );
}

export function Value({ r }: { r: Rendered }) {
  switch (r.kind) {
    case "value":
      return <span class={`v ${r.type}`}>{r.type === "string" ? `"${r.text}"` : r.text}</span>;
    case "none":
      return <span class="v none">None</span>;
    case "list":
      return r.items.length === 0 ? <span class="v">[]</span> : (
        <ol class="list" start={0}>{r.items.map((x, i) => <li key={i}><Value r={x} /></li>)}</ol>
      );
    case "map":
      return <ValueTable entries={r.entries} />;
    case "json":
      return <pre class="json">{JSON.stringify(r.value, null, 2)}</pre>;
    case "blob":
      return (
        <span class="blob">
          <span class="tag">{r.multipart ? "directory" : "file"}</span>
          <code>{r.uri}</code>{r.format && <span class="muted"> ({r.format})</span>}{" "}
          {!r.multipart && r.uri && <Download uri={r.uri} label="download" />}
        </span>
      );
    case "dataset":
      return (
        <span class="blob">
          <span class="tag">dataset</span><code>{r.uri}</code>{r.format && <span class="muted"> ({r.format})</span>}
          {r.columns.length > 0 && <span class="muted"> columns: {r.columns.join(", ")}</span>}
          {r.uri && (r.format === "parquet" || r.format === "") && <DatasetPreview uri={r.uri} />}
        </span>
      );
    case "error":
      return <span class="error inline">{r.node ? `${r.node}: ` : ""}{r.message}</span>;
    case "bytes":
      return <span class="muted">{r.size} bytes{r.tag ? ` (${r.tag})` : ""}</span>;
    case "offloaded":
      return <span class="muted">offloaded to <code>{r.uri}</code></span>;
    default:
      return <pre class="json">{JSON.stringify(r.raw, null, 2)}</pre>;
  }
}

function ValueTable({ entries }: { entries: [string, Rendered][] }) {
  return (
    <table class="values">
      <tbody>
        {entries.map(([k, v]) => (
          <tr key={k}><th>{k}</th><td><Value r={v} /></td></tr>
        ))}
      </tbody>
    </table>
  );
}

// A LiteralMap (inputs or outputs).
export function Literals({ map, empty }: { map?: Json; empty: string }) {
  const entries = renderMap(map);
  if (entries.length === 0) return <div class="muted">{empty}</div>;
  return <ValueTable entries={entries} />;
}

export function ExecutionError({ error }: { error?: Json }) {
  if (!error) return null;
  return (
    <div class="failure">
      <div><b>{error.code || "Error"}</b>{error.kind && <span class="muted"> ({error.kind.toLowerCase()})</span>}</div>
      <pre>{error.message}</pre>
    </div>
  );
}
