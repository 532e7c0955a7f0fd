#!/usr/bin/env bash
# akslint vs Checkov on the same Kubernetes files (issue 9, DESIGN §5: target >= 100x faster).
# See docs/performance.md, "Compared with Checkov".
#
#   scripts/bench-checkov.sh
#
# Environment:
#   CORPUS=DIR         K8s manifests to sample (default ../shared/corpus/k8s; third-party,
#                      copied only into a temp dir, never into the repository)
#   FILES=N|all        the first N *.yaml files in byte-wise sorted path order (default 500)
#   AKSLINT_RUNS=N     timed akslint runs (default 3)
#   CHECKOV_RUNS=N     timed Checkov runs (default 2; 0 skips Checkov, e.g. for FILES=all)
#   CHECKOV_VERSION=V  pip spec for Checkov (default: latest); installed once into
#                      target/checkov-venv (ignored by git: /target)
#   KEEP=1             keep the temp dir with the files and both JSON reports
#
# Both tools read the same copy of the files and write JSON to a file. Checkov runs offline:
# --skip-download, no BC_API_KEY/PRISMA_API_URL, CKV_SKIP_PACKAGE_UPDATE_CHECK=true (otherwise it
# asks PyPI for a newer version at start-up, with a 1 s timeout). Wall times come from
# `date +%s%N` around each run; the load average is printed before and after each tool because
# the machine may be shared. Findings are not comparable one to one (different rules; Checkov
# counts every failed check per resource, akslint one finding per problem), only context.
set -euo pipefail

cd "$(dirname "$0")/.."
root="$PWD"
corpus="${CORPUS:-../shared/corpus/k8s}"
files="${FILES:-500}"
akslint_runs="${AKSLINT_RUNS:-3}"
checkov_runs="${CHECKOV_RUNS:-2}"
venv="$root/target/checkov-venv"

[[ -d "$corpus" ]] || { echo "corpus not found: $corpus (set CORPUS=DIR)" >&2; exit 2; }
corpus="$(cd "$corpus" && pwd)"

load() { cut -d' ' -f1-3 /proc/loadavg; }
now() { date +%s%N; }
secs() { awk -v ns="$1" 'BEGIN { printf "%.3f", ns / 1e9 }'; }

echo "== machine: $(nproc) CPUs, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//'), load $(load)"

# 1. Checkov in a virtualenv, installed once.
if [[ $checkov_runs -gt 0 && ! -x "$venv/bin/checkov" ]]; then
  echo "== installing Checkov into $venv"
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet "checkov${CHECKOV_VERSION:+==$CHECKOV_VERSION}"
fi

# 2. akslint, release build (no-op when up to date).
echo "== cargo build --release --bin akslint"
cargo build --release --bin akslint --quiet
akslint="$root/target/release/akslint"

# 3. A fixed subset of the corpus, copied with its relative paths (basenames repeat).
tmp="$(mktemp -d)"
if [[ "${KEEP:-0}" == 1 ]]; then
  echo "== keeping $tmp"
else
  trap 'rm -rf "$tmp"' EXIT
fi
dir="$tmp/k8s"
mkdir "$dir"
(
  set +o pipefail # head closes the pipe early; sort then dies of SIGPIPE
  cd "$corpus"
  if [[ "$files" == all ]]; then
    find . -name '*.yaml' -type f -print0 | LC_ALL=C sort -z
  else
    find . -name '*.yaml' -type f -print0 | LC_ALL=C sort -z | head -z -n "$files"
  fi | xargs -0 cp --parents -t "$dir"
)
nfiles="$(find "$dir" -type f | wc -l)"
bytes="$(find "$dir" -type f -printf '%s\n' | awk '{ s += $1 } END { print s + 0 }')"
mb="$(awk -v b="$bytes" 'BEGIN { printf "%.2f", b / 1e6 }')"
echo "== input: $nfiles files, $mb MB (10^6 bytes), from $corpus (FILES=$files)"

