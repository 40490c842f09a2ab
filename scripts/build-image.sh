#!/usr/bin/env bash
# Builds the Flytebox container image with no container registry: a Debian root filesystem
# from the Debian mirror (debootstrap), the task Python environment from PyPI, the built
# Flytebox programs and versitygw, imported as flytebox:<version> into docker and/or podman.
# Also the parts of the Kubernetes that `demo start --kubernetes` runs: the one program built
# by scripts/k8s-build.sh, the image registry of scripts/registry-build.sh, and the pause and
# default task images of scripts/k8s-images.sh, already imported into a containerd root that
# a new volume starts from.
#
# Usage: scripts/build-image.sh [--engine auto|docker|podman|all|none] [--tag NAME:TAG]
#                               [--force] [--output FILE] [--save FILE]
#   --engine  where to import (default auto: every engine that answers; none: only the tar)
#   --tag     image name (default flytebox:<project version>)
#   --force   import again even when the engine has this exact image
#   --output  also keep the root filesystem tarball at FILE
#   --save    also write the image as an archive at FILE (`<engine> save`), which
#             `flytebox demo image import FILE` loads on a machine with no source tree
#
# Needs root (debootstrap, chroot), Debian 12 (the programs are linked against its
# libraries) and the programs built (scripts/build.sh). Everything downloaded is cached in
# the cache folder: the Debian packages, the wheels and the finished base root (keyed
# by everything that goes into it), so a rebuild after a code change only adds the programs.
#
# Environment:
#   FLYTEBOX_DEBIAN_MIRROR, FLYTEBOX_DEBIAN_SECURITY_MIRROR  default: the ones apt uses here
#   http_proxy, https_proxy, no_proxy                        passed to apt and pip
#   FLYTEBOX_IMAGE_CACHE   the cache folder (default $FLYTEBOX_CACHE/image)
#   FLYTEBOX_BUILD_LOCK    held by builds of the tree; the programs are copied only while no
#                          build holds it (default /tmp/flytebox-build.lock)
source "$(dirname "$0")/lib.sh"

SUITE=bookworm
VERSION="$(sed -n 's/^project(flytebox VERSION \([0-9.]*\).*/\1/p' "$FLYTEBOX_ROOT/CMakeLists.txt")"
TAG="flytebox:$VERSION"
ENGINES=auto
FORCE=0
OUTPUT=""
SAVE=""
IMAGES="$FLYTEBOX_ROOT/images"
IMG_CACHE="${FLYTEBOX_IMAGE_CACHE:-$FLYTEBOX_CACHE/image}"
STARTED=$SECONDS
LOCK_WAIT=0

usage() { sed -n '2,/^source/p' "$0" | sed '$d; s/^# \{0,1\}//'; }

while [ $# -gt 0 ]; do
  case "$1" in
    --engine) ENGINES="${2:?--engine needs a value}"; shift 2 ;;
    --tag) TAG="${2:?--tag needs a value}"; shift 2 ;;
    --force) FORCE=1; shift ;;
    --output) OUTPUT="${2:?--output needs a file}"; shift 2 ;;
    --save) SAVE="${2:?--save needs a file}"; shift 2 ;;
    -h|--help) usage; exit 0 ;;
    *) usage >&2; die "unknown argument '$1'" ;;
  esac
done
case "$ENGINES" in auto|docker|podman|all|none) ;; *) die "--engine must be auto, docker, podman, all or none (got '$ENGINES')" ;; esac
[ -n "$VERSION" ] || die "cannot read the project version from $FLYTEBOX_ROOT/CMakeLists.txt"

# ------------------------------------------------------------------ inputs ---

ENGINE_BIN="$FLYTEBOX_BUILD/embedded/flytebox-engine"
SANDBOX_BIN="$FLYTEBOX_BUILD/sandbox/flytebox-sandbox"
CLI_BIN="$FLYTEBOX_BUILD/cli/flytebox"
CONSOLE_DIR="$FLYTEBOX_BUILD/embedded/console/dist"
BUILD_LOCK="${FLYTEBOX_BUILD_LOCK:-/tmp/flytebox-build.lock}"

