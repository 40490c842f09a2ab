import { render } from "preact";
import "./style.css";
import { EntitiesPage, EntityPage } from "./pages/entities";
import { ExecutionPage } from "./pages/execution";
import { ExecutionsPage } from "./pages/executions";
import { ProjectsPage } from "./pages/projects";
import { StatusPage } from "./pages/status";
import { base, interceptLinks, links, parseRoute, useLocation } from "./router";

function Page() {
  const { path, search } = useLocation();
  const r = parseRoute(path, search);
  switch (r.page) {
    case "projects": return <ProjectsPage />;
    case "status": return <StatusPage />;
    case "executions": return <ExecutionsPage key={r.project + r.domain} project={r.project} domain={r.domain} />;
    case "execution": return <ExecutionPage key={r.name} project={r.project} domain={r.domain} name={r.name} />;
    case "entities": return <EntitiesPage project={r.project} domain={r.domain} kind={r.kind} />;
    case "entity": return <EntityPage key={r.kind + r.name} {...r} />;
    default:
      return (
        <section class="card">
          <h2>Page not found</h2>
          <p>No console page at <code>{r.path}</code>. <a href={links.projects()}>Projects</a></p>
        </section>
      );
  }
}

function App() {
  return (
    <>
      <header class="top">
        <a class="brand" href={links.projects()}>Flytebox</a>
        <nav>
          <a href={links.projects()}>Projects</a>
          <a href={`${base}/status`}>Status</a>
        </nav>
      </header>
      <main><Page /></main>
    </>
  );
}

interceptLinks();
render(<App />, document.getElementById("app")!);
