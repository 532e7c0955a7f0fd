#!/usr/bin/env bash
# Release packaging, shared by .github/workflows/release.yml and the local checks (.ci/run):
#
#   scripts/package-release.sh version                 print Cargo.toml's version
#   scripts/package-release.sh check-tag TAG           fail unless TAG is v<Cargo.toml's version>
#   scripts/package-release.sh build TARGET [OUTDIR]   cargo build --release --locked --target TARGET,
#                                                      then `archive` the binary (OUTDIR default dist)
#   scripts/package-release.sh archive TARGET BINARY [OUTDIR]
#                                                      package an existing binary as
#                                                      akslint-<version>-<TARGET>.tar.gz (.zip for
#                                                      Windows targets): a directory
#                                                      akslint-<version>-<TARGET>/ with the binary,
#                                                      README.md and LICENSE* (when present)
#   scripts/package-release.sh wheel TARGET [OUTDIR]   maturin build --release --locked --target TARGET
#                                                      (pyproject.toml: bindings = "bin"; reuses the
#                                                      `build` output in CARGO_TARGET_DIR)
#   scripts/package-release.sh sums DIR               write DIR/SHA256SUMS over every other file in DIR
#   scripts/package-release.sh smoke ARCHIVE           unpack ARCHIVE, check the binary's --version
#                                                      and that it finds examples/k8s/insecure-app.yaml
#                                                      insecure (only where the binary runs)
#
# Archives are reproducible: entries sorted, owner root, mode 0755/0644, every timestamp
# SOURCE_DATE_EPOCH (default: the commit time of HEAD). The archive name and the SHA256SUMS
# format are what scripts/action-install.sh downloads and verifies.
# Environment: CARGO_TARGET_DIR (default target), MATURIN (default: maturin on PATH, else the pin
# of scripts/ci-requirements.txt installed under CARGO_TARGET_DIR), PYTHON (default python3, else
# python).
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
target_dir="${CARGO_TARGET_DIR:-$repo/target}"

die() {
  echo "package-release.sh: $*" >&2
  exit 1
}

version() {
  sed -n 's/^version *= *"\(.*\)"/\1/p' "$repo/Cargo.toml" | head -n1
}

python_cmd() {
  if [[ -n "${PYTHON:-}" ]]; then
    echo "$PYTHON"
  elif command -v python3 >/dev/null 2>&1 && python3 -c 'import sys' >/dev/null 2>&1; then
    echo python3
  elif command -v python >/dev/null 2>&1; then
    echo python # Windows runners
  else
    die "python 3 is needed to write the archives"
  fi
}

sha256_file() {
  if command -v sha256sum >/dev/null 2>&1; then
    sha256sum "$1" | cut -c1-64
  else
    shasum -a 256 "$1" | cut -c1-64 # macOS
  fi
}

exe_suffix() {
  case "$1" in *-windows-*) echo .exe ;; *) echo "" ;; esac
}

archive_name() { # TARGET
  local ext=tar.gz
  case "$1" in *-windows-*) ext=zip ;; esac
  echo "akslint-$(version)-$1.$ext"
}

archive() { # TARGET BINARY OUTDIR
  local target="$1" binary="$2" outdir="$3"
  [[ -f "$binary" ]] || die "no binary at $binary"
  [[ "$target" =~ ^[a-z0-9_]+-[a-z0-9_]+-[a-z0-9_]+(-[a-z0-9_]+)?$ ]] || die "not a target triple: $target"
  mkdir -p "$outdir"
  local name
  name="$(archive_name "$target")"
  local epoch="${SOURCE_DATE_EPOCH:-$(git -C "$repo" log -1 --format=%ct 2>/dev/null || echo 315532800)}"
  local files=("$binary:akslint$(exe_suffix "$target"):755" "$repo/README.md:README.md:644")
  local license
  for license in "$repo"/LICENSE*; do
    if [[ -f "$license" ]]; then
      files+=("$license:$(basename "$license"):644")
    fi
  done
  "$(python_cmd)" - "$outdir/$name" "akslint-$(version)-$target" "$epoch" "${files[@]}" <<'PY'
import gzip, io, os, sys, tarfile, time, zipfile
out, top, epoch = sys.argv[1], sys.argv[2], max(int(sys.argv[3]), 315532800)  # zip starts in 1980
entries = []
for spec in sys.argv[4:]:
    src, name, mode = spec.rsplit(":", 2)
    with open(src, "rb") as f:
        entries.append((f"{top}/{name}", f.read(), int(mode, 8)))
entries.sort()
tmp = out + ".tmp"
if out.endswith(".zip"):
    with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as z:
        stamp = time.gmtime(epoch)[:6]
        d = zipfile.ZipInfo(top + "/", stamp)
        d.external_attr = (0o40755 << 16) | 0x10
        z.writestr(d, b"")
        for name, data, mode in entries:
            info = zipfile.ZipInfo(name, stamp)
            info.external_attr = (0o100000 | mode) << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            z.writestr(info, data)
else:
    with open(tmp, "wb") as raw, gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=epoch) as gz:
        with tarfile.open(fileobj=gz, mode="w", format=tarfile.PAX_FORMAT) as tar:
            def add(name, data, mode, kind):
                info = tarfile.TarInfo(name)
                info.type, info.mode, info.mtime = kind, mode, epoch
                info.uid = info.gid = 0
                info.uname = info.gname = "root"
                info.size = len(data) if data is not None else 0
                tar.addfile(info, io.BytesIO(data) if data is not None else None)
            add(top, None, 0o755, tarfile.DIRTYPE)
            for name, data, mode in entries:
                add(name, data, mode, tarfile.REGTYPE)
