#!/usr/bin/env bash
# Test of the pre-commit hooks with the real pre-commit (pinned in scripts/ci-requirements.txt):
#   1. `pre-commit validate-manifest .pre-commit-hooks.yaml`, and `pre-commit validate-config` on
#      each .pre-commit-config.yaml snippet of the README's pre-commit section (prebuilt wheel,
#      source build, language: system); the wheel snippet pins Cargo.toml's version;
#   2. the prebuilt-wheel hook, the README's snippet as it is (`repo: local`, language: python,
#      additional_dependencies: [akslint==<version>]), pip installing the wheel built by
#      scripts/package-release.sh from a local directory (PIP_FIND_LINKS=<dir>, PIP_NO_INDEX=1:
#      nothing from an index); the install time is printed (goal < 30 s). Then real `git commit`s:
#      - a bad manifest: the commit is refused and the output shows the RBAC001 finding;
#      - a good manifest and a non-manifest YAML (Helm values): the commit goes through;
#      - a non-manifest YAML alone: the hook passes (skipped with a notice, no error);
#      - a Markdown file only: the hook is skipped (no files to check);
#      - a bad manifest named `-dash.yaml`: linted (RBAC001 at -dash.yaml:11:13), not a usage error;
#      - user args ending with `--` (`[--fail-on, critical, --]`): applied, the high finding passes;
#        without the `--`, `-dash.yaml` is exit 2 and the commit is refused (never let through);
#      - the bad manifests fixed: the commit goes through;
#   3. the hook of .pre-commit-hooks.yaml (id akslint, language: python): the working tree
#      (tracked and untracked files, .gitignore honoured) committed to a temporary git repository
#      is the README's source-build snippet's `repo:`, its commit the `rev:`; pre-commit pip-installs
#      it, maturin builds akslint with cargo (--locked); a bad manifest is refused, a good one passes;
#   4. the README's `language: system` snippet with akslint on PATH: a bad manifest is refused.
#
# The wheel: $AKSLINT_DIST/akslint-<version>-*.whl (default target/dist, written by .ci/run's
# packaging step), else built here with scripts/package-release.sh. maturin and setuptools (build
# requirements of the source hook and of pre-commit's placeholder package for `repo: local`) are
# downloaded once from PyPI into target/precommit-wheelhouse and served from there too.
# The source hook compiles in $CARGO_TARGET_DIR (default target/ of this checkout) for the host
# target, as scripts/package-release.sh build does, so the compiled dependencies are reused and
# only akslint itself is recompiled (its source is at another path).
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

tmp="$(mktemp -d "${TMPDIR:-/tmp}/akslint-test-precommit.XXXXXX")"
trap 'rm -rf "$tmp"' EXIT

PATH="$(scripts/ci-venv.sh):$PATH" # pre-commit, pinned
version="$(scripts/package-release.sh version)"
host="$(rustc -vV | sed -n 's/^host: //p')"
export PRE_COMMIT_COLOR=never PIP_DISABLE_PIP_VERSION_CHECK=1

section "pre-commit $(pre-commit --version | cut -d' ' -f2): validate-manifest .pre-commit-hooks.yaml"
pre-commit validate-manifest .pre-commit-hooks.yaml || fail "manifest does not validate"
pass "manifest valid"
python3 - README.md "$tmp" "$version" <<'PY' || fail "the README's pre-commit section lacks a snippet"
import re, sys
text = open(sys.argv[1], encoding="utf-8").read()
section = text.split("### pre-commit\n", 1)[1].split("\n## ", 1)[0]
blocks = re.findall(r"```yaml\n(.*?)```", section, re.S)
kinds = {}
for block in blocks:
    if "additional_dependencies" in block and "language: python" in block:
        kinds["wheel"] = block
    elif "repo: https://github.com/akslint/akslint" in block:
        kinds["source"] = block
    elif "language: system" in block:
        kinds["system"] = block
missing = {"wheel", "source", "system"} - set(kinds)
assert not missing, f"snippets missing: {sorted(missing)}"
pin = re.search(r"akslint==([0-9][^\]\s,]*)", kinds["wheel"])
assert pin and pin.group(1) == sys.argv[3], f"the wheel snippet pins {pin and pin.group(1)}, Cargo.toml says {sys.argv[3]}"
for kind, block in kinds.items():
    assert "id: akslint" in block, kind
    open(f"{sys.argv[2]}/readme-{kind}.yaml", "w", encoding="utf-8").write(block)
