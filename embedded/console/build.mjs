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
    chunkNames: "[name]-[hash]",
    // Pages with a graph (and dagre, two thirds of the code) load on first use, so that the
    // executions list and the other plain pages start sooner.
    splitting: true,
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
  const assets = join(out, "assets");
  for (const file of result.outputFiles) writeFileSync(file.path, file.contents);
  // The entry point's script and its style sheet are named in index.html; chunks are loaded by it.
  // The chunks it imports statically are preloaded with it (no second round trip).
  const asset = (path) => "assets/" + resolve(here, path).slice(assets.length + 1);
  let preload = "";
  for (const [path, info] of Object.entries(result.metafile.outputs)) {
    if (info.entryPoint !== "src/main.tsx") continue;
    names.js = asset(path);
    if (info.cssBundle) names.css = asset(info.cssBundle);
    for (const i of info.imports) {
      if (i.kind === "import-statement") preload += `<link rel="modulepreload" href="/console/${asset(i.path)}">\n`;
    }
  }
  const icon = readFileSync(join(here, "src/favicon.svg"));
  const iconName = `assets/favicon-${createHash("sha256").update(icon).digest("hex").slice(0, 8)}.svg`;
  writeFileSync(join(out, iconName), icon);
  const html = readFileSync(join(here, "src/index.html"), "utf8")
    .replace("%CSS%", `/console/${names.css}`)
    .replace("%JS%", `/console/${names.js}`)
    .replace("%PRELOAD%\n", preload)
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
    loader: { ".parquet": "binary" }, // fixtures arrive as Uint8Array
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
