// Dataframe previews (embedded/console/src/dataset.tsx): reading the first rows of a parquet
// file as pandas writes it (fixtures/frame.parquet: 30 rows, int64, float and string
// columns, snappy-compressed, written by pandas 2.2 with pyarrow 18).
import assert from "node:assert/strict";
import { test } from "node:test";
import { cellText, parquetFileOf, readPreview } from "../../../embedded/console/src/dataset";
// @ts-expect-error: a binary fixture, bundled as a Uint8Array by build.mjs
import frame from "./fixtures/frame.parquet";

const buffer = (b: Uint8Array) => b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer;

test("the first rows of a pandas parquet file, in column order", async () => {
  const p = await readPreview(buffer(frame), 3);
  assert.deepEqual(p.columns, ["i", "sq", "name", "half"]);
  assert.deepEqual(p.rows, [
    ["0", "0", "row 0", "0"],
    ["1", "1", "row 1", "0.5"],
    ["2", "4", "row 2", "1"],
  ]);
  assert.equal(p.total, 30);
});

test("a preview stops at its row limit", async () => {
  const p = await readPreview(buffer(frame));
  assert.equal(p.rows.length, 20);
  assert.deepEqual(p.rows[19], ["19", "361", "row 19", "9.5"]);
});

test("a file that is not parquet is refused", async () => {
  await assert.rejects(readPreview(new TextEncoder().encode("not a parquet file at all").buffer as ArrayBuffer));
});

test("cells and file names", () => {
  assert.equal(cellText(12345678901234567890n), "12345678901234567890");
  assert.equal(cellText(null), "null");
  assert.equal(cellText({ a: [1n, 2] }), '{"a":["1",2]}');
  assert.equal(parquetFileOf("s3://b/x/abc"), "s3://b/x/abc/00000");
  assert.equal(parquetFileOf("s3://b/x/abc/"), "s3://b/x/abc/00000");
  assert.equal(parquetFileOf("file:///d/t.parquet"), "file:///d/t.parquet");
});
