// The console's literal rendering and form parsing (embedded/console/src/literals.ts).
import assert from "node:assert/strict";
import { test } from "node:test";
import { literalFromText, renderLiteral, renderMap, summary, textFromLiteral, typeName } from "../../../embedded/console/src/literals";
import { decodeMsgpack } from "../../../embedded/console/src/msgpack";

const int = (n: string) => ({ scalar: { primitive: { integer: n } } });
const str = (s: string) => ({ scalar: { primitive: { string_value: s } } });

test("scalars render by type", () => {
  assert.deepEqual(renderLiteral(int("42")), { kind: "value", text: "42", type: "integer" });
  assert.deepEqual(renderLiteral({ scalar: { primitive: { float_value: 2.5 } } }), { kind: "value", text: "2.5", type: "float" });
  assert.equal(summary(renderLiteral({ scalar: { primitive: { float_value: 2 } } })), "2.0");
  assert.deepEqual(renderLiteral({ scalar: { primitive: { boolean: false } } }), { kind: "value", text: "false", type: "boolean" });
  assert.equal(summary(renderLiteral(str("hi"))), '"hi"');
  assert.equal(summary(renderLiteral({ scalar: { primitive: { datetime: "2024-01-02T03:04:05Z" } } })), "2024-01-02T03:04:05Z");
  assert.equal(summary(renderLiteral({ scalar: { none_type: {} } })), "None");
});

test("collections and maps nest", () => {
  const lit = { map: { literals: { b: { collection: { literals: [int("1"), int("2")] } }, a: str("x") } } };
  const r = renderLiteral(lit);
  assert.equal(r.kind, "map");
  assert.equal(summary(r), '{a: "x", b: [1, 2]}');
  assert.deepEqual(renderMap({ literals: { z: int("1"), a: int("2") } }).map(([k]) => k), ["a", "z"]);
  assert.deepEqual(renderMap(undefined), []);
});

test("blobs, datasets, structs, unions and errors", () => {
  const file = renderLiteral({ scalar: { blob: { uri: "s3://b/f.txt", metadata: { type: { format: "txt" } } } } });
  assert.deepEqual(file, { kind: "blob", uri: "s3://b/f.txt", format: "txt", multipart: false });
  const dir = renderLiteral({ scalar: { blob: { uri: "s3://b/d", metadata: { type: { dimensionality: "MULTIPART" } } } } });
  assert.equal(dir.kind === "blob" && dir.multipart, true);
  const sd = renderLiteral({ scalar: { structured_dataset: { uri: "s3://b/df", metadata: { structured_dataset_type: { format: "parquet", columns: [{ name: "x" }] } } } } });
  assert.deepEqual(sd, { kind: "dataset", uri: "s3://b/df", format: "parquet", columns: ["x"] });
  assert.deepEqual(renderLiteral({ scalar: { generic: { a: 1 } } }), { kind: "json", value: { a: 1 }, type: "struct" });
  assert.equal(summary(renderLiteral({ scalar: { union: { value: int("7"), type: { simple: "INTEGER" } } } })), "7");
  assert.deepEqual(renderLiteral({ scalar: { error: { failed_node_id: "n0", message: "boom" } } }), { kind: "error", message: "boom", node: "n0" });
  assert.equal(renderLiteral({ what: 1 }).kind, "unknown");
});

test("msgpack binary literals (dataclasses) decode to JSON", () => {
  // {"x": 1, "name": "ab", "ok": true, "v": [1.5, null]} in MessagePack
  const bytes = Uint8Array.from([0x84, 0xa1, 0x78, 0x01, 0xa4, 0x6e, 0x61, 0x6d, 0x65, 0xa2, 0x61, 0x62, 0xa2, 0x6f, 0x6b, 0xc3,
    0xa1, 0x76, 0x92, 0xcb, 0x3f, 0xf8, 0, 0, 0, 0, 0, 0, 0xc0]);
  assert.deepEqual(decodeMsgpack(bytes), { x: 1, name: "ab", ok: true, v: [1.5, null] });
  const b64 = Buffer.from(bytes).toString("base64");
  const r = renderLiteral({ scalar: { binary: { value: b64, tag: "msgpack" } } });
  assert.deepEqual(r, { kind: "json", value: { x: 1, name: "ab", ok: true, v: [1.5, null] }, type: "msgpack" });
  assert.deepEqual(renderLiteral({ scalar: { binary: { value: "AAEC", tag: "raw" } } }), { kind: "bytes", size: 3, tag: "raw" });
  assert.throws(() => decodeMsgpack(Uint8Array.from([0x92, 0x01])), /truncated/);
  assert.equal(decodeMsgpack(Uint8Array.from([0xd1, 0xff, 0x38])), -200);
});

