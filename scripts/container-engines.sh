#!/usr/bin/env bash
# Bring up the local container engines Flytebox uses (docker and podman).
#
# Usage: scripts/container-engines.sh [COMMAND]
#
#   up              (default) docker + podman
#   docker          make `docker info` answer; start dockerd by hand if needed
#   podman          configure podman (runtime runc, working default ulimits)
#                   and prove it can run a container
#   podman-ulimits  print the `--ulimit ...` flags podman accepts on this
#                   machine, on one line, e.g.
#                     --ulimit nofile=20000:20000 --ulimit nproc=32768:32768
#   status          report both engines without changing anything
#   help            this text
#
# Idempotent: running it again when everything is up changes nothing.
# On success it prints exactly one line per engine (podman-ulimits prints only
# the flags). On failure it exits non-zero and says what to fix.
#
# Environment knobs:
#   FLYTEBOX_DOCKERD_LOG     dockerd log when started by hand
#                            (default /var/log/flytebox-dockerd.log)
#   FLYTEBOX_DOCKERD_WAIT    seconds to wait for dockerd to answer (default 60)
#   FLYTEBOX_DOCKERD_ARGS    extra arguments for dockerd (word-split)
#   FLYTEBOX_PODMAN_CONF     podman drop-in written by this script (default
#                            /etc/containers/containers.conf.d/50-flytebox.conf)
#   FLYTEBOX_PODMAN_RUNTIME  OCI runtime for podman (default runc; crun fails
#                            on hybrid cgroup v1/v2 hosts)
set -euo pipefail

# dockerd, runc and iptables live in sbin; a login shell of a plain user or a
# CI runner may not have it on PATH.
export PATH="$PATH:/usr/local/sbin:/usr/sbin:/sbin"

PROG="container-engines.sh"
DOCKERD_LOG="${FLYTEBOX_DOCKERD_LOG:-/var/log/flytebox-dockerd.log}"
DOCKERD_WAIT="${FLYTEBOX_DOCKERD_WAIT:-60}"
PODMAN_CONF="${FLYTEBOX_PODMAN_CONF:-/etc/containers/containers.conf.d/50-flytebox.conf}"
PODMAN_RUNTIME="${FLYTEBOX_PODMAN_RUNTIME:-runc}"
# Podman's own default for nofile/nproc; never ask for more than that.
ULIMIT_CAP=1048576

err() { printf '%s: error: %s\n' "$PROG" "$*" >&2; }
die() { err "$@"; exit 1; }

is_root() { [ "$(id -u)" = 0 ]; }
systemd_running() { [ -d /run/systemd/system ]; }

# missing_cmds "cmd:package" ... -> prints "cmd (apt package pkg)" per missing
missing_cmds() {
    local spec cmd pkg out=()
    for spec in "$@"; do
        cmd="${spec%%:*}"; pkg="${spec#*:}"
        command -v "$cmd" >/dev/null 2>&1 || out+=("$cmd (apt package $pkg)")
    done
    [ "${#out[@]}" -eq 0 ] || printf '%s\n' "${out[@]}"
}

require_cmds() { # ENGINE spec...
    local engine="$1"; shift
    local missing
    missing="$(missing_cmds "$@")"
    if [ -n "$missing" ]; then
        err "$engine: required programs are missing:"
        printf '%s\n' "$missing" | sed 's/^/  - /' >&2
        die "$engine: install them first, e.g. apt-get install -y docker.io podman runc containerd conmon iptables"
    fi
}

# ---------------------------------------------------------------- docker ---

docker_answers() { timeout 20 docker info >/dev/null 2>&1; }

docker_line() { # how
    local info
    info="$(timeout 20 docker info --format '{{.ServerVersion}} {{.Driver}}' 2>/dev/null || true)"
    printf 'docker: ready (%s; server %s, storage %s)\n' "$1" "${info%% *}" "${info#* }"
}

dockerd_log_tail() {
    if [ -s "$DOCKERD_LOG" ]; then
        echo "---- last 25 lines of $DOCKERD_LOG ----" >&2
        tail -n 25 "$DOCKERD_LOG" >&2
        echo "---- end of log ----" >&2
    fi
}

wait_for_docker() { # pid-or-empty -> 0 when docker answers
    local pid="$1" deadline=$((SECONDS + DOCKERD_WAIT))
    while [ "$SECONDS" -lt "$deadline" ]; do
        docker_answers && return 0
        if [ -n "$pid" ] && ! kill -0 "$pid" 2>/dev/null; then
            return 2
        fi
        sleep 0.5
    done
    docker_answers
}