check_inputs() {
  [ "$(id -u)" -eq 0 ] || die "the offline image build needs root (debootstrap and chroot): run it with sudo"
  local p
  for p in "$ENGINE_BIN" "$SANDBOX_BIN" "$CLI_BIN"; do
    [ -x "$p" ] || die "$p is missing: build first (scripts/build.sh, or cmake --build build --target flytebox-engine flytebox-sandbox flytebox)"
  done
  [ -x "$FLYTEBOX_VERSITYGW" ] || die "versitygw is missing at $FLYTEBOX_VERSITYGW: run scripts/install-deps.sh versitygw"
  for p in "$(k8s_multicall_dir)/flytebox-kube" "$FLYTEBOX_K8S_BIN/kine"; do
    [ -x "$p" ] || die "$p is missing: run scripts/k8s-build.sh"
  done
  [ -x "$FLYTEBOX_REGISTRY_BIN" ] || die "$FLYTEBOX_REGISTRY_BIN is missing: run scripts/registry-build.sh"
  grep -q "^VERSION_CODENAME=$SUITE" /etc/os-release 2>/dev/null \
    || die "the programs must be built on Debian 12 ($SUITE): the image installs that release's libraries for them"
  local tool
  for tool in debootstrap chroot strip tar flock containerd ctr zstd; do
    command -v "$tool" >/dev/null || die "$tool is missing: apt-get install debootstrap binutils util-linux tar containerd zstd (or scripts/install-deps.sh apt)"
  done
}

MIRROR="${FLYTEBOX_DEBIAN_MIRROR:-$(apt_uri "$SUITE" http://deb.debian.org/debian)}"
SECURITY_MIRROR="${FLYTEBOX_DEBIAN_SECURITY_MIRROR:-$(apt_uri "$SUITE-security" http://deb.debian.org/debian-security)}"

# Debian packages: images/packages.txt plus the libraries the programs (in the overlay) link.
write_packages() { # FILE OVERLAY
  {
    sed 's/#.*//' "$IMAGES/packages.txt" | tr -s ' ' '\n' | grep .
    "$IMAGES/library-packages.sh" "$2"/opt/flytebox/bin/flytebox-* "$2/opt/flytebox/bin/versitygw"
  } | sort -u >"$1"
}

# The task environment: the pinned scripts/requirements.lock without images/python-exclude.txt.
write_requirements() { # FILE
  "$IMAGES/task-requirements.sh" "$FLYTEBOX_ROOT/scripts/requirements.lock" \
    "$IMAGES/python-exclude.txt" >"$1"
  grep -q '^flytekit==' "$1" || die "scripts/requirements.lock pins no flytekit"
}

