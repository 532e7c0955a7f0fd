#!/usr/bin/env bash
# Install step of the GitHub Action (action.yml): download a release binary, or build akslint from
# the action's own source.
#
#   scripts/action-install.sh download    the `version` input's release archive for this runner
#                                         (RUNNER_OS/RUNNER_ARCH -> target triple), verified against
#                                         the release's SHA256SUMS, installed as $AKSLINT_BIN_DIR/akslint:
#                                         prints `bin=<path>`. Prints `source=true` instead (and
#                                         installs nothing) when the version is `source`, or when the
#                                         release has no asset for this runner and the version is the
#                                         action source's own (with a ::warning). Fails (::error, exit
#                                         1) on a checksum mismatch, a download error, or a missing
#                                         asset of another version; never runs an unverified binary.
#   scripts/action-install.sh cache-key   print the keys for actions/cache: `bin-key=` (the built
#                                         binary: OS, rustc, hash of every source file), `key=` and
#                                         `restore-prefix=` (cargo registry and target directory:
#                                         OS, rustc, Cargo.lock)
#   scripts/action-install.sh build       use $AKSLINT_BIN_DIR/akslint when the binary cache
#                                         restored it, else cargo build --release --locked --target
#                                         <host> (the release workflow's flags) and copy the binary
#                                         there; print `bin=<path>`
#
# All append their `name=value` lines to $GITHUB_OUTPUT when it is set (else to stdout only).
# Environment:
#   INPUT_VERSION      the action's `version` input: empty = the action source's version (Cargo.toml),
#                      downloaded, built from source when that release has no asset for the runner;
#                      `1.2.3` or `v1.2.3` = that release; `source` = build the action's source
#   AKSLINT_SOURCE     the action's source tree (default: this script's repository)
#   AKSLINT_BIN_DIR    where the binary is installed (and cached) (default: $CARGO_TARGET_DIR/action-bin)
#   CARGO_TARGET_DIR   where cargo builds (default: $AKSLINT_SOURCE/target)
#   AKSLINT_RELEASE_REPO      owner/name of the releases (default: akslint/akslint)
#   AKSLINT_RELEASE_BASE_URL  base of the download URLs, <base>/v<version>/<asset> (default:
#                             https://github.com/$AKSLINT_RELEASE_REPO/releases/download); for
#                             mirrors and tests
#   RUNNER_OS, RUNNER_ARCH    as set by the runner (default: uname)
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

host_triple() {
  rustc -vV | sed -n 's/^host: //p'
}

# the release target of this runner, or nothing when no release asset is built for it
runner_target() {
  local os="${RUNNER_OS:-}" arch="${RUNNER_ARCH:-}"
  if [[ -z "$os" ]]; then
    case "$(uname -s)" in
      Linux) os=Linux ;;
      Darwin) os=macOS ;;
      MINGW* | MSYS* | CYGWIN*) os=Windows ;;
      *) os="$(uname -s)" ;;
    esac
  fi
  if [[ -z "$arch" ]]; then
    case "$(uname -m)" in
      x86_64 | amd64) arch=X64 ;;
      aarch64 | arm64) arch=ARM64 ;;
      *) arch="$(uname -m)" ;;
    esac
  fi
  case "$os/$arch" in
    Linux/X64) echo x86_64-unknown-linux-musl ;;
    Linux/ARM64) echo aarch64-unknown-linux-musl ;;
    macOS/X64) echo x86_64-apple-darwin ;;
    macOS/ARM64) echo aarch64-apple-darwin ;;
    Windows/X64) echo x86_64-pc-windows-msvc ;;
    *) echo "" ;;
  esac
}