PY
for kind in wheel source system; do
  pre-commit validate-config "$tmp/readme-$kind.yaml" >/dev/null || fail "the README's $kind snippet does not validate"
done
pass "the README's three snippets (prebuilt wheel, source build, language: system) validate; the wheel snippet pins akslint==$version"

# --- the wheel and the local package index ---------------------------------------------------
section "wheelhouse: the akslint wheel and the build requirements, no index"
dist="${AKSLINT_DIST:-$repo/target/dist}"
wheel="$(find "$dist" -maxdepth 1 -name "akslint-$version-*.whl" 2>/dev/null | head -n1)"
if [[ -z "$wheel" ]]; then
  echo "  no akslint-$version wheel in $dist: building one (scripts/package-release.sh build + wheel $host)"
  scripts/package-release.sh build "$host" "$tmp/dist" >/dev/null
  MATURIN="$(scripts/ci-venv.sh)/maturin" scripts/package-release.sh wheel "$host" "$tmp/dist" >/dev/null
  wheel="$(find "$tmp/dist" -maxdepth 1 -name "akslint-$version-*.whl" | head -n1)"
fi
[[ -f "$wheel" ]] || fail "no wheel"
cache="$repo/target/precommit-wheelhouse"
maturin_pin="$(grep '^maturin==' scripts/ci-requirements.txt)"
if ! ls "$cache"/maturin-"${maturin_pin#maturin==}"-*.whl >/dev/null 2>&1 || ! ls "$cache"/setuptools-*.whl >/dev/null 2>&1; then
  echo "  downloading $maturin_pin and setuptools from PyPI into $cache (once)"
  rm -rf "$cache"
  python3 -m pip download --quiet --only-binary :all: --no-deps -d "$cache" "$maturin_pin" setuptools >/dev/null
fi
wheelhouse="$tmp/wheelhouse"
mkdir -p "$wheelhouse"
cp "$wheel" "$cache"/*.whl "$wheelhouse/"
export PIP_FIND_LINKS="$wheelhouse" PIP_NO_INDEX=1
pass "PIP_FIND_LINKS=$wheelhouse PIP_NO_INDEX=1: $(find "$wheelhouse" -name "*.whl" -exec basename {} \; | sort | tr "\n" " ")"

git_quiet() { git -c init.defaultBranch=main -c user.name=akslint-test -c user.email=test@akslint.invalid -c commit.gpgsign=false "$@"; }
commits() { git rev-list --count HEAD; }
# commit MESSAGE: git commit with the hook; sets $status and the output in $tmp/commit.log
commit() {
  set +e
  git_quiet commit -m "$1" >"$tmp/commit.log" 2>&1
  status=$?
  set -e
}
show() { sed 's/^/  | /' "$tmp/commit.log"; }
# user_repo NAME CONFIG: a new git repository $tmp/NAME (the working directory from now on) with
# CONFIG as its .pre-commit-config.yaml, hooks installed (pre-commit install, install-hooks into
# PRE_COMMIT_HOME=$tmp/NAME-home); sets $install_s
user_repo() {
  mkdir -p "$tmp/$1"
  cd "$tmp/$1"
  git_quiet init -q
  cp "$2" .pre-commit-config.yaml
  git_quiet add .pre-commit-config.yaml
  git_quiet commit -q -m "pre-commit config" --no-verify
  export PRE_COMMIT_HOME="$tmp/$1-home"
  pre-commit install >/dev/null || fail "pre-commit install"
  local t0
  t0=$(date +%s%N)
  if ! pre-commit install-hooks >"$tmp/install.log" 2>&1; then
    cat "$tmp/install.log" >&2
    cat "$PRE_COMMIT_HOME/pre-commit.log" >&2 2>/dev/null || true
    fail "pre-commit install-hooks failed"
  fi
  install_s="$((($(date +%s%N) - t0) / 100000000))"
  install_s="$((install_s / 10)).$((install_s % 10))"
}
# expect_refused WHAT LOCATION: the last commit was refused with RBAC001 at LOCATION
expect_refused() {
  [[ $status -ne 0 ]] || fail "the commit of $1 went through"
  grep -q '^akslint\.*Failed' "$tmp/commit.log" || fail "hook not reported as Failed"
  grep -q 'RBAC001 wildcard-verbs' "$tmp/commit.log" || fail "the finding RBAC001 is not in the output"
  grep -q -- "$2" "$tmp/commit.log" || fail "the finding's location $2 is not in the output"
  grep -q -- '- exit code: 1' "$tmp/commit.log" || fail "exit code 1 not reported"
}
expect_passed() {
  [[ $status -eq 0 ]] || fail "the commit of $1 was refused"
  grep -q '^akslint\.*Passed' "$tmp/commit.log" || fail "hook not reported as Passed"
}

# --- 2. the prebuilt wheel --------------------------------------------------------------------
section "prebuilt wheel: the README's repo: local snippet, pip installs $(basename "$wheel")"
user_repo wheel-user "$tmp/readme-wheel.yaml"
wheel_install_s="$install_s"
hook_bin="$(find "$PRE_COMMIT_HOME" -path '*py_env*/bin/akslint' -type f | head -n1)"
[[ -x "$hook_bin" ]] || fail "no akslint in the hook's environment"
[[ "$("$hook_bin" --version)" == "akslint $version" ]] || fail "the hook's akslint: $("$hook_bin" --version)"
pass "hook environment installed in ${wheel_install_s} s (goal < 30 s): $("$hook_bin" --version) in $(dirname "$hook_bin")"
awk -v s="$wheel_install_s" 'BEGIN { exit !(s < 30) }' || fail "the wheel hook's install took ${wheel_install_s} s, goal < 30 s"

