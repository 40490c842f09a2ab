#!/usr/bin/env bash
# Makes the clean Debian 12 image the package tests install into: debootstrap minbase from
# the Debian mirror plus python3, python3-venv and ca-certificates only (no compiler, no
# -dev package), this machine's extra certificate authorities (so pip reaches PyPI through
# the same proxy), imported into docker as flytebox-clean:bookworm. No registry involved.
# The root is cached as a tarball keyed by everything in it; the image is imported again
# only when that key changes. Prints the image name.
# Usage: tests/packages/clean_image.sh   (root; docker running: scripts/container-engines.sh)
source "$(dirname "$0")/../../scripts/lib.sh"

SUITE=bookworm
IMAGE="flytebox-clean:$SUITE"
PACKAGES="python3,python3-venv,ca-certificates"
CACHE="${FLYTEBOX_IMAGE_CACHE:-$FLYTEBOX_CACHE/image}"
MIRROR="${FLYTEBOX_DEBIAN_MIRROR:-$(apt_uri "$SUITE" http://deb.debian.org/debian)}"
SECURITY_MIRROR="${FLYTEBOX_DEBIAN_SECURITY_MIRROR:-$(apt_uri "$SUITE-security" http://deb.debian.org/debian-security)}"

[ "$(id -u)" -eq 0 ] || die "debootstrap and chroot need root"
command -v debootstrap >/dev/null || die "debootstrap is missing: apt-get install debootstrap"
timeout 20 docker info >/dev/null 2>&1 \
  || die "docker does not answer: start it (scripts/container-engines.sh docker)"

extra_cas() { ls /usr/local/share/ca-certificates/*.crt 2>/dev/null || true; }

key="$({ echo "$SUITE $MIRROR $SECURITY_MIRROR $PACKAGES";
         sed -n '/^make_root()/,/^}/p' "$0"; extra_cas | xargs -r cat; } | sha256sum | cut -c1-16)"

make_root() { # TAR
  local work root
  work="$(mktemp -d "$CACHE/clean-work.XXXXXX")"
  root="$work/root"
  mkdir -p "$CACHE/debootstrap"
  debootstrap --variant=minbase --include="$PACKAGES" --cache-dir="$CACHE/debootstrap" \
    "$SUITE" "$root" "$MIRROR" >"$work/debootstrap.log" 2>&1 \
    || { tail -n 30 "$work/debootstrap.log" >&2; rm -rf --one-file-system "$work"; die "debootstrap failed (above)"; }
  cat >"$root/etc/apt/sources.list" <<SOURCES
deb $MIRROR $SUITE main
deb $MIRROR $SUITE-updates main
deb $SECURITY_MIRROR $SUITE-security main
SOURCES
  local ca
  for ca in $(extra_cas); do cp "$ca" "$root/usr/local/share/ca-certificates/"; done
  chroot "$root" /usr/sbin/update-ca-certificates >/dev/null
  rm -f "$root/var/cache/apt/archives/"*.deb
  : >"$root/etc/resolv.conf"
  tar --numeric-owner -C "$root" -cf "$1.part" \
    --exclude='./dev/*' --exclude='./proc/*' --exclude='./sys/*' --exclude='./run/*' .
  mv "$1.part" "$1"
  rm -rf --one-file-system "$work"
}

mkdir -p "$CACHE"
exec 9>"$CACHE/clean.lock"
flock 9
tar="$CACHE/clean-$key.tar"
if [ ! -f "$tar" ]; then
  say "clean $SUITE root: debootstrap ($PACKAGES) from $MIRROR"
  make_root "$tar"
  find "$CACHE" -maxdepth 1 -name 'clean-*.tar' ! -name "clean-$key.tar" -delete
fi
if [ "$(docker image inspect --format '{{index .Config.Labels "io.flytebox.clean-key"}}' "$IMAGE" 2>/dev/null)" != "$key" ]; then
  say "importing $IMAGE"
  docker import --change "LABEL io.flytebox.clean-key=$key" --change 'ENV LANG=C.UTF-8' \
    --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
    --change 'CMD ["/bin/bash"]' "$tar" "$IMAGE" >/dev/null
fi
# The promise: nothing to compile with.
if docker run --rm "$IMAGE" sh -c 'command -v cc || command -v gcc || command -v c++ || ls /usr/include/*.h' >/dev/null 2>&1; then
  die "$IMAGE has a compiler or C headers: it is not a clean machine"
fi
echo "$IMAGE"