# Certificate authorities the image trusts besides Debian's: this machine's extra ones (a
# company proxy's, say: pip and the tasks need them here too) and images/ca-certificates/.
extra_cas() {
  local f
  for f in /usr/local/share/ca-certificates/*.crt "$IMAGES"/ca-certificates/*.crt; do
    [ -f "$f" ] && printf '%s\n' "$f"
  done
  return 0
}

# ------------------------------------------------------------- work space ---

WORK=""
# Unmounts everything under a folder, deepest first; fails if anything stays mounted.
unmount_under() { # DIR
  local m
  for m in $(awk -v d="$1/" 'index($2, d) == 1 { print $2 }' /proc/self/mounts | sort -r); do
    umount "$m" 2>/dev/null || umount -l "$m"
  done
  ! awk -v d="$1/" 'index($2, d) == 1 { found = 1 } END { exit !found }' /proc/self/mounts
}

# Removes a folder only when nothing is mounted below it (a bind mount of a cache, or /proc,
# must never be deleted through).
safe_rm() { # DIR
  [ -e "$1" ] || return 0
  unmount_under "$1" || die "cannot unmount everything under $1; not removing it (see /proc/self/mounts)"
  rm -rf --one-file-system "$1"
}

cleanup() {
  if [ -n "$WORK" ]; then safe_rm "$WORK"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# ------------------------------------------------------------------- base ---

# The Debian root with packages, the flytebox user and the task Python environment; cached
# as a tarball keyed by everything it is made of.
build_base() { # PACKAGES REQUIREMENTS OUT_TAR
  local root="$WORK/base" setup="/flytebox-setup"
  mkdir -p "$IMG_CACHE/debootstrap" "$IMG_CACHE/apt" "$IMG_CACHE/wheels"
  say "debootstrap --variant=minbase $SUITE from $MIRROR"
  debootstrap --variant=minbase --cache-dir="$IMG_CACHE/debootstrap" "$SUITE" "$root" "$MIRROR" \
    >"$WORK/debootstrap.log" 2>&1 || { tail -n 30 "$WORK/debootstrap.log" >&2; die "debootstrap failed (log above)"; }

  cat >"$root/etc/apt/sources.list" <<EOF
deb $MIRROR $SUITE main
deb $MIRROR $SUITE-updates main
deb $SECURITY_MIRROR $SUITE-security main
EOF
  cp /etc/resolv.conf "$root/etc/resolv.conf" 2>/dev/null || true
  mkdir -p "$root/usr/local/share/ca-certificates"
  local ca
  while read -r ca; do cp "$ca" "$root/usr/local/share/ca-certificates/"; done < <(extra_cas)
  mkdir -p "$root$setup/apt" "$root$setup/wheels"
  cp "$IMAGES/setup-rootfs.sh" "$1" "$2" "$root$setup/"
  mount -t proc proc "$root/proc"
  mount --bind "$IMG_CACHE/apt" "$root$setup/apt"
  mount --bind "$IMG_CACHE/wheels" "$root$setup/wheels"

  local -a env=(PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin HOME=/root
                LANG=C.UTF-8 PIP_DISABLE_PIP_VERSION_CHECK=1 "APT_ARCHIVES=$setup/apt")
  local v
  for v in http_proxy https_proxy no_proxy HTTP_PROXY HTTPS_PROXY NO_PROXY; do
    [ -n "${!v:-}" ] && env+=("$v=${!v}")
  done
  chroot "$root" /usr/bin/env -i "${env[@]}" /bin/sh "$setup/setup-rootfs.sh" \
    "$setup/$(basename "$1")" "$setup/$(basename "$2")" "$setup/wheels" \
    || die "setting up the root filesystem failed (output above)"
  unmount_under "$root" || die "cannot unmount under $root"
  rm -rf "$root$setup"
  : >"$root/etc/resolv.conf"   # the container runtime provides its own
  : >"$root/etc/hostname"
  rm -f "$root/var/cache/apt/archives/"*.deb

  say "packing the base root"
  tar --numeric-owner --xattrs -C "$root" -cf "$3.part" \
    --exclude='./dev/*' --exclude='./proc/*' --exclude='./sys/*' --exclude='./run/*' .
  mv "$3.part" "$3"
  safe_rm "$root"
}

# ----------------------------------------------------------------- image ---

# Files added on top of the base: the programs (stripped), the console's bundle,
# images/rootfs/, image.json.
make_overlay() { # DIR
  local dir="$1" bin="$1/opt/flytebox/bin" f
  mkdir -p "$bin" "$dir/etc/flytebox"
  # Not while a build is writing them (builds of the tree hold this lock).
  exec 8>"$BUILD_LOCK"
  local t0=$SECONDS
  flock 8
  LOCK_WAIT=$((SECONDS - t0))
  strip -o "$bin/flytebox-engine" "$ENGINE_BIN"
  strip -o "$bin/flytebox-sandbox" "$SANDBOX_BIN"
  strip -o "$bin/flytebox" "$CLI_BIN"
  # The web console's bundle, where the engine looks for it (bin/../share/flytebox/console).
  if [ -f "$CONSOLE_DIR/index.html" ]; then
    mkdir -p "$dir/opt/flytebox/share/flytebox/console"
    cp -R "$CONSOLE_DIR/." "$dir/opt/flytebox/share/flytebox/console/"
  else
    say "warning: no built console in $CONSOLE_DIR: the image will serve none (build with npm installed)"
  fi
  flock -u 8
  strip -o "$bin/versitygw" "$FLYTEBOX_VERSITYGW"
  chmod 755 "$bin"/*
  (cd "$IMAGES/rootfs" && find . -type f) | while read -r f; do
    if [ -x "$IMAGES/rootfs/$f" ]; then
      install -D -m 755 "$IMAGES/rootfs/$f" "$dir/$f"
    else
      install -D -m 644 "$IMAGES/rootfs/$f" "$dir/$f"
    fi
  done
  add_kubernetes "$dir"
  add_registry "$dir"
  local versitygw_version
  versitygw_version="$(cat "$FLYTEBOX_VERSITYGW.version" 2>/dev/null || echo unknown)"
  printf '{\n  "flytebox": "%s",\n  "versitygw": "%s",\n  "kubernetes": "%s"\n}\n' \
    "$VERSION" "$versitygw_version" "$K8S_VERSION" >"$dir/etc/flytebox/image.json"
}

# The Kubernetes programs and the images pods need: one program for the four components
# (images/kubernetes) with a link for each name it answers to, kine, and containerd's root
# with the pause and task images already imported (a new volume starts from it).
add_kubernetes() { # DIR
  local bin="$1/opt/flytebox/k8s/bin" p
  mkdir -p "$bin"
  cp "$(k8s_multicall_dir)/flytebox-kube" "$bin/flytebox-kube"
  strip -o "$bin/kine" "$FLYTEBOX_K8S_BIN/kine"
  chmod 755 "$bin/flytebox-kube" "$bin/kine"
  for p in "${K8S_MULTICALL_COMPONENTS[@]}"; do ln -s flytebox-kube "$bin/$p"; done
  add_containerd_seed "$1"
}

# containerd's root after importing the archives of scripts/k8s-images.sh, made once per set
# of archives: its database and the images' small blobs as a zstd tarball that a new volume's
# first start unpacks (kilobytes), and the images' unpacked snapshots as folders of the image
# itself, /opt/flytebox/k8s/seed-KEY/N, which the tarball's snapshots link to (their `fs` is a
# symbolic link there), so that no start writes the task image's files: unpacking them into
# each new volume took 8-29 s of its first start. Committed snapshots are only ever lower
# layers of containers' mounts, read-only. KEY names the set, so that a volume made by another
# image's seed is told by its dangling links (flytebox_k8s.py). The layers' blobs are left
# out: pods run from the snapshots, and these images are never pushed or exported.
SEED_DIR=/opt/flytebox/k8s
add_containerd_seed() { # IMAGE_ROOT
  local archives key archive
  archives="$("$FLYTEBOX_ROOT/scripts/k8s-images.sh")" || die "scripts/k8s-images.sh failed"
  key="$({ declare -f add_containerd_seed make_containerd_seed; containerd --version;
           for archive in $archives; do
             echo "$archive $(cat "$archive.key" 2>/dev/null || stat -c %Y "$archive")"
           done; } | sha256sum | cut -c1-16)"
  local seed="$FLYTEBOX_K8S_IMAGES/containerd-seed-$key.tar"
  if [ ! -f "$seed" ]; then
    # shellcheck disable=SC2086
    make_containerd_seed "$seed" "$key" $archives
    find "$FLYTEBOX_K8S_IMAGES" -maxdepth 1 -name 'containerd-seed-*' ! -name "$(basename "$seed")" -delete
  fi
  mkdir -p "$1$SEED_DIR"
  tar --numeric-owner -C "$1$SEED_DIR" -xf "$seed" || die "unpacking $seed failed"
  SEED_TREE=".$SEED_DIR/seed-$key"
}

make_containerd_seed() { # OUT KEY ARCHIVE...
  local out="$1" key="$2"; shift 2
  local dir="$WORK/containerd-seed" pid archive i
  mkdir -p "$dir/root" "$dir/state"
  printf '%s\n' 'version = 2' "root = \"$dir/root\"" "state = \"$dir/state\"" \
    'disabled_plugins = ["io.containerd.grpc.v1.cri"]' \
    '[grpc]' "  address = \"$dir/containerd.sock\"" \
    '[ttrpc]' "  address = \"$dir/containerd-ttrpc.sock\"" \
    '[metrics]' '  address = ""' >"$dir/config.toml"
  containerd --config "$dir/config.toml" >"$dir/containerd.log" 2>&1 &
  pid=$!
  local ctr=(ctr --address "$dir/containerd.sock" -n k8s.io)
  for i in $(seq 1 100); do
    [ -S "$dir/containerd.sock" ] && "${ctr[@]}" version >/dev/null 2>&1 && break
    kill -0 "$pid" 2>/dev/null || { cat "$dir/containerd.log" >&2; die "containerd for the seed did not start"; }
    sleep 0.2
  done
  for archive in "$@"; do
    say "containerd seed: importing $(basename "$archive")"
    "${ctr[@]}" images import --snapshotter overlayfs "$archive" >/dev/null \
      || { kill "$pid"; tail -n 20 "$dir/containerd.log" >&2; die "ctr images import $archive failed"; }
  done
  "${ctr[@]}" images ls -q >"$dir/names"
  kill "$pid"; wait "$pid" || true
  # The layers' blobs (the only ones over 100 kB; manifests and configs are a few) go, with
  # containerd stopped: the import leaves them unreferenced once unpacked.
  find "$dir/root/io.containerd.content.v1.content/blobs" -type f -size +100k -delete
  local snaps="$dir/root/io.containerd.snapshotter.v1.overlayfs/snapshots" tree="$dir/out/seed-$key" n
  mkdir -p "$tree"
  for n in $(ls "$snaps"); do
    mv "$snaps/$n/fs" "$tree/$n"
    ln -s "$SEED_DIR/seed-$key/$n" "$snaps/$n/fs"
  done
  tar --numeric-owner -C "$dir/root" -cf - . | zstd -q -T2 -19 -o "$dir/out/containerd-seed.tar.zst" \
    || die "packing the containerd seed failed"
  tar --numeric-owner --xattrs -C "$dir/out" -cf "$out.part" . || die "packing the containerd seed failed"
  mv "$out.part" "$out"
  say "containerd seed: $(( $(stat -c %s "$dir/out/containerd-seed.tar.zst") / 1000 )) kB of database, $(du -sm "$tree" | cut -f1) MB of snapshots, with $(tr '\n' ' ' <"$dir/names")"
  rm -rf "$dir"
}

# The image registry the cluster pulls from (localhost:30000; flytebox_k8s.py runs it), with
# its version beside it.
add_registry() { # DIR
  local bin="$1/opt/flytebox/registry/bin"
  mkdir -p "$bin"
  strip -o "$bin/registry" "$FLYTEBOX_REGISTRY_BIN"
  chmod 755 "$bin/registry"
  echo "$REGISTRY_VERSION" >"$bin/registry.version"
}

# Dockerfile instructions applied at import.
CHANGES=(
  'ENTRYPOINT ["/opt/flytebox/bin/flytebox-entrypoint"]'
  'ENV PATH=/opt/flytebox/bin:/opt/flytebox/venv/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'
  'ENV LANG=C.UTF-8'
  'ENV PIP_CERT=/etc/ssl/certs/ca-certificates.crt'
  'ENV REQUESTS_CA_BUNDLE=/etc/ssl/certs/ca-certificates.crt'
  'WORKDIR /home/flytebox'
  'EXPOSE 30080/tcp'
  'EXPOSE 30002/tcp'
  'EXPOSE 30001/tcp'
)

engine_answers() { timeout 20 "$1" info >/dev/null 2>&1; }

selected_engines() {
  case "$ENGINES" in
    none) ;;
    docker|podman) echo "$ENGINES" ;;
    all) echo docker; echo podman ;;
    auto)
      local e
      for e in docker podman; do
        command -v "$e" >/dev/null && engine_answers "$e" && echo "$e"
      done ;;
  esac
  return 0
}

image_field() { # ENGINE FORMAT
  "$1" image inspect --format "$2" "$TAG" 2>/dev/null || true
}

up_to_date() { # ENGINE ID
  [ "$FORCE" -eq 0 ] && [ "$(image_field "$1" '{{index .Config.Labels "io.flytebox.image-id"}}')" = "$2" ]
}

import_into() { # ENGINE TAR ID
  local e="$1"
  local -a args=()
  local c
  for c in "${CHANGES[@]}" "LABEL io.flytebox.image-id=$3" \
           "LABEL org.opencontainers.image.version=$VERSION" \
           "LABEL org.opencontainers.image.title=flytebox"; do
    args+=(--change "$c")
  done
  say "$e: importing $TAG"
  "$e" import "${args[@]}" "$2" "$TAG" >"$WORK/import.log" 2>&1 \
    || { tail -n 20 "$WORK/import.log" >&2; die "$e import of $2 failed (above)"; }
  prune_untagged "$e"
  say "$e: $TAG is $(( $(image_field "$e" '{{.Size}}') / 1000000 )) MB"
}

# Earlier builds' images that lost their tag to a newer one.
prune_untagged() { # ENGINE
  local id
  for id in $("$1" images -q --filter dangling=true --filter label=io.flytebox.image-id | sort -u); do
    "$1" rmi "$id" >/dev/null 2>&1 \
      || say "$1: an earlier flytebox image ($id) is still used by a container; remove it later with '$1 rmi $id'"
  done
}

main() {
  check_inputs
  mkdir -p "$IMG_CACHE"
  exec 9>"$IMG_CACHE/build.lock"
  flock 9   # one build at a time; the second one finds the first one's results
  local stale
  for stale in "$IMG_CACHE"/work.*; do safe_rm "$stale"; done   # left by a killed build
  WORK="$(mktemp -d "$IMG_CACHE/work.XXXXXX")"

  make_overlay "$WORK/overlay"
  write_packages "$WORK/packages.txt" "$WORK/overlay"
  write_requirements "$WORK/requirements.txt"
  local key
  key="$({ echo "$SUITE $MIRROR $SECURITY_MIRROR"; declare -f build_base;
           cat "$IMAGES/setup-rootfs.sh" "$WORK/packages.txt" "$WORK/requirements.txt";
           extra_cas | xargs -r cat; } | sha256sum | cut -c1-16)"
  local base="$IMG_CACHE/base-$key.tar"
  if [ -f "$base" ]; then
    say "base root: cached ($base)"
  else
    build_base "$WORK/packages.txt" "$WORK/requirements.txt" "$base"
    find "$IMG_CACHE" -maxdepth 1 -name 'base-*.tar' ! -name "base-$key.tar" -delete
  fi

  "$FLYTEBOX_ROOT/scripts/image-links.py" plan "$base" "$WORK/overlay" "$SEED_TREE" "$WORK/links" \
    | sed 's/^/==> containerd seed: /' || die "finding the seed's files the image already has failed"
  local id
  id="$({ echo "$key"; printf '%s\n' "${CHANGES[@]}"; cat "$WORK/links";
          (cd "$WORK/overlay" && find . -type f -print0 | sort -z | xargs -0 sha256sum); } | sha256sum | cut -c1-16)"

  local e engines todo=()
  engines="$(selected_engines)"
  [ -n "$engines" ] || say "no container engine to import into (--engine $ENGINES)"
  for e in $engines; do
    engine_answers "$e" || die "$e does not answer ('$e info' fails): start it (scripts/container-engines.sh $e)"
    if up_to_date "$e" "$id"; then say "$e: $TAG is up to date"; else todo+=("$e"); fi
  done
  if [ ${#todo[@]} -gt 0 ] || [ -n "$OUTPUT" ]; then
    local tarball="$WORK/flytebox-rootfs.tar"
    cp "$base" "$tarball"
    (cd "$WORK/overlay" && find . -path "$SEED_TREE" -prune -o ! -type d -print | sort) >"$WORK/overlay.list"
    tar --numeric-owner --owner=0 --group=0 -C "$WORK/overlay" -rf "$tarball" -T "$WORK/overlay.list"
    # The seed's snapshots as they were made: their folders, owners and modes too.
    (cd "$WORK/overlay" && find "$SEED_TREE" -print0 | sort -z) >"$WORK/seed.list"
    tar --numeric-owner --xattrs --no-recursion --null -C "$WORK/overlay" -rf "$tarball" -T "$WORK/seed.list"
    "$FLYTEBOX_ROOT/scripts/image-links.py" append "$tarball" "$WORK/links" \
      || die "adding the seed's links to the image failed"
    if [ -n "$OUTPUT" ]; then cp "$tarball" "$OUTPUT"; say "root filesystem: $OUTPUT"; fi
    for e in "${todo[@]}"; do import_into "$e" "$tarball" "$id"; done
  fi
  if [ -n "$SAVE" ]; then
    set -- $engines
    [ $# -gt 0 ] || die "--save needs an engine to save from (--engine docker or podman)"
    "$1" save -o "$SAVE.tmp" "$TAG" || die "$1 save of $TAG failed"
    mv "$SAVE.tmp" "$SAVE"
    say "image archive: $SAVE ($(( $(stat -c %s "$SAVE") / 1000000 )) MB; load it with flytebox demo image import $SAVE)"
  fi
  say "image $TAG (id $id) ready in $((SECONDS - STARTED)) s$([ "$LOCK_WAIT" -eq 0 ] || echo " ($LOCK_WAIT s of it waiting for a build of the tree)")"
}

main "$@"; exit