# fetch URL FILE: prints the HTTP status (000 when no connection could be made)
fetch() {
  local proto=()
  if [[ "$1" == https://* ]]; then
    proto=(--proto "=https" --proto-redir "=https" --tlsv1.2)
  fi
  curl -sS -L ${proto[@]+"${proto[@]}"} --retry 3 --retry-delay 2 --connect-timeout 20 --max-time 300 \
    -o "$2" -w '%{http_code}' "$1" 2>"$2.err" || true
}

file_sha256() {
  sha256 <"$1"
}

case "${1:-}" in
  download)
    if [[ "$version" == source ]]; then
      echo "version: source: building akslint from the action's source"
      output "source=true"
      exit 0
    fi
    have="$(source_version)"
    implicit=""
    if [[ -z "$version" ]]; then
      version="$have"
      implicit=" (the action's own version: 'version' is empty)"
    fi
    if [[ ! "$version" =~ ^[0-9]+\.[0-9]+\.[0-9]+(-[0-9A-Za-z.-]+)?$ ]]; then
      echo "::error title=akslint::version '${INPUT_VERSION}' is not a release version (1.2.3 or v1.2.3), 'source', or empty" >&2
      exit 1
    fi
    # no asset for this runner or version: build the source when it is that version, else fail
    no_asset() {
      if [[ "$version" == "$have" ]]; then
        echo "::warning title=akslint::$1; building akslint $version from the action's source instead (needs cargo; minutes on the first run, cached after)"
        output "source=true"
        exit 0
      fi
      echo "::error title=akslint::$1. The action's source is akslint $have, not $version, so it cannot be built instead: choose a published version, or pin the action to the release you want and leave 'version' empty, or set 'version: source' to build the action's own source ($have)" >&2
      exit 1
    }
    target="$(runner_target)"
    if [[ -z "$target" ]]; then
      no_asset "akslint publishes no binary for ${RUNNER_OS:-$(uname -s)}/${RUNNER_ARCH:-$(uname -m)}"
    fi
    exe=""
    ext=tar.gz
    case "$target" in *-windows-*) exe=".exe" ext=zip ;; esac
    asset="akslint-$version-$target.$ext"
    repo="${AKSLINT_RELEASE_REPO:-akslint/akslint}"
    base="${AKSLINT_RELEASE_BASE_URL:-https://github.com/$repo/releases/download}"
    base="${base%/}/v$version"
    echo "Installing akslint $version$implicit for $target from $base"
    work="$(mktemp -d "${RUNNER_TEMP:-${TMPDIR:-/tmp}}/akslint-download.XXXXXX")"
    trap 'rm -rf "$work"' EXIT
    # 1. SHA256SUMS: no file, no release
    status="$(fetch "$base/SHA256SUMS" "$work/SHA256SUMS")"
    case "$status" in
      200) ;;
      404) no_asset "release v$version has no SHA256SUMS at $base (not published)" ;;
      *)
        echo "::error title=akslint::downloading $base/SHA256SUMS failed (HTTP $status): $(cat "$work/SHA256SUMS.err" 2>/dev/null)" >&2
        exit 1
        ;;
    esac
    want="$(awk -v name="$asset" '$2 == name || $2 == "*" name { print $1; exit }' "$work/SHA256SUMS" | tr 'A-F' 'a-f')"
    if [[ -z "$want" ]]; then
      no_asset "release v$version has no $asset (SHA256SUMS does not list it)"
    fi
    if [[ ! "$want" =~ ^[0-9a-f]{64}$ ]]; then
      echo "::error title=akslint::SHA256SUMS of v$version has a malformed entry for $asset: '$want'" >&2
      exit 1
    fi
    # 2. the archive, verified before anything in it is unpacked or run
    start=$(date +%s)
    status="$(fetch "$base/$asset" "$work/$asset")"
    case "$status" in
      200) ;;
      404) no_asset "release v$version lists $asset in SHA256SUMS but the file is missing" ;;
      *)
        echo "::error title=akslint::downloading $base/$asset failed (HTTP $status): $(cat "$work/$asset.err" 2>/dev/null)" >&2
        exit 1
        ;;
    esac
    got="$(file_sha256 "$work/$asset")"
    if [[ "$got" != "$want" ]]; then
      echo "::error title=akslint::checksum mismatch for $asset: SHA256SUMS says $want, the download is $got. Not installed; nothing from it was run" >&2
      exit 1
    fi
    echo "Verified $asset: sha256 $got (SHA256SUMS of v$version)"
    # 3. unpack into the work directory, then move the binary into place
    mkdir -p "$work/unpacked"
    if [[ "$ext" == zip ]]; then
      if command -v unzip >/dev/null 2>&1; then
        unzip -q "$work/$asset" -d "$work/unpacked"
      else
        "$(command -v python3 || command -v python)" -m zipfile -e "$work/$asset" "$work/unpacked"
      fi
    else
      tar -xzf "$work/$asset" -C "$work/unpacked"
    fi
    unpacked="$work/unpacked/akslint-$version-$target/akslint$exe"
    if [[ ! -f "$unpacked" ]]; then
      echo "::error title=akslint::$asset has no akslint-$version-$target/akslint$exe" >&2
      exit 1
    fi
    chmod +x "$unpacked"
    mkdir -p "$bin_dir"
    bin="$bin_dir/akslint$exe"
    mv -f "$unpacked" "$bin"
    echo "Installed $("$bin" --version) as $bin in $(($(date +%s) - start)) s"
    output "bin=$bin"
    ;;
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
        echo "::error title=akslint::version '${INPUT_VERSION}' requested, but the action's source is akslint ${have}: a source build cannot give ${version} (download it: scripts/action-install.sh download)" >&2
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
    # the flags of the release workflow (scripts/package-release.sh build) for the host target
    host="$(host_triple)"
    echo "Building akslint $(source_version) for $host from $source_dir (target dir $target_dir)"
    start=$(date +%s)
    CARGO_TARGET_DIR="$target_dir" cargo build --release --locked --target "$host" --manifest-path "$source_dir/Cargo.toml"
    mkdir -p "$bin_dir"
    cp "$target_dir/$host/release/akslint$exe" "$bin"
    echo "Built $("$bin" --version) in $(($(date +%s) - start)) s"
    output "bin=$bin"
    ;;
  *)
    echo "usage: $0 download|cache-key|build" >&2
    exit 2
    ;;
esac
