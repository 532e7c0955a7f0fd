#!/usr/bin/env bash
# Performance check (DESIGN §5), see docs/performance.md.
#
#   scripts/bench.sh [--single-only] [THROUGHPUT ARGS...]
#
# 1. `cargo bench --bench throughput -- THROUGHPUT ARGS` (e.g. --files 2000 --runs 7 --corpus DIR):
#    parse-only vs full lint, 1 and 2 threads, generated and real corpus.
# 2. Wall time of the release binary on one small manifest, start-up included (target < 15 ms):
#    hyperfine if installed (apt-get install -y hyperfine), else 50 runs timed with date +%s%N.
#    RUNS=N changes the number of runs; NO_HYPERFINE=1 forces the date loop.
set -euo pipefail

cd "$(dirname "$0")/.."
single_only=0
if [[ "${1:-}" == "--single-only" ]]; then
  single_only=1
  shift
fi
runs="${RUNS:-50}"

echo "== machine: $(nproc) CPUs, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//')"
echo "== load before: $(uptime | sed 's/.*load average/load average/')"

if [[ $single_only == 0 ]]; then
  echo "== throughput (cargo bench --bench throughput -- $*)"
  cargo bench --bench throughput -- "$@"
fi

echo
echo "== single small file, release binary, start-up included"
cargo build --release --bin akslint --quiet
bin="$PWD/target/release/akslint"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
cat >"$tmp/app.yaml" <<'EOF'
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: shop
  labels:
    app.kubernetes.io/name: web
spec:
  replicas: 2
  selector:
    matchLabels:
      app.kubernetes.io/name: web
  template:
    metadata:
      labels:
        app.kubernetes.io/name: web
    spec:
      serviceAccountName: web
      containers:
        - name: web
          image: myregistry.azurecr.io/shop/web:1.4.2
          ports:
            - containerPort: 8080
          env:
            - name: LOG_LEVEL
              value: info
            - name: DB_PASSWORD
              valueFrom:
                secretKeyRef:
                  name: web-secrets
                  key: db-password
          resources:
            requests: {cpu: 100m, memory: 128Mi}
            limits: {cpu: 500m, memory: 256Mi}
          securityContext:
            privileged: true
            allowPrivilegeEscalation: true
---
apiVersion: v1
kind: Service
metadata:
  name: web
  namespace: shop
spec:
  type: LoadBalancer
  selector:
    app.kubernetes.io/name: web
  ports:
    - port: 80
      targetPort: 8080
EOF
echo "file: $(wc -c <"$tmp/app.yaml") bytes; findings: $("$bin" check "$tmp/app.yaml" --format concise --quiet | wc -l)"

median_ms() { # reads nanoseconds, one per line
  sort -n | awk '{a[NR]=$1} END {m = (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2; printf "%.2f", m/1e6}'
}

if [[ -z "${NO_HYPERFINE:-}" ]] && command -v hyperfine >/dev/null; then
  for cmd in "$bin check $tmp/app.yaml" "$bin --version"; do
    hyperfine -N -i --warmup 5 --runs "$runs" --export-json "$tmp/h.json" "$cmd" >/dev/null 2>&1
    med=$(python3 -c 'import json,sys; print("%.2f" % (json.load(open(sys.argv[1]))["results"][0]["median"]*1e3))' "$tmp/h.json" 2>/dev/null ||
      sed -n 's/.*"median": *\([0-9.e-]*\).*/\1/p' "$tmp/h.json" | head -1 | awk '{printf "%.2f", $1*1e3}')
    shown=${cmd/#$bin/akslint}
    echo "median wall (hyperfine, $runs runs): ${med} ms  <- ${shown/$tmp\//}"
  done
else
  for cmd in "check $tmp/app.yaml" "--version"; do
    for _ in 1 2 3 4 5; do "$bin" $cmd >/dev/null 2>&1 || true; done
    med=$(for _ in $(seq "$runs"); do
      t0=$(date +%s%N)
      "$bin" $cmd >/dev/null 2>&1 || true
      t1=$(date +%s%N)
      echo $((t1 - t0))
    done | median_ms)
    echo "median wall (date loop, $runs runs): ${med} ms  <- akslint ${cmd/$tmp\//}"
  done
fi
echo "target: < 15 ms for the check"
echo "== load after: $(uptime | sed 's/.*load average/load average/')"