section "commit a bad manifest"
mkdir -p k8s
cp "$repo/testdata/integrations/bad-role.yaml" k8s/role.yaml
git_quiet add k8s/role.yaml
before=$(commits)
commit "bad role"
show
expect_refused "a bad manifest" 'k8s/role.yaml:11:13'
[[ $(commits) == "$before" ]] || fail "a commit was created"
pass "commit refused (exit $status), akslint Failed with RBAC001 at k8s/role.yaml:11:13"
git reset -q

section "commit a good manifest and a non-manifest YAML (Helm values)"
cp "$repo/testdata/integrations/good-configmap.yaml" k8s/configmap.yaml
cp "$repo/testdata/integrations/not-a-manifest.yaml" values.yaml
git_quiet add k8s/configmap.yaml values.yaml
before=$(commits)
commit "good manifest"
show
expect_passed "a good manifest"
[[ $(commits) == $((before + 1)) ]] || fail "no commit created"
pass "commit created, akslint Passed"

section "commit a non-manifest YAML alone"
printf 'nodeSelector:\n  kubernetes.io/os: linux\n' >>values.yaml
git_quiet add values.yaml
commit "values only"
show
expect_passed "a non-manifest YAML"
pass "akslint Passed (the file is skipped, not an error)"

section "commit a Markdown file only"
echo "# notes" >NOTES.md
git_quiet add NOTES.md
commit "notes"
show
[[ $status -eq 0 ]] || fail "commit of a Markdown file refused"
grep -q '^akslint\.*(no files to check)Skipped' "$tmp/commit.log" || fail "hook not skipped for a non-YAML/JSON file"
pass "akslint Skipped (files: \\.(ya?ml|json)$)"

section "commit a bad manifest named -dash.yaml"
cp "$repo/testdata/integrations/bad-role.yaml" ./-dash.yaml
git_quiet add -- -dash.yaml
commit "dash"
show
expect_refused "-dash.yaml" '-dash.yaml:11:13'
pass "-dash.yaml linted (args: [--]): RBAC001 at -dash.yaml:11:13, not a usage error"

section "user args ending with -- ([--fail-on, critical, --]): applied"
sed 's/^\( *\)args: \[--\].*/\1args: [--fail-on, critical, --]/' "$tmp/readme-wheel.yaml" >.pre-commit-config.yaml
grep -q 'args: \[--fail-on, critical, --\]' .pre-commit-config.yaml || fail "could not set args in the config"
git_quiet add .pre-commit-config.yaml
commit "fail-on critical"
show
expect_passed "a high finding under --fail-on critical"
pass "the high RBAC001 finding of -dash.yaml passes under --fail-on critical: the user args reach akslint, -dash.yaml still a file"

section "user args without the --: -dash.yaml is a usage error, the commit is refused"
sed 's/^\( *\)args: \[--fail-on, critical, --\]/\1args: [--fail-on, critical]/' .pre-commit-config.yaml >"$tmp/no-dashdash.yaml"
cp "$tmp/no-dashdash.yaml" .pre-commit-config.yaml
printf '# touched\n' >>-dash.yaml
git_quiet add .pre-commit-config.yaml -- -dash.yaml
commit "no --"
show
if [[ $status -eq 0 ]] || ! grep -q -- '- exit code: 2' "$tmp/commit.log" || ! grep -q "unexpected argument '-d'" "$tmp/commit.log"; then
  fail "without --, -dash.yaml must be a usage error (exit 2) that refuses the commit"
