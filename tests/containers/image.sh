#!/usr/bin/env bash
# End-to-end test of the Flytebox image on one container engine, as a user meets it.
#
# Usage: tests/containers/image.sh docker|podman [sqlite|postgres]
#
#  1. brings the engine up (scripts/container-engines.sh) and builds or refreshes the image
#     (scripts/build-image.sh: imports only when the content changed);
#  2. runs it unprivileged with a named volume, its ports published on free 127.0.0.1
#     ports, and waits for /healthz; checks that PID 1 is the supervisor and that no
#     component runs as root, and that the generated credentials file is 0600;
#  3. from the HOST, with the pinned flytekit: `pyflyte run --remote` of
#     examples/hello_world.py hello_wf and of examples/files.py file_input_wf with a local
#     file (uploaded through a signed URL on the published S3 port, read by a task inside);
#     FlyteRemote checks both SUCCEEDED with the right outputs, that the uploaded object is
#     in the volume and that signed URLs name the published S3 port;
#  4. stops and starts the container: both executions and their outputs are still there;
#  5. removes container and volume and checks that nothing of them is left.
#
# Prints "PASS ..." and exits 0 only when every check passed, else "FAIL ...: why" with the
# container's logs. Environment: FLYTEBOX_VENV (the pinned flytekit), FLYTEBOX_IMAGE
# (default flytebox:<version>), FLYTEBOX_BUILD (where the programs were built).
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

ENGINE="${1:-}"
DB="${2:-sqlite}"
case "$ENGINE" in docker|podman) ;; *) echo "usage: $0 docker|podman [sqlite|postgres]" >&2; exit 2 ;; esac
case "$DB" in sqlite|postgres) ;; *) echo "usage: $0 docker|podman [sqlite|postgres]" >&2; exit 2 ;; esac

NAME="flytebox-image-test-$ENGINE-$DB-$$"
VOLUME="$NAME"
LABEL="io.flytebox.test=image"
STATE=/var/lib/flytebox
WORK="$(mktemp -d "${TMPDIR:-/tmp}/flytebox-image-test.XXXXXX")"
RUN_FLAGS=()

log() { printf 'image %s/%s: %s\n' "$ENGINE" "$DB" "$*"; }
e() { timeout 120 "$ENGINE" "$@"; }

dump() {
  e inspect "$NAME" >/dev/null 2>&1 || return 0
  echo "---- $ENGINE logs $NAME ----" >&2
  e logs "$NAME" 2>&1 | tail -n 30 >&2 || true
  local f
  for f in engine s3 postgres; do
    echo "---- $STATE/logs/$f.log ----" >&2
    e exec "$NAME" tail -n 40 "$STATE/logs/$f.log" 2>&1 >&2 || true
  done
}
fail() {
  printf 'FAIL image %s/%s: %s\n' "$ENGINE" "$DB" "$*" >&2
  dump
  exit 1
}

cleanup() {
  e rm -f "$NAME" >/dev/null 2>&1 || true
  e volume rm -f "$VOLUME" >/dev/null 2>&1 || true
  rm -rf "$WORK"
}
trap cleanup EXIT


http_status() { # URL -> HTTP status code, 000 when nothing answers
  curl -s -o /dev/null -w '%{http_code}' --max-time 2 "$1" 2>/dev/null || true
}

