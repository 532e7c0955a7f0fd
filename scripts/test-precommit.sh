#!/usr/bin/env bash
# Test of the pre-commit hook (.pre-commit-hooks.yaml) with the real pre-commit (installed from
# PyPI when missing):
#   1. `pre-commit validate-manifest .pre-commit-hooks.yaml`, and `pre-commit validate-config` on
#      the README's .pre-commit-config.yaml snippet;
#   2. the working tree (tracked and untracked files, .gitignore honoured) is copied to a
#      temporary git repository and committed: that is the hook's `repo:`, its commit the `rev:`;
#   3. a temporary user repository with a .pre-commit-config.yaml pointing there runs
#      `pre-commit install`, then real `git commit`s (pre-commit builds akslint with
#      `cargo install` into a temporary PRE_COMMIT_HOME):
#      - a bad manifest: the commit is refused and the output shows the RBAC001 finding;
#      - a good manifest and a non-manifest YAML (Helm values): the commit goes through;
#      - a non-manifest YAML alone: the hook passes (skipped with a notice, no error);
#      - a Markdown file only: the hook is skipped (no files to check);
#      - the bad manifest fixed: the commit goes through.
#
# cargo compiles in $CARGO_TARGET_DIR (default: target/precommit-test of this checkout, kept
# between runs so that only akslint itself is recompiled; not target/ itself, where cargo install
# would overwrite target/release/akslint). Offline works when the crates are in ~/.cargo/registry
# (after any build of this repository).
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

if ! command -v pre-commit >/dev/null 2>&1; then
  echo "installing pre-commit from PyPI"
  python3 -m pip install --quiet pre-commit >/dev/null
fi
command -v cargo >/dev/null || fail "cargo is needed (language: rust)"
section "pre-commit $(pre-commit --version | cut -d' ' -f2): validate-manifest .pre-commit-hooks.yaml"
pre-commit validate-manifest .pre-commit-hooks.yaml || fail "manifest does not validate"
pass "manifest valid"
python3 - README.md "$tmp/readme-config.yaml" <<'PY' || fail "no .pre-commit-config.yaml snippet in the README's pre-commit section"
import re, sys
text = open(sys.argv[1], encoding="utf-8").read()
section = text.split("### pre-commit\n", 1)[1].split("\n## ", 1)[0]
block = re.search(r"```yaml\n(.*?)```", section, re.S).group(1)
assert "id: akslint" in block, block
open(sys.argv[2], "w", encoding="utf-8").write(block)
PY
pre-commit validate-config "$tmp/readme-config.yaml" >/dev/null || fail "the README's .pre-commit-config.yaml snippet does not validate"
pass "the README's config snippet validates (pre-commit validate-config)"

# --- the hook's repository: a committed copy of the working tree ------------------------------
section "hook repository: the working tree committed to a temporary git repository"
git_quiet() { git -c init.defaultBranch=main -c user.name=akslint-test -c user.email=test@akslint.invalid -c commit.gpgsign=false "$@"; }
src="$tmp/akslint-src"
mkdir -p "$src"
# tracked and untracked files, .gitignore honoured (read-only git commands on this checkout)
git ls-files -z --cached --others --exclude-standard |
  while IFS= read -r -d '' file; do
    if [[ -f "$file" ]]; then
      mkdir -p "$src/$(dirname "$file")"
      cp -p "$file" "$src/$file"
    fi
  done
[[ -f "$src/.pre-commit-hooks.yaml" && -f "$src/Cargo.toml" ]] || fail "copy of the working tree incomplete"
(cd "$src" && git_quiet init -q && git_quiet add -A && git_quiet commit -q -m "akslint working tree") || fail "commit of the copy"
rev="$(git -C "$src" rev-parse HEAD)"
pass "$(git -C "$src" ls-files | wc -l | tr -d ' ') files committed in $src, rev $rev"

# --- the user's repository ---------------------------------------------------------------------
section "user repository with .pre-commit-config.yaml (repo: $src, rev: ${rev:0:12})"
user="$tmp/user-repo"
mkdir -p "$user"
cd "$user"
git_quiet init -q
cat >.pre-commit-config.yaml <<EOF
repos:
  - repo: $src
    rev: $rev
    hooks:
      - id: akslint
EOF
git_quiet add .pre-commit-config.yaml
git_quiet commit -q -m "pre-commit config" --no-verify
export PRE_COMMIT_HOME="$tmp/pre-commit-home"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$repo/target/precommit-test}"
export PRE_COMMIT_COLOR=never
pre-commit install >/dev/null || fail "pre-commit install"
pass "pre-commit install (PRE_COMMIT_HOME=$PRE_COMMIT_HOME, CARGO_TARGET_DIR=$CARGO_TARGET_DIR)"

