#!/usr/bin/env bash
# Start-up cost of one small run (issue 20, goal: under 5 M instructions), see
# docs/performance.md "Start-up".
#
#   scripts/bench-startup.sh                      # the release binary of this tree
#   BASE=/path/to/old/akslint scripts/bench-startup.sh   # and another build, same run
#
# For each binary: instructions (valgrind --tool=callgrind, user space, every thread; the
# figure does not depend on the load) of `--version`, `rules` and `check --no-config -j 1` on
# small manifests in the human and concise formats; then wall time of the same check
# (hyperfine -N if installed: `apt-get install -y hyperfine`; else RUNS runs timed with
# date +%s%N, which also times the fork of `date` and reads a few ms higher).
# BIN=path skips the build and measures that binary. RUNS=N (default 50).
set -euo pipefail

cd "$(dirname "$0")/.."
runs="${RUNS:-50}"
if [[ -z "${BIN:-}" ]]; then
  cargo build --release --bin akslint --quiet
  BIN="$PWD/target/release/akslint"
fi
command -v valgrind >/dev/null || { echo "valgrind is needed (apt-get install -y valgrind)" >&2; exit 1; }

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
cp examples/k8s/insecure-app.yaml "$tmp/insecure.yaml"
cp examples/k8s/hardened-app.yaml "$tmp/hardened.yaml"
printf 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\ndata:\n  LOG_LEVEL: info\n' >"$tmp/configmap.yaml"

instructions() {
  valgrind --tool=callgrind --callgrind-out-file=/dev/null "$@" >/dev/null 2>"$tmp/vg.err" || true
  grep -o 'Collected : [0-9]*' "$tmp/vg.err" | awk '{printf "%.2f M", $3 / 1e6}'
}

BIN="$(realpath "$BIN")"
bins=("$BIN")
labels=("this build")
if [[ -n "${BASE:-}" ]]; then
  bins=("$(realpath "$BASE")" "$BIN")
  labels=("BASE" "this build")
fi

echo "== machine: $(nproc) CPUs, load: $(uptime | sed 's/.*load average: //')"
echo "== instructions (callgrind)"
printf '%-58s' "command"
for l in "${labels[@]}"; do printf '%14s' "$l"; done
echo
cd "$tmp"
cases=(
  "--version"
  "rules"
  "check --no-config -j 1 insecure.yaml"
  "check --no-config -j 1 insecure.yaml --format concise"
  "check --no-config -j 1 hardened.yaml"
  "check --no-config -j 1 configmap.yaml"
)
for c in "${cases[@]}"; do
  printf '%-58s' "akslint $c"
  for b in "${bins[@]}"; do
    # shellcheck disable=SC2086
    printf '%14s' "$(instructions "$b" $c)"
  done
  echo
done

echo "== wall time: akslint check --no-config insecure.yaml and --version (start-up included)"
if command -v hyperfine >/dev/null && [[ -z "${NO_HYPERFINE:-}" ]]; then
  # One hyperfine run for every binary, so load drift hits them alike; user CPU time is the
  # steadier figure on a shared machine.
  cmds=()
  for b in "${bins[@]}"; do cmds+=("$b check --no-config insecure.yaml" "$b --version"); done
  hyperfine -N -i --warmup 5 --runs "$runs" "${cmds[@]}" 2>&1 | grep -E 'Benchmark|Time|Range' || true
else
  for b in "${bins[@]}"; do
    for c in "check --no-config insecure.yaml" "--version"; do
      start=$(date +%s%N)
      # shellcheck disable=SC2086
      for _ in $(seq "$runs"); do "$b" $c >/dev/null 2>&1 || true; done
      end=$(date +%s%N)
      echo "$b $c: $(( (end - start) / runs / 1000 )) us per run (mean of $runs)"
    done
  done
fi
