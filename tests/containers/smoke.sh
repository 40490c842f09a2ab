#!/usr/bin/env bash
# Smoke test for one container engine, with no registry anywhere.
#
# Usage: tests/containers/smoke.sh docker|podman
#
# 1. brings the engine up with scripts/container-engines.sh ENGINE;
# 2. builds an image from a tiny root filesystem tarball (a static busybox)
#    with `ENGINE import`, tagged flytebox-smoke:test;
# 3. runs `sh -c 'echo flytebox-smoke-ok; exit 7'` in it and checks both the
#    output and the exit code 7;
# 4. runs busybox httpd in it with its port published on 127.0.0.1 (a free
#    port chosen by the engine) and fetches a per-run token from the host;
# 5. removes the containers and the image and checks nothing is left.
#
# Exits 0 only when every check passed; otherwise prints "FAIL ..." with the
# reason. Runs of the same engine are serialised with a lock, and leftovers
# of an interrupted earlier run are removed first.
#
# Static busybox comes from, in order: $FLYTEBOX_BUSYBOX; a static `busybox`
# on PATH, /bin or /usr/bin (apt package busybox-static); the cache
# /var/cache/flytebox/busybox-static/busybox; else the busybox-static .deb is
# fetched with `apt-get download` (not installed: it conflicts with the
# `busybox` package) and unpacked into that cache.
set -euo pipefail
export PATH="$PATH:/usr/local/sbin:/usr/sbin:/sbin"

ENGINE="${1:-}"
case "$ENGINE" in
    docker|podman) ;;
    *) echo "usage: $0 docker|podman" >&2; exit 2 ;;
esac

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(cd "$HERE/../.." && pwd)"
ENGINES="$REPO/scripts/container-engines.sh"
BUSYBOX_CACHE="${FLYTEBOX_CACHE_DIR:-/var/cache/flytebox}/busybox-static"

LABEL="flytebox.smoke"
if [ "$ENGINE" = podman ]; then
    IMAGE="localhost/flytebox-smoke:test"
else
    IMAGE="flytebox-smoke:test"
fi
REPO_NAME="${IMAGE%:*}"
RUN_NAME="flytebox-smoke-run"
WEB_NAME="flytebox-smoke-web"
EXPECT_OUT="flytebox-smoke-ok"
EXPECT_RC=7

START=$SECONDS
WORK=""
RUN_FLAGS=()

log() { printf 'smoke %s: %s\n' "$ENGINE" "$*"; }
fail() {
    printf 'FAIL smoke %s: %s\n' "$ENGINE" "$*" >&2
    exit 1
}
e() { timeout 60 "$ENGINE" "$@"; }

remove_ours() { # best effort; used at start, at the end and on any exit
    local ids
    ids="$(e ps -a -q --filter "label=$LABEL" 2>/dev/null || true)"
    if [ -n "$ids" ]; then
        # kill first: httpd as pid 1 ignores SIGTERM, and podman's rm -f
        # would wait 10 s before it resorts to SIGKILL.
        # shellcheck disable=SC2086
        e kill $ids >/dev/null 2>&1 || true
        # shellcheck disable=SC2086
        e rm -f $ids >/dev/null 2>&1 || true
    fi
    if e image inspect "$IMAGE" >/dev/null 2>&1; then
        e rmi -f "$IMAGE" >/dev/null 2>&1 || true
    fi
}

leftovers() { # prints what of ours is still there
    e ps -a --filter "label=$LABEL" --format '{{.ID}} {{.Names}}' 2>/dev/null || true
    e images --format '{{.ID}} {{.Repository}}:{{.Tag}}' 2>/dev/null \
        | awk -v r="$REPO_NAME:" 'index($2, r) == 1' || true
}

on_exit() {
    local rc=$?
    remove_ours
    [ -z "$WORK" ] || rm -rf "$WORK"
    exit "$rc"
}

# ------------------------------------------------------------ busybox ---

is_static_busybox() { # path
    [ -f "$1" ] && [ -x "$1" ] || return 1
    # ldd fails on a static binary ("not a dynamic executable").
    ! ldd "$1" >/dev/null 2>&1 || return 1
    "$1" --list 2>/dev/null | grep -qx httpd
}

