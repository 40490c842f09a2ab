import { ComponentType, render } from "preact";
import { useState } from "preact/hooks";
import "./style.css";
import { ExecutionsPage } from "./pages/executions";
import { ProjectsPage } from "./pages/projects";
import { StatusPage } from "./pages/status";
import { ErrorText, Loading } from "./ui";
import { base, interceptLinks, links, parseRoute, useLocation } from "./router";

// A page whose code (and the graph layout it needs) is fetched the first time it is shown.
function lazyPage<P>(load: () => Promise<ComponentType<P>>): ComponentType<P> {
  let page: ComponentType<P> | undefined;
  let loading: Promise<ComponentType<P>> | undefined;
  return (props: P) => {
    const [, loaded] = useState(0);
    const [error, setError] = useState("");
    if (page) { const P = page; return <P {...(props as P & object)} />; }
    loading ??= load();
    loading.then((p) => { page = p; loaded(1); }, (e: Error) => { loading = undefined; setError(`the page did not load: ${e.message}`); });
    return error ? <ErrorText error={error} /> : <Loading what="page" />;
  };
}

const ExecutionPage = lazyPage(() => import("./pages/execution").then((m) => m.ExecutionPage));
const EntitiesPage = lazyPage(() => import("./pages/entities").then((m) => m.EntitiesPage));
const EntityPage = lazyPage(() => import("./pages/entities").then((m) => m.EntityPage));

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
