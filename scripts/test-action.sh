#!/usr/bin/env bash
# Test of the GitHub Action (action.yml) without GitHub:
#   1. action.yml validates against the GitHub Action schema (check-jsonschema's builtin
#      vendor.github-actions; pinned in scripts/ci-requirements.txt), a broken copy does not, and every
#      declared input is used and every used input declared; the README's workflow validates
#      against the GitHub workflow schema;
#   2. the install step (scripts/action-install.sh): cache keys; the source build (real: cargo
#      build --release --locked --target <host>, found fresh after scripts/package-release.sh build
#      <host>, as in .ci/run; a full release build otherwise) and its cached-binary path; the
#      release download from a local HTTP server on 127.0.0.1 (python3 -m http.server) serving
#      archives and SHA256SUMS written by scripts/package-release.sh from the built binary: good
#      checksum (installed, runs), tampered archive (::error, nothing installed, never run), no
#      asset for the runner or no release (::warning, source=true, then the source build), another
#      version without a release (::error), unsupported runner, `version: source`, a bad version,
#      an unreachable server (::error, no fallback);
#   3. the run step (scripts/action-run.sh) with the runner's variables (GITHUB_WORKSPACE,
#      GITHUB_OUTPUT, GITHUB_STEP_SUMMARY, RUNNER_TEMP) pointing at temporary files, on a temporary
#      workspace with testdata/integrations: SARIF written, parsed and valid against the SARIF
#      2.1.0 schema, findings output, annotations, job summary, exit status per fail-on,
#      working-directory path rewriting, a clean run, usage errors, the config input and
#      .akslint.yaml (when the binary has --config), and (with a stub binary) how inputs become
#      arguments.
#
#   scripts/test-action.sh            AKSLINT_BIN=path: the run step tests that binary (default:
#                                     the source build's)
# Exits non-zero on the first failed check.
set -euo pipefail
cd "$(dirname "$0")/.."
repo="$(pwd)"
start=$(date +%s)

pass() { echo "  ok: $*"; }
fail() {
  echo "FAIL: $*" >&2
  exit 1
}
section() { echo "== $*"; }

tmp="$(mktemp -d "${TMPDIR:-/tmp}/akslint-test-action.XXXXXX")"
trap 'rm -rf "$tmp"' EXIT

# --- 1. action.yml against the schema --------------------------------------------------------
section "action.yml against the GitHub Action schema (check-jsonschema --builtin-schema vendor.github-actions)"
PATH="$(scripts/ci-venv.sh):$PATH" # check-jsonschema, pinned (scripts/ci-requirements.txt)
check-jsonschema --builtin-schema vendor.github-actions action.yml || fail "action.yml does not validate"
pass "action.yml validates"
# the validator must catch a mistake: a step without run/uses and an unknown top-level key
sed -e 's/^runs:/runz:/' action.yml >"$tmp/broken-action.yml"
if check-jsonschema --builtin-schema vendor.github-actions "$tmp/broken-action.yml" >/dev/null 2>&1; then
  fail "a broken action.yml (runs: renamed) validates: the schema check checks nothing"
fi
pass "a broken copy is rejected"
python3 - action.yml <<'PY' || fail "inputs of action.yml"
import re, sys
text = open(sys.argv[1], encoding="utf-8").read()
block = text.split("\ninputs:\n", 1)[1].split("\noutputs:\n", 1)[0]
declared = set(re.findall(r"^  ([a-z-]+):$", block, re.M))
used = set(re.findall(r"inputs\.([a-z-]+)", text))
want = {"paths", "config", "policies", "fail-on", "select", "ignore", "format",
        "working-directory", "version", "sarif-file", "upload-sarif", "category"}
problems = []
if want - declared: problems.append(f"missing inputs: {sorted(want - declared)}")
if declared - used: problems.append(f"declared but unused: {sorted(declared - used)}")
if used - declared: problems.append(f"used but undeclared: {sorted(used - declared)}")
outs = set(re.findall(r"^  ([a-z-]+):$", text.split("\noutputs:\n", 1)[1].split("\nruns:\n", 1)[0], re.M))
if outs != {"findings", "sarif-file"}: problems.append(f"outputs: {sorted(outs)}")
for script in re.findall(r'\$GITHUB_ACTION_PATH/(scripts/[a-z-]+\.sh)', text):
    import os
    if not os.path.exists(script): problems.append(f"{script} does not exist")
if problems:
    print("\n".join(problems)); sys.exit(1)
