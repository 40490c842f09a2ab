import { get, paths } from "../api";
import { useLoad } from "../hooks";
import { links } from "../router";
import { ErrorText, Loading, Section } from "../ui";

export function ProjectsPage() {
  const r = useLoad(() => get(paths.projects()), []);
  const projects = r.data?.projects ?? [];
  return (
    <Section title="Projects">
      <ErrorText error={r.error} />
      {r.loading && !r.data && <Loading what="projects" />}
      <table class="grid">
        <thead><tr><th>Project</th><th>Description</th><th>Domains</th></tr></thead>
        <tbody>
          {projects.map((p: any) => (
            <tr key={p.id}>
              <td><b>{p.name || p.id}</b> <span class="muted">{p.id}</span></td>
              <td>{p.description}</td>
              <td class="domains">
                {(p.domains ?? []).map((d: any) => (
                  <a key={d.id} class="chip" href={links.executions(p.id, d.id)}>{d.name || d.id}</a>
                ))}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </Section>
  );
}
