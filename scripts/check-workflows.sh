#!/usr/bin/env bash
# Static checks of the GitHub workflows (they cannot run here): zizmor's security audits, offline
# (template injection, credentials persisted by checkout, excessive permissions, unpinned actions,
# cache poisoning, ...) of .github/workflows/, action.yml and the README's example workflow, and
# the GitHub workflow JSON schema. Both must pass. The tools come
# pinned from scripts/ci-requirements.txt (scripts/ci-venv.sh, cached in target/ci-venv).
set -euo pipefail
cd "$(dirname "$0")/.."
PATH="$(scripts/ci-venv.sh):$PATH"
shopt -s nullglob
workflows=(.github/workflows/*.yml .github/workflows/*.yaml)
[[ ${#workflows[@]} -gt 0 ]] || { echo "check-workflows.sh: no workflow in .github/workflows" >&2; exit 1; }
# the README's ready-to-copy workflow too (users copy it as it is)
tmp="$(mktemp -d "${TMPDIR:-/tmp}/akslint-check-workflows.XXXXXX")"
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/.github/workflows"
python3 - README.md "$tmp/.github/workflows/readme-akslint.yml" <<'PY'
import re, sys
text = open(sys.argv[1], encoding="utf-8").read()
section = text.split("### GitHub Action\n", 1)[1].split("\n### ", 1)[0]
open(sys.argv[2], "w", encoding="utf-8").write(re.search(r"```yaml\n(.*?)```", section, re.S).group(1))
PY
echo "== zizmor $(zizmor --version | awk '{print $2}') --offline .github/workflows/ action.yml (and the README's workflow)"
zizmor --offline --no-progress .github/workflows/ action.yml "$tmp/.github/workflows/readme-akslint.yml"
echo "== check-jsonschema --builtin-schema vendor.github-workflows ${workflows[*]}"
check-jsonschema --builtin-schema vendor.github-workflows "${workflows[@]}"
# every action pinned by a full commit SHA with its version in a comment (zizmor's unpinned-uses
# accepts any SHA; the comment is for people and for Dependabot)
bad="$(grep -nE '^\s*-?\s*uses:' "${workflows[@]}" action.yml | grep -vE 'uses: [^@ ]+@[0-9a-f]{40} # v[0-9]+(\.[0-9]+)*$' || true)"
if [[ -n "$bad" ]]; then
  echo "check-workflows.sh: actions not pinned as 'uses: owner/repo@<40-hex SHA> # vX.Y.Z':" >&2
  echo "$bad" >&2
  exit 1
fi
echo "check-workflows.sh: all checks passed (${#workflows[@]} workflows, action.yml)"