PY
pass "every input declared and used; outputs findings and sarif-file; referenced scripts exist"
# the README's ready-to-copy workflow
python3 - README.md "$tmp/readme-workflow.yml" <<'PY' || fail "no workflow in the README's GitHub Action section"
import re, sys
text = open(sys.argv[1], encoding="utf-8").read()
section = text.split("### GitHub Action\n", 1)[1].split("\n### ", 1)[0]
block = re.search(r"```yaml\n(.*?)```", section, re.S).group(1)
assert "security-events: write" in block and "pull_request" in block, block
open(sys.argv[2], "w", encoding="utf-8").write(block)
PY
check-jsonschema --builtin-schema vendor.github-workflows "$tmp/readme-workflow.yml" >/dev/null ||
  fail "the README's workflow does not validate against the GitHub workflow schema"
pass "the README's workflow validates (vendor.github-workflows; pull_request, security-events: write)"

# --- 2. install step ---------------------------------------------------------------------------
section "install step (scripts/action-install.sh)"
: >"$tmp/install-output"
GITHUB_OUTPUT="$tmp/install-output" RUNNER_OS=Linux RUNNER_ARCH=X64 scripts/action-install.sh cache-key >/dev/null
grep -q '^bin-key=akslint-bin-Linux-X64-rustc-[0-9a-f]\{12\}-[0-9a-f]\{24\}$' "$tmp/install-output" || fail "binary cache key: $(cat "$tmp/install-output")"
grep -q '^key=akslint-build-Linux-X64-rustc-[0-9a-f]\{12\}-[0-9a-f]\{16\}$' "$tmp/install-output" || fail "build cache key: $(cat "$tmp/install-output")"
grep -q '^restore-prefix=akslint-build-Linux-X64-rustc-[0-9a-f]\{12\}-$' "$tmp/install-output" || fail "restore prefix"
# the binary key follows the source: a copy with one more file gets another key
mkdir -p "$tmp/src-copy"
cp -R Cargo.toml Cargo.lock src "$tmp/src-copy/"
key_a="$(AKSLINT_SOURCE="$tmp/src-copy" scripts/action-install.sh cache-key | sed -n 's/^bin-key=//p')"
echo "// changed" >>"$tmp/src-copy/src/lib.rs"
key_b="$(AKSLINT_SOURCE="$tmp/src-copy" scripts/action-install.sh cache-key | sed -n 's/^bin-key=//p')"
[[ -n "$key_a" && "$key_a" != "$key_b" ]] || fail "binary cache key does not change with the source"
pass "cache keys (binary: OS, rustc, sources; build: OS, rustc, Cargo.lock): $(tr '\n' ' ' <"$tmp/install-output")"
version="$(scripts/package-release.sh version)"
if INPUT_VERSION=9.9.9 scripts/action-install.sh build >"$tmp/version.log" 2>&1; then
  fail "source build of version 9.9.9 accepted"
fi
grep -q 'a source build cannot give 9.9.9' "$tmp/version.log" || fail "version error message: $(cat "$tmp/version.log")"
pass "the source build refuses a version other than the source's, with an explanation"

section "install step: source build (version: source, or no release asset; cargo build --release --locked --target <host>)"
# the real build; after scripts/package-release.sh build <host> (.ci/run) cargo finds it fresh
: >"$tmp/install-output"
t0=$(date +%s)
GITHUB_OUTPUT="$tmp/install-output" AKSLINT_BIN_DIR="$tmp/srcbin" INPUT_VERSION="v$version" \
  scripts/action-install.sh build 2>&1 | tail -n 3 | sed 's/^/  | /'
built="$(sed -n 's/^bin=//p' "$tmp/install-output")"
[[ "$built" == "$tmp/srcbin/akslint" && -x "$built" ]] || fail "build did not report the executable in AKSLINT_BIN_DIR: '$built'"
[[ "$("$built" --version)" == "akslint $version" ]] || fail "built binary says $("$built" --version)"
pass "built $built ($("$built" --version)) in $(($(date +%s) - t0)) s; version v<source version> accepted"
# what a hit of the binary cache looks like: the binary is there, cargo is not run
mkdir -p "$tmp/fake-cargo"
printf '#!/bin/sh\necho "cargo was run" >&2\nexit 99\n' >"$tmp/fake-cargo/cargo"
chmod +x "$tmp/fake-cargo/cargo"
PATH="$tmp/fake-cargo:$PATH" AKSLINT_BIN_DIR="$tmp/srcbin" scripts/action-install.sh build >"$tmp/cached.log" 2>&1 ||
  fail "second build with the binary in place: $(cat "$tmp/cached.log")"
