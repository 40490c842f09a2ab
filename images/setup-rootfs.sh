#!/bin/sh
# Turns a Debian bookworm root (debootstrap minbase, or the debian:bookworm-slim image)
# into the Flytebox image's root. Runs INSIDE that root, as root: in a chroot for the offline
# build (scripts/build-image.sh), in a RUN step of images/Dockerfile.
#
# Usage: setup-rootfs.sh PACKAGES REQUIREMENTS [WHEELS]
#   PACKAGES      file, one Debian package a line (# comments)
#   REQUIREMENTS  pinned pip requirements (name==version) of the task environment
#   WHEELS        folder of wheels to install from; missing ones are downloaded into it
#                 from PyPI. Without it, pip installs from PyPI directly.
# Environment: APT_ARCHIVES, a folder for the downloaded .deb files (a cache kept outside).
#
# The Flytebox programs themselves are added afterwards (they change more often).
set -eu

PACKAGES="$1"
REQUIREMENTS="$2"
WHEELS="${3:-}"
VENV=/opt/flytebox/venv
# botocore service models the task environment keeps: S3 (s3fs) and the services of the
# credential chain. The other ~430 (27 MB) serve no Flytebox path.
BOTOCORE_SERVICES="s3 sts sso sso-oidc signin"
export DEBIAN_FRONTEND=noninteractive LANG=C.UTF-8
APT_OPTS="-o Dpkg::Use-Pty=0"
if [ -n "${APT_ARCHIVES:-}" ]; then  # a package cache kept outside this root
  mkdir -p "$APT_ARCHIVES/partial"
  APT_OPTS="$APT_OPTS -o Dir::Cache::Archives=$APT_ARCHIVES"
fi

say() { printf '==> setup-rootfs: %s\n' "$*" >&2; }

# Documentation, manuals and translations are left out of every package installed from
# here on (licences stay); what debootstrap already unpacked is trimmed at the end.
slim_dpkg() {
  cat >/etc/dpkg/dpkg.cfg.d/flytebox-slim <<'EOF'
path-exclude=/usr/share/doc/*
path-include=/usr/share/doc/*/copyright
path-exclude=/usr/share/man/*
path-exclude=/usr/share/info/*
path-exclude=/usr/share/locale/*
path-include=/usr/share/locale/locale.alias
path-exclude=/usr/share/lintian/*
EOF
  # No service may start while packages are installed.
  printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d
  chmod 755 /usr/sbin/policy-rc.d
}

install_packages() {
  say "apt-get install $(grep -v '^#' "$PACKAGES" | grep -c .) packages"
  # shellcheck disable=SC2086
  apt-get $APT_OPTS update -qq
  # shellcheck disable=SC2046,SC2086
  apt-get $APT_OPTS install -y -qq --no-install-recommends \
    $(sed 's/#.*//' "$PACKAGES" | tr -s ' \n' '\n' | grep .) >/dev/null
  install_postgres
}

# Postgres: only the server and client programs of Debian's postgresql-15 and
# postgresql-client-15, with the runtime libraries they depend on. Their other dependencies
# serve Debian's cluster management, which the image does not use (the entrypoint runs
# initdb and postgres itself): perl, locales, postgresql-common, ssl-cert and LLVM for
# JIT (about 200 MB together); JIT is switched off at run time (-c jit=off).
install_postgres() {
  dir=/tmp/flytebox-postgres
  mkdir -p "$dir/root"
  debs=""
  for pkg in postgresql-15 postgresql-client-15; do
    version="$(apt-cache show --no-all-versions "$pkg" | sed -n 's/^Version: //p')"
    deb="${APT_ARCHIVES:-$dir}/${pkg}_${version}_$(dpkg --print-architecture).deb"
    if [ ! -f "$deb" ]; then
      (cd "$(dirname "$deb")" && apt-get -o APT::Sandbox::User=root -qq download "$pkg=$version")
    fi
    debs="$debs $deb"
  done
  # From each Depends group, the first alternative when it is a library (or tzdata).
  libs="$(for deb in $debs; do dpkg-deb -f "$deb" Depends; done \
    | tr ',' '\n' | sed 's/|.*//; s/(.*)//; s/[[:space:]]//g' \
    | grep -E '^(lib|tzdata$)' | grep -v '^libllvm' | sort -u)"
  say "Postgres programs from$(for deb in $debs; do printf ' %s' "$(basename "$deb")"; done)"
  # shellcheck disable=SC2086
  apt-get $APT_OPTS install -y -qq --no-install-recommends $libs >/dev/null
  for deb in $debs; do dpkg-deb -x "$deb" "$dir/root"; done
  mkdir -p /usr/lib/postgresql /usr/share/postgresql /usr/share/doc/postgresql-15
  cp -a "$dir/root/usr/lib/postgresql/15" /usr/lib/postgresql/
  cp -a "$dir/root/usr/share/postgresql/15" /usr/share/postgresql/
  cp "$dir/root/usr/share/doc/postgresql-15/copyright" /usr/share/doc/postgresql-15/
  rm -rf /usr/lib/postgresql/15/lib/bitcode /usr/lib/postgresql/15/lib/llvmjit* \
    /usr/share/postgresql/15/man "$dir"
  /usr/lib/postgresql/15/bin/postgres --version >/dev/null
}

