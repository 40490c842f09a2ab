#!/usr/bin/env bash
# scripts/check-layering.py on small made-up trees: it passes a one-way tree and fails, naming
# the includes, on a cycle between folders and on a forbidden direction.
set -euo pipefail
check="$(dirname "$0")/../../../scripts/check-layering.py"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

mkdir -p "$tmp"/embedded/{admin,schedule,scheduler} "$tmp"/common
echo '#include "common/status.h"' > "$tmp"/embedded/schedule/cron.h
echo '#include "embedded/schedule/cron.h"' > "$tmp"/embedded/admin/admin.cc
echo '#include "embedded/admin/admin.h"' > "$tmp"/embedded/scheduler/scheduler.h
echo '// nothing' > "$tmp"/common/status.h
"$check" --root "$tmp" > "$tmp/out" 2>&1 || { cat "$tmp/out"; echo "FAIL: one-way tree rejected"; exit 1; }

# admin -> scheduler -> admin: a cycle, and a forbidden direction.
echo '#include "embedded/scheduler/scheduler.h"' >> "$tmp"/embedded/admin/admin.cc
if "$check" --root "$tmp" > "$tmp/out" 2>&1; then
  cat "$tmp/out"; echo "FAIL: cycle accepted"; exit 1
fi
grep -q "cycle: embedded/admin <-> embedded/scheduler" "$tmp/out" || { cat "$tmp/out"; echo "FAIL: no cycle named"; exit 1; }
grep -q "embedded/admin/admin.cc includes embedded/scheduler/scheduler.h" "$tmp/out" || { cat "$tmp/out"; echo "FAIL: include not named"; exit 1; }
grep -q "embedded/admin must not include embedded/scheduler" "$tmp/out" || { cat "$tmp/out"; echo "FAIL: rule not named"; exit 1; }

# A forbidden direction without a cycle: common including the engine.
sed -i '$d' "$tmp"/embedded/admin/admin.cc
echo '#include "embedded/schedule/cron.h"' > "$tmp"/common/status.h
if "$check" --root "$tmp" > "$tmp/out" 2>&1; then
  cat "$tmp/out"; echo "FAIL: common -> embedded accepted"; exit 1
fi
grep -q "common must not include embedded/schedule" "$tmp/out" || { cat "$tmp/out"; echo "FAIL: rule not named"; exit 1; }
echo "check-layering: passes one-way trees, fails cycles and forbidden directions"