cmd_docker() {
    command -v docker >/dev/null 2>&1 \
        || die "docker: no docker client on PATH (apt package docker.io)"
    if docker_answers; then
        docker_line "already running"
        return 0
    fi

    case "${DOCKER_HOST:-unix:///var/run/docker.sock}" in
        unix:///var/run/docker.sock|unix:///run/docker.sock) ;;
        *) die "docker: DOCKER_HOST=$DOCKER_HOST does not answer; start that daemon or unset DOCKER_HOST" ;;
    esac
    is_root || die "docker: no daemon answers and only root can start dockerd; run this script as root (or start docker yourself)"
    require_cmds docker dockerd:docker.io containerd:containerd runc:runc iptables:iptables

    # A dockerd may already be starting (e.g. a parallel run of this script):
    # wait for it instead of starting a second one, which would fail on the
    # pid file.
    local pid=""
    if [ -s /var/run/docker.pid ]; then
        pid="$(cat /var/run/docker.pid 2>/dev/null || true)"
        if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null \
            && [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = dockerd ]; then
            if wait_for_docker "$pid"; then
                docker_line "was starting"
                return 0
            fi
            dockerd_log_tail
            die "docker: dockerd (pid $pid) runs but does not answer 'docker info' after ${DOCKERD_WAIT}s; see the log above, stop it (kill $pid) and rerun"
        fi
    fi

    if systemd_running && systemctl cat docker.service >/dev/null 2>&1; then
        if systemctl start docker.service >/dev/null 2>&1 && wait_for_docker ""; then
            docker_line "started docker.service"
            return 0
        fi
        err "docker: systemctl start docker.service did not bring docker up; trying dockerd by hand"
    fi

    mkdir -p "$(dirname "$DOCKERD_LOG")"
    # setsid: the daemon must outlive this script and not get its signals.
    # shellcheck disable=SC2086
    setsid dockerd ${FLYTEBOX_DOCKERD_ARGS:-} </dev/null >"$DOCKERD_LOG" 2>&1 &
    pid=$!
    local rc=0
    wait_for_docker "$pid" || rc=$?
    if [ "$rc" -eq 0 ]; then
        docker_line "started dockerd pid $pid, log $DOCKERD_LOG"
        return 0
    fi
    dockerd_log_tail
    if [ "$rc" -eq 2 ]; then
        die "docker: dockerd exited during start-up; the log above says why (common causes: missing iptables/kernel modules, another dockerd owning /var/run/docker.pid, unsupported storage driver)"
    fi
    kill "$pid" 2>/dev/null || true
    die "docker: dockerd (pid $pid) did not answer 'docker info' within ${DOCKERD_WAIT}s; stopped it. See the log above (raise FLYTEBOX_DOCKERD_WAIT if the machine is just slow)"
}

# ---------------------------------------------------------------- podman ---

hard_limit() { # -n | -u  -> number (unlimited mapped to the cap)
    local v
    v="$(ulimit -H "$1")"
    if [ "$v" = unlimited ]; then
        v=$ULIMIT_CAP
    fi
    [ "$v" -gt "$ULIMIT_CAP" ] && v=$ULIMIT_CAP
    echo "$v"
}

probe_key() {
    printf 'hn=%s hu=%s pid_max=%s %s runtime=%s' \
        "$(ulimit -Hn)" "$(ulimit -Hu)" "$(cat /proc/sys/kernel/pid_max 2>/dev/null || echo ?)" \
        "$(podman --version 2>/dev/null | tr ' ' '-')" "$PODMAN_RUNTIME"
}

# Candidate values, best first; each list ends at a small value that works
# almost anywhere. Podman itself runs with RLIMIT_NPROC lowered to pid_max
# when the hard limit is above it, and the container init cannot go above
# podman's own limits, so min(hard, pid_max) comes first.
nofile_candidates() {
    local hn; hn="$(hard_limit -n)"
    printf '%s\n' "$hn" 65536 4096 1024 | awk -v m="$hn" '$1 <= m && !seen[$1]++'
}
nproc_candidates() {
    local hu pm first
    hu="$(hard_limit -u)"
    pm="$(cat /proc/sys/kernel/pid_max 2>/dev/null || echo "$hu")"
    first=$hu; [ "$pm" -lt "$first" ] && first=$pm
    printf '%s\n' "$first" "$hu" 32768 4096 1024 | awk -v m="$hu" '$1 <= m && !seen[$1]++'
}

