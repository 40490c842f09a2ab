// Flyte literals (protojson) turned into a small tree the UI draws, and typed form text
// turned back into literals for CreateExecution and SetSignal.
import { Json } from "./api";
import { base64Bytes, decodeMsgpack } from "./msgpack";

export type Rendered =
  | { kind: "value"; text: string; type: string }
  | { kind: "none" }
  | { kind: "list"; items: Rendered[] }
  | { kind: "map"; entries: [string, Rendered][] }
  | { kind: "json"; value: unknown; type: string }
  | { kind: "blob"; uri: string; format: string; multipart: boolean }
  | { kind: "dataset"; uri: string; format: string; columns: string[] }
  | { kind: "error"; message: string; node?: string }
  | { kind: "bytes"; size: number; tag: string }
  | { kind: "offloaded"; uri: string; size: string }
  | { kind: "unknown"; raw: unknown };

// A float as Python prints it: 2.0, not 2. protojson writes NaN and infinities as strings.
function floatText(v: number | string): string {
  return typeof v === "number" && Number.isInteger(v) ? v.toFixed(1) : String(v);
}

// google.protobuf.Struct in protojson is plain JSON already.
function primitive(p: Json): Rendered {
  if ("integer" in p) return { kind: "value", text: String(p.integer), type: "integer" };
  if ("float_value" in p) return { kind: "value", text: floatText(p.float_value), type: "float" };
  if ("string_value" in p) return { kind: "value", text: p.string_value, type: "string" };
  if ("boolean" in p) return { kind: "value", text: String(p.boolean), type: "boolean" };
  if ("datetime" in p) return { kind: "value", text: p.datetime, type: "datetime" };
  if ("duration" in p) return { kind: "value", text: p.duration, type: "duration" };
  // Zero values are omitted from protojson: an empty primitive is 0/""/false; say so.
  return { kind: "value", text: "(default)", type: "primitive" };
}

function scalar(s: Json): Rendered {
  if (s.primitive) return primitive(s.primitive);
  if (s.none_type) return { kind: "none" };
  if (s.blob) {
    const t = s.blob.metadata?.type ?? {};
    return {
      kind: "blob",
      uri: s.blob.uri ?? "",
      format: t.format ?? "",
      multipart: t.dimensionality === "MULTIPART",
    };
  }
  if (s.structured_dataset) {
    const t = s.structured_dataset.metadata?.structured_dataset_type ?? {};
    return {
      kind: "dataset",
      uri: s.structured_dataset.uri ?? "",
      format: t.format ?? "",
      columns: (t.columns ?? []).map((c: Json) => c.name),
    };
  }
  if (s.schema) return { kind: "dataset", uri: s.schema.uri ?? "", format: "schema", columns: [] };
  if (s.generic !== undefined) return { kind: "json", value: s.generic, type: "struct" };
  if (s.error) return { kind: "error", message: s.error.message ?? "", node: s.error.failed_node_id };
  if (s.union) return renderLiteral(s.union.value ?? {});
  if (s.binary) {
    const tag = s.binary.tag ?? "";
    const raw = base64Bytes(s.binary.value ?? "");
    if (tag === "msgpack") {
      try {
        return { kind: "json", value: decodeMsgpack(raw), type: "msgpack" };
      } catch {
        /* shown as bytes */
      }
    }
    return { kind: "bytes", size: raw.length, tag };
  }
  return { kind: "unknown", raw: s };
}

export function renderLiteral(lit: Json): Rendered {
  if (!lit || typeof lit !== "object") return { kind: "unknown", raw: lit };
  if (lit.scalar) return scalar(lit.scalar);
  if (lit.collection) return { kind: "list", items: (lit.collection.literals ?? []).map(renderLiteral) };
  if (lit.map) return { kind: "map", entries: renderMap(lit.map) };
  if (lit.offloaded_metadata) {
    return { kind: "offloaded", uri: lit.offloaded_metadata.uri ?? "", size: lit.offloaded_metadata.size_bytes ?? "" };
  }
  return { kind: "unknown", raw: lit };
}

// A LiteralMap's entries, sorted by name.
export function renderMap(map: Json | undefined): [string, Rendered][] {
  const lits = map?.literals ?? {};
  return Object.keys(lits)
    .sort()
    .map((k) => [k, renderLiteral(lits[k])]);
}

// One-line text for a rendered value (tables, tooltips, tests).
export function summary(r: Rendered): string {
  switch (r.kind) {
    case "value": return r.type === "string" ? JSON.stringify(r.text) : r.text;
    case "none": return "None";
    case "list": return `[${r.items.map(summary).join(", ")}]`;
    case "map": return `{${r.entries.map(([k, v]) => `${k}: ${summary(v)}`).join(", ")}}`;
    case "json": return JSON.stringify(r.value);
    case "blob": return `${r.multipart ? "directory" : "file"} ${r.uri}`;
    case "dataset": return `dataset ${r.uri}`;
    case "error": return `error: ${r.message}`;
    case "bytes": return `${r.size} bytes${r.tag ? ` (${r.tag})` : ""}`;
    case "offloaded": return `offloaded ${r.uri}`;
    default: return JSON.stringify(r.raw);
  }
}

// ---------------------------------------------------------------------------- types ---

