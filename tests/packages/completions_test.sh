#!/usr/bin/env bash
# The bash and zsh completions name every `demo` subcommand and every option of `demo start`
# that the CLI's --help lists, and the bash one loads and completes in a real bash.
# Usage: completions_test.sh FLYTEBOX_BINARY
source "$(dirname "$0")/../../scripts/lib.sh"
BIN="${1:?usage: $0 FLYTEBOX_BINARY}"
BASH_C="$FLYTEBOX_ROOT/cli/completions/flytebox.bash"
ZSH_C="$FLYTEBOX_ROOT/cli/completions/_flytebox"
# CLI11's help: subcommands are indented names under "Subcommands:", options start with -.
subs="$("$BIN" demo --help | awk '/^Subcommands:/ { on = 1; next } on && /^$/ { on = 0 } on && /^ +[a-z]/ { print $1 }')"
[ -n "$subs" ] || die "no subcommands read from '$BIN demo --help'"
opts="$("$BIN" demo start --help | grep -oE '(^|[ ,])--[a-z][a-z0-9-]*' | tr -d ' ,' | sort -u)"
[ -n "$opts" ] || die "no options read from '$BIN demo start --help'"
bad=0
for w in $subs $opts; do
  for f in "$BASH_C" "$ZSH_C"; do
    grep -qE -- "(^|[^a-z-])$w([^a-z-]|$)" "$f" || { echo "missing from $(basename "$f"): $w"; bad=1; }
  done
done
[ "$bad" -eq 0 ] || die "the completions are behind the CLI (above): update cli/completions/"
got="$(bash -c "source '$BASH_C'; COMP_WORDS=(flytebox demo st); COMP_CWORD=2; _flytebox; echo \"\${COMPREPLY[*]}\"")"
[ "$got" = "start stop status" ] || die "bash completion of 'flytebox demo st' gave '$got'"
got="$(bash -c "source '$BASH_C'; COMP_WORDS=(flytebox demo start --ru); COMP_CWORD=3; _flytebox; echo \"\${COMPREPLY[*]}\"")"
[ "$got" = "--runtime" ] || die "bash completion of 'flytebox demo start --ru' gave '$got'"
say "completions cover $(wc -w <<<"$subs") subcommands and $(wc -w <<<"$opts") start options"
