#!/usr/bin/env bash
# Scaling and memory benchmark (DESIGN §5), measured through the release CLI.
#
#   scripts/bench-scale.sh
#
# 1. Builds target/release/akslint and generates, from a fixed seed (benches/generate.rs):
#    Kubernetes corpora of 1, 100 and 10,000 files (8-15 KB each), a ~50 MB Terraform plan and a
#    ~10 MB compiled-Bicep ARM template, into $OUT (default: a temp dir, removed at exit).
#    ../shared/corpus/k8s and ../shared/corpus/arm are measured too when they exist (read in
#    place, never copied).
# 2. Per corpus, `akslint check --no-config --format json` with the report on stdout, thrown away
#    (not `-o /dev/null`: before akslint learned to write into devices, -o renamed a temp file
#    over the target, which as root replaced the /dev/null device with a regular file):
#    - wall time, one hyperfine run per corpus (-N -i --warmup 1 --runs R; exit code 1 just means
#      findings) of: parse-only (`--select AKL001`), full lint `-j 2`, full lint `-j 1`;
#    - peak RSS (/usr/bin/time -f %M, median of RSS_RUNS runs) of full `-j 2` and parse-only;
#    - findings: summary.findings of the JSON report.
#    `--select AKL001` is the closest the CLI has to parse-only: no policy check runs (the AKL
#    ids have none), but files are still read, parsed and adapted (ARM templates evaluated,
#    Terraform plans joined and redacted), suppression comments scanned, and resources of kinds
#    that relational policies look for still kept for an (empty) relation pass. `akslint
#    resources` does more (it serializes every resource). The engine's own parse_only mode is
#    only reachable from benches/throughput.rs.
# 3. Prints one table row per corpus; ratios come from medians of the same hyperfine run.
#
# Environment: OUT=DIR (keep the corpora there), RUNS=5 (hyperfine runs; BIG_RUNS=3 for corpora
# of more than 2,000 files), RSS_RUNS=3, SEED=N, K8S_FILES=1,100,10000, PLAN_MB=50,
# TEMPLATE_MB=10, GEN_ARGS="--plan-minified" (extra generator flags), NICE=19 (nice level of the
# measured runs; empty for none), CORPUS_ROOT=../shared/corpus.
set -euo pipefail

cd "$(dirname "$0")/.."
start=$SECONDS
runs="${RUNS:-5}"
big_runs="${BIG_RUNS:-3}"
rss_runs="${RSS_RUNS:-3}"
k8s_files="${K8S_FILES:-1,100,10000}"
plan_mb="${PLAN_MB:-50}"
template_mb="${TEMPLATE_MB:-10}"
corpus_root="${CORPUS_ROOT:-../shared/corpus}"
nice_level="${NICE-19}"
nice=()
if [[ -n "$nice_level" ]]; then
  nice=(nice -n "$nice_level")
fi
command -v hyperfine >/dev/null || {
  echo "bench-scale: hyperfine is needed (apt-get install -y hyperfine)" >&2
  exit 2
}
[[ -x /usr/bin/time ]] || {
  echo "bench-scale: /usr/bin/time is needed (apt-get install -y time)" >&2
  exit 2
}

tmp="$(mktemp -d)"
cleanup() { rm -rf "$tmp"; }
trap cleanup EXIT
if [[ -n "${OUT:-}" ]]; then
  out="$OUT"
  mkdir -p "$out"
else
  out="$tmp/corpora"
fi

load() { sed 's/.*load average: *//' /proc/loadavg 2>/dev/null | cut -d' ' -f1-3; }
echo "== machine: $(nproc) CPUs, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//')"
echo "== load average before (1, 5, 15 min): $(load)"
echo "== $(date -u +%Y-%m-%dT%H:%M:%SZ), $(hyperfine --version), nice ${nice_level:-off}"

echo "== build (release) and generate into $out"
cargo build --release --bin akslint --quiet
bin="$PWD/target/release/akslint"
gen_args=(--out "$out" --k8s-files "$k8s_files" --plan-mb "$plan_mb" --template-mb "$template_mb")
if [[ -n "${SEED:-}" ]]; then
  gen_args+=(--seed "$SEED")
fi
# shellcheck disable=SC2206 # GEN_ARGS is a list of flags
gen_args+=(${GEN_ARGS:-})
gen_start=$SECONDS
cargo bench --quiet --bench generate -- "${gen_args[@]}"
echo "(build + generate: $((SECONDS - gen_start)) s)"
echo "akslint: $("$bin" --version)"

corpora=()
IFS=',' read -ra counts <<<"$k8s_files"
for n in "${counts[@]}"; do
  n="${n//_/}"
  [[ -n "$n" && "$n" != 0 ]] && corpora+=("k8s-$n=$out/k8s-$n")
done
[[ "$plan_mb" != 0 ]] && corpora+=("plan-${plan_mb}mb=$out/plan-${plan_mb}mb")
[[ "$template_mb" != 0 ]] && corpora+=("template-${template_mb}mb=$out/template-${template_mb}mb")
for real in k8s arm; do
  if [[ -d "$corpus_root/$real" ]]; then
    corpora+=("real-$real=$corpus_root/$real")
  fi
done

