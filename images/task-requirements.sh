#!/bin/sh
# Prints the pinned requirements of the image's task environment: scripts/requirements.lock
# without the names in images/python-exclude.txt (names compared as pip does: case, "_" and
# "." do not matter).
# Usage: images/task-requirements.sh REQUIREMENTS_LOCK PYTHON_EXCLUDE
set -eu
[ $# -eq 2 ] || { echo "usage: $0 REQUIREMENTS_LOCK PYTHON_EXCLUDE" >&2; exit 2; }
exclude="$(sed 's/#.*//' "$2" | grep . | tr 'A-Z_.' 'a-z--' | paste -sd'|' -)"
grep -v '^[[:space:]]*#' "$1" | grep . \
  | awk -F'==' -v ex="^(${exclude:-^$})\$" '{ n = tolower($1); gsub(/[_.]/, "-", n); if (n !~ ex) print }'
