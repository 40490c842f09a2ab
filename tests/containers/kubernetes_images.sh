#!/usr/bin/env bash
# End-to-end test of the cluster's images in `flytebox demo start --kubernetes` on one
# container engine, as a user works with them: the host's docker or podman builds images, the
# real pyflyte runs tasks in them as pods.
#
# Usage: tests/containers/kubernetes_images.sh docker|podman FLYTEBOX_CLI
#
#  1. brings the engine up, builds or refreshes the image (scripts/build-image.sh), and loads
#     the default flytekit task image (scripts/k8s-images.sh) into the host's engine;
#  2. builds two images on the host FROM that task image, each with a PyPI package the default
#     image lacks (humanize; the host's extra CAs copied in for pip) and a marker file;
#  3. `demo image load` with no sandbox running fails with exit code 1 and says so;
#  4. `demo start --kubernetes` on free ports (the registry on a free --registry-port);
#  5. pushes the first image to localhost:REGISTRY_PORT (the sandbox's registry); a workflow
#     whose tasks name it as localhost:30000/... and as localhost:REGISTRY_PORT/... SUCCEEDS
#     (each task imports humanize and reads the marker: it can only pass in that image);
#  6. `demo image load` of the second image (never pushed anywhere); a task naming it
#     SUCCEEDS; loading a missing image fails with exit code 1 naming it;
#  7. `demo teardown --volume`: no container, volume (with the registry's data), network or
#     kubeconfig left.
#
# Prints "PASS ..." and exits 0 only when every check passed, else "FAIL ...: why" with the
# components' logs. Environment: FLYTEBOX_VENV (the pinned flytekit), FLYTEBOX_IMAGE (default
# flytebox:<version>), FLYTEBOX_BUILD (where the programs were built).
NAME="fb-k8s-img-${1:-}-$$"
TAG="t$$"
PUSHED="fb-test-pushed"
LOADED="fb-test-loaded"
EXTRA_PACKAGE="humanize==4.12.3"
WORK="$(mktemp -d "${TMPDIR:-/tmp}/flytebox-k8s-images.XXXXXX")"
LABEL="kubernetes images"
LOG_FILES="supervisor registry containerd kubelet engine"
ENGINE_TIMEOUT=600
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
kube_test_setup "$@"
load() { "$CLI" demo image load --runtime "$ENGINE" --name "$NAME" --state-dir "$WORK/state" "$@"; }

cleanup() {
  e rm -f "$NAME" >/dev/null 2>&1 || true
  e volume rm -f "$NAME" >/dev/null 2>&1 || true
  e network rm "$NAME-net" >/dev/null 2>&1 || true
  e rmi -f "$PUSHED:$TAG" "$LOADED:$TAG" >/dev/null 2>&1 || true
  [ -n "${REG_PORT:-}" ] && e rmi -f "localhost:$REG_PORT/$PUSHED:$TAG" >/dev/null 2>&1
  rm -rf "$WORK"
}
trap cleanup EXIT

kube_test_prerequisites

# ------------------------------------------------------ images on the host ---
archive="$("$REPO/scripts/k8s-images.sh" 2>"$WORK/k8s-images.log" | grep '/flytekit[^/]*\.tar$' | head -n 1)" \
  || { cat "$WORK/k8s-images.log" >&2; fail "scripts/k8s-images.sh made no task image"; }
BASE="$(head -n 1 "$archive.names")"
[ -n "$BASE" ] || fail "$archive.names names no image"
# Loaded again when the engine holds another image under that name (an older archive's).
want="$(tar -xOf "$archive" manifest.json | "$VENV/bin/python" -c \
  'import json, sys; print(json.load(sys.stdin)[0]["Config"].removesuffix(".json"))')"
have="$(e image inspect --format '{{.Id}}' "$BASE" 2>/dev/null || true)"
if [ "${have#sha256:}" != "$want" ]; then
  e load -i "$archive" >/dev/null || fail "$ENGINE load -i $archive failed"
