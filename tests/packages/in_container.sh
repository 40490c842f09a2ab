#!/bin/bash
# Runs inside the clean Debian image (tests/packages/install_test.sh): installs Flytebox the
# way a user would (MODE wheel: pip install the wheel with the [flytekit] extra into a fresh
# venv; MODE deb: apt install ./the .deb, flytekit from pip), then the user's whole path:
# --version, demo start (native), the real pyflyte hello world SUCCEEDED, teardown.
# /packages holds the artifacts, /src the source tree's scripts/ and examples/ (read-only).
set -euo pipefail
MODE="$1"
say() { printf '==> [%s] %s\n' "$MODE" "$*" >&2; }
fail() { printf 'FAIL [%s]: %s\n' "$MODE" "$*" >&2; exit 1; }
export PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_CERT=/etc/ssl/certs/ca-certificates.crt
export REQUESTS_CA_BUNDLE=/etc/ssl/certs/ca-certificates.crt

for tool in cc gcc c++ cmake; do
  if command -v "$tool" >/dev/null; then fail "$tool is installed: not a clean machine"; fi
done

python3 -m venv /venv
t0=$(date +%s.%N)
case "$MODE" in
  wheel)
    whl="$(ls /packages/flytebox-*.whl)"
    say "pip install '$(basename "$whl")[flytekit]'"
    /venv/bin/pip install -q "$whl[flytekit]" || fail "pip install of the wheel failed"
    FLYTEBOX=/venv/bin/flytebox ;;
  deb)
    deb="$(ls /packages/flytebox_*.deb)"
    say "apt install ./$(basename "$deb")"
    apt-get update -qq >/dev/null || fail "apt-get update failed"
    cp "$deb" /tmp/
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "/tmp/$(basename "$deb")" >/tmp/apt.log 2>&1 \
      || { tail -n 20 /tmp/apt.log >&2; fail "apt install of the .deb failed"; }
    [ -f /usr/share/bash-completion/completions/flytebox ] || fail "no bash completion installed"
    [ -f /usr/share/zsh/vendor-completions/_flytebox ] || fail "no zsh completion installed"
    say "pip install flytekit (the pin the tests use)"
    /venv/bin/pip install -q flytekit==1.16.8 flyteidl==1.16.8 cachetools==8.0.2 \
      || fail "pip install flytekit failed"
    FLYTEBOX=/usr/bin/flytebox ;;
  *) fail "MODE must be wheel or deb" ;;
esac
t_installed=$(date +%s.%N)
export PATH="/venv/bin:$PATH"
[ "$(command -v flytebox)" = "$FLYTEBOX" ] || fail "flytebox on PATH is $(command -v flytebox), not $FLYTEBOX"

version="$(flytebox --version)" || fail "flytebox --version failed"
say "flytebox --version: $version"
case "$version" in *0.*) ;; *) fail "unexpected version output '$version'" ;; esac
flytebox demo --help | grep -q teardown || fail "demo --help does not list teardown"

say "flytebox demo start --runtime native"
t_start=$(date +%s.%N)
flytebox demo start --runtime native || fail "demo start failed"
t_ready=$(date +%s.%N)
curl_ok() { python3 -c "import urllib.request,sys; sys.exit(0 if urllib.request.urlopen('$1').status == 200 else 1)"; }
curl_ok http://localhost:30080/healthz || fail "/healthz does not answer 200"
curl_ok http://localhost:30080/console/ || fail "the console's files are not served (/console/)"

say "pyflyte run --remote hello_world.py"
FLYTECTL_CONFIG="$HOME/.flyte/config-sandbox.yaml" /venv/bin/python /src/scripts/run_hello.py \
  || { flytebox demo logs engine | tail -n 40 >&2 || true; fail "the hello world did not succeed"; }

flytebox demo teardown --volume || fail "demo teardown failed"
if flytebox demo status >/dev/null 2>&1; then fail "demo status still answers after teardown"; fi
python3 - "$t0" "$t_installed" "$t_start" "$t_ready" <<'PY'
import sys
t0, inst, start, ready = map(float, sys.argv[1:])
print(f"TIMES install={inst - t0:.1f}s start_to_ready={ready - start:.1f}s "
      f"install_to_ready={ready - t0:.1f}s")
PY
say "PASS"