os.replace(tmp, out)
PY
  echo "$outdir/$name"
}

# maturin: $MATURIN, else the one on PATH, else the pinned one of scripts/ci-requirements.txt
# installed into a virtual environment under CARGO_TARGET_DIR (the release workflow's case)
maturin_cmd() {
  if [[ -n "${MATURIN:-}" ]]; then
    echo "$MATURIN"
    return
  elif command -v maturin >/dev/null 2>&1; then
    echo maturin
    return
  fi
  local venv="$target_dir/maturin-venv" bin pin
  case "$(uname -s)" in MINGW* | MSYS* | CYGWIN*) bin="$venv/Scripts" ;; *) bin="$venv/bin" ;; esac
  pin="$(grep '^maturin==' "$repo/scripts/ci-requirements.txt")"
  if [[ ! -x "$bin/maturin" && ! -x "$bin/maturin.exe" ]]; then
    echo "installing $pin into $venv" >&2
    "$(python_cmd)" -m venv "$venv"
    "$bin/python" -m pip install --quiet --disable-pip-version-check "$pin" >&2
  fi
  echo "$bin/maturin"
}

# the wheel's platform tags: musl binaries are static, so they also run on glibc systems
# (manylinux2014 = glibc 2.17, the oldest with aarch64) as maturin ships its own
wheel_compat() { # TARGET
  case "$1" in
    *-linux-musl) echo "--compatibility manylinux2014 musllinux_1_2 --compatibility pypi" ;;
    *) echo "--compatibility pypi" ;;
  esac
}

case "${1:-}" in
  version)
    version
    ;;
  check-tag)
    [[ $# -eq 2 ]] || die "usage: $0 check-tag TAG"
    [[ "$2" == "v$(version)" ]] || die "tag $2 does not match Cargo.toml's version $(version) (want v$(version))"
    echo "tag $2 matches Cargo.toml's version $(version)"
    ;;
  build)
    [[ $# -ge 2 && $# -le 3 ]] || die "usage: $0 build TARGET [OUTDIR]"
    target="$2"
    start=$(date +%s)
    (cd "$repo" && CARGO_TARGET_DIR="$target_dir" cargo build --release --locked --target "$target")
    echo "built akslint $(version) for $target in $(($(date +%s) - start)) s" >&2
    archive "$target" "$target_dir/$target/release/akslint$(exe_suffix "$target")" "${3:-$repo/dist}"
    ;;
  archive)
    [[ $# -ge 3 && $# -le 4 ]] || die "usage: $0 archive TARGET BINARY [OUTDIR]"
    archive "$2" "$3" "${4:-$repo/dist}"
    ;;
  wheel)
    [[ $# -ge 2 && $# -le 3 ]] || die "usage: $0 wheel TARGET [OUTDIR]"
    outdir="${3:-$repo/dist}"
    mkdir -p "$outdir"
    # shellcheck disable=SC2046 # the compatibility flags are words
    (cd "$repo" && CARGO_TARGET_DIR="$target_dir" "$(maturin_cmd)" build --release --locked \
      --target "$2" $(wheel_compat "$2") --out "$outdir")
    ;;
  sums)
    [[ $# -eq 2 && -d "$2" ]] || die "usage: $0 sums DIR"
    (
      cd "$2"
      : >SHA256SUMS.tmp
      for file in *; do
        if [[ -f "$file" && "$file" != SHA256SUMS && "$file" != SHA256SUMS.tmp ]]; then
          echo "$(sha256_file "$file")  $file" >>SHA256SUMS.tmp
        fi
      done
      LC_ALL=C sort -k2 SHA256SUMS.tmp >SHA256SUMS
      rm -f SHA256SUMS.tmp
      [[ -s SHA256SUMS ]] || die "no files in $2"
      cat SHA256SUMS
    )
    ;;
  smoke)
    [[ $# -eq 2 && -f "$2" ]] || die "usage: $0 smoke ARCHIVE"
    archive_path="$(cd "$(dirname "$2")" && pwd)/$(basename "$2")"
    tmp="$(mktemp -d "${TMPDIR:-/tmp}/akslint-smoke.XXXXXX")"
    trap 'rm -rf "$tmp"' EXIT
    "$(python_cmd)" -c 'import shutil, sys; shutil.unpack_archive(sys.argv[1], sys.argv[2])' "$archive_path" "$tmp"
    base="$(basename "$archive_path")"
    base="${base%.tar.gz}"
    base="${base%.zip}"
    dir="$tmp/$base"
    bin="$dir/akslint"
    [[ -f "$bin.exe" ]] && bin="$bin.exe"
    [[ -f "$bin" && -f "$dir/README.md" ]] || die "$base: the archive has no $base/akslint or README.md"
    [[ -x "$bin" ]] || die "$bin is not executable"
    got="$("$bin" --version)"
    [[ "$got" == "akslint $(version)" ]] || die "--version says '$got', want 'akslint $(version)'"
    set +e
    (cd "$repo" && "$bin" check --no-config --quiet --format concise examples/k8s/insecure-app.yaml >"$tmp/out")
    code=$?
    set -e
    if [[ $code -ne 1 ]] || ! grep -q 'POD' "$tmp/out"; then
      die "check of examples/k8s/insecure-app.yaml: exit $code, $(head -n3 "$tmp/out")"
    fi
    echo "smoke test of $base: $got, $(wc -l <"$tmp/out" | tr -d ' ') findings in examples/k8s/insecure-app.yaml"
    ;;
  *)
    die "usage: $0 version|check-tag TAG|build TARGET [OUTDIR]|archive TARGET BINARY [OUTDIR]|wheel TARGET [OUTDIR]|sums DIR|smoke ARCHIVE"
    ;;
esac