READY_SECONDS=""
wait_ready() { # -> READY_SECONDS
  local began=$SECONDS deadline=$((SECONDS + 90))
  while [ "$SECONDS" -lt "$deadline" ]; do
    [ "$(http_status "http://127.0.0.1:$PORT/healthz")" = 200 ] && { READY_SECONDS=$((SECONDS - began)); return 0; }
    [ "$(e inspect --format '{{.State.Running}}' "$NAME" 2>/dev/null)" = true ] \
      || fail "the container stopped before it was ready"
    sleep 0.2
  done
  fail "GET http://127.0.0.1:$PORT/healthz did not answer 200 within 90 s"
}

run_container() {
  e run -d --name "$NAME" --label "$LABEL" \
    -p "127.0.0.1:$PORT:30080" -p "127.0.0.1:$S3_PORT:30002" \
    -v "$VOLUME:$STATE" \
    -e "FLYTEBOX_PUBLIC_PORT=$PORT" -e "FLYTEBOX_S3_PUBLIC_PORT=$S3_PORT" -e "FLYTEBOX_DB=$DB" \
    "${RUN_FLAGS[@]}" "$IMAGE" >/dev/null || fail "'$ENGINE run' of $IMAGE failed"
}

# Every process of the sandbox (those running programs from /opt/flytebox) and PID 1.
check_users() {
  local out
  out="$(e exec "$NAME" sh -c '
    for p in /proc/[0-9]*; do
      pid=${p#/proc/}; [ "$pid" = $$ ] && continue
      cmd=$(tr "\0" " " <"$p/cmdline" 2>/dev/null) || continue
      case "$pid $cmd" in "1 "*|*/opt/flytebox/*|*/usr/lib/postgresql/*) echo "$(stat -c %u "$p") $pid $cmd" ;; esac
    done')" || fail "cannot list the processes in the container"
  grep -q '^1000 1 /opt/flytebox/bin/flytebox-sandbox ' <<<"$out" \
    || fail "PID 1 is not the supervisor running as uid 1000:"$'\n'"$out"
  local root
  root="$(awk '$1 != 1000' <<<"$out")"
  [ -z "$root" ] || fail "sandbox processes not running as the flytebox user (uid 1000):"$'\n'"$root"
  local n
  n="$(wc -l <<<"$out")"
  [ "$n" -ge 3 ] || fail "expected the supervisor, versitygw and the engine; found:"$'\n'"$out"
  log "ok: $n sandbox processes, all uid 1000, PID 1 is flytebox-sandbox"
}

# FlyteRemote: each NAME=EXPECTED execution SUCCEEDED with output o0 == EXPECTED. Prints
# the input blob URIs of the executions (one a line) for the caller's checks.
write_checker() {
  cat >"$WORK/check.py" <<'EOF'
import sys
from datetime import timedelta

from flytekit.configuration import Config
from flytekit.models.core.execution import WorkflowExecutionPhase
from flytekit.remote import FlyteRemote

config, s3_port, *pairs = sys.argv[1:]
remote = FlyteRemote(Config.auto(config_file=config), default_project="flytesnacks",
                     default_domain="development")
for pair in pairs:
    name, expected = pair.split("=", 1)
    ex = remote.wait(remote.fetch_execution(name=name), timeout=timedelta(seconds=240),
                     poll_interval=timedelta(seconds=0.5))
    phase = WorkflowExecutionPhase.enum_to_string(ex.closure.phase)
    if phase != "SUCCEEDED":
        sys.exit(f"execution {name}: {phase}, expected SUCCEEDED: {ex.closure.error}")
    got = ex.outputs.get("o0", as_type=str)
    if got != expected:
        sys.exit(f"execution {name}: output o0 = {got!r}, expected {expected!r}")
    for literal in ex.inputs.literals.values():
        if literal.scalar is not None and literal.scalar.blob is not None:
            print(literal.scalar.blob.uri)
# A signed upload URL names the S3 port published on the host.
resp = remote.client.get_upload_signed_url(project="flytesnacks", domain="development",
                                           content_md5=b"0123456789abcdef", filename="probe.txt")
if not resp.signed_url.startswith(f"http://localhost:{s3_port}/"):
    sys.exit(f"signed URL {resp.signed_url} does not point at the published S3 port {s3_port}")
EOF
}

check_executions() { # NAME=EXPECTED...
  "$VENV/bin/python" "$WORK/check.py" "$WORK/config.yaml" "$S3_PORT" "$@" \
    >"$WORK/uris" 2>"$WORK/check.err" || fail "FlyteRemote check: $(tail -n 5 "$WORK/check.err")"
}

EXECUTION=""
pyflyte_run() { # OUTPUT_FILE ARGS... -> EXECUTION
  local out="$1"; shift
  (cd "$REPO/examples" && "$VENV/bin/pyflyte" --config "$WORK/config.yaml" run --remote "$@") \
    >"$out" 2>&1 || fail "pyflyte run --remote $*: $(tail -n 15 "$out")"
  EXECUTION="$(grep -o 'executions/[a-z0-9]*' "$out" | head -n1 | cut -d/ -f2)"
  [ -n "$EXECUTION" ] || fail "no execution name in the output of pyflyte run: $(tail -n 5 "$out")"
}

main() {
  [ -x "$VENV/bin/pyflyte" ] || fail "no pinned flytekit at $VENV (scripts/install-deps.sh python)"
  command -v curl >/dev/null || fail "curl is needed (apt-get install curl)"
  log "$("$REPO/scripts/container-engines.sh" "$ENGINE" | tail -n1)"
  if [ "$ENGINE" = podman ]; then
    read -r -a RUN_FLAGS <<<"$("$REPO/scripts/container-engines.sh" podman-ulimits)"
  fi
  FLYTEBOX_BUILD="${FLYTEBOX_BUILD:-$REPO/build}" \
    "$REPO/scripts/build-image.sh" --engine "$ENGINE" --tag "$IMAGE" >"$WORK/build.log" 2>&1 \
    || { tail -n 30 "$WORK/build.log" >&2; fail "scripts/build-image.sh failed (above)"; }
  log "$(tail -n1 "$WORK/build.log" | sed 's/^==> //')"

  PORT="$(free_port)"
  S3_PORT="$(free_port)"
  while [ "$S3_PORT" = "$PORT" ]; do S3_PORT="$(free_port)"; done

  # --- start, ready, who runs what
  run_container
  wait_ready
  log "ok: ready in $READY_SECONDS s on 127.0.0.1:$PORT (S3 on 127.0.0.1:$S3_PORT)"
  [ "$(e inspect --format '{{.HostConfig.Privileged}}' "$NAME")" = false ] || fail "the container runs privileged"
  check_users
  e exec "$NAME" cat "$STATE/credentials.json" >"$WORK/credentials.json" \
    || fail "cannot read $STATE/credentials.json"
  [ "$(e exec "$NAME" stat -c '%a %u' "$STATE/credentials.json")" = "600 1000" ] \
    || fail "$STATE/credentials.json is not 0600 and owned by the flytebox user"
  local access secret
  access="$("$VENV/bin/python" -c 'import json, sys; print(json.load(open(sys.argv[1]))["s3_access_key"])' "$WORK/credentials.json")"
  secret="$("$VENV/bin/python" -c 'import json, sys; print(json.load(open(sys.argv[1]))["s3_secret_key"])' "$WORK/credentials.json")"
  if e logs "$NAME" 2>&1 | grep -qF "$secret"; then fail "the S3 secret key appears in the container log"; fi

  # --- the host's flytekit against the container
  printf 'admin:\n  endpoint: dns:///localhost:%s\n  insecure: true\n' "$PORT" >"$WORK/config.yaml"
  export HOME="$WORK/home" FLYTECTL_CONFIG="$WORK/config.yaml"
  export FLYTE_AWS_ENDPOINT="http://localhost:$S3_PORT" FLYTE_AWS_ACCESS_KEY_ID="$access" \
         FLYTE_AWS_SECRET_ACCESS_KEY="$secret"
  mkdir -p "$HOME"
  write_checker
  local who="box-$RANDOM" text="flytebox image test $RANDOM$RANDOM"
  printf '%s' "$text" >"$WORK/input.txt"
  local hello files
  pyflyte_run "$WORK/hello.out" hello_world.py hello_wf --name "$who"
  hello="$EXECUTION"
  pyflyte_run "$WORK/files.out" files.py file_input_wf --f "$WORK/input.txt"
  files="$EXECUTION"
  local expect_upper
  expect_upper="$(tr '[:lower:]' '[:upper:]' <<<"$text")"
  check_executions "$hello=Hello, $who!" "$files=$expect_upper"
  local uri key
  uri="$(head -n1 "$WORK/uris")"
  case "$uri" in s3://my-s3-bucket/*) ;; *) fail "the uploaded input is at '$uri', expected s3://my-s3-bucket/..." ;; esac
  key="${uri#s3://my-s3-bucket/}"
  [ "$(e exec "$NAME" cat "$STATE/s3/my-s3-bucket/$key")" = "$text" ] \
    || fail "the uploaded file is not in the volume at $STATE/s3/my-s3-bucket/$key"
  log "ok: hello_wf ($hello) and file_input_wf ($files) SUCCEEDED with the right outputs; upload in the volume"

  # --- stop, start: state kept
  e stop -t 30 "$NAME" >/dev/null || fail "'$ENGINE stop' failed"
  [ "$(e inspect --format '{{.State.ExitCode}}' "$NAME")" = 0 ] \
    || fail "the supervisor exited $(e inspect --format '{{.State.ExitCode}}' "$NAME") on stop, expected 0"
  e start "$NAME" >/dev/null || fail "'$ENGINE start' failed"
  wait_ready
  log "ok: stopped (exit 0) and started again; ready in $READY_SECONDS s"
  e exec "$NAME" cat "$STATE/credentials.json" | cmp -s - "$WORK/credentials.json" \
    || fail "the credentials changed across stop/start"
  check_executions "$hello=Hello, $who!" "$files=$expect_upper"
  log "ok: both executions and their outputs are still there"

  # --- teardown
  e rm -f "$NAME" >/dev/null || fail "could not remove container $NAME"
  e volume rm "$VOLUME" >/dev/null || fail "could not remove volume $VOLUME"
  [ -z "$(e ps -a -q --filter "name=$NAME")" ] || fail "container $NAME is still there"
  [ -z "$(e ps -a -q --filter "label=$LABEL" --filter "name=$NAME")" ] || fail "a labelled container is left"
  if e volume ls -q | grep -qx "$VOLUME"; then fail "volume $VOLUME is still there"; fi
  log "ok: container and volume removed, nothing left"
  echo "PASS image $ENGINE/$DB ($((SECONDS - START)) s)"
}

main "$@"; exit