grep -q '^Using the cached build' "$tmp/cached.log" || fail "cached binary not used: $(cat "$tmp/cached.log")"
pass "with the binary restored, the build step uses it without cargo"

section "install step: release download from a local HTTP server (127.0.0.1), verified against SHA256SUMS"
# Releases as the release workflow lays them out, <base>/v<version>/{archive,SHA256SUMS}, written
# by scripts/package-release.sh from the binary just built. A Linux x64 runner gets the
# x86_64-unknown-linux-musl asset: here that name holds this host's binary (it runs here).
rel="$tmp/releases"
asset="akslint-$version-x86_64-unknown-linux-musl.tar.gz"
mkdir -p "$rel/good/v$version" "$rel/tampered/v$version" "$rel/other-platforms/v$version" "$rel/none"
SOURCE_DATE_EPOCH=0 scripts/package-release.sh archive x86_64-unknown-linux-musl "$built" "$rel/good/v$version" >/dev/null
scripts/package-release.sh sums "$rel/good/v$version" >/dev/null
# tampered: the same SHA256SUMS, an archive whose "akslint" leaves a mark when it is run
printf '#!/bin/sh\ntouch "%s"\necho "akslint %s"\n' "$tmp/unverified-binary-ran" "$version" >"$tmp/evil-akslint"
SOURCE_DATE_EPOCH=0 scripts/package-release.sh archive x86_64-unknown-linux-musl "$tmp/evil-akslint" "$rel/tampered/v$version" >/dev/null
cp "$rel/good/v$version/SHA256SUMS" "$rel/tampered/v$version/"
# other platforms: a release whose SHA256SUMS lists only a Windows archive
SOURCE_DATE_EPOCH=0 scripts/package-release.sh archive x86_64-pc-windows-msvc "$built" "$rel/other-platforms/v$version" >/dev/null
scripts/package-release.sh sums "$rel/other-platforms/v$version" >/dev/null
free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'; }
port="$(free_port)"
python3 -m http.server "$port" --bind 127.0.0.1 --directory "$rel" >"$tmp/http.log" 2>&1 &
http_pid=$!
trap 'kill "$http_pid" 2>/dev/null || true; rm -rf "$tmp"' EXIT
for _ in $(seq 1 50); do
  curl -fs -o /dev/null "http://127.0.0.1:$port/good/v$version/SHA256SUMS" && break
  sleep 0.2
done
curl -fs -o /dev/null "http://127.0.0.1:$port/good/v$version/SHA256SUMS" || fail "the HTTP server on 127.0.0.1:$port did not start: $(cat "$tmp/http.log")"
# download NAME RELEASE [VAR=VALUE...]: the download step as the runner runs it (Linux X64), base
# URL http://127.0.0.1:$port/RELEASE, outputs in $tmp/dl-NAME/{output,log}, binary dir
# $tmp/dl-NAME/bin; sets $status
download() {
  local name="$1" release="$2" dir="$tmp/dl-$1"
  shift 2
  mkdir -p "$dir/runner-temp"
  : >"$dir/output"
  set +e
  env -i PATH="$PATH" HOME="$HOME" GITHUB_ACTIONS=true GITHUB_OUTPUT="$dir/output" RUNNER_TEMP="$dir/runner-temp" \
    RUNNER_OS=Linux RUNNER_ARCH=X64 AKSLINT_BIN_DIR="$dir/bin" INPUT_VERSION= \
    AKSLINT_RELEASE_BASE_URL="http://127.0.0.1:$port/$release" "$@" \
    bash "$repo/scripts/action-install.sh" download >"$dir/log" 2>&1
  status=$?
  set -e
}
dl_out() { sed -n "s/^$2=//p" "$tmp/dl-$1/output" | tail -n1; }
dl_show() { sed 's/^/  | /' "$tmp/dl-$1/log" >&2; }
nothing_installed() { [[ ! -e "$tmp/dl-$1/bin" ]] || [[ -z "$(ls -A "$tmp/dl-$1/bin")" ]]; }

