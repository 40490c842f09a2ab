// A form built from a launch plan's (or task's) parameters that creates an execution.
import { useState } from "preact/hooks";
import { Id, Json, post, upload, uploadRoot } from "../api";
import { literalFromText, textFromLiteral, typeName } from "../literals";
import { links, navigate } from "../router";

export function LaunchForm({ target, parameters }: { target: Id; parameters: Json }) {
  const names = Object.keys(parameters).sort();
  const initial = () => Object.fromEntries(names.map((n) => [n, textFromLiteral(parameters[n].default)]));
  const [values, setValues] = useState<Record<string, string>>(initial);
  const [files, setFiles] = useState<Record<string, File[]>>({}); // chosen for file and directory inputs
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [failure, setFailure] = useState("");
  const [note, setNote] = useState(""); // upload progress
  const [busy, setBusy] = useState(false);

  const submit = async (ev: Event) => {
    ev.preventDefault();
    const literals: Json = {};
    const errs: Record<string, string> = {};
    const uploads: [string, File[]][] = [];
    for (const n of names) {
      const p = parameters[n];
      const text = values[n] ?? "";
      if (files[n]?.length) {
        uploads.push([n, files[n]]);
        continue;
      }
      if (text.trim() === "" && !p.required && p.default) continue; // the default applies
      if (text.trim() === "" && p.required && p.var?.type?.simple !== "STRING") {
        errs[n] = "required";
        continue;
      }
      try {
        literals[n] = literalFromText(p.var?.type ?? {}, text);
      } catch (e) {
        errs[n] = (e as Error).message;
      }
    }
    setErrors(errs);
    if (Object.keys(errs).length) return;
    setBusy(true);
    setFailure("");
    try {
      for (const [n, chosen] of uploads) {
        literals[n] = await uploadInput(target, parameters[n].var.type, chosen, setNote);
      }
      const r = await post("/api/v1/executions", {
        project: target.project,
        domain: target.domain,
        spec: { launch_plan: target, metadata: { mode: "MANUAL", principal: "console" } },
        inputs: { literals },
      });
      navigate(links.execution(r.id.project, r.id.domain, r.id.name));
    } catch (e) {
      setFailure((e as Error).message);
    } finally {
      setNote("");
      setBusy(false);
    }
  };

  return (
    <form class="launch" onSubmit={submit}>
      {names.length === 0 && <div class="muted">No inputs.</div>}
      {names.map((n) => {
        const p = parameters[n];
        const t = p.var?.type ?? {};
        const set = (v: string) => setValues({ ...values, [n]: v });
        const multi = t.collection_type || t.map_value_type || t.simple === "STRUCT";
        return (
          <label key={n} class="field">
            <span class="fname"><code>{n}</code> <span class="muted">{typeName(t)}{p.required ? " · required" : ""}</span></span>
            {t.simple === "BOOLEAN" ? (
              <select name={n} value={values[n] || "false"} onChange={(e) => set((e.target as HTMLSelectElement).value)}>
                <option value="true">true</option><option value="false">false</option>
              </select>
            ) : t.enum_type ? (
              <select name={n} value={values[n]} onChange={(e) => set((e.target as HTMLSelectElement).value)}>
                {(t.enum_type.values ?? []).map((v: string) => <option key={v} value={v}>{v}</option>)}
              </select>
            ) : t.blob ? (
              <BlobInput name={n} type={t} uri={values[n]} onUri={set} onFiles={(f) => setFiles({ ...files, [n]: f })} />
            ) : multi ? (
              <textarea name={n} rows={3} placeholder="JSON" value={values[n]} onInput={(e) => set((e.target as HTMLTextAreaElement).value)} />
            ) : (
              <input name={n} value={values[n]} placeholder={p.var?.description ?? ""}
                type={t.simple === "INTEGER" || t.simple === "FLOAT" ? "text" : "text"} inputMode={t.simple === "INTEGER" ? "numeric" : undefined}
                onInput={(e) => set((e.target as HTMLInputElement).value)} />
            )}
            {errors[n] && <span class="error inline">{errors[n]}</span>}
          </label>
        );
      })}
      <div class="actions-row">
        <button class="primary" type="submit" disabled={busy}>Launch</button>
        {note && <span class="muted">{note}</span>}
        {failure && <span class="error inline" role="alert">{failure}</span>}
      </div>
    </form>
  );
}

// A file or directory input: files chosen here are uploaded at launch; a URI typed instead
// (s3://..., file://...) is passed as it is.
function BlobInput({ name, type, uri, onUri, onFiles }: {
  name: string; type: Json; uri: string; onUri: (v: string) => void; onFiles: (f: File[]) => void;
}) {
  const dir = type.blob.dimensionality === "MULTIPART";
  const dirAttrs = dir ? { webkitdirectory: true, multiple: true } : {};
  return (
    <span class="blob-input">
      <input type="file" name={`${name}.upload`} {...dirAttrs}
        onChange={(e) => onFiles(Array.from((e.target as HTMLInputElement).files ?? []))} />
      <span class="muted">or</span>
      <input name={name} value={uri} placeholder={dir ? "directory URI" : "file URI"} onInput={(e) => onUri((e.target as HTMLInputElement).value)} />
    </span>
  );
}

// Uploads the files chosen for one input (all under one new folder) and returns its literal:
// the file's URL, or for a directory the folder's URL with the files at their relative paths.
async function uploadInput(target: Id, type: Json, chosen: File[], progress: (m: string) => void): Promise<Json> {
  const root = uploadRoot();
  const dir = type.blob.dimensionality === "MULTIPART";
  let uri = "";
  for (const [i, f] of chosen.entries()) {
    // A directory's files arrive as "<chosen folder>/<path>": keep the path below the folder.
    const rel = dir ? (f.webkitRelativePath || f.name).split("/").slice(1).join("/") || f.name : f.name;
    progress(`uploading ${i + 1} of ${chosen.length}: ${rel}`);
    const native = await upload(target, root, rel, f);
    uri = dir ? native.slice(0, native.length - rel.length - 1) : native;
  }
  return { scalar: { blob: { metadata: { type: type.blob }, uri } } };
}
