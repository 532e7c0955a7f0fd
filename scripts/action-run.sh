#!/usr/bin/env bash
# Run step of the GitHub Action (action.yml). Testable locally: scripts/test-action.sh.
#
# Reads the action's inputs from the environment (never from the script text, so an input
# cannot inject shell code):
#   AKSLINT_BIN              the akslint binary (default: akslint on PATH)
#   INPUT_PATHS              files, directories or globs: one per line, or separated by blanks
#                            when on one line (default "."); globs are expanded by akslint
#   INPUT_CONFIG             configuration file; passed as `--config FILE` only when not empty
#   INPUT_POLICIES           extra policy directories (same splitting as paths)
#   INPUT_FAIL_ON            critical|high|medium|low; empty: the configuration file's fail-on,
#                            else low (a --fail-on flag would override the configuration file)
#   INPUT_SELECT, INPUT_IGNORE  comma lists of policy ids or prefixes
#   INPUT_FORMAT             log format: github (annotations + job summary, default), human,
#                            concise, json or sarif
#   INPUT_WORKING_DIRECTORY  directory to run in, relative to GITHUB_WORKSPACE (default ".")
#   INPUT_SARIF_FILE         SARIF report path, relative to the working directory
#                            (default akslint.sarif)
#   GITHUB_WORKSPACE, GITHUB_OUTPUT, GITHUB_STEP_SUMMARY  as set by the runner
#
# Writes to $GITHUB_OUTPUT: findings (count), sarif-file (absolute path), exit-code (0 clean,
# 1 findings at or above fail-on, 2 usage or configuration error).
#
# The script itself exits 0 whenever akslint ran, so that the SARIF upload step runs on
# findings too; the action's last step exits with `exit-code`. Set AKSLINT_ACTION_EXIT=1 to make
# this script exit with akslint's status directly (local use).
set -uo pipefail
set -f # never let the shell expand a glob meant for akslint

bin="${AKSLINT_BIN:-akslint}"
workspace="${GITHUB_WORKSPACE:-$PWD}"
fail_on="${INPUT_FAIL_ON:-}"
format="${INPUT_FORMAT:-github}"
sarif_input="${INPUT_SARIF_FILE:-akslint.sarif}"

output() {
  if [[ -n "${GITHUB_OUTPUT:-}" ]]; then
    echo "$1=$2" >>"$GITHUB_OUTPUT"
  fi
}

finish() {
  local code="$1"
  output exit-code "$code"
  echo "akslint exit status: $code (fail-on: ${fail_on:-from the configuration, else low})"
  if [[ "${AKSLINT_ACTION_EXIT:-0}" == 1 ]]; then
    exit "$code"
  fi
  exit 0
}

fail_usage() {
  echo "::error title=akslint action::$1"
  output findings 0
  finish 2
}

# split VALUE into the array SPLIT: one item per line when VALUE has several lines (so a path
# may contain blanks), else one per blank-separated word. Empty items are dropped. (No namerefs:
# macOS ships bash 3.2.)
split_list() {
  local value="$1" item
  SPLIT=()
  if [[ "$value" == *$'\n'* ]]; then
    while IFS= read -r item; do
      item="${item%$'\r'}"
      item="${item#"${item%%[![:space:]]*}"}"
      item="${item%"${item##*[![:space:]]}"}"
      if [[ -n "$item" ]]; then
        SPLIT+=("$item")
      fi
    done <<<"$value"
  else
    read -r -a SPLIT <<<"$value" || true
  fi
}

case "$fail_on" in
  "" | critical | high | medium | low) ;;
  *) fail_usage "fail-on must be critical, high, medium or low, not '$fail_on'" ;;
esac
case "$format" in
  github | human | concise | json | sarif) ;;
  *) fail_usage "format must be github, human, concise, json or sarif, not '$format'" ;;
esac

