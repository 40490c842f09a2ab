#!/usr/bin/env bash
# Prints, one a line, the Debian packages that hold the shared libraries the given
# programs load (ldd, then dpkg -S). Run it where the programs were built: those packages,
# at the same Debian release, are what the image must install for them to start.
# Usage: images/library-packages.sh PROGRAM...
set -euo pipefail

[ $# -gt 0 ] || { echo "usage: $0 PROGRAM..." >&2; exit 2; }
command -v dpkg >/dev/null || { echo "error: dpkg not found: run this on Debian" >&2; exit 1; }

owner() { # LIBRARY -> package name; merged /usr means the file may be listed either way
  local real candidate out
  real="$(readlink -f "$1")"
  for candidate in "$real" "${real#/usr}" "/usr$real" "$1"; do
    if out="$(dpkg -S "$candidate" 2>/dev/null)"; then
      printf '%s\n' "${out%%:*}"
      return 0
    fi
  done
  return 1
}

libs=()
for program in "$@"; do
  [ -x "$program" ] || { echo "error: $program is not an executable file" >&2; exit 1; }
  out="$(ldd "$program" 2>&1)" || {
    # A static program (a Go binary, say) needs no libraries.
    case "$out" in *"not a dynamic executable"*) continue ;; esac
    echo "error: ldd $program: $out" >&2; exit 1
  }
  if grep -q 'not found' <<<"$out"; then
    echo "error: $program needs libraries this machine lacks:" >&2
    grep 'not found' <<<"$out" >&2
    exit 1
  fi
  while read -r lib; do libs+=("$lib"); done < <(awk '/=> \//{print $3} /^[[:space:]]*\//{print $1}' <<<"$out")
done

missing=() packages=()
for lib in $(printf '%s\n' "${libs[@]}" | sort -u); do
  if package="$(owner "$lib")"; then packages+=("$package"); else missing+=("$lib"); fi
done

if [ ${#missing[@]} -gt 0 ]; then
  echo "error: no Debian package holds: ${missing[*]} (built by hand? install them from Debian)" >&2
  exit 1
fi
[ ${#packages[@]} -eq 0 ] || printf '%s\n' "${packages[@]}" | sort -u