trim_files() {
  find /usr/share/doc -mindepth 1 -depth ! -name copyright ! -type d -delete 2>/dev/null || true
  find /usr/share/doc -mindepth 1 -depth -type d -empty -delete 2>/dev/null || true
  rm -rf /usr/share/man/* /usr/share/info/* /usr/share/lintian/*
  find /usr/share/locale -mindepth 1 -maxdepth 1 ! -name locale.alias -exec rm -rf {} + 2>/dev/null || true
  # The pod network uses four CNI plugins (bridge, host-local, portmap, loopback; 34 MB are
  # the other twelve) and containerd only its runc v2 shim (18 MB are the older two).
  if [ -d /usr/lib/cni ]; then
    find /usr/lib/cni -type f ! -name bridge ! -name host-local ! -name portmap \
      ! -name loopback -delete
  fi
  rm -f /usr/bin/containerd-shim /usr/bin/containerd-shim-runc-v1
  apt-get clean
  rm -rf /var/lib/apt/lists/* /var/cache/apt/*.bin /var/cache/debconf/*-old \
    /var/log/apt /var/log/dpkg.log /var/log/alternatives.log /var/log/bootstrap.log \
    /root/.cache /tmp/* /usr/sbin/policy-rc.d
}

# Extra certificate authorities put into /usr/local/share/ca-certificates before this
# runs (a company proxy's, say) join the system bundle that pip and the tasks use.
trust_cas() {
  update-ca-certificates >/dev/null 2>&1
}

make_user() {
  if ! getent passwd flytebox >/dev/null; then
    groupadd --gid 1000 flytebox
    useradd --uid 1000 --gid 1000 --create-home --home-dir /home/flytebox \
      --shell /bin/bash --comment "Flytebox sandbox" flytebox
  fi
  mkdir -p /var/lib/flytebox /opt/flytebox/bin /etc/flytebox /usr/local/bin
  chown flytebox:flytebox /var/lib/flytebox
  chmod 750 /var/lib/flytebox
}

make_venv() {
  say "Python task environment at $VENV"
  # The system bundle, which has the extra authorities (pip's own has not).
  export PIP_CERT=/etc/ssl/certs/ca-certificates.crt
  rm -rf "$VENV"
  python3 -m venv "$VENV"
  if [ -n "$WHEELS" ]; then
    mkdir -p "$WHEELS"
    if ! "$VENV/bin/pip" install -q --no-index --find-links "$WHEELS" --no-deps \
        -r "$REQUIREMENTS" 2>/dev/null; then
      say "downloading the missing wheels from PyPI into the cache"
      "$VENV/bin/pip" download -q --no-deps --only-binary=:all: -d "$WHEELS" -r "$REQUIREMENTS"
      "$VENV/bin/pip" install -q --no-index --find-links "$WHEELS" --no-deps -r "$REQUIREMENTS"
    fi
  else
    "$VENV/bin/pip" install -q --no-deps --only-binary=:all: -r "$REQUIREMENTS"
  fi
  # Every pinned requirement of every installed package must be met.
  "$VENV/bin/pip" check >/dev/null || { "$VENV/bin/pip" check >&2; exit 1; }
  "$VENV/bin/python" -c 'import flytekit' || { say "flytekit does not import"; exit 1; }
  # Tasks need neither; `python -m ensurepip` brings pip back (from python3-venv's wheels)
  # for an image derived from this one.
  "$VENV/bin/python" -m pip uninstall -y -q pip setuptools
  trim_venv
}

# Wheels ship their extension modules with symbols (15 MB in all); botocore ships the
# models of every AWS service.
trim_venv() {
  for dir in "$VENV"/lib/python3*/site-packages/botocore/data/*/; do
    case " $BOTOCORE_SERVICES " in
      *" $(basename "$dir") "*) ;;
      *) rm -rf "$dir" ;;
    esac
  done
  # shellcheck disable=SC2086
  apt-get $APT_OPTS install -y -qq --no-install-recommends binutils >/dev/null
  find "$VENV" -name '*.so*' -type f -exec strip --strip-unneeded {} +
  # shellcheck disable=SC2086
  apt-get $APT_OPTS purge -y -qq --auto-remove binutils >/dev/null
  "$VENV/bin/python" -c 'import flytekit, grpc, s3fs, botocore.session as s
s.get_session().create_client("s3", region_name="us-east-1")' \
    || { say "the task environment is broken after trimming"; exit 1; }
}

# What the entrypoint reports as component versions.
record_versions() {
  python3 - "$VENV" >/etc/flytebox/runtime.json <<'EOF'
import json, subprocess, sys
venv = sys.argv[1]
def run(*argv):
    return subprocess.run(argv, capture_output=True, text=True, check=True).stdout.strip()
print(json.dumps({
    "python": run(venv + "/bin/python", "-c", "import platform; print(platform.python_version())"),
    "flytekit": run(venv + "/bin/python", "-c",
                    "from importlib.metadata import version; print(version('flytekit'))"),
    "postgres": run("/usr/lib/postgresql/15/bin/postgres", "--version").split(") ")[-1],
}, indent=2))
EOF
}

slim_dpkg
install_packages
trust_cas
make_user
make_venv
record_versions
trim_files
say "done"
