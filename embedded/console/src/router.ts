// Client-side routes with flyteconsole's URL scheme, so every link flytekit prints opens
// the right page. History API navigation; the engine answers index.html for any /console/...
import { useEffect, useState } from "preact/hooks";

export const base = "/console";

export type Route =
  | { page: "projects" }
  | { page: "status" }
  | { page: "executions"; project: string; domain: string }
  | { page: "execution"; project: string; domain: string; name: string }
  | { page: "entities"; project: string; domain: string; kind: EntityKind }
  | { page: "entity"; project: string; domain: string; kind: EntityKind; name: string; version?: string }
  | { page: "notfound"; path: string };

export type EntityKind = "workflows" | "tasks" | "launch_plans";

const kinds: Record<string, EntityKind> = {
  workflow: "workflows",
  workflows: "workflows",
  task: "tasks",
  tasks: "tasks",
  launch_plan: "launch_plans",
  launch_plans: "launch_plans",
  launchplan: "launch_plans",
};

// The route for a URL path and query (?domain= for flyteconsole's project-level pages).
export function parseRoute(path: string, search = ""): Route {
  const params = new URLSearchParams(search);
  let rest = path.startsWith(base) ? path.slice(base.length) : path;
  rest = rest.replace(/\/+$/, "");
  const seg = rest.split("/").filter(Boolean).map(decodeURIComponent);
  if (seg.length === 0 || (seg.length === 1 && seg[0] === "projects")) return { page: "projects" };
  if (seg.length === 1 && seg[0] === "status") return { page: "status" };
  if (seg[0] !== "projects" || seg.length < 2) return { page: "notfound", path };
  const project = seg[1];
  let i = 2;
  let domain = params.get("domain") || "development";
  if (seg[i] === "domains" && seg.length > i + 1) {
    domain = seg[i + 1];
    i += 2;
  }
  const what = seg[i];
  if (what === undefined || what === "executions") {
    if (seg.length > i + 1) return { page: "execution", project, domain, name: seg[i + 1] };
    return { page: "executions", project, domain };
  }
  const kind = kinds[what];
  if (kind) {
    const name = seg[i + 1];
    if (name === undefined) return { page: "entities", project, domain, kind };
    // .../{name}/version/{v} (flytekit) or .../{name}/versions/{v}
    const version = (seg[i + 2] === "version" || seg[i + 2] === "versions") ? seg[i + 3] : params.get("version") || undefined;
    return { page: "entity", project, domain, kind, name, version };
  }
  return { page: "notfound", path };
}

export function href(...parts: string[]): string {
  return base + "/" + parts.map(encodeURIComponent).join("/");
}

export const links = {
  projects: () => base + "/",
  executions: (p: string, d: string) => href("projects", p, "domains", d, "executions"),
  execution: (p: string, d: string, n: string) => href("projects", p, "domains", d, "executions", n),
  entities: (p: string, d: string, k: EntityKind) => href("projects", p, "domains", d, k),
  entity: (p: string, d: string, k: EntityKind, n: string, v?: string) =>
    v ? href("projects", p, "domains", d, k, n, "versions", v) : href("projects", p, "domains", d, k, n),
};

export function navigate(to: string, replace = false) {
  if (replace) history.replaceState(null, "", to);
  else history.pushState(null, "", to);
  dispatchEvent(new PopStateEvent("popstate"));
}

// The current location, re-read on navigation.
export function useLocation(): { path: string; search: string } {
  const read = () => ({ path: location.pathname, search: location.search });
  const [loc, setLoc] = useState(read);
  useEffect(() => {
    const on = () => setLoc(read());
    addEventListener("popstate", on);
    return () => removeEventListener("popstate", on);
  }, []);
  return loc;
}

// Same-app links become pushState navigations (ctrl/middle click still open a tab).
export function interceptLinks() {
  document.addEventListener("click", (ev) => {
    const a = (ev.target as HTMLElement).closest?.("a");
    if (!a || ev.defaultPrevented || ev.button !== 0 || ev.metaKey || ev.ctrlKey || ev.shiftKey) return;
    const url = new URL(a.href, location.href);
    if (a.target || url.origin !== location.origin || !url.pathname.startsWith(base + "/")) return;
    ev.preventDefault();
    navigate(url.pathname + url.search);
  });
}
