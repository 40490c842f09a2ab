#!/usr/bin/env python3
"""Checks the include graph between folders: no cycle, and no forbidden direction.

Each source file belongs to its folder (embedded/admin/launch_plans.cc to embedded/admin).
An `#include "x/y/z.h"` of a project header is an edge from the file's folder to x/y. The
check fails, listing the includes responsible, when folders include each other in a cycle or
when an edge matches a rule in FORBIDDEN. `--graph` prints every edge with its count.

Usage: scripts/check-layering.py [--root DIR] [--graph]
"""
import argparse
import os
import re
import sys
from collections import defaultdict

SOURCE_ROOTS = ["common", "cli", "sandbox", "embedded", "bench", "tests"]
EXTENSIONS = (".h", ".cc", ".cpp", ".hpp")
INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"', re.MULTILINE)

# (from, to, why): no file under `from` may include a header under `to` (folder prefixes).
FORBIDDEN = [
    ("embedded/admin", "embedded/scheduler",
     "admin checks schedules with the rules in embedded/schedule; the scheduler runtime "
     "drives admin, never the reverse"),
    ("embedded/schedule", "embedded/admin", "the schedule rules are pure: no Admin"),
    ("embedded/schedule", "embedded/scheduler", "the schedule rules do not know the runtime"),
    ("embedded/schedule", "embedded/store", "the schedule rules are pure: no store"),
    ("embedded/store", "embedded/admin", "the store is below Admin"),
    ("embedded/store", "embedded/executor", "the store is below the executor"),
    ("embedded/admin", "embedded/executor", "the executor drives Admin, never the reverse"),
    ("embedded/admin", "embedded/api", "Admin is transport-free"),
    ("embedded/compiler", "embedded/admin", "the compiler is pure"),
    ("embedded/compiler", "embedded/store", "the compiler is pure"),
    ("embedded/kube", "embedded/executor",
     "the Kubernetes client knows nothing of Flyte; the executor's runner uses it"),
    ("embedded/kube", "embedded/admin", "the Kubernetes client knows nothing of Flyte"),
    ("embedded/kube", "embedded/blob", "the Kubernetes client knows nothing of Flyte"),
    ("embedded/kube", "embedded/store", "the Kubernetes client knows nothing of Flyte"),
    ("common", "cli", "common is below everything"),
    ("common", "sandbox", "common is below everything"),
    ("common", "embedded", "common is below everything"),
    ("sandbox", "cli", "the supervisor does not know the CLI"),
    ("sandbox", "embedded", "the supervisor runs the engine as a process"),
    ("cli", "embedded", "the CLI runs the engine as a process"),
    ("embedded", "cli", "the engine does not know the CLI"),
    ("embedded", "sandbox", "the engine does not know its supervisor"),
]
# Production code never includes tests or benchmarks.
for _root in ["common", "cli", "sandbox", "embedded"]:
    FORBIDDEN.append((_root, "tests", "production code does not include tests"))
    FORBIDDEN.append((_root, "bench", "production code does not include benchmarks"))


def under(folder, prefix):
    return folder == prefix or folder.startswith(prefix + "/")


def collect(root):
    """Returns {(from_folder, to_folder): [(file, header), ...]} for project includes."""
    edges = defaultdict(list)
    for top in SOURCE_ROOTS:
        for dirpath, dirnames, filenames in os.walk(os.path.join(root, top)):
            dirnames[:] = sorted(d for d in dirnames if d not in ("testdata", "corpus"))
            for name in sorted(filenames):
                if not name.endswith(EXTENSIONS):
                    continue
                path = os.path.join(dirpath, name)
                rel = os.path.relpath(path, root)
                folder = os.path.dirname(rel)
                with open(path, encoding="utf-8", errors="replace") as f:
                    text = f.read()
                for header in INCLUDE.findall(text):
                    target = os.path.dirname(header)
                    if not target or target.split("/")[0] not in SOURCE_ROOTS:
                        continue  # generated (flyteidl/...), local or system header
                    if target != folder:
                        edges[(folder, target)].append((rel, header))
    return edges


def cycles(edges):
    """Strongly connected components with more than one folder (Tarjan)."""
    graph = defaultdict(set)
    for a, b in edges:
        graph[a].add(b)
        graph.setdefault(b, set())
    index, low, on_stack, stack, out = {}, {}, set(), [], []
    counter = [0]

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                out.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return out


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--root", default=os.path.join(os.path.dirname(__file__), ".."))
    parser.add_argument("--graph", action="store_true", help="print every folder edge")
    args = parser.parse_args()
    root = os.path.abspath(args.root)
    edges = collect(root)
    if not edges:
        print(f"check-layering: no includes found under {root}: wrong --root?", file=sys.stderr)
        return 2
    if args.graph:
        for (a, b), uses in sorted(edges.items()):
            print(f"{a} -> {b} ({len(uses)})")

    problems = []
    for component in cycles(edges):
        members = set(component)
        lines = [f"folders include each other in a cycle: {' <-> '.join(component)}"]
        for (a, b), uses in sorted(edges.items()):
            if a in members and b in members:
                lines += [f"    {file} includes {header}" for file, header in uses]
        problems.append("\n".join(lines))
    for (a, b), uses in sorted(edges.items()):
        for source, target, why in FORBIDDEN:
            if under(a, source) and under(b, target):
                lines = [f"{a} must not include {b} ({why})"]
                lines += [f"    {file} includes {header}" for file, header in uses]
                problems.append("\n".join(lines))
    for p in problems:
        print(p, file=sys.stderr)
    if problems:
        print(f"check-layering: {len(problems)} problem(s)", file=sys.stderr)
        return 1
    folders = {f for edge in edges for f in edge}
    print(f"check-layering: {len(edges)} include edges between {len(folders)} folders, "
          "no cycle, no forbidden direction")
    return 0


if __name__ == "__main__":
    sys.exit(main())