PROBE_DIR=""
cleanup_probe() { [ -z "$PROBE_DIR" ] || rm -rf "$PROBE_DIR"; PROBE_DIR=""; }

# A throw-away root filesystem with the host's /bin/sh and its libraries, so
# a container can run without any image (nothing is stored in podman).
make_probe_rootfs() {
    [ -n "$PROBE_DIR" ] && return 0
    PROBE_DIR="$(mktemp -d "${TMPDIR:-/tmp}/flytebox-podman-probe.XXXXXX")"
    trap cleanup_probe EXIT
    local sh lib
    sh="$(readlink -f /bin/sh)"
    mkdir -p "$PROBE_DIR/rootfs/bin"
    cp "$sh" "$PROBE_DIR/rootfs/bin/sh"
    for lib in $(ldd "$sh" 2>/dev/null | grep -o '/[^ ]*' || true); do
        [ -e "$lib" ] && cp -L --parents "$lib" "$PROBE_DIR/rootfs/"
    done
}

# probe_run [podman run args...] -> stdout+stderr of a tiny container in
# $PROBE_OUT, returns its status.
PROBE_OUT=""
probe_run() {
    make_probe_rootfs
    local rc=0
    PROBE_OUT="$(timeout 60 podman "${PODMAN_GLOBAL[@]}" run --rm --network none \
        "$@" --rootfs "$PROBE_DIR/rootfs" /bin/sh -c 'echo flytebox-probe-ok' 2>&1)" || rc=$?
    if [ "$rc" -eq 0 ] && [ "$PROBE_OUT" != flytebox-probe-ok ]; then
        rc=1
    fi
    return "$rc"
}

PODMAN_GLOBAL=()
set_podman_global() {
    PODMAN_GLOBAL=(--runtime "$PODMAN_RUNTIME")
    if ! systemd_running; then
        PODMAN_GLOBAL+=(--cgroup-manager cgroupfs --events-backend file)
    fi
}

# Like probe_run, but with no global flags: only the config files count.
probe_defaults() {
    local -a saved=("${PODMAN_GLOBAL[@]}")
    local rc=0
    PODMAN_GLOBAL=()
    probe_run || rc=$?
    PODMAN_GLOBAL=("${saved[@]}")
    return "$rc"
}

# Sets NOFILE and NPROC to the first values a container accepts; on an
# unrelated failure returns 1 with the output in PROBE_OUT.
NOFILE=""; NPROC=""
find_ulimits() {
    local -a nofs nprs
    mapfile -t nofs < <(nofile_candidates)
    mapfile -t nprs < <(nproc_candidates)
    local i=0 j=0
    while [ "$i" -lt "${#nofs[@]}" ] && [ "$j" -lt "${#nprs[@]}" ]; do
        NOFILE="${nofs[$i]}"; NPROC="${nprs[$j]}"
        if probe_run --ulimit "nofile=$NOFILE:$NOFILE" --ulimit "nproc=$NPROC:$NPROC"; then
            return 0
        fi
        # runc names the limit it could not set: 7 = RLIMIT_NOFILE, 6 = RLIMIT_NPROC.
        case "$PROBE_OUT" in
            *"rlimit type 7"*) i=$((i + 1)) ;;
            *"rlimit type 6"*) j=$((j + 1)) ;;
            *) return 1 ;;
        esac
    done
    return 1
}

ulimit_flags() { printf -- '--ulimit nofile=%s:%s --ulimit nproc=%s:%s' "$1" "$1" "$2" "$2"; }

conf_text() { # nofile nproc key
    cat <<EOF
# Written by Flytebox scripts/container-engines.sh and rewritten on each run;
# do not edit by hand (edit the script or its FLYTEBOX_PODMAN_* variables).
# probe-key: $3
[containers]
default_ulimits = [
  "nofile=$1:$1",
  "nproc=$2:$2",
]

[engine]
runtime = "$PODMAN_RUNTIME"
EOF
    if ! systemd_running; then
        printf 'cgroup_manager = "cgroupfs"\nevents_logger = "file"\n'
    fi
}

# Values recorded by an earlier successful run for the same limits, if any.
cached_ulimits() {
    [ -r "$PODMAN_CONF" ] || return 1
    grep -qxF "# probe-key: $(probe_key)" "$PODMAN_CONF" || return 1
    NOFILE="$(sed -n 's/^ *"nofile=\([0-9]*\):.*/\1/p' "$PODMAN_CONF")"
    NPROC="$(sed -n 's/^ *"nproc=\([0-9]*\):.*/\1/p' "$PODMAN_CONF")"
    [ -n "$NOFILE" ] && [ -n "$NPROC" ]
}