t0=$(date +%s%N)
download good good
dl_ms=$((($(date +%s%N) - t0) / 1000000))
[[ $status -eq 0 ]] || { dl_show good; fail "download of a good release: exit $status"; }
[[ "$(dl_out good bin)" == "$tmp/dl-good/bin/akslint" && -z "$(dl_out good source)" ]] || { dl_show good; fail "outputs: $(cat "$tmp/dl-good/output")"; }
[[ "$("$tmp/dl-good/bin/akslint" --version)" == "akslint $version" ]] || fail "the downloaded binary does not run"
grep -q "^Verified $asset: sha256 [0-9a-f]\{64\}" "$tmp/dl-good/log" || { dl_show good; fail "no verification line"; }
grep -q 'the action.s own version' "$tmp/dl-good/log" || { dl_show good; fail "empty version: the log does not say which version"; }
pass "empty version = the action's $version: $asset downloaded, verified, installed and run (bin output), no source build, ${dl_ms} ms"
download explicit good INPUT_VERSION="v$version"
[[ $status -eq 0 && -x "$tmp/dl-explicit/bin/akslint" ]] || { dl_show explicit; fail "version v$version"; }
pass "version v$version: downloaded and verified"

download tampered tampered
[[ $status -ne 0 ]] || { dl_show tampered; fail "a tampered archive was accepted"; }
grep -q '^::error title=akslint::checksum mismatch for '"$asset"': SHA256SUMS says [0-9a-f]\{64\}, the download is [0-9a-f]\{64\}' "$tmp/dl-tampered/log" ||
  { dl_show tampered; fail "no checksum ::error"; }
nothing_installed tampered || fail "something was installed from a tampered archive: $(ls "$tmp/dl-tampered/bin")"
[[ ! -e "$tmp/unverified-binary-ran" ]] || fail "the unverified binary was run"
[[ -z "$(dl_out tampered bin)$(dl_out tampered source)" ]] || fail "outputs after a checksum mismatch: $(cat "$tmp/dl-tampered/output")"
pass "bad checksum: the step fails with '::error ... checksum mismatch', nothing installed, the binary never ran, no fallback"

download missing other-platforms
[[ $status -eq 0 && "$(dl_out missing source)" == true && -z "$(dl_out missing bin)" ]] || { dl_show missing; fail "missing asset, empty version: want source=true"; }
grep -q "^::warning title=akslint::release v$version has no $asset (SHA256SUMS does not list it); building akslint $version from the action's source instead" "$tmp/dl-missing/log" ||
  { dl_show missing; fail "no ::warning for the missing asset"; }
nothing_installed missing || fail "something installed without an asset"
# action.yml then runs the source build step (tested above, here in the same bin dir layout)
: >"$tmp/fallback-output"
GITHUB_OUTPUT="$tmp/fallback-output" AKSLINT_BIN_DIR="$tmp/dl-missing/srcbin" scripts/action-install.sh build >/dev/null 2>&1 ||
  fail "source build after the fallback"