fetch_busybox() { # -> path on stdout
    command -v apt-get >/dev/null 2>&1 && command -v dpkg-deb >/dev/null 2>&1 \
        || return 1
    local dl
    dl="$(mktemp -d "${TMPDIR:-/tmp}/flytebox-busybox.XXXXXX")"
    if ! (cd "$dl" && timeout 120 apt-get -o APT::Sandbox::User=root download busybox-static) \
        >"$dl/apt.log" 2>&1; then
        echo "apt-get download busybox-static failed:" >&2
        tail -n 5 "$dl/apt.log" >&2
        rm -rf "$dl"
        return 1
    fi
    local target="$BUSYBOX_CACHE"
    if ! mkdir -p "$target" 2>/dev/null || [ ! -w "$target" ]; then
        target="$WORK/busybox-cache"   # not cacheable: use it for this run
        mkdir -p "$target"
    fi
    if ! { dpkg-deb -x "$dl"/busybox-static_*.deb "$dl/x" \
        && cp "$dl/x/bin/busybox" "$target/busybox.tmp.$$" \
        && mv -f "$target/busybox.tmp.$$" "$target/busybox"; }; then
        echo "could not unpack busybox from the busybox-static .deb" >&2
        rm -rf "$dl" "$target/busybox.tmp.$$"
        return 1
    fi
    rm -rf "$dl"
    echo "fetched busybox-static with apt-get download into $target (install busybox-static to skip this)" >&2
    echo "$target/busybox"
}

find_busybox() { # -> path on stdout
    local c
    for c in "${FLYTEBOX_BUSYBOX:-}" "$(command -v busybox 2>/dev/null || true)" \
        /bin/busybox /usr/bin/busybox "$BUSYBOX_CACHE/busybox"; do
        if [ -n "$c" ] && is_static_busybox "$c"; then
            echo "$c"
            return 0
        fi
    done
    c="$(fetch_busybox)" && is_static_busybox "$c" && { echo "$c"; return 0; }
    return 1
}

# -------------------------------------------------------------- http ---

http_get() { # port -> body of /index.html on stdout
    if command -v curl >/dev/null 2>&1; then
        curl -fsS --max-time 3 "http://127.0.0.1:$1/index.html"
    else
        # shellcheck disable=SC2016
        timeout 5 bash -c '
            exec 3<>"/dev/tcp/127.0.0.1/$1"
            printf "GET /index.html HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n" >&3
            sed "1,/^\r\{0,1\}$/d" <&3' _ "$1"
    fi
}

# -------------------------------------------------------------- main ---

