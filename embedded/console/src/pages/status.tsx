// The sandbox's own state: the engine's version and health, and, when the flytebox supervisor
// started it, the supervisor's status (every component's state, version, memory, CPU,
// restarts), read through GET /api/v1/sandbox/status.
import { ApiError, get, Json, paths } from "../api";
import { formatSeconds } from "../format";
import { usePoll } from "../hooks";
import { ErrorText, Loading, Section } from "../ui";

export function formatBytes(n: number | undefined): string {
  if (n === undefined || !isFinite(n) || n <= 0) return "—";
  const units = ["B", "KB", "MB", "GB"];
  let i = 0;
  for (; n >= 1024 && i < units.length - 1; i++) n /= 1024;
  return `${n.toFixed(i === 0 ? 0 : 1)} ${units[i]}`;
}

async function sandboxStatus(): Promise<{ doc?: Json; note?: string }> {
  try {
    return { doc: await get(paths.sandboxStatus()) };
  } catch (e) {
    // 404: the engine runs on its own (not under `flytebox demo start`); anything else is an error.
    if (e instanceof ApiError && e.status === 404) return { note: "This engine was not started by the flytebox supervisor: no components to show." };
    throw e;
  }
}

export function StatusPage() {
  const r = usePoll(
    async () => {
      const [version, health, sandbox] = await Promise.all([
        get(paths.version()),
        fetch("/healthz").then((res) => (res.ok ? res.json() : { status: `HTTP ${res.status}` })),
        sandboxStatus(),
      ]);
      return { version, health, sandbox };
    },
    [],
    2000,
  );
  const v = r.data?.version?.control_plane_version ?? {};
  const doc = r.data?.sandbox.doc;
  const sup = doc?.supervisor ?? {};
  const components: Json[] = doc?.components ?? [];
  return (
    <>
      <Section title="Status">
        <ErrorText error={r.error} />
        {!r.data && !r.error && <Loading what="status" />}
        {r.data && (
          <table class="values">
            <tbody>
              <tr><th>Engine</th><td data-health={r.data.health.status}>{r.data.health.status}</td></tr>
              <tr><th>Version</th><td>{v.Version}</td></tr>
              <tr><th>Build</th><td>{v.Build}</td></tr>
              {v.BuildTime && <tr><th>Built</th><td>{v.BuildTime}</td></tr>}
              {doc && <tr><th>Sandbox</th><td data-ready={String(!!doc.ready)}>{doc.ready ? "ready" : "not ready"}</td></tr>}
              {doc && <tr><th>Supervisor</th><td>{sup.version} · {sup.state} · up {formatSeconds(sup.uptime_seconds)} · {formatBytes(sup.rss_bytes)}</td></tr>}
              {sup.reload_error && <tr><th>Last reload</th><td class="error inline">{sup.reload_error}</td></tr>}
            </tbody>
          </table>
        )}
        {r.data?.sandbox.note && <p class="muted">{r.data.sandbox.note}</p>}
      </Section>
      {doc && (
        <Section title="Components">
          <table class="grid components">
            <thead>
              <tr><th>Component</th><th>State</th><th>Version</th><th>Memory</th><th>CPU</th><th>Up</th><th>Restarts</th><th>Ports</th><th>PID</th></tr>
            </thead>
            <tbody>
              {components.map((c) => (
                <tr key={c.name} data-component={c.name}>
                  <td>{c.name}</td>
                  <td>
                    <span class={`phase ${c.ready ? "ok" : c.state === "failed" || c.state === "crash-looping" ? "bad" : "wait"}`}>{c.state}{c.ready ? "" : " (not ready)"}</span>
                    {c.detail && <div class="muted">{c.detail}</div>}
                    {c.last_exit && <div class="muted">last exit: {c.last_exit}</div>}
                  </td>
                  <td>{c.version || "—"}</td>
                  <td>{formatBytes(c.rss_bytes)}</td>
                  <td>{formatSeconds(c.cpu_seconds)}</td>
                  <td>{formatSeconds(c.uptime_seconds)}</td>
                  <td>{c.restarts ?? 0}</td>
                  <td>{(c.ports ?? []).join(", ")}</td>
                  <td>{c.pid ?? "—"}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </Section>
      )}
    </>
  );
}