podman_setup() { # -> NOFILE/NPROC set, config written and proven
    require_cmds podman podman:podman "$PODMAN_RUNTIME:$PODMAN_RUNTIME" conmon:conmon iptables:iptables
    is_root || die "podman: only rootful podman is set up here; run this script as root"
    if [ -n "${CONTAINERS_CONF:-}" ]; then
        die "podman: CONTAINERS_CONF=$CONTAINERS_CONF is set, so podman would ignore $PODMAN_CONF; unset it"
    fi
    set_podman_global

    # Fast path: config already in place for these limits and podman runs a
    # container with no flags at all.
    if cached_ulimits && probe_defaults; then
        return 0
    fi

    if ! find_ulimits; then
        err "podman: cannot run even a trivial container (runtime $PODMAN_RUNTIME):"
        printf '%s\n' "$PROBE_OUT" | tail -n 15 >&2
        die "podman: fix the error above (is $PODMAN_RUNTIME installed and working? 'podman info' may say more)"
    fi

    local text tmp
    text="$(conf_text "$NOFILE" "$NPROC" "$(probe_key)")"
    if [ ! -r "$PODMAN_CONF" ] || [ "$(cat "$PODMAN_CONF")" != "$text" ]; then
        mkdir -p "$(dirname "$PODMAN_CONF")"
        tmp="$(mktemp "$PODMAN_CONF.XXXXXX")"
        printf '%s\n' "$text" >"$tmp"
        chmod 644 "$tmp"
        mv -f "$tmp" "$PODMAN_CONF"
    fi

    # Prove the written defaults are what podman now uses.
    if ! probe_defaults; then
        err "podman: runs with explicit flags but not with the defaults in $PODMAN_CONF:"
        printf '%s\n' "$PROBE_OUT" | tail -n 15 >&2
        die "podman: another containers.conf may override it (see 'podman info --debug'); pass $(ulimit_flags "$NOFILE" "$NPROC") --runtime $PODMAN_RUNTIME explicitly or fix the config"
    fi
}

podman_line() {
    local info
    info="$(timeout 30 podman info --format '{{.Version.Version}} {{.Host.OCIRuntime.Name}} {{.Store.GraphDriverName}}' 2>/dev/null || echo '? ? ?')"
    read -r v rt drv <<<"$info"
    printf 'podman: ready (podman %s, runtime %s, storage %s, %s; config %s)\n' \
        "$v" "$rt" "$drv" "$(ulimit_flags "$NOFILE" "$NPROC")" "$PODMAN_CONF"
}

cmd_podman() { podman_setup; podman_line; }

cmd_podman_ulimits() {
    if ! { command -v podman >/dev/null 2>&1 && cached_ulimits; }; then
        podman_setup
    fi
    ulimit_flags "$NOFILE" "$NPROC"
    echo
}

# ---------------------------------------------------------------- status ---

cmd_status() {
    local rc=0 missing
    if ! command -v docker >/dev/null 2>&1; then
        echo "docker: missing (apt package docker.io)"; rc=1
    elif docker_answers; then
        docker_line "running"
    else
        missing="$(missing_cmds dockerd:docker.io containerd:containerd runc:runc | tr '\n' ';')"
        echo "docker: not answering${missing:+; missing: $missing} (run: $0 docker)"; rc=1
    fi
    if ! command -v podman >/dev/null 2>&1; then
        echo "podman: missing (apt package podman)"; rc=1
    elif cached_ulimits; then
        podman_line
    else
        missing="$(missing_cmds "$PODMAN_RUNTIME:$PODMAN_RUNTIME" conmon:conmon | tr '\n' ';')"
        echo "podman: not configured by this script for the current limits${missing:+; missing: $missing} (run: $0 podman)"; rc=1
    fi
    return "$rc"
}

usage() { sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; }

main() {
    local cmd="${1:-up}"
    case "$cmd" in
        up) cmd_docker; cmd_podman ;;
        docker) cmd_docker ;;
        podman) cmd_podman ;;
        podman-ulimits) cmd_podman_ulimits ;;
        status) cmd_status ;;
        help|-h|--help) usage ;;
        *) usage >&2; die "unknown command: $cmd" ;;
    esac
}

main "$@"
