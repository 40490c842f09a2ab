#!/usr/bin/env bash
# Builds the images the test cluster's pods need, with no container registry, as image
# archives (the `docker save` layout, which `ctr images import` reads) cached under
# $FLYTEBOX_CACHE/k8s/<version>/images:
#   pause.tar    the sandbox image: one static program that waits for a signal
#   flytekit-KEY.tar the default task image: a Debian root (debootstrap from the Debian mirror)
#                with python3 and the pinned task environment (images/task-requirements.sh),
#                tagged with the names flytekit puts in a task template when no image is
#                given (its DefaultImages name for the image's Python and flytekit version,
#                and for the host venv's Python if that differs); a second layer gives it
#                its own pyflyte-fast-execute (images/task/pyflyte_fast_execute.py).
# Prints the archive paths, one a line. Idempotent: an archive whose inputs did not change
# is kept. Needs root (debootstrap, chroot).
# Usage: scripts/k8s-images.sh
source "$(dirname "$0")/lib.sh"

SUITE=bookworm
IMG_CACHE="${FLYTEBOX_IMAGE_CACHE:-$FLYTEBOX_CACHE/image}"
MIRROR="${FLYTEBOX_DEBIAN_MIRROR:-$(apt_uri "$SUITE" http://deb.debian.org/debian)}"
[ "$(id -u)" -eq 0 ] || die "building the task image needs root (debootstrap and chroot)"
for tool in debootstrap chroot gcc strip sha256sum tar flock; do
  command -v "$tool" >/dev/null || die "$tool is missing: scripts/install-deps.sh apt"
done
mkdir -p "$FLYTEBOX_K8S_IMAGES" "$IMG_CACHE/debootstrap" "$IMG_CACHE/wheels"
exec 9>"$FLYTEBOX_K8S_IMAGES/.lock"
flock 9

WORK="$(mktemp -d "$FLYTEBOX_K8S_IMAGES/work.XXXXXX")"
cleanup() {
  local m
  for m in $(awk -v d="$WORK/" 'index($2, d) == 1 { print $2 }' /proc/self/mounts | sort -r); do
    umount "$m" 2>/dev/null || umount -l "$m"
  done
  rm -rf --one-file-system "$WORK"
}
trap cleanup EXIT

# Writes an image archive: one uncompressed layer, a config, and the names it answers to.
# The config's history has an entry a layer: podman's builder refuses a base without one.
write_archive() { # LAYER_TAR OUT CONFIG_JSON NAME...
  local layer="$1" out="$2" config="$3"; shift 3
  local dir="$WORK/archive" diff cfg tags=""
  rm -rf "$dir"; mkdir -p "$dir"
  mv "$layer" "$dir/layer.tar"
  diff="$(sha256sum "$dir/layer.tar" | cut -d' ' -f1)"
  printf '{"architecture":"amd64","os":"linux","config":%s,"rootfs":{"type":"layers","diff_ids":["sha256:%s"]},"history":[{"created":"1970-01-01T00:00:00Z","created_by":"scripts/k8s-images.sh"}]}' \
    "$config" "$diff" >"$dir/config.json"
  cfg="$(sha256sum "$dir/config.json" | cut -d' ' -f1)"
  mv "$dir/config.json" "$dir/$cfg.json"
  local n
  for n in "$@"; do tags+="${tags:+,}\"$n\""; done
  printf '[{"Config":"%s.json","RepoTags":[%s],"Layers":["layer.tar"]}]' "$cfg" "$tags" >"$dir/manifest.json"
  tar --numeric-owner -C "$dir" -cf "$out.part" manifest.json "$cfg.json" layer.tar
  mv "$out.part" "$out"
  rm -rf "$dir"
}

build_pause() {
  local out="$FLYTEBOX_K8S_IMAGES/pause.tar"
  local key; key="$(printf '%s\n' "$K8S_PAUSE_IMAGE" "$(declare -f build_pause write_archive)" | sha256sum | cut -c1-16)"
  if [ -f "$out" ] && [ "$(cat "$out.key" 2>/dev/null)" = "$key" ]; then echo "$out"; return; fi
  say "pause image: building $K8S_PAUSE_IMAGE"
  local root="$WORK/pause"
  mkdir -p "$root"
  cat >"$WORK/pause.c" <<'C'
#include <signal.h>
#include <stdlib.h>
#include <unistd.h>
static void Quit(int sig) { (void)sig; _exit(0); }
int main(void) {
  signal(SIGINT, Quit);
  signal(SIGTERM, Quit);
  signal(SIGCHLD, SIG_IGN);  /* no zombies: children are reaped by the kernel */
  for (;;) pause();
}
C
  gcc -static -O2 -s -o "$root/pause" "$WORK/pause.c" || die "cannot build the pause program (gcc with a static libc is needed: apt-get install build-essential)"
  tar --numeric-owner --owner=0 --group=0 -C "$root" -cf "$WORK/pause-layer.tar" pause
  write_archive "$WORK/pause-layer.tar" "$out" '{"Entrypoint":["/pause"]}' "$K8S_PAUSE_IMAGE"
  echo "$key" >"$out.key"
  echo "$out"
}