fi
pass "exit code 2 (unexpected argument '-d'), commit refused: never let through unchecked"
git_quiet checkout -q HEAD -- .pre-commit-config.yaml

section "fix the bad manifests and commit them"
for file in k8s/role.yaml -dash.yaml; do
  sed -i.bak 's/verbs: \["\*"\]/verbs: ["get", "list", "watch"]/' -- "$file"
  rm -f -- "$file.bak"
done
cp "$tmp/readme-wheel.yaml" .pre-commit-config.yaml
git_quiet add .pre-commit-config.yaml k8s/role.yaml -- -dash.yaml
commit "fixed roles"
show
expect_passed "the fixed manifests"
pass "commit created, akslint Passed"

# --- 3. the hook of .pre-commit-hooks.yaml: a build from source --------------------------------
section "source build: the hook repository (the working tree committed to a temporary git repository)"
src="$tmp/akslint-src"
mkdir -p "$src"
# tracked and untracked files, .gitignore honoured (read-only git commands on this checkout)
(cd "$repo" && git ls-files -z --cached --others --exclude-standard) |
  while IFS= read -r -d '' file; do
    if [[ -f "$repo/$file" ]]; then
      mkdir -p "$src/$(dirname "$file")"
      cp -p "$repo/$file" "$src/$file"
    fi
  done
[[ -f "$src/.pre-commit-hooks.yaml" && -f "$src/pyproject.toml" && -f "$src/Cargo.lock" ]] || fail "copy of the working tree incomplete"
(cd "$src" && git_quiet init -q && git_quiet add -A && git_quiet commit -q -m "akslint working tree") || fail "commit of the copy"
rev="$(git -C "$src" rev-parse HEAD)"
pass "$(git -C "$src" ls-files | wc -l | tr -d ' ') files committed in $src, rev $rev"
python3 - "$tmp/readme-source.yaml" "$tmp/source-config.yaml" "$src" "$rev" <<'PY'
import re, sys
text = open(sys.argv[1], encoding="utf-8").read()
text = text.replace("https://github.com/akslint/akslint", sys.argv[3])
text = re.sub(r"rev: \S+", f"rev: {sys.argv[4]}", text)
open(sys.argv[2], "w", encoding="utf-8").write(text)
PY

section "source build: pre-commit pip-installs the hook repository (maturin, cargo build --release --locked)"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$repo/target}" CARGO_BUILD_TARGET="$host"
user_repo source-user "$tmp/source-config.yaml"
source_install_s="$install_s"
hook_bin="$(find "$PRE_COMMIT_HOME" -path '*py_env*/bin/akslint' -type f | head -n1)"
[[ -x "$hook_bin" && "$("$hook_bin" --version)" == "akslint $version" ]] || fail "no akslint $version in the source hook's environment"
grep -q 'locked' "$src/pyproject.toml" || fail "pyproject.toml does not ask maturin for --locked"
pass "built and installed $("$hook_bin" --version) in ${source_install_s} s (CARGO_TARGET_DIR=$CARGO_TARGET_DIR, dependencies reused)"
mkdir -p k8s
cp "$repo/testdata/integrations/bad-role.yaml" k8s/role.yaml
git_quiet add k8s/role.yaml
commit "bad role"
show
expect_refused "a bad manifest" 'k8s/role.yaml:11:13'
git reset -q
rm -f k8s/role.yaml
cp "$repo/testdata/integrations/good-configmap.yaml" k8s/configmap.yaml
git_quiet add k8s/configmap.yaml
commit "good manifest"
expect_passed "a good manifest"
pass "bad manifest refused (RBAC001), good one committed"

# --- 4. language: system --------------------------------------------------------------------------
section "language: system: the README's snippet, akslint on PATH"
mkdir -p "$tmp/system-bin"
ln -s "$hook_bin" "$tmp/system-bin/akslint"
PATH="$tmp/system-bin:$PATH"
user_repo system-user "$tmp/readme-system.yaml"
cp "$repo/testdata/integrations/bad-role.yaml" ./-dash.yaml
git_quiet add -- -dash.yaml
commit "bad role"
show
expect_refused "a bad manifest" '-dash.yaml:11:13'
pass "no install (${install_s} s); -dash.yaml refused with RBAC001"

total=$(($(date +%s) - start))
echo "test-precommit.sh: all checks passed in ${total} s (hook install: prebuilt wheel ${wheel_install_s} s, source build ${source_install_s} s)"
