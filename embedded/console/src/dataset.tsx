// A structured dataset (a dataframe output) previewed as a table: its parquet file is fetched
// through the data proxy and its first rows read in the browser by hyparquet, a small
// dependency-free parquet reader loaded only when a dataset is shown.
import { sameOrigin, signedDownload } from "./api";
import { useLoad } from "./hooks";

export const previewRows = 20;
const maxBytes = 32 * 1024 * 1024;

export interface Preview {
  columns: string[];
  rows: string[][];
  total: number; // rows in the file
}

// The parquet file of a dataset's URI: flytekit writes a dataframe as a folder holding
// "00000"; a URI ending in .parquet is the file itself.
export function parquetFileOf(uri: string): string {
  return /\.parquet$/i.test(uri) ? uri : uri.replace(/\/+$/, "") + "/00000";
}

// One cell as text: int64 values arrive as BigInt, nested values as JSON.
export function cellText(v: unknown): string {
  if (v === null || v === undefined) return "null";
  if (typeof v === "bigint") return v.toString();
  if (v instanceof Date) return v.toISOString();
  if (v instanceof Uint8Array) return `${v.length} bytes`;
  if (typeof v === "object") return JSON.stringify(v, (_, x) => (typeof x === "bigint" ? x.toString() : x));
  return String(v);
}

// The first `rows` rows of a parquet file; pandas' stored index columns are left out.
export async function readPreview(file: ArrayBuffer, rows = previewRows): Promise<Preview> {
  const { parquetMetadata, parquetReadObjects, parquetSchema } = await import("hyparquet");
  const metadata = parquetMetadata(file);
  const columns = parquetSchema(metadata).children.map((c) => c.element.name).filter((n) => !/^__index_level_\d+__$/.test(n));
  const objects = await parquetReadObjects({ file, metadata, columns, rowEnd: rows });
  return { columns, rows: objects.map((o) => columns.map((c) => cellText(o[c]))), total: Number(metadata.num_rows) };
}

async function loadPreview(uri: string): Promise<Preview> {
  const url = sameOrigin(await signedDownload(parquetFileOf(uri)), "/blobs/");
  const res = await fetch(url);
  if (!res.ok) throw new Error(`no preview: ${parquetFileOf(uri)} answered ${res.status} ${(await res.text()).trim()}`);
  const size = Number(res.headers.get("content-length") ?? 0);
  if (size > maxBytes) throw new Error(`no preview: the file is ${(size / 1048576).toFixed(0)} MB`);
  return readPreview(await res.arrayBuffer());
}

export function DatasetPreview({ uri }: { uri: string }) {
  const r = useLoad(() => loadPreview(uri), [uri]);
  if (r.error) return <div class="error" role="alert">{r.error}</div>;
  if (!r.data) return <div class="muted">Loading preview…</div>;
  const p = r.data;
  return (
    <div class="dataset-preview">
      <table class="grid dataframe">
        <thead><tr>{p.columns.map((c) => <th key={c}>{c}</th>)}</tr></thead>
        <tbody>{p.rows.map((row, i) => <tr key={i}>{row.map((v, j) => <td key={j}>{v}</td>)}</tr>)}</tbody>
      </table>
      <div class="muted">{p.rows.length < p.total ? `first ${p.rows.length} of ${p.total} rows` : `${p.total} rows`}</div>
    </div>
  );
}