section "install the hook environment (pre-commit: cargo install --bins --path <repo>)"
t0=$(date +%s)
if ! pre-commit install-hooks >"$tmp/install.log" 2>&1; then
  cat "$tmp/install.log" >&2
  cat "$PRE_COMMIT_HOME/pre-commit.log" >&2 2>/dev/null || true
  fail "pre-commit install-hooks (cargo install) failed"
fi
install_s=$(($(date +%s) - t0))
hook_bin="$(find "$PRE_COMMIT_HOME" -path '*rustenv*/bin/akslint' -type f | head -n1)"
[[ -x "$hook_bin" ]] || fail "no akslint binary in the hook environment"
pass "built and installed $("$hook_bin" --version) into $(dirname "$hook_bin") in ${install_s} s"

commits() { git rev-list --count HEAD; }
# commit MESSAGE: git commit with the hook; sets $status and the output in $tmp/commit.log
commit() {
  set +e
  git_quiet commit -m "$1" >"$tmp/commit.log" 2>&1
  status=$?
  set -e
}
show() { sed 's/^/  | /' "$tmp/commit.log"; }

section "commit a bad manifest"
t0=$(date +%s)
mkdir -p k8s
cp "$repo/testdata/integrations/bad-role.yaml" k8s/role.yaml
git_quiet add k8s/role.yaml
before=$(commits)
commit "bad role"
show
[[ $status -ne 0 ]] || fail "the commit of a bad manifest went through"
[[ $(commits) == "$before" ]] || fail "a commit was created"
grep -q '^akslint\.*Failed' "$tmp/commit.log" || fail "hook not reported as Failed"
grep -q 'RBAC001 wildcard-verbs' "$tmp/commit.log" || fail "the finding RBAC001 is not in the output"
grep -q 'k8s/role.yaml:11:13' "$tmp/commit.log" || fail "the finding's location k8s/role.yaml:11:13 is not in the output"
grep -q -- '- exit code: 1' "$tmp/commit.log" || fail "exit code 1 not reported"
pass "commit refused (exit $status), akslint Failed with RBAC001 at k8s/role.yaml:11:13 ($(($(date +%s) - t0)) s)"
git reset -q

section "commit a good manifest and a non-manifest YAML (Helm values)"
cp "$repo/testdata/integrations/good-configmap.yaml" k8s/configmap.yaml
cp "$repo/testdata/integrations/not-a-manifest.yaml" values.yaml
git_quiet add k8s/configmap.yaml values.yaml
before=$(commits)
commit "good manifest"
show
[[ $status -eq 0 ]] || fail "the commit of a good manifest was refused"
[[ $(commits) == $((before + 1)) ]] || fail "no commit created"
grep -q '^akslint\.*Passed' "$tmp/commit.log" || fail "hook not reported as Passed"
pass "commit created, akslint Passed"

section "commit a non-manifest YAML alone"
printf 'nodeSelector:\n  kubernetes.io/os: linux\n' >>values.yaml
git_quiet add values.yaml
commit "values only"
show
[[ $status -eq 0 ]] || fail "a non-manifest YAML made the hook fail"
grep -q '^akslint\.*Passed' "$tmp/commit.log" || fail "hook not reported as Passed for a non-manifest YAML"
pass "akslint Passed (the file is skipped, not an error)"

section "commit a Markdown file only"
echo "# notes" >NOTES.md
git_quiet add NOTES.md
commit "notes"
show
[[ $status -eq 0 ]] || fail "commit of a Markdown file refused"
grep -q '^akslint\.*(no files to check)Skipped' "$tmp/commit.log" || fail "hook not skipped for a non-YAML/JSON file"
pass "akslint Skipped (files: \\.(ya?ml|json)$)"

section "fix the bad manifest and commit it"
sed -i.bak 's/verbs: \["\*"\]/verbs: ["get", "list", "watch"]/' k8s/role.yaml
rm -f k8s/role.yaml.bak
git_quiet add k8s/role.yaml
commit "fixed role"
show
[[ $status -eq 0 ]] || fail "the fixed manifest was refused"
grep -q '^akslint\.*Passed' "$tmp/commit.log" || fail "hook not reported as Passed after the fix"
pass "commit created, akslint Passed"

total=$(($(date +%s) - start))
echo "test-precommit.sh: all checks passed in ${total} s (hook environment install ${install_s} s, the rest $((total - install_s)) s)"