main() {
    "$ENGINES" "$ENGINE" || fail "could not bring $ENGINE up (see the message above)"
    if [ "$ENGINE" = podman ]; then
        local flags
        flags="$("$ENGINES" podman-ulimits)" || fail "could not get podman --ulimit flags"
        read -r -a RUN_FLAGS <<<"$flags"
    fi

    local lockdir=/run/lock
    [ -d "$lockdir" ] && [ -w "$lockdir" ] || lockdir="${TMPDIR:-/tmp}"
    exec 9>"$lockdir/flytebox-smoke-$ENGINE.lock"
    flock -w 120 9 || fail "another smoke test for $ENGINE holds $lockdir/flytebox-smoke-$ENGINE.lock for over 120 s"

    trap on_exit EXIT
    WORK="$(mktemp -d "${TMPDIR:-/tmp}/flytebox-smoke.XXXXXX")"

    if [ -n "$(leftovers)" ]; then
        log "removing leftovers of an earlier interrupted run:"
        leftovers | sed 's/^/    /'
        remove_ours
        [ -z "$(leftovers)" ] || fail "cannot remove leftovers of an earlier run: $(leftovers | tr '\n' ' ')"
    fi

    # --- image from a root filesystem tarball
    local bb token
    bb="$(find_busybox)" || fail "no static busybox: install the busybox-static package (apt-get install busybox-static) or set FLYTEBOX_BUSYBOX to a static busybox binary"
    token="flytebox-smoke-token-$$-$RANDOM$RANDOM"
    local rootfs="$WORK/rootfs" applet
    mkdir -p "$rootfs/bin" "$rootfs/www" "$rootfs/tmp" "$rootfs/etc"
    cp "$bb" "$rootfs/bin/busybox"
    for applet in sh echo cat ls sleep httpd; do
        ln -s busybox "$rootfs/bin/$applet"
    done
    printf 'root:x:0:0:root:/:/bin/sh\n' >"$rootfs/etc/passwd"
    printf 'root:x:0:\n' >"$rootfs/etc/group"
    printf '%s\n' "$token" >"$rootfs/www/index.html"
    chmod 1777 "$rootfs/tmp"
    tar -C "$rootfs" --numeric-owner --owner=0 --group=0 -cf "$WORK/rootfs.tar" .

    local out rc
    out="$(e import --change 'CMD ["/bin/sh"]' "$WORK/rootfs.tar" "$IMAGE" 2>&1)" \
        || fail "'$ENGINE import' of the rootfs tarball failed: $out"
    e image inspect "$IMAGE" >/dev/null 2>&1 || fail "image $IMAGE not found after import"
    log "ok: imported $IMAGE from a $(du -k "$WORK/rootfs.tar" | cut -f1) KiB rootfs tarball (busybox $bb)"

    # --- output and exit code
    rc=0
    out="$(e run --name "$RUN_NAME" --label "$LABEL=1" --network none "${RUN_FLAGS[@]}" \
        "$IMAGE" sh -c "echo $EXPECT_OUT; exit $EXPECT_RC" 2>"$WORK/run.err")" || rc=$?
    if [ "$rc" -ne "$EXPECT_RC" ]; then
        fail "'$ENGINE run' exited $rc, expected $EXPECT_RC; stdout: '$out'; stderr: $(tail -n 5 "$WORK/run.err")"
    fi
    [ "$out" = "$EXPECT_OUT" ] || fail "container printed '$out', expected '$EXPECT_OUT'"
    local state
    state="$(e inspect --format '{{.State.ExitCode}}' "$RUN_NAME" 2>&1)" || fail "inspect $RUN_NAME: $state"
    [ "$state" = "$EXPECT_RC" ] || fail "inspect says exit code '$state', expected $EXPECT_RC"
    e rm "$RUN_NAME" >/dev/null || fail "could not remove container $RUN_NAME"
    log "ok: container printed '$EXPECT_OUT' and exited $EXPECT_RC"

    # --- port published on 127.0.0.1 (host port picked by the engine)
    out="$(e run -d --name "$WEB_NAME" --label "$LABEL=1" "${RUN_FLAGS[@]}" \
        -p 127.0.0.1::8080 "$IMAGE" httpd -f -p 8080 -h /www 2>&1)" \
        || fail "could not start httpd container with -p 127.0.0.1::8080: $out"
    local addr port body="" deadline=$((SECONDS + 20))
    addr="$(e port "$WEB_NAME" 8080/tcp 2>&1 | grep -m1 '^127\.0\.0\.1:' || true)"
    port="${addr##*:}"
    case "$port" in
        ''|*[!0-9]*) fail "no 127.0.0.1 host port for 8080/tcp; '$ENGINE port' says: $(e port "$WEB_NAME" 2>&1 | tr '\n' ' ')" ;;
    esac
    while [ "$SECONDS" -lt "$deadline" ]; do
        body="$(http_get "$port" 2>/dev/null || true)"
        [ "$body" = "$token" ] && break
        sleep 0.5
    done
    if [ "$body" != "$token" ]; then
        fail "GET http://127.0.0.1:$port/index.html returned '$body', expected '$token'; container state: $(e inspect --format '{{.State.Status}}' "$WEB_NAME" 2>&1); logs: $(e logs "$WEB_NAME" 2>&1 | tail -n 5)"
    fi
    e kill "$WEB_NAME" >/dev/null 2>&1 || true   # see remove_ours
    e rm -f "$WEB_NAME" >/dev/null || fail "could not remove container $WEB_NAME"
    log "ok: httpd in the container answered on 127.0.0.1:$port"

    # --- clean up and prove it
    out="$(e rmi "$IMAGE" 2>&1)" || fail "could not remove image $IMAGE: $out"
    local left
    left="$(leftovers)"
    [ -z "$left" ] || fail "left behind after cleanup: $(printf '%s' "$left" | tr '\n' ';')"
    log "ok: containers and image removed, nothing left"
    echo "PASS smoke $ENGINE ($((SECONDS - START)) s)"
}

main
