// The engine's own status: its version and health, as the API reports them.
import { get, paths } from "../api";
import { usePoll } from "../hooks";
import { ErrorText, Loading, Section } from "../ui";

export function StatusPage() {
  const r = usePoll(
    async () => {
      const [version, health] = await Promise.all([
        get(paths.version()),
        fetch("/healthz").then((res) => (res.ok ? res.json() : { status: `HTTP ${res.status}` })),
      ]);
      return { version, health };
    },
    [],
    5000,
  );
  const v = r.data?.version?.control_plane_version ?? {};
  return (
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
          </tbody>
        </table>
      )}
    </Section>
  );
}