# flytekit's default image name for a Python version (major.minor) and flytekit version.
default_image_name() { echo "cr.flyte.org/flyteorg/flytekit:py$1-$2"; }

build_task_image() {
  "$FLYTEBOX_ROOT/images/task-requirements.sh" "$FLYTEBOX_ROOT/scripts/requirements.lock" \
    "$FLYTEBOX_ROOT/images/python-exclude.txt" >"$WORK/requirements.txt"
  local flytekit; flytekit="$(sed -n 's/^flytekit==//p' "$WORK/requirements.txt")"
  [ -n "$flytekit" ] || die "scripts/requirements.lock pins no flytekit"
  local names=("$(default_image_name 3.11 "$flytekit")")   # Debian 12's python3
  if [ -x "$FLYTEBOX_VENV/bin/python" ]; then
    local host_py; host_py="$("$FLYTEBOX_VENV/bin/python" -c 'import sys; print("%d.%d" % sys.version_info[:2])')"
    # pyflyte names the image by the Python it runs in; tasks are shipped as source, so the
    # image's 3.11 runs them too.
    [ "$host_py" = 3.11 ] || names+=("$(default_image_name "$host_py" "$flytekit")")
  fi
  local key
  key="$({ echo "$SUITE $MIRROR ${names[*]}"; declare -f build_task_image write_archive;
           cat "$WORK/requirements.txt"; cat /usr/local/share/ca-certificates/*.crt 2>/dev/null || true; } |
         sha256sum | cut -c1-16)"
  # Named by its key: worktrees building different task images share the cache in turn
  # without rebuilding each other's.
  local out="$FLYTEBOX_K8S_IMAGES/flytekit-$key.tar"
  if [ -f "$out" ] && [ "$(cat "$out.key" 2>/dev/null)" = "$key" ]; then echo "$out"; return; fi
  say "task image: debootstrap $SUITE from $MIRROR with python3"
  local root="$WORK/task"
  debootstrap --variant=minbase --include=python3,python3-venv,ca-certificates \
    --cache-dir="$IMG_CACHE/debootstrap" "$SUITE" "$root" "$MIRROR" >"$WORK/debootstrap.log" 2>&1 ||
    { tail -n 30 "$WORK/debootstrap.log" >&2; die "debootstrap failed (log above)"; }
  # This machine's extra certificate authorities (a proxy's): pip needs them here, tasks too.
  local ca
  for ca in /usr/local/share/ca-certificates/*.crt; do
    [ -f "$ca" ] && cp "$ca" "$root/usr/local/share/ca-certificates/"
  done
  cp /etc/resolv.conf "$root/etc/resolv.conf" 2>/dev/null || true
  mkdir -p "$root/setup/wheels"
  cp "$WORK/requirements.txt" "$root/setup/"
  mount --bind "$IMG_CACHE/wheels" "$root/setup/wheels"
  say "task image: flytekit $flytekit and its pinned requirements"
  local -a env=(PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin HOME=/root
                LANG=C.UTF-8 PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_CERT=/etc/ssl/certs/ca-certificates.crt)
  local v
  for v in http_proxy https_proxy no_proxy HTTP_PROXY HTTPS_PROXY NO_PROXY; do
    [ -n "${!v:-}" ] && env+=("$v=${!v}")
  done
  chroot "$root" /usr/bin/env -i "${env[@]}" /bin/sh -euc '
    update-ca-certificates >/dev/null 2>&1
    python3 -m venv /opt/venv
    if ! /opt/venv/bin/pip install -q --no-index --find-links /setup/wheels --no-deps -r /setup/requirements.txt 2>/dev/null; then
      /opt/venv/bin/pip download -q --no-deps --only-binary=:all: -d /setup/wheels -r /setup/requirements.txt
      /opt/venv/bin/pip install -q --no-index --find-links /setup/wheels --no-deps -r /setup/requirements.txt
    fi
    /opt/venv/bin/pip check >/dev/null
    /opt/venv/bin/python -m pip uninstall -y -q pip setuptools
    # Bytecode compiled once here: a pod starts from a fresh copy of the image, so without
    # it every task would compile flytekit again before running (seconds at 500m of CPU).
    find /opt/venv -name __pycache__ -prune -exec rm -rf {} +
    /opt/venv/bin/python -m compileall -q -j 0 --invalidation-mode unchecked-hash /opt/venv/lib >/dev/null
    rm -rf /var/cache/apt/archives/*.deb /var/lib/apt/lists/* /usr/share/doc /usr/share/man \
      /usr/share/locale
  ' || die "setting up the task image's Python failed (output above)"
  umount "$root/setup/wheels"
  # The wheels' extension modules without their symbols, stripped as the Flytebox image's own
  # (images/setup-rootfs.sh, the same Debian release's strip): 15 MB less, and the files both
  # images hold are stored once in the Flytebox image (scripts/image-links.py).
  find "$root/opt/venv" -name '*.so*' -type f -exec strip --strip-unneeded {} +
  rm -rf "$root/setup"
  : >"$root/etc/resolv.conf"
  : >"$root/etc/hostname"
  tar --numeric-owner -C "$root" -cf "$WORK/task-layer.tar" \
    --exclude='./dev/*' --exclude='./proc/*' --exclude='./sys/*' --exclude='./run/*' .
  rm -rf --one-file-system "$root"
  write_archive "$WORK/task-layer.tar" "$out" \
    '{"Env":["PATH=/opt/venv/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin","LANG=C.UTF-8","SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt","REQUESTS_CA_BUNDLE=/etc/ssl/certs/ca-certificates.crt"],"WorkingDir":"/root","Cmd":["python3"]}' \
    "${names[@]}"
  echo "$key" >"$out.key"
  printf '%s\n' "${names[@]}" >"$out.names"
  say "task image: $(du -m "$out" | cut -f1) MB, named ${names[*]}"
  echo "$out"
}

# The default task image as pods get it: the image above plus a second layer holding its own
# pyflyte-fast-execute (the task in the interpreter that downloaded its code: one Python a
# pod instead of two), so that a change to that file does not build the base again.
FAST_EXECUTE="$FLYTEBOX_ROOT/images/task/pyflyte_fast_execute.py"
# The engine's copilot, whose S3 client (the standard library's) pyflyte-fast-execute uses.
COPILOT="$FLYTEBOX_ROOT/embedded/executor/copilot.py"
build_task_image_fast() { # BASE_ARCHIVE
  local base="$1"
  local key
  key="$({ cat "$base.key" "$FAST_EXECUTE" "$COPILOT"; declare -f build_task_image_fast; } | sha256sum | cut -c1-16)"
  local out="$FLYTEBOX_K8S_IMAGES/flytekit-fast-$key.tar"
  if [ -f "$out" ] && [ "$(cat "$out.key" 2>/dev/null)" = "$key" ]; then echo "$out"; return; fi
  local dir="$WORK/fast"
  rm -rf "$dir"; mkdir -p "$dir/root/opt/venv/bin" "$dir/fast"
  { echo '#!/opt/venv/bin/python3'; cat "$FAST_EXECUTE"; } >"$dir/root/opt/venv/bin/pyflyte-fast-execute"
  install -m 644 "$COPILOT" "$dir/root/opt/venv/bin/flytebox_copilot.py"  # on the script's path
  chmod 755 "$dir/root/opt" "$dir/root/opt/venv" "$dir/root/opt/venv/bin" \
    "$dir/root/opt/venv/bin/pyflyte-fast-execute"
  tar --numeric-owner --owner=0 --group=0 -C "$dir/root" -cf "$dir/fast/layer.tar" ./opt
  tar -C "$dir" -xf "$base"
  python3 - "$dir" "$(sha256sum "$dir/fast/layer.tar" | cut -d' ' -f1)" >"$WORK/fast-config" <<'PY' ||
import hashlib, json, os, sys
d, diff = sys.argv[1], sys.argv[2]
[m] = json.load(open(f"{d}/manifest.json"))
config = json.load(open(f"{d}/{m['Config']}"))
os.remove(f"{d}/{m['Config']}")
config["rootfs"]["diff_ids"].append("sha256:" + diff)
config.setdefault("history", []).append({"created": "1970-01-01T00:00:00Z",
                                         "created_by": "images/task/pyflyte_fast_execute.py"})
data = json.dumps(config, separators=(",", ":")).encode()
name = hashlib.sha256(data).hexdigest() + ".json"
open(f"{d}/{name}", "wb").write(data)
m.update(Config=name, Layers=m["Layers"] + ["fast/layer.tar"])
json.dump([m], open(f"{d}/manifest.json", "w"))
print(name)
PY
    die "cannot add the pyflyte-fast-execute layer to the task image"
  local cfg; cfg="$(cat "$WORK/fast-config")"
  tar --numeric-owner -C "$dir" -cf "$out.part" manifest.json "$cfg" layer.tar fast/layer.tar
  mv "$out.part" "$out"
  rm -rf "$dir"
  echo "$key" >"$out.key"
  cp "$base.names" "$out.names"
  say "task image: $(basename "$out"), its pyflyte-fast-execute from images/task"
  echo "$out"
}

build_pause
base="$(build_task_image)" || exit 1
build_task_image_fast "$base"
