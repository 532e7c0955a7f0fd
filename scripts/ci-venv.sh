#!/usr/bin/env bash
# Print the bin directory of target/ci-venv, a virtual environment with the pinned tools of
# scripts/ci-requirements.txt (check-jsonschema, maturin, pre-commit, shellcheck, zizmor),
# creating or updating it first when the requirements changed (pip from PyPI). Kept between runs.
#   PATH="$(scripts/ci-venv.sh):$PATH"
# Environment: CI_VENV (default target/ci-venv of this checkout).
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
venv="${CI_VENV:-$repo/target/ci-venv}"
req="$repo/scripts/ci-requirements.txt"
case "$(uname -s)" in MINGW* | MSYS* | CYGWIN*) bin="$venv/Scripts" ;; *) bin="$venv/bin" ;; esac
if [[ ! -x "$bin/python" ]] || ! cmp -s "$req" "$venv/.requirements" 2>/dev/null; then
  echo "ci-venv.sh: installing $(grep -c '==' "$req") pinned tools into $venv" >&2
  rm -rf "$venv"
  python3 -m venv "$venv"
  "$bin/python" -m pip install --quiet --disable-pip-version-check -r "$req" >&2
  cp "$req" "$venv/.requirements"
fi
echo "$bin"
