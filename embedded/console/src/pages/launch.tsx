// A form built from a launch plan's (or task's) parameters that creates an execution.
import { useState } from "preact/hooks";
import { Id, Json, post } from "../api";
import { literalFromText, textFromLiteral, typeName } from "../literals";
import { links, navigate } from "../router";

export function LaunchForm({ target, parameters }: { target: Id; parameters: Json }) {
  const names = Object.keys(parameters).sort();
  const initial = () => Object.fromEntries(names.map((n) => [n, textFromLiteral(parameters[n].default)]));
  const [values, setValues] = useState<Record<string, string>>(initial);
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [failure, setFailure] = useState("");
  const [busy, setBusy] = useState(false);

  const submit = async (ev: Event) => {
    ev.preventDefault();
    const literals: Json = {};
    const errs: Record<string, string> = {};
    for (const n of names) {
      const p = parameters[n];
      const text = values[n] ?? "";
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
        {failure && <span class="error inline" role="alert">{failure}</span>}
      </div>
    </form>
  );
}
