// Following a growing log with Range requests (embedded/console/src/log_tail.ts), against a
// fake /logs/ route that answers the way the engine's does (206, 416, or 200 without ranges).
import assert from "node:assert/strict";
import { test } from "node:test";
import { LogTail } from "../../../embedded/console/src/log_tail";

function server(honourRanges = true) {
  const file = { bytes: new Uint8Array(0) };
  const asked: (string | undefined)[] = [];
  const fetchFn = async (_path: string, init: RequestInit) => {
    const range = (init.headers as Record<string, string>).Range;
    asked.push(range);
    const m = range && honourRanges ? /^bytes=(\d+)-$/.exec(range) : null;
    if (!m) return new Response(file.bytes, { status: 200 });
    const from = Number(m[1]);
    if (from >= file.bytes.length) return new Response(null, { status: 416 });
    return new Response(file.bytes.slice(from), { status: 206 });
  };
  const append = (s: string | Uint8Array) => {
    const add = typeof s === "string" ? new TextEncoder().encode(s) : s;
    const next = new Uint8Array(file.bytes.length + add.length);
    next.set(file.bytes);
    next.set(add, file.bytes.length);
    file.bytes = next;
  };
  return { fetchFn, append, asked };
}

test("new lines are appended from where the last read ended", async () => {
  const s = server();
  const tail = new LogTail("/logs/x", s.fetchFn);
  s.append("line 1\n");
  assert.equal(await tail.read(), true);
  assert.equal(tail.text, "line 1\n");
  assert.equal(await tail.read(), false); // 416: nothing new
  s.append("line 2\nline 3\n");
  assert.equal(await tail.read(), true);
  assert.equal(tail.text, "line 1\nline 2\nline 3\n");
  assert.deepEqual(s.asked, [undefined, "bytes=7-", "bytes=7-"]);
});

test("a character split between two reads comes out whole", async () => {
  const s = server();
  const tail = new LogTail("/logs/x", s.fetchFn);
  const e = new TextEncoder().encode("é\n"); // 0xC3 0xA9 0x0A
  s.append(e.slice(0, 1));
  await tail.read();
  s.append(e.slice(1));
  await tail.read();
  assert.equal(tail.text, "é\n");
});

test("a server that ignores ranges gives the whole log, shown once", async () => {
  const s = server(false);
  const tail = new LogTail("/logs/x", s.fetchFn);
  s.append("a\n");
  await tail.read();
  s.append("b\n");
  await tail.read();
  assert.equal(tail.text, "a\nb\n");
});

test("a missing log is an error that says which", async () => {
  const tail = new LogTail("/logs/gone", async () => new Response("no log at gone", { status: 404 }));
  await assert.rejects(tail.read(), /\/logs\/gone: 404 no log at gone/);
});