// A LiteralType's name as people read it (int, str, List[int], Dict[str, float]...).
export function typeName(t: Json | undefined): string {
  if (!t) return "?";
  if (t.simple) {
    const names: Record<string, string> = {
      NONE: "None", INTEGER: "int", FLOAT: "float", STRING: "str", BOOLEAN: "bool",
      DATETIME: "datetime", DURATION: "timedelta", BINARY: "bytes", ERROR: "error", STRUCT: "dict",
    };
    return names[t.simple] ?? t.simple;
  }
  if (t.collection_type) return `List[${typeName(t.collection_type)}]`;
  if (t.map_value_type) return `Dict[str, ${typeName(t.map_value_type)}]`;
  if (t.blob) return t.blob.dimensionality === "MULTIPART" ? "FlyteDirectory" : "FlyteFile";
  if (t.enum_type) return `Enum(${(t.enum_type.values ?? []).join("|")})`;
  if (t.union_type) return (t.union_type.variants ?? []).map(typeName).join(" | ");
  if (t.structured_dataset_type) return "StructuredDataset";
  if (t.schema) return "Schema";
  if ("simple" in t) return "None"; // simple NONE is the zero value, omitted
  return "?";
}

// ---------------------------------------------------------------------------- input ---

export class InputError extends Error {}

const prim = (p: Json) => ({ scalar: { primitive: p } });

// The literal for form text `text` of type `t`. Simple types take their plain spelling;
// lists, dicts and structs take JSON. Throws InputError with a message for the form.
export function literalFromText(t: Json, text: string): Json {
  const s = text.trim();
  if (t.union_type) {
    const variants: Json[] = t.union_type.variants ?? [];
    if (s === "" || s.toLowerCase() === "none") {
      const none = variants.find((v) => typeName(v) === "None");
      if (none) return { scalar: { union: { value: { scalar: { none_type: {} } }, type: none } } };
    }
    for (const v of variants) {
      if (typeName(v) === "None") continue;
      try {
        return { scalar: { union: { value: literalFromText(v, text), type: v } } };
      } catch {
        /* try the next variant */
      }
    }
    throw new InputError(`no variant of ${typeName(t)} accepts '${text}'`);
  }
  if (t.enum_type) {
    const values: string[] = t.enum_type.values ?? [];
    if (!values.includes(s)) throw new InputError(`expected one of ${values.join(", ")}`);
    return prim({ string_value: s });
  }
  if (t.blob) {
    if (!s) throw new InputError("expected a URI (s3://..., or a path in the object store)");
    return { scalar: { blob: { metadata: { type: t.blob }, uri: s } } };
  }
  if (t.collection_type || t.map_value_type) return jsonLiteral(t, parseJson(s));
  switch (t.simple) {
    case "INTEGER":
      if (!/^[-+]?\d+$/.test(s)) throw new InputError(`'${text}' is not an integer`);
      return prim({ integer: s.replace(/^\+/, "") });
    case "FLOAT":
      if (s === "" || !isFinite(Number(s))) throw new InputError(`'${text}' is not a number`);
      return prim({ float_value: Number(s) });
    case "STRING":
      return prim({ string_value: text });
    case "BOOLEAN":
      if (!/^(true|false)$/i.test(s)) throw new InputError("expected true or false");
      return prim({ boolean: s.toLowerCase() === "true" });
    case "DATETIME": {
      const d = new Date(s);
      if (!s || isNaN(d.getTime())) throw new InputError(`'${text}' is not a date and time`);
      return prim({ datetime: d.toISOString() });
    }
    case "DURATION": {
      const m = /^(\d+(?:\.\d+)?)\s*(ms|s|m|h)?$/.exec(s);
      if (!m) throw new InputError("expected a duration such as 30s, 5m or 2h");
      const factor: Record<string, number> = { ms: 0.001, s: 1, m: 60, h: 3600 };
      return prim({ duration: `${Number(m[1]) * factor[m[2] ?? "s"]}s` });
    }
    case "STRUCT":
      return { scalar: { generic: parseJson(s) } };
    case "NONE":
      return { scalar: { none_type: {} } };
    default:
      throw new InputError(`inputs of type ${typeName(t)} cannot be entered in the form`);
  }
}

function parseJson(s: string): unknown {
  try {
    return JSON.parse(s);
  } catch {
    throw new InputError("expected JSON");
  }
}

// A literal of type `t` from a parsed JSON value (lists and dicts in the form).
function jsonLiteral(t: Json, v: unknown): Json {
  if (t.collection_type) {
    if (!Array.isArray(v)) throw new InputError(`expected a JSON list for ${typeName(t)}`);
    return { collection: { literals: v.map((x) => jsonLiteral(t.collection_type, x)) } };
  }
  if (t.map_value_type) {
    if (!v || typeof v !== "object" || Array.isArray(v)) throw new InputError(`expected a JSON object for ${typeName(t)}`);
    const literals: Record<string, Json> = {};
    for (const [k, x] of Object.entries(v)) literals[k] = jsonLiteral(t.map_value_type, x);
    return { map: { literals } };
  }
  if (t.simple === "STRUCT") return { scalar: { generic: v } };
  return literalFromText(t, typeof v === "string" ? v : JSON.stringify(v));
}

// Form text for a default literal (the launch form's initial values).
export function textFromLiteral(lit: Json | undefined): string {
  if (!lit) return "";
  const r = renderLiteral(lit);
  const plain = (x: Rendered): unknown => {
    switch (x.kind) {
      case "value":
        if (x.type === "integer" || x.type === "float") return Number(x.text);
        if (x.type === "boolean") return x.text === "true";
        return x.text;
      case "list": return x.items.map(plain);
      case "map": return Object.fromEntries(x.entries.map(([k, v]) => [k, plain(v)]));
      case "json": return x.value;
      case "none": return null;
      case "blob": return x.uri;
      default: return summary(x);
    }
  };
  if (r.kind === "value") return r.text === "(default)" ? "" : r.text;
  if (r.kind === "none") return "";
  if (r.kind === "blob") return r.uri;
  return JSON.stringify(plain(r));
}