# --- working directory -----------------------------------------------------------------------
workdir="${INPUT_WORKING_DIRECTORY:-.}"
if [[ "$workdir" != /* ]]; then
  workdir="$workspace/$workdir"
fi
if ! cd "$workdir" 2>/dev/null; then
  fail_usage "working-directory '${INPUT_WORKING_DIRECTORY:-.}' does not exist"
fi
workdir="$(pwd -P)"
workspace_real="$(cd "$workspace" 2>/dev/null && pwd -P || echo "$workspace")"
# akslint reports paths relative to the directory it runs in; GitHub reads annotation and SARIF
# paths relative to the repository root. `prefix` is the working directory relative to the
# workspace ("" when they are the same).
prefix=""
if [[ "$workdir" != "$workspace_real" ]]; then
  if [[ "$workdir" == "$workspace_real"/* ]]; then
    prefix="${workdir#"$workspace_real"/}/"
  else
    echo "::warning title=akslint action::working-directory $workdir is outside GITHUB_WORKSPACE; annotation and SARIF paths stay relative to it"
  fi
fi

# --- arguments ---------------------------------------------------------------------------------
paths=(.)
split_list "${INPUT_PATHS:-.}"
if [[ ${#SPLIT[@]} -gt 0 ]]; then
  paths=("${SPLIT[@]}")
fi
split_list "${INPUT_POLICIES:-}"
policy_dirs=()
if [[ ${#SPLIT[@]} -gt 0 ]]; then
  policy_dirs=("${SPLIT[@]}")
fi

# options first, the paths after `--`: a path such as `-dash.yaml` is a file, never an option
args=(check)
if [[ -n "$fail_on" ]]; then
  args+=(--fail-on "$fail_on")
fi
if [[ -n "${INPUT_CONFIG:-}" ]]; then
  args+=(--config "$INPUT_CONFIG") # needs akslint's --config option
fi
for dir in ${policy_dirs[@]+"${policy_dirs[@]}"}; do
  args+=(--policies "$dir")
done
if [[ -n "${INPUT_SELECT:-}" ]]; then
  args+=(--select "$INPUT_SELECT")
fi
if [[ -n "${INPUT_IGNORE:-}" ]]; then
  args+=(--ignore "$INPUT_IGNORE")
fi

if [[ "$sarif_input" == /* ]]; then
  sarif_file="$sarif_input"
else
  sarif_file="$workdir/$sarif_input"
fi
mkdir -p "$(dirname "$sarif_file")"
tmp="$(mktemp -d "${RUNNER_TEMP:-${TMPDIR:-/tmp}}/akslint-action.XXXXXX")"
trap 'rm -rf "$tmp"' EXIT

# akslint OPTIONS... -- PATHS...
run_akslint() {
  "$bin" "${args[@]}" "$@" -- "${paths[@]}"
}

echo "Running in $workdir: $bin ${args[*]} -- ${paths[*]}"

# --- 1. SARIF report (for code scanning) -------------------------------------------------------
# The summary and the skipped-file notices are printed once, by the log run below (3.).
run_akslint --format sarif --output "$sarif_file" --exit-zero --quiet
code=$?
if [[ $code -ne 0 ]]; then
  echo "::error title=akslint::akslint failed with exit status $code (usage or configuration error, see above)"
  output findings 0
  finish "$code"
fi
if [[ -n "$prefix" ]]; then
  # Code scanning ignores originalUriBaseIds: make the relative URIs relative to the repository.
  py="$(command -v python3 || command -v python || true)"
  if [[ -n "$py" ]]; then
    "$py" - "$sarif_file" "$prefix" "$workspace_real" <<'PY'
import json, sys, urllib.parse, pathlib
path, prefix, root = sys.argv[1], urllib.parse.quote(sys.argv[2]), sys.argv[3]
with open(path, encoding="utf-8") as f:
    sarif = json.load(f)
def fix(loc):
    art = loc.get("physicalLocation", {}).get("artifactLocation", {})
    uri = art.get("uri")
    if uri and art.get("uriBaseId") == "%SRCROOT%" and ":" not in uri.split("/")[0]:
        art["uri"] = prefix + uri
for run in sarif.get("runs", []):
    run.setdefault("originalUriBaseIds", {})["%SRCROOT%"] = {"uri": pathlib.Path(root).as_uri() + "/"}
    for result in run.get("results", []):
        for loc in result.get("locations", []) + result.get("relatedLocations", []):
            fix(loc)
with open(path, "w", encoding="utf-8") as f:
    json.dump(sarif, f, indent=2, sort_keys=True)
    f.write("\n")
PY
  else
    echo "::warning title=akslint action::no python3 on this runner: SARIF paths stay relative to $prefix"
  fi
fi
output sarif-file "$sarif_file"

# --- 2. the count ----------------------------------------------------------------------------
run_akslint --format json --output "$tmp/report.json" --exit-zero --quiet
code=$?
if [[ $code -ne 0 ]]; then
  output findings 0
  finish "$code"
fi
# keys are sorted: the last `"findings": <number>` is summary.findings (the list is `"findings": [`)
findings="$(grep -o '"findings": *[0-9][0-9]*' "$tmp/report.json" | tail -n1 | grep -o '[0-9][0-9]*$' || true)"
findings="${findings:-0}"
severity_count() {
  grep -o "\"$1\": *[0-9][0-9]*" "$tmp/report.json" | tail -n1 | grep -o '[0-9][0-9]*$' || echo 0
}
output findings "$findings"

# --- 3. the log: annotations (github) or the chosen format; its status is the action's --------
if [[ "$format" == github ]]; then
  # akslint appends the Markdown job summary to $GITHUB_STEP_SUMMARY itself.
  run_akslint --format github >"$tmp/annotations"
  code=$?
  if [[ -n "$prefix" ]]; then
    # workflow-command property values escape % : , as %25 %3A %2C
    esc="${prefix//%/%25}"
    esc="${esc//:/%3A}"
    esc="${esc//,/%2C}"
    re='^(::[a-z]+ )file=(.*)$'
    while IFS= read -r line; do
      if [[ "$line" =~ $re ]]; then
        line="${BASH_REMATCH[1]}file=${esc}${BASH_REMATCH[2]}"
      fi
      printf '%s\n' "$line"
    done <"$tmp/annotations"
  else
    cat "$tmp/annotations"
  fi
else
  run_akslint --format "$format"
  code=$?
  if [[ -n "${GITHUB_STEP_SUMMARY:-}" && $code -le 1 ]]; then
    {
      echo "## akslint"
      echo
      echo "$findings findings ($(severity_count critical) critical, $(severity_count high) high, $(severity_count medium) medium, $(severity_count low) low); \`fail-on: ${fail_on:-default}\`. The findings are in the job log (format \`$format\`) and in \`${prefix}${sarif_input}\`."
    } >>"$GITHUB_STEP_SUMMARY"
  fi
fi
if [[ $code -gt 2 ]]; then
  code=2
fi
echo "akslint: $findings findings; SARIF report: $sarif_file"
finish "$code"
