// Bundles the console into OUT (default ./dist): index.html plus content-hashed assets, so
// that the engine can serve assets/ as immutable and index.html as no-cache.
//   node build.mjs [--out DIR]     the app
//   node build.mjs --test DIR      bundles tests/unit/console/*.test.ts into DIR and runs
//                                  them with node's test runner (exit code = theirs)
import * as esbuild from "esbuild";
import { createHash } from "node:crypto";
import { mkdirSync, readdirSync, rmSync, writeFileSync, readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const args = process.argv.slice(2);
const option = (name, fallback) => {
  const i = args.indexOf(name);
  return i >= 0 ? resolve(args[i + 1]) : fallback;
};
const out = option("--out", join(here, "dist"));
const tests = option("--test", "");

const common = {
  bundle: true,
  jsx: "automatic",
  jsxImportSource: "preact",
  target: "es2020",
  logLevel: "warning",
  nodePaths: [join(here, "node_modules")],
};

async function buildApp() {
  const result = await esbuild.build({
    ...common,
    entryPoints: { app: join(here, "src/main.tsx") },
    outdir: join(out, "assets"),
    entryNames: "[name]-[hash]",
    format: "esm",
    minify: true,
    sourcemap: false,
    metafile: true,
    write: false,
    legalComments: "none",
  });
  rmSync(out, { recursive: true, force: true });
  mkdirSync(join(out, "assets"), { recursive: true });
  const names = {};
  for (const file of result.outputFiles) {
    writeFileSync(file.path, file.contents);
    const base = file.path.slice(join(out, "assets").length + 1);
    names[base.endsWith(".css") ? "css" : "js"] = "assets/" + base;
  }
  const icon = readFileSync(join(here, "src/favicon.svg"));
  const iconName = `assets/favicon-${createHash("sha256").update(icon).digest("hex").slice(0, 8)}.svg`;
  writeFileSync(join(out, iconName), icon);
  const html = readFileSync(join(here, "src/index.html"), "utf8")
    .replace("%CSS%", `/console/${names.css}`)
    .replace("%JS%", `/console/${names.js}`)
    .replace("%ICON%", `/console/${iconName}`);
  writeFileSync(join(out, "index.html"), html);
}

async function buildTests() {
  const dir = resolve(here, "../../tests/unit/console");
  const entries = readdirSync(dir).filter((f) => f.endsWith(".test.ts")).map((f) => join(dir, f));
  rmSync(tests, { recursive: true, force: true });
  await esbuild.build({
    ...common,
    entryPoints: entries,
    outdir: tests,
    outExtension: { ".js": ".mjs" },
    format: "esm",
    platform: "node",
    external: ["node:*"],
  });
}

if (tests) {
  await buildTests();
  const files = readdirSync(tests).filter((f) => f.endsWith(".test.mjs")).map((f) => join(tests, f));
  const run = spawnSync(process.execPath, ["--test", ...files], { stdio: "inherit" });
  process.exit(run.status ?? 1);
} else {
  await buildApp();
}
