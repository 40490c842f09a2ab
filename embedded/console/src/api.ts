// The engine's REST API (/api/v1, served from the IDL's google.api.http annotations).
// Bodies are protojson with the proto field names (snake_case); int64 values arrive as
// strings, enums as names, and fields at their default value are left out.

export type Json = any; // eslint-disable-line @typescript-eslint/no-explicit-any

export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

async function call(method: string, path: string, body?: unknown): Promise<Json> {
  const init: RequestInit = { method, headers: { Accept: "application/json" } };
  if (body !== undefined) {
    init.body = JSON.stringify(body);
    (init.headers as Record<string, string>)["Content-Type"] = "application/json";
  }
  const res = await fetch(path, init);
  const text = await res.text();
  if (!res.ok) {
    let message = text;
    try {
      message = JSON.parse(text).message ?? text;
    } catch {
      /* plain text error */
    }
    throw new ApiError(res.status, `${method} ${path}: ${res.status} ${message}`);
  }
  return text ? JSON.parse(text) : {};
}

export const get = (path: string) => call("GET", path);
export const post = (path: string, body: unknown) => call("POST", path, body);
export const put = (path: string, body: unknown) => call("PUT", path, body);
export const del = (path: string, body: unknown) => call("DELETE", path, body);

export function query(params: Record<string, string | number | undefined>): string {
  const parts = Object.entries(params)
    .filter(([, v]) => v !== undefined && v !== "")
    .map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(String(v))}`);
  return parts.length ? "?" + parts.join("&") : "";
}

const enc = encodeURIComponent;

export interface Scope {
  project: string;
  domain: string;
}

export interface Id extends Scope {
  name: string;
  version?: string;
  resource_type?: string;
}

export type EntityKind = "tasks" | "workflows" | "launch_plans";

export const paths = {
  projects: () => "/api/v1/projects",
  version: () => "/api/v1/version",
  sandboxStatus: () => "/api/v1/sandbox/status", // the supervisor's status, through the engine
  executions: (s: Scope) => `/api/v1/executions/${enc(s.project)}/${enc(s.domain)}`,
  execution: (id: Id) => `/api/v1/executions/${enc(id.project)}/${enc(id.domain)}/${enc(id.name)}`,
  executionData: (id: Id) =>
    `/api/v1/data/executions/${enc(id.project)}/${enc(id.domain)}/${enc(id.name)}`,
  nodeExecutions: (id: Id) =>
    `/api/v1/node_executions/${enc(id.project)}/${enc(id.domain)}/${enc(id.name)}`,
  nodeData: (id: Id, node: string) =>
    `/api/v1/data/node_executions/${enc(id.project)}/${enc(id.domain)}/${enc(id.name)}/${enc(node)}`,
  taskExecutions: (id: Id, node: string) =>
    `/api/v1/task_executions/${enc(id.project)}/${enc(id.domain)}/${enc(id.name)}/${enc(node)}`,
  entityIds: (kind: EntityKind, s: Scope) =>
    `/api/v1/${kind.replace(/s$/, "")}_ids/${enc(s.project)}/${enc(s.domain)}`,
  entityVersions: (kind: EntityKind, id: Id) =>
    `/api/v1/${kind}/${enc(id.project)}/${enc(id.domain)}/${enc(id.name)}`,
  entity: (kind: EntityKind, id: Id) =>
    `/api/v1/${kind}/${enc(id.project)}/${enc(id.domain)}/${enc(id.name)}/${enc(id.version ?? "")}`,
  signals: (id: Id) => `/api/v1/signals/${enc(id.project)}/${enc(id.domain)}/${enc(id.name)}`,
  setSignal: () => "/api/v1/signals",
  relaunch: () => "/api/v1/executions/relaunch",
  recover: () => "/api/v1/executions/recover", // RecoverExecution: body ExecutionRecoverRequest
  uploadLocation: () => "/api/v1/dataproxy/artifact_urn", // CreateUploadLocation (POST)
  downloadLocation: (nativeUrl: string) =>
    `/api/v1/dataproxy/artifact_urn${query({ native_url: nativeUrl, "expires_in.seconds": 600 })}`,
};

// Every page of a token-paged list, `limit` at a time, `key` naming the items' field.
export async function listAll(path: string, key: string, extra: Record<string, string> = {}) {
  const items: Json[] = [];
  let token = "";
  for (let page = 0; page < 1000; page++) {
    const r = await get(path + query({ limit: 100, token, ...extra }));
    items.push(...(r[key] ?? []));
    token = r.token ?? "";
    if (!token) break;
  }
  return items;
}

export function signedDownload(nativeUrl: string): Promise<string> {
  return get(paths.downloadLocation(nativeUrl)).then((r) => r.signed_url as string);
}

// A fresh folder name for one launch's uploads (crypto.randomUUID needs a secure context).
export function uploadRoot(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(12));
  return "console-" + Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

// Uploads `body` through the data proxy as `root/filename` (CreateUploadLocation, then a PUT
// to the signed URL with the headers it asks for); returns the object's native URL.
export async function upload(s: Scope, root: string, filename: string, body: Blob): Promise<string> {
  const loc = await post(paths.uploadLocation(), { project: s.project, domain: s.domain, filename, filename_root: root });
  const target = sameOrigin(loc.signed_url, "/blobs/");
  let res: Response;
  try {
    res = await fetch(target, { method: "PUT", body, headers: loc.headers ?? {} });
  } catch (e) {
    // A network error, or an object store on another origin that does not allow this page's.
    const where = new URL(target, location.href).origin;
    throw new Error(`upload of ${filename} to ${where} failed: ${(e as Error).message} (is the object store up, and does it allow uploads from ${location.origin}?)`);
  }
  if (!res.ok) throw new ApiError(res.status, `upload of ${filename}: ${res.status} ${(await res.text()).trim()}`);
  return loc.native_url as string;
}

// The engine's own URLs under `prefix` reduced to their path, so the page reaches them
// whatever host name it was opened with; other URLs as they are.
export function sameOrigin(uri: string, prefix: string): string {
  try {
    const u = new URL(uri, location.href);
    if (u.pathname.startsWith(prefix)) return u.pathname + u.search;
  } catch {
    /* not a URL */
  }
  return uri;
}

// A log link as the engine serves it, made same-origin: the engine's own /logs/ URLs are
// reduced to their path, so the page can read them whatever host name it was opened with.
export function logPath(uri: string): string {
  return sameOrigin(uri, "/logs/");
}