[[ "$("$(sed -n 's/^bin=//p' "$tmp/fallback-output")" --version)" == "akslint $version" ]] || fail "fallback build"
pass "missing asset for the runner (empty version): ::warning, source=true, then the source build step builds $version"
download norelease none
[[ $status -eq 0 && "$(dl_out norelease source)" == true ]] || { dl_show norelease; fail "no release, empty version: want source=true"; }
grep -q "^::warning title=akslint::release v$version has no SHA256SUMS" "$tmp/dl-norelease/log" || { dl_show norelease; fail "no ::warning for a missing release"; }
pass "no release v$version at all (404; e.g. before the first tag): ::warning, source build"
download other none INPUT_VERSION=9.9.9
[[ $status -ne 0 && -z "$(dl_out other source)" ]] || { dl_show other; fail "version 9.9.9 without a release must fail, not build $version"; }
grep -q "^::error title=akslint::release v9.9.9 has no SHA256SUMS.*The action's source is akslint $version, not 9.9.9" "$tmp/dl-other/log" || { dl_show other; fail "error message for 9.9.9"; }
pass "version 9.9.9 without a release: ::error (the source is $version, it cannot stand in)"
download arm32 good RUNNER_ARCH=ARM
[[ $status -eq 0 && "$(dl_out arm32 source)" == true ]] || { dl_show arm32; fail "Linux/ARM: want source=true"; }
grep -q '^::warning title=akslint::akslint publishes no binary for Linux/ARM' "$tmp/dl-arm32/log" || { dl_show arm32; fail "no ::warning for Linux/ARM"; }
pass "a runner without a release target (Linux/ARM): ::warning, source build"
requests_before="$(grep -c '"GET ' "$tmp/http.log" || true)"
download src good INPUT_VERSION=source
[[ $status -eq 0 && "$(dl_out src source)" == true && -z "$(dl_out src bin)" ]] || { dl_show src; fail "version: source"; }
[[ "$(grep -c '"GET ' "$tmp/http.log" || true)" == "$requests_before" ]] || fail "version: source made a request"
pass "version: source: source=true, nothing downloaded"
download badversion good INPUT_VERSION=latest
if [[ $status -eq 0 ]] || ! grep -q "^::error title=akslint::version 'latest' is not a release version" "$tmp/dl-badversion/log"; then
  dl_show badversion
  fail "version latest"
fi
pass "version 'latest': ::error"
closed="$(free_port)"
download unreachable good AKSLINT_RELEASE_BASE_URL="http://127.0.0.1:$closed/good"
[[ $status -ne 0 && -z "$(dl_out unreachable source)" ]] || { dl_show unreachable; fail "an unreachable server must fail the step, not fall back"; }
grep -q '^::error title=akslint::downloading .*SHA256SUMS failed (HTTP 000)' "$tmp/dl-unreachable/log" || { dl_show unreachable; fail "error message when unreachable"; }
pass "server unreachable: ::error (HTTP 000), no silent fallback"
kill "$http_pid" 2>/dev/null || true

if [[ -n "${AKSLINT_BIN:-}" ]]; then
  bin="$AKSLINT_BIN"
  echo "  (the run step is tested with AKSLINT_BIN=$bin)"
else
  bin="$built"
fi

# --- 3. run step -------------------------------------------------------------------------------
# run_action NAME [VAR=VALUE...]: run scripts/action-run.sh like the runner does, in workspace
# $tmp/NAME/ws, outputs in $tmp/NAME/{output,summary,log}; sets $status.
run_action() {
  local name="$1"
  shift
  local dir="$tmp/$name"
  mkdir -p "$dir/runner-temp"
  : >"$dir/output"
  : >"$dir/summary"
  set +e
  (
    cd "$dir/ws"
    env -i PATH="$PATH" HOME="$HOME" \
      GITHUB_ACTIONS=true GITHUB_WORKSPACE="$dir/ws" GITHUB_OUTPUT="$dir/output" \
      GITHUB_STEP_SUMMARY="$dir/summary" RUNNER_TEMP="$dir/runner-temp" \
      AKSLINT_BIN="$bin" "$@" bash "$repo/scripts/action-run.sh"
  ) >"$dir/log" 2>&1
  status=$?
  set -e
}
out() { sed -n "s/^$2=//p" "$tmp/$1/output" | tail -n1; }
# the action's last step, verbatim: exit "${EXIT_CODE:-2}"
action_status() { (EXIT_CODE="$(out "$1" exit-code)" bash -c 'exit "${EXIT_CODE:-2}"') && echo 0 || echo $?; }
show() { sed 's/^/  | /' "$tmp/$1/log" >&2; }

workspace() {
  mkdir -p "$tmp/$1/ws/manifests"
  cp testdata/integrations/bad-role.yaml testdata/integrations/good-configmap.yaml "$tmp/$1/ws/manifests/"
  cp testdata/integrations/not-a-manifest.yaml "$tmp/$1/ws/values.yaml"
}

section "run step, one high finding, fail-on low, paths 'manifests values.yaml'"
workspace low
run_action low INPUT_PATHS="manifests values.yaml" INPUT_FAIL_ON=low
[[ $status -eq 0 ]] || { show low; fail "action-run.sh exited $status (it must leave the status to the last step)"; }
[[ "$(out low exit-code)" == 1 ]] || { show low; fail "exit-code output $(out low exit-code), want 1"; }
[[ "$(action_status low)" == 1 ]] || fail "the action's exit status is not 1"
pass "exit status 1 (exit-code output 1; the script itself exits 0 so the SARIF upload runs)"
findings="$(out low findings)"
[[ "$findings" =~ ^[0-9]+$ && "$findings" -gt 0 ]] || fail "findings output '$findings'"
[[ "$findings" == 1 ]] || fail "findings output $findings, want 1 (RBAC001)"
pass "findings output = $findings"
sarif="$(out low sarif-file)"
[[ "$sarif" == "$tmp/low/ws/akslint.sarif" && -f "$sarif" ]] || fail "sarif-file output '$sarif'"
python3 - "$sarif" <<'PY' || fail "SARIF content"
import json, sys
sarif = json.load(open(sys.argv[1], encoding="utf-8"))
run = sarif["runs"][0]
assert sarif["version"] == "2.1.0"
results = run["results"]
assert len(results) == 1, results
r = results[0]
loc = r["locations"][0]["physicalLocation"]
assert r["ruleId"] == "RBAC001", r["ruleId"]
assert loc["artifactLocation"] == {"uri": "manifests/bad-role.yaml", "uriBaseId": "%SRCROOT%"}, loc
assert loc["region"]["startLine"] == 11 and loc["region"]["startColumn"] == 13, loc["region"]
assert r["partialFingerprints"], r
assert any(rule["id"] == "RBAC001" for rule in run["tool"]["driver"]["rules"])
PY
# the published SARIF schema has a pattern with a stray `]` that only non-unicode regexes accept
sarif_schema=(check-jsonschema --regex-variant nonunicode --schemafile tests/schemas/sarif-schema-2.1.0.json)
"${sarif_schema[@]}" "$sarif" >/dev/null || fail "SARIF does not validate against SARIF 2.1.0"
pass "SARIF at sarif-file parses, validates against the 2.1.0 schema; result RBAC001 at manifests/bad-role.yaml:11:13 (%SRCROOT%, fingerprint)"
grep -qx '::error file=manifests/bad-role.yaml,line=11,col=13,endLine=11,endColumn=16,title=RBAC001 wildcard-verbs::.*' "$tmp/low/log" ||
  { show low; fail "no annotation for RBAC001 in the log"; }
[[ "$(grep -c '^::' "$tmp/low/log")" == 1 ]] || { show low; fail "want exactly one annotation"; }
pass "annotation printed: $(grep '^::error' "$tmp/low/log" | cut -c1-80)..."
{ grep -q '^## akslint' "$tmp/low/summary" && grep -q 'RBAC001' "$tmp/low/summary"; } || fail "job summary: $(cat "$tmp/low/summary")"
pass "job summary written to GITHUB_STEP_SUMMARY ($(wc -l <"$tmp/low/summary") lines, RBAC001 row)"
grep -q 'skipped values.yaml' "$tmp/low/log" || { show low; fail "no skipped-file notice for values.yaml"; }
[[ "$(grep -c 'skipped values.yaml' "$tmp/low/log")" == 1 ]] || fail "the skipped-file notice is printed more than once"
pass "a non-manifest YAML named explicitly is skipped, its notice printed once"

section "run step, same workspace, fail-on critical, default paths (.)"
workspace critical
run_action critical INPUT_FAIL_ON=critical
[[ $status -eq 0 && "$(out critical exit-code)" == 0 && "$(action_status critical)" == 0 ]] ||
  { show critical; fail "fail-on critical with only a high finding: exit-code $(out critical exit-code), want 0"; }
[[ "$(out critical findings)" == 1 ]] || fail "findings output with fail-on critical: $(out critical findings)"
grep -q '^::error file=manifests/bad-role.yaml' "$tmp/critical/log" || fail "annotation missing under fail-on critical"
pass "exit status 0; findings still 1 and still annotated"

section "local mode: AKSLINT_ACTION_EXIT=1 makes the script exit with akslint's status"
workspace localmode
run_action localmode AKSLINT_ACTION_EXIT=1 INPUT_FAIL_ON=high
[[ $status -eq 1 ]] || { show localmode; fail "status $status, want 1"; }
pass "exit 1 with fail-on high"

section "working-directory: paths relative to it, annotations and SARIF relative to the repository"
mkdir -p "$tmp/subdir/ws/deploy/k8s"
cp testdata/integrations/bad-role.yaml "$tmp/subdir/ws/deploy/k8s/role.yaml"
cp testdata/integrations/bad-role.yaml "$tmp/subdir/ws/outside.yaml" # not under paths: not linted
run_action subdir INPUT_WORKING_DIRECTORY=deploy INPUT_PATHS=k8s INPUT_SARIF_FILE=reports/akslint.sarif
[[ "$(out subdir exit-code)" == 1 && "$(out subdir findings)" == 1 ]] || { show subdir; fail "exit-code/findings in a subdirectory"; }
grep -q '^::error file=deploy/k8s/role.yaml,line=11,' "$tmp/subdir/log" || { show subdir; fail "annotation path not rewritten"; }
[[ "$(out subdir sarif-file)" == "$tmp/subdir/ws/deploy/reports/akslint.sarif" ]] || fail "sarif-file $(out subdir sarif-file)"
python3 - "$(out subdir sarif-file)" "$tmp/subdir/ws" <<'PY' || fail "SARIF URIs in a subdirectory"
import json, sys, pathlib
run = json.load(open(sys.argv[1], encoding="utf-8"))["runs"][0]
uris = [l["physicalLocation"]["artifactLocation"]["uri"] for r in run["results"] for l in r["locations"]]
assert uris == ["deploy/k8s/role.yaml"], uris
assert run["originalUriBaseIds"]["%SRCROOT%"]["uri"] == pathlib.Path(sys.argv[2]).resolve().as_uri() + "/"
PY
"${sarif_schema[@]}" "$(out subdir sarif-file)" >/dev/null || fail "rewritten SARIF is not valid SARIF 2.1.0"
pass "annotation file=deploy/k8s/role.yaml, SARIF uri deploy/k8s/role.yaml (still valid SARIF), sarif-file under deploy/reports/"

section "a path starting with a dash (-dash.yaml) is a file, not an option"
mkdir -p "$tmp/dash/ws"
cp testdata/integrations/bad-role.yaml "$tmp/dash/ws/-dash.yaml"
run_action dash INPUT_PATHS=-dash.yaml
[[ "$(out dash exit-code)" == 1 && "$(out dash findings)" == 1 ]] || { show dash; fail "-dash.yaml: exit-code $(out dash exit-code) findings $(out dash findings), want 1 and 1"; }
grep -q '^::error file=-dash.yaml,line=11,col=13,.*title=RBAC001' "$tmp/dash/log" || { show dash; fail "no RBAC001 annotation for -dash.yaml"; }
pass "-dash.yaml linted (RBAC001 at -dash.yaml:11:13), not a usage error"

section "clean input"
mkdir -p "$tmp/clean/ws"
cp testdata/integrations/good-configmap.yaml "$tmp/clean/ws/"
run_action clean
[[ "$(out clean exit-code)" == 0 && "$(out clean findings)" == 0 ]] || { show clean; fail "clean run: exit-code $(out clean exit-code) findings $(out clean findings)"; }
python3 -c 'import json,sys; r=json.load(open(sys.argv[1]))["runs"][0]; assert r["results"] == [], r["results"]' "$(out clean sarif-file)" ||
  fail "clean SARIF must have results: []"
! grep -q '^::' "$tmp/clean/log" || fail "annotations on a clean run"
pass "exit 0, findings 0, SARIF results: [] present, no annotation"

section "format human: no annotations, the action writes a short job summary"
workspace human
run_action human INPUT_FORMAT=human INPUT_PATHS=manifests
[[ "$(out human exit-code)" == 1 ]] || { show human; fail "exit-code with format human"; }
! grep -q '^::' "$tmp/human/log" || fail "annotations with format human"
grep -q 'RBAC001' "$tmp/human/log" || fail "human report not in the log"
grep -q '1 findings (0 critical, 1 high, 0 medium, 0 low)' "$tmp/human/summary" || fail "summary: $(cat "$tmp/human/summary")"
pass "human report in the log, summary '1 findings (0 critical, 1 high, ...)'"

section "usage errors"
mkdir -p "$tmp/missing/ws"
run_action missing INPUT_PATHS=does-not-exist.yaml
[[ $status -eq 0 && "$(out missing exit-code)" == 2 && "$(action_status missing)" == 2 ]] || { show missing; fail "missing path: exit-code $(out missing exit-code), want 2"; }
[[ -z "$(out missing sarif-file)" ]] || fail "sarif-file set after a usage error (the upload step would run)"
pass "a missing path: exit status 2, no sarif-file output (upload skipped)"
mkdir -p "$tmp/badfail/ws"
run_action badfail INPUT_FAIL_ON=severe
{ [[ "$(out badfail exit-code)" == 2 ]] && grep -q 'fail-on must be' "$tmp/badfail/log"; } || { show badfail; fail "fail-on severe"; }
mkdir -p "$tmp/badformat/ws"
run_action badformat INPUT_FORMAT=xml
[[ "$(out badformat exit-code)" == 2 ]] || { show badformat; fail "format xml"; }
run_action badformat INPUT_WORKING_DIRECTORY=nope
[[ "$(out badformat exit-code)" == 2 ]] || { show badformat; fail "working-directory nope"; }
pass "fail-on severe, format xml, a missing working-directory: exit status 2 with an error annotation"

section "config input (akslint --config) and .akslint.yaml"
if "$bin" check --help | grep -q -- '--config'; then
  workspace config
  mkdir -p "$tmp/config/ws/ci"
  printf 'ignore: [RBAC001]\n' >"$tmp/config/ws/ci/akslint.yaml"
  run_action config INPUT_CONFIG=ci/akslint.yaml
  [[ "$(out config exit-code)" == 0 && "$(out config findings)" == 0 ]] || { show config; fail "config ignoring RBAC001: exit-code $(out config exit-code) findings $(out config findings)"; }
  pass "config: ci/akslint.yaml (ignore: [RBAC001]) is applied: 0 findings, exit status 0"
  workspace dotconfig
  printf 'fail-on: critical\n' >"$tmp/dotconfig/ws/.akslint.yaml"
  run_action dotconfig
  [[ "$(out dotconfig exit-code)" == 0 && "$(out dotconfig findings)" == 1 ]] || { show dotconfig; fail ".akslint.yaml fail-on critical with fail-on input empty: exit-code $(out dotconfig exit-code)"; }
  run_action dotconfig INPUT_FAIL_ON=high
  [[ "$(out dotconfig exit-code)" == 1 ]] || { show dotconfig; fail "fail-on input high must override .akslint.yaml's fail-on critical"; }
  pass ".akslint.yaml found in the working directory; its fail-on applies when the input is empty, the input overrides it"
  workspace noconfig
  run_action noconfig INPUT_CONFIG=missing.yaml
  [[ "$(out noconfig exit-code)" == 2 ]] || { show noconfig; fail "missing config file: exit-code $(out noconfig exit-code), want 2"; }
  pass "a missing config file: exit status 2"
else
  echo "  skipped: this akslint has no --config option yet (the stub test below checks the argument)"
fi

section "inputs become arguments (stub binary)"
cat >"$tmp/stub" <<'SH'
#!/usr/bin/env bash
# records its arguments, one per line, then writes an empty report where --output says
printf '%s\n' "$@" >>"$STUB_LOG"
echo "--" >>"$STUB_LOG"
while [[ $# -gt 0 ]]; do
  if [[ "$1" == --output ]]; then
    echo '{"findings": [], "runs": [], "summary": {"findings": 0}}' >"$2"
  fi
  shift
done
SH
chmod +x "$tmp/stub"
mkdir -p "$tmp/stub1/ws" "$tmp/stub2/ws"
: >"$tmp/stub1.log"
run_action stub1 AKSLINT_BIN="$tmp/stub" STUB_LOG="$tmp/stub1.log" INPUT_PATHS='k8s/*.yaml  helm' INPUT_CONFIG= INPUT_POLICIES=
first_call="$(awk '{ print } /^--$/ && ++n == 2 { exit }' "$tmp/stub1.log" | tr '\n' ' ')"
# the stub writes its own `--` line after each call's arguments: akslint's `--` comes before it
[[ "$first_call" == "check --format sarif --output $tmp/stub1/ws/akslint.sarif --exit-zero --quiet -- k8s/*.yaml helm -- " ]] ||
  fail "arguments without config: $first_call"
pass "empty config/policies/select/ignore/fail-on add nothing; paths after --; a glob reaches akslint unexpanded: $first_call"
: >"$tmp/stub2.log"
run_action stub2 AKSLINT_BIN="$tmp/stub" STUB_LOG="$tmp/stub2.log" INPUT_PATHS=$'deploy/my app\n  charts/*.yaml\n' \
  INPUT_CONFIG=ci/akslint.yaml INPUT_POLICIES=$'policies/team\npolicies/extra' INPUT_SELECT=NET,IDN004 INPUT_IGNORE=POD0 INPUT_FAIL_ON=high
# the first call, up to the stub's own `--` line (the second `--`)
mapfile -t call < <(awk '{ print } /^--$/ && ++n == 2 { exit }' "$tmp/stub2.log")
# shellcheck disable=SC2054 # NET,IDN004 is one argument
want=(check --fail-on high --config ci/akslint.yaml --policies policies/team --policies policies/extra
  --select NET,IDN004 --ignore POD0 --format sarif --output "$tmp/stub2/ws/akslint.sarif" --exit-zero --quiet
  -- "deploy/my app" "charts/*.yaml" --)
[[ "$(printf '%s\n' "${call[@]}")" == "$(printf '%s\n' "${want[@]}")" ]] || fail "arguments: $(printf '[%s] ' "${call[@]}")"
[[ "$(grep -c '^--format' "$tmp/stub2.log")" == 3 ]] || fail "want three akslint runs (sarif, json, github)"
pass "config -> --config FILE, one path per line (blanks kept, after --), repeated --policies, select/ignore/fail-on; 3 runs (sarif, json, github)"

echo "test-action.sh: all checks passed in $(($(date +%s) - start)) s"