fi
mkdir -p "$WORK/ctx/ca"
for ca in /usr/local/share/ca-certificates/*.crt "$REPO"/images/ca-certificates/*.crt; do
  [ -f "$ca" ] && cp "$ca" "$WORK/ctx/ca/"
done
cat >"$WORK/ctx/Dockerfile" <<'EOF'
ARG BASE
FROM ${BASE}
COPY ca/ /usr/local/share/ca-certificates/
ARG PACKAGE
# The task image ships without pip: Debian's bundled one installs the package, then goes.
RUN update-ca-certificates >/dev/null 2>&1 \
 && PIP_CERT=/etc/ssl/certs/ca-certificates.crt sh -c 'python -m ensurepip >/dev/null \
 && python -m pip install -q --no-cache-dir --disable-pip-version-check "$0" \
 && python -m pip uninstall -y -q pip' "$PACKAGE"
ARG MARK
RUN echo "$MARK" >/opt/flytebox-test-mark
EOF
for img in "$PUSHED" "$LOADED"; do
  e build -q -t "$img:$TAG" --build-arg "BASE=$BASE" --build-arg "PACKAGE=$EXTRA_PACKAGE" \
    --build-arg "MARK=$img" "$WORK/ctx" >"$WORK/build-$img.log" 2>&1 \
    || { tail -n 20 "$WORK/build-$img.log" >&2; fail "$ENGINE build of $img failed"; }
done
e run --rm "$PUSHED:$TAG" python -c 'import humanize' >/dev/null || fail "$PUSHED:$TAG lacks humanize"
e run --rm "$BASE" python -c 'import humanize' >/dev/null 2>&1 \
  && fail "the default task image $BASE has humanize: the test would prove nothing"
log "ok: built $PUSHED:$TAG and $LOADED:$TAG FROM $BASE with $EXTRA_PACKAGE"

# ---------------------------------------------------- before any sandbox ---
rc=0; load "$LOADED:$TAG" >"$WORK/load.out" 2>&1 || rc=$?
[ "$rc" = 1 ] || fail "image load with no sandbox exited $rc, not 1: $(cat "$WORK/load.out")"
grep -q "no sandbox is running" "$WORK/load.out" || fail "image load with no sandbox said: $(cat "$WORK/load.out")"
log "ok: image load with no sandbox: exit 1, '$(head -n 1 "$WORK/load.out" | cut -c1-90)...'"

# ------------------------------------------------------------------- start ---
PORT=$(free_port); S3_PORT=$(free_port); K8S_PORT=$(free_port); REG_PORT=$(free_port)
began=$SECONDS
demo start --kubernetes --image "$IMAGE" --port "$PORT" --s3-port "$S3_PORT" \
  --k8s-port "$K8S_PORT" --registry-port "$REG_PORT" --wait-timeout 300 \
  >"$WORK/start.out" 2>"$WORK/start.err" \
  || { cat "$WORK/start.err" >&2; fail "demo start --kubernetes failed"; }
grep -q "Image registry: *localhost:$REG_PORT" "$WORK/start.out" \
  || fail "start does not show the registry on $REG_PORT: $(cat "$WORK/start.out")"
"$CLI" demo status --runtime "$ENGINE" --name "$NAME" --state-dir "$WORK/state" >"$WORK/status.out" 2>&1 \
  || { cat "$WORK/status.out" >&2; fail "demo status failed"; }
grep -q "^registry  *running  *yes " "$WORK/status.out" \
  || fail "status does not show the registry running and ready: $(cat "$WORK/status.out")"
log "ok: started in $((SECONDS - began)) s; the registry is a ready component on localhost:$REG_PORT"

# ------------------------------------------------ push to the registry ---
e tag "$PUSHED:$TAG" "localhost:$REG_PORT/$PUSHED:$TAG"
push=(push)
[ "$ENGINE" = podman ] && push+=(--tls-verify=false)   # docker trusts plain HTTP on loopback itself
e "${push[@]}" "localhost:$REG_PORT/$PUSHED:$TAG" >"$WORK/push.log" 2>&1 \
  || { cat "$WORK/push.log" >&2; fail "$ENGINE push to localhost:$REG_PORT failed"; }
tags="$(curl -sf "http://127.0.0.1:$REG_PORT/v2/$PUSHED/tags/list")" || fail "the registry does not list $PUSHED"
[[ "$tags" == *"\"$TAG\""* ]] || fail "the registry lists $tags, not tag $TAG"
log "ok: pushed localhost:$REG_PORT/$PUSHED:$TAG ($tags)"

mkdir -p "$WORK/wf"   # what pyflyte packages: the workflow alone
cat >"$WORK/wf/image_tasks.py" <<'EOF'
"""Tasks that succeed only inside the test's images: they import a package the default
task image lacks and read the image's marker file."""
import os

from flytekit import task, workflow


def _check(mark: str) -> str:
    import humanize  # only in the test's images

    with open("/opt/flytebox-test-mark") as f:
        got = f.read().strip()
    if got != mark:
        raise ValueError(f"marker {got!r}, expected {mark!r}")
    return f"{mark} {humanize.intcomma(1234567)}"


@task(container_image=os.environ.get("FB_IMAGE_A", ""))
def in_a(mark: str) -> str:
    return _check(mark)


@task(container_image=os.environ.get("FB_IMAGE_B", ""))
def in_b(mark: str) -> str:
    return _check(mark)


@workflow
def two_images(mark: str) -> (str, str):
    return in_a(mark=mark), in_b(mark=mark)
EOF
cat >"$WORK/check.py" <<'EOF'
import sys
from datetime import timedelta

from flytekit.configuration import Config
from flytekit.models.core.execution import WorkflowExecutionPhase
from flytekit.remote import FlyteRemote

config, name, want = sys.argv[1:]
remote = FlyteRemote(Config.auto(config_file=config), default_project="flytesnacks",
                     default_domain="development")
ex = remote.wait(remote.fetch_execution(name=name), timeout=timedelta(seconds=300),
                 poll_interval=timedelta(seconds=0.5))
phase = WorkflowExecutionPhase.enum_to_string(ex.closure.phase)
if phase != "SUCCEEDED":
    sys.exit(f"execution {name}: {phase}, expected SUCCEEDED: {ex.closure.error}")
got = [ex.outputs.get(o, as_type=str) for o in ("o0", "o1")]
if got != [want, want]:
    sys.exit(f"execution {name}: outputs {got}, expected {want!r} twice")
EOF
run_wf() { # IMAGE_A IMAGE_B MARK
  # A module of its own per run: the same tasks in other images are other tasks.
  local module="tasks_${3//-/_}"
  cp "$WORK/wf/image_tasks.py" "$WORK/wf/$module.py"
  (cd "$WORK/wf" && FB_IMAGE_A="$1" FB_IMAGE_B="$2" "$VENV/bin/pyflyte" run --remote "$module.py" \
     two_images --mark "$3") >"$WORK/run.out" 2>&1 || { cat "$WORK/run.out" >&2; fail "pyflyte run --remote failed"; }
  local ex
  ex="$(grep -o 'executions/[a-z0-9]*' "$WORK/run.out" | head -n 1 | cut -d/ -f2)"
  [ -n "$ex" ] || fail "pyflyte printed no execution: $(cat "$WORK/run.out")"
  "$VENV/bin/python" "$WORK/check.py" "$FLYTECTL_CONFIG" "$ex" "$3 1,234,567" \
    || fail "the tasks in $1 and $2 did not succeed"
  echo "$ex"
}
# Pods pull the image from the registry inside under either name: the one inside
# (localhost:30000) and the one the host pushed to (localhost:REGISTRY_PORT).
began=$SECONDS
ex="$(run_wf "localhost:30000/$PUSHED:$TAG" "localhost:$REG_PORT/$PUSHED:$TAG" "$PUSHED")"
log "ok: $ex: tasks in localhost:30000/$PUSHED:$TAG and localhost:$REG_PORT/$PUSHED:$TAG SUCCEEDED in $((SECONDS - began)) s"

# -------------------------------------------------------------- image load ---
began=$SECONDS
load "$LOADED:$TAG" >"$WORK/load.out" 2>&1 || { cat "$WORK/load.out" >&2; fail "demo image load $LOADED:$TAG failed"; }
log "ok: $(tail -n 1 "$WORK/load.out" | cut -d';' -f1) ($((SECONDS - began)) s)"
# podman names a local image localhost/NAME; docker names it NAME (docker.io/library/NAME).
ref="$LOADED:$TAG"
[ "$ENGINE" = podman ] && ref="localhost/$LOADED:$TAG"
began=$SECONDS
ex="$(run_wf "$ref" "$ref" "$LOADED")"
log "ok: $ex: tasks in the loaded $ref SUCCEEDED in $((SECONDS - began)) s"
rc=0; load "fb-test-missing:$TAG" >"$WORK/load.out" 2>&1 || rc=$?
[ "$rc" = 1 ] || fail "image load of a missing image exited $rc, not 1"
grep -q "image fb-test-missing:$TAG is not in $ENGINE" "$WORK/load.out" \
  || fail "image load of a missing image said: $(cat "$WORK/load.out")"
log "ok: image load of a missing image: exit 1, '$(head -n 1 "$WORK/load.out" | cut -c1-90)...'"

# ---------------------------------------------------------------- teardown ---
e exec "$NAME" test -d "/var/lib/flytebox/k8s/registry/docker/registry/v2/repositories/$PUSHED" \
  || fail "the registry keeps no $PUSHED in the volume"
demo teardown --volume >/dev/null 2>&1 || fail "demo teardown --volume failed"
e inspect "$NAME" >/dev/null 2>&1 && fail "container $NAME is left after teardown"
e volume inspect "$NAME" >/dev/null 2>&1 && fail "volume $NAME (with the registry's data) is left after teardown"
e network inspect "$NAME-net" >/dev/null 2>&1 && fail "network $NAME-net is left after teardown"
[ -e "$KUBECONFIG" ] && fail "$KUBECONFIG is left after teardown"
curl -sf -m 2 "http://127.0.0.1:$REG_PORT/v2/" >/dev/null && fail "something still answers on the registry port $REG_PORT"
log "ok: teardown --volume left no container, volume (registry data), network or kubeconfig"
echo "PASS kubernetes images $ENGINE ($((SECONDS - START)) s)"