# Runs CMD, storing its wall time in ns in $wall; exit codes 0 and 1 (findings) are fine.
timed() {
  local t0 rc=0
  t0="$(now)"
  "$@" || rc=$?
  wall=$(( $(now) - t0 ))
  if [[ $rc -gt 1 ]]; then
    echo "command failed with exit code $rc: $*" >&2
    exit 1
  fi
}

# 4. Timings.
# Warm the page cache and the binary once (untimed).
"$akslint" check --no-config --format json "$dir" >"$tmp/akslint.json" || true

akslint_times=()
echo "== akslint x$akslint_runs (load before: $(load))"
for ((i = 1; i <= akslint_runs; i++)); do
  timed "$akslint" check --no-config --format json "$dir" -o "$tmp/akslint.json"
  akslint_times+=("$wall")
  echo "   run $i: $(secs "$wall") s"
done
akslint_load_after="$(load)"
echo "   load after: $akslint_load_after"
akslint_findings="$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["summary"]["findings"])' "$tmp/akslint.json")"

checkov_times=()
checkov_version=""
checkov_failed="-"
checkov_passed="-"
checkov_resources="-"
if [[ $checkov_runs -gt 0 ]]; then
  checkov_version="$("$venv/bin/checkov" --version)"
  echo "== Checkov $checkov_version x$checkov_runs (load before: $(load))"
  for ((i = 1; i <= checkov_runs; i++)); do
    timed env -u BC_API_KEY -u PRISMA_API_URL \
      CKV_SKIP_PACKAGE_UPDATE_CHECK=true \
      "$venv/bin/checkov" -d "$dir" --framework kubernetes --skip-download \
      --quiet --compact -o json >"$tmp/checkov.json" 2>"$tmp/checkov.err"
    checkov_times+=("$wall")
    echo "   run $i: $(secs "$wall") s"
  done
  echo "   load after: $(load)"
  if [[ -s "$tmp/checkov.err" ]]; then
    echo "   (Checkov stderr, last lines:)"
    tail -n 5 "$tmp/checkov.err" | sed 's/^/   /'
  fi
  read -r checkov_failed checkov_passed checkov_resources < <(python3 - "$tmp/checkov.json" <<'EOF'
import json, sys
data = json.load(open(sys.argv[1]))
reports = data if isinstance(data, list) else [data]
f = p = r = 0
for rep in reports:
    s = rep.get("summary", rep)  # an empty run prints the summary alone
    f += s.get("failed", 0); p += s.get("passed", 0); r += s.get("resource_count", 0)
print(f, p, r)
EOF
)
fi

# 5. Table.
min_of() { printf '%s\n' "$@" | sort -n | head -n1; }
list_of() { local out="" t; for t in "$@"; do out+="${out:+, }$(secs "$t")"; done; echo "$out"; }

a_min="$(min_of "${akslint_times[@]}")"
echo
echo "| tool | runs | wall s (each) | best s | MB/s (best) | findings |"
echo "|---|---|---|---|---|---|"
echo "| akslint $("$akslint" --version | awk '{ print $NF }') | $akslint_runs | $(list_of "${akslint_times[@]}") | $(secs "$a_min") | $(awk -v b="$bytes" -v ns="$a_min" 'BEGIN { printf "%.1f", b / 1e6 / (ns / 1e9) }') | $akslint_findings |"
if [[ $checkov_runs -gt 0 ]]; then
  c_min="$(min_of "${checkov_times[@]}")"
  echo "| Checkov $checkov_version | $checkov_runs | $(list_of "${checkov_times[@]}") | $(secs "$c_min") | $(awk -v b="$bytes" -v ns="$c_min" 'BEGIN { printf "%.2f", b / 1e6 / (ns / 1e9) }') | $checkov_failed failed checks ($checkov_passed passed, $checkov_resources resources) |"
  echo
  echo "input: $nfiles files, $mb MB; Checkov / akslint (best / best): $(awk -v c="$c_min" -v a="$a_min" 'BEGIN { printf "%.0f", c / a }')x"
else
  echo
  echo "input: $nfiles files, $mb MB"
fi
echo "load average at the end: $(load)"