test("type names read like Python", () => {
  assert.equal(typeName({ simple: "INTEGER" }), "int");
  assert.equal(typeName({ collection_type: { simple: "STRING" } }), "List[str]");
  assert.equal(typeName({ map_value_type: { simple: "FLOAT" } }), "Dict[str, float]");
  assert.equal(typeName({ blob: { dimensionality: "MULTIPART" } }), "FlyteDirectory");
  assert.equal(typeName({ union_type: { variants: [{ simple: "INTEGER" }, { simple: "NONE" }] } }), "int | None");
});

test("form text becomes typed literals, bad text a clear error", () => {
  assert.deepEqual(literalFromText({ simple: "INTEGER" }, " 12 "), int("12"));
  assert.throws(() => literalFromText({ simple: "INTEGER" }, "1.5"), /not an integer/);
  assert.deepEqual(literalFromText({ simple: "FLOAT" }, "1.5"), { scalar: { primitive: { float_value: 1.5 } } });
  assert.throws(() => literalFromText({ simple: "FLOAT" }, "abc"), /not a number/);
  assert.deepEqual(literalFromText({ simple: "BOOLEAN" }, "True"), { scalar: { primitive: { boolean: true } } });
  assert.deepEqual(literalFromText({ simple: "STRING" }, " a b "), str(" a b "));
  assert.deepEqual(literalFromText({ simple: "DURATION" }, "5m"), { scalar: { primitive: { duration: "300s" } } });
  assert.deepEqual(literalFromText({ simple: "DATETIME" }, "2024-01-02T03:04:05Z"), { scalar: { primitive: { datetime: "2024-01-02T03:04:05.000Z" } } });
  assert.deepEqual(literalFromText({ collection_type: { simple: "INTEGER" } }, "[1, 2]"), { collection: { literals: [int("1"), int("2")] } });
  assert.throws(() => literalFromText({ collection_type: { simple: "INTEGER" } }, "{}"), /JSON list/);
  assert.deepEqual(literalFromText({ map_value_type: { simple: "STRING" } }, '{"k": "v"}'), { map: { literals: { k: str("v") } } });
  assert.deepEqual(literalFromText({ enum_type: { values: ["RED", "GREEN"] } }, "GREEN"), str("GREEN"));
  assert.throws(() => literalFromText({ enum_type: { values: ["RED"] } }, "BLUE"), /one of RED/);
  const opt = { union_type: { variants: [{ simple: "INTEGER" }, { simple: "NONE" }] } };
  assert.deepEqual(literalFromText(opt, ""), { scalar: { union: { value: { scalar: { none_type: {} } }, type: { simple: "NONE" } } } });
  assert.deepEqual(literalFromText(opt, "3"), { scalar: { union: { value: int("3"), type: { simple: "INTEGER" } } } });
});

test("defaults become form text and back", () => {
  assert.equal(textFromLiteral(int("5")), "5");
  assert.equal(textFromLiteral(str("hello")), "hello");
  assert.equal(textFromLiteral({ collection: { literals: [int("1"), int("2")] } }), "[1,2]");
  assert.equal(textFromLiteral(undefined), "");
  const list = { collection_type: { simple: "INTEGER" } };
  assert.deepEqual(literalFromText(list, textFromLiteral({ collection: { literals: [int("1")] } })), { collection: { literals: [int("1")] } });
});
