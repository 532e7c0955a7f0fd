#!/usr/bin/env bash
# Install step of the GitHub Action (action.yml): build akslint from the action's own source.
#
#   scripts/action-install.sh cache-key   print the keys for actions/cache: `bin-key=` (the built
#                                         binary: OS, rustc, hash of every source file), `key=` and
#                                         `restore-prefix=` (cargo registry and target directory:
#                                         OS, rustc, Cargo.lock)
#   scripts/action-install.sh build       use $AKSLINT_BIN_DIR/akslint when the binary cache
#                                         restored it, else cargo build --release --locked and copy
#                                         the binary there; print `bin=<path>`
#
# Both append their `name=value` lines to $GITHUB_OUTPUT when it is set (else to stdout only).
# Environment:
#   AKSLINT_SOURCE     the action's source tree (default: this script's repository)
#   AKSLINT_BIN_DIR    where the built binary is kept (and cached) (default: $CARGO_TARGET_DIR/action-bin)
#   CARGO_TARGET_DIR   where cargo builds (default: $AKSLINT_SOURCE/target)
#   INPUT_VERSION      the action's `version` input: empty (build this source), or a version that must
#                      equal this source's (prebuilt release binaries are not published yet)
set -euo pipefail

source_dir="${AKSLINT_SOURCE:-$(cd "$(dirname "$0")/.." && pwd)}"
target_dir="${CARGO_TARGET_DIR:-$source_dir/target}"
bin_dir="${AKSLINT_BIN_DIR:-$target_dir/action-bin}"
version="${INPUT_VERSION:-}"
version="${version#v}"

output() {
  echo "$1"
  if [[ -n "${GITHUB_OUTPUT:-}" ]]; then
    echo "$1" >>"$GITHUB_OUTPUT"
  fi
}

sha256() {
  if command -v sha256sum >/dev/null 2>&1; then
    sha256sum | cut -c1-64
  else
    shasum -a 256 | cut -c1-64 # macOS
  fi
}

# one hash of every file of the source tree (names and contents), build output and VCS left out
source_hash() {
  local sum=(sha256sum)
  if ! command -v sha256sum >/dev/null 2>&1; then
    sum=(shasum -a 256) # macOS
  fi
  (
    cd "$source_dir"
    find . \( -path ./target -o -path ./.git -o -path ./.akslint-bin \) -prune -o -type f -print0 |
      LC_ALL=C sort -z | xargs -0 "${sum[@]}"
  ) | sha256
}

source_version() {
  sed -n 's/^version *= *"\(.*\)"/\1/p' "$source_dir/Cargo.toml" | head -n1
}

require_cargo() {
  if ! command -v cargo >/dev/null 2>&1; then
    echo "::error title=akslint::cargo is not installed on this runner; add a Rust toolchain step (e.g. dtolnay/rust-toolchain@stable) before the akslint action" >&2
    exit 2
  fi
}

case "${1:-}" in
  cache-key)
    require_cargo
    # Two caches. The binary's is keyed on every source file: a run of the same action ref on
    # the same runner image restores it and builds nothing. The build cache (cargo registry and
    # target directory) is keyed on Cargo.lock: when the source changed but not the lock file, the
    # compiled dependencies are reused and only akslint itself is recompiled.
    rustc_hash="$(rustc -vV | sha256 | cut -c1-12)"
    lock_hash="$(sha256 <"$source_dir/Cargo.lock" | cut -c1-16)"
    platform="${RUNNER_OS:-$(uname -s)}-${RUNNER_ARCH:-$(uname -m)}-rustc-${rustc_hash}"
    prefix="akslint-build-${platform}-"
    output "bin-key=akslint-bin-${platform}-$(source_hash | cut -c1-24)"
    output "key=${prefix}${lock_hash}"
    output "restore-prefix=${prefix}"
    ;;
  build)
    if [[ -n "$version" && "$version" != "source" ]]; then
      have="$(source_version)"
      if [[ "$version" != "$have" ]]; then
        echo "::error title=akslint::version '${INPUT_VERSION}' requested, but this action builds its own source, which is akslint ${have}. Prebuilt release binaries are not published yet: pin the action to the release instead (uses: <owner>/akslint@v${version}) and leave 'version' empty." >&2
        exit 2
      fi
    fi
    exe=""
    case "$(uname -s)" in MINGW* | MSYS* | CYGWIN*) exe=".exe" ;; esac
    bin="$bin_dir/akslint$exe"
    if [[ -x "$bin" ]] && "$bin" --version >/dev/null 2>&1; then
      echo "Using the cached build: $("$bin" --version) ($bin)"
      output "bin=$bin"
      exit 0
    fi
    require_cargo
    echo "Building akslint $(source_version) from $source_dir (target dir $target_dir)"
    start=$(date +%s)
    CARGO_TARGET_DIR="$target_dir" cargo build --release --locked --manifest-path "$source_dir/Cargo.toml"
    mkdir -p "$bin_dir"
    cp "$target_dir/release/akslint$exe" "$bin"
    echo "Built $("$bin" --version) in $(($(date +%s) - start)) s"
    output "bin=$bin"
    ;;
  *)
    echo "usage: $0 cache-key|build" >&2
    exit 2
    ;;
esac