# Files akslint may read (YAML and JSON), total and largest bytes: "files bytes largest".
sizes() {
  python3 - "$1" <<'EOF'
import os, sys
n = total = largest = 0
for root, _, files in os.walk(sys.argv[1]):
    for f in files:
        if f.lower().endswith((".yaml", ".yml", ".json")):
            s = os.path.getsize(os.path.join(root, f))
            n, total, largest = n + 1, total + s, max(largest, s)
print(n, total, largest)
EOF
}

median() { sort -n | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }

# Peak RSS in kB of one command, median of rss_runs runs.
peak_rss() {
  for _ in $(seq "$rss_runs"); do
    "${nice[@]}" /usr/bin/time -f '%M' -o "$tmp/rss" "$@" >/dev/null 2>"$tmp/rss.err" || true
    tail -1 "$tmp/rss"
  done | median
}

# Baseline: a process that loads the policies and finds nothing to read.
mkdir -p "$tmp/empty"
base_rss=$(peak_rss "$bin" check --no-config --format json "$tmp/empty")

rows="$tmp/rows"
: >"$rows"
for entry in "${corpora[@]}"; do
  name="${entry%%=*}"
  dir="${entry#*=}"
  read -r files bytes largest < <(sizes "$dir")
  r=$runs
  if ((files > 2000)); then
    r=$big_runs
  fi
  echo "== $name: $files files, $bytes bytes, largest $largest bytes; hyperfine $r runs (load $(load))"
  check=("$bin" check --no-config --format json)
  "${check[@]}" "$dir" >"$tmp/report.json" 2>"$tmp/report.err" || true
  findings=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["summary"]["findings"])' "$tmp/report.json" 2>/dev/null || echo "?")
  linter=$(python3 -c 'import json,sys,collections; c=collections.Counter(f["id"] for f in json.load(open(sys.argv[1]))["findings"] if f["id"].startswith("AKL")); print(",".join(f"{k}:{v}" for k,v in sorted(c.items())) or "none")' "$tmp/report.json" 2>/dev/null || echo "?")
  "${nice[@]}" hyperfine -N -i --warmup 1 --runs "$r" --style none --export-json "$tmp/h.json" \
    -n parse "${check[*]} -j 2 --select AKL001 $dir" \
    -n full2 "${check[*]} -j 2 $dir" \
    -n full1 "${check[*]} -j 1 $dir" >/dev/null 2>"$tmp/hyperfine.err" || {
    cat "$tmp/hyperfine.err" >&2
    exit 2
  }
  rss_full=$(peak_rss "${check[@]}" -j 2 "$dir")
  rss_parse=$(peak_rss "${check[@]}" -j 2 --select AKL001 "$dir")
  python3 - "$tmp/h.json" "$name" "$files" "$bytes" "$largest" "$rss_full" "$rss_parse" "$findings" "$linter" >>"$rows" <<'EOF'
import json, sys
h, name, files, total, largest, rss_full, rss_parse, findings, linter = sys.argv[1:]
med = {r["command"]: r["median"] for r in json.load(open(h))["results"]}
files, total, largest = int(files), int(total), int(largest)
rss_full, rss_parse = float(rss_full) * 1024 / 1e6, float(rss_parse) * 1024 / 1e6
print("\t".join([
    name, str(files), f"{total / 1e6:.2f}", f"{largest / 1e6:.3f}",
    f"{med['parse']:.3f}", f"{med['full2']:.3f}", f"{med['full1']:.3f}",
    f"{med['full2'] / med['parse']:.2f}x", f"{med['full1'] / med['full2']:.2f}x",
    f"{rss_full:.1f}", f"{rss_parse:.1f}", f"{rss_full / (largest / 1e6):.1f}x",
    findings, linter,
]))
EOF
  tail -1 "$rows" | cut -f5-7 | awk -F'\t' '{printf "   medians: parse %s s, full -j2 %s s, full -j1 %s s\n", $1, $2, $3}'
done

echo
echo "akslint scaling and memory (release CLI, --no-config --format json, report to stdout, discarded);"
echo "times: hyperfine medians; RSS: /usr/bin/time %M, median of $rss_runs; MB = 10^6 bytes"
echo
python3 - "$rows" <<'EOF'
import sys
head = ["corpus", "files", "MB", "largest MB", "parse s", "full -j2 s", "full -j1 s",
        "full/parse", "j1/j2", "RSS full MB", "RSS parse MB", "RSS/largest", "findings", "AKL findings"]
rows = [l.rstrip("\n").split("\t") for l in open(sys.argv[1]) if l.strip()]
w = [max(len(r[i]) for r in rows + [head]) for i in range(len(head))]
fmt = lambda r: " | ".join(c.ljust(w[i]) if i in (0, 13) else c.rjust(w[i]) for i, c in enumerate(r))
print(fmt(head))
print("-+-".join("-" * x for x in w))
for r in rows:
    print(fmt(r))
EOF
echo
echo "parse = --select AKL001 (read, parse, adapt, no policy check); full = all built-in policies."
echo "full/parse = median(full -j2) / median(parse -j2); j1/j2 = median(full -j1) / median(full -j2)."
echo "RSS/largest = peak RSS of full -j2 / largest file. Baseline RSS (policies loaded, empty directory): $(awk -v k="$base_rss" 'BEGIN {printf "%.1f", k*1024/1e6}') MB."
echo "AKL findings: the linter's own (AKL001 parse error, AKL003 limit, AKL004 crash)."
echo "== load average after (1, 5, 15 min): $(load)"
echo "== total time: $((SECONDS - start)) s"
