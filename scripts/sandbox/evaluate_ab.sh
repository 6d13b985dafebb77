#!/usr/bin/env bash
# A/B of whole `codeeval evaluate humaneval --canonical` commands (the evaluation path as users run it, Swift side
# included), alternating variants round by round so that drift of the machine hits every variant alike. Prints, per
# variant, the wall time and the CPU time of every task of the process tree (`perf stat -e task-clock`, which
# follows forks into the zygotes, launchers and jails), each as a median with all values.
#
# Usage: scripts/sandbox/evaluate_ab.sh ROUNDS NAME "ENV=VALUE ..." [NAME "ENV=VALUE ..."]...
#   e.g. scripts/sandbox/evaluate_ab.sh 9 before "CODEEVAL_SANDBOX=/tmp/old/codeeval-sandbox" after ""
# CODEEVAL_BIN (default .build/release/codeeval) is the CLI; a variant's environment usually points CODEEVAL_SANDBOX
# at another launcher build. Needs perf; run it on an otherwise idle machine (PAUSE_PATTERN: processes matching it are
# SIGSTOPped for the duration and continued after, e.g. PAUSE_PATTERN='codeeval compare').
set -euo pipefail
[[ $# -ge 3 && $(( ($# - 1) % 2 )) -eq 0 ]] || { sed -n '2,10p' "$0"; exit 2; }
rounds=$1; shift
bin=${CODEEVAL_BIN:-.build/release/codeeval}
# Datasets: CODEEVAL_DATA when set, else the user cache that `codeeval datasets fetch` fills.
export CODEEVAL_DATA=${CODEEVAL_DATA:-${XDG_CACHE_HOME:-$HOME/.cache}/codeeval/datasets}
tmp=$(mktemp -d)
trap '[[ -n "${PAUSE_PATTERN:-}" ]] && pkill -CONT -f "$PAUSE_PATTERN"; rm -rf "$tmp"' EXIT
[[ -n "${PAUSE_PATTERN:-}" ]] && pkill -STOP -f "$PAUSE_PATTERN" && sleep 2
declare -A wall cpu
for _ in $(seq "$rounds"); do
  args=("$@")
  for ((j = 0; j < ${#args[@]}; j += 2)); do
    name=${args[j]}
    read -r -a envs <<< "${args[j+1]}"
    start=$(date +%s%N)
    env "${envs[@]}" perf stat -x, -e task-clock -o "$tmp/stat" "$bin" evaluate humaneval --canonical \
      --output "$tmp/results.jsonl" > "$tmp/out" 2>&1
    end=$(date +%s%N)
    grep -q "164/164" "$tmp/out" || { echo "variant $name did not pass 164/164:"; cat "$tmp/out"; exit 1; }
    wall[$name]+=" $(( (end - start) / 1000000 ))"
    cpu[$name]+=" $(grep task-clock "$tmp/stat" | cut -d, -f1 | cut -d. -f1)"
    sleep 1.5  # the kernel tears the last run's network namespaces down asynchronously
  done
done
median() { tr ' ' '\n' <<< "$1" | grep . | sort -n | awk '{a[NR] = $1} END {print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2}'; }
sorted() { tr ' ' '\n' <<< "$1" | grep . | sort -n | tr '\n' ' '; }
for ((j = 0; j < $#; j += 2)); do
  name=${args[j]}
  echo "$name: wall median $(median "${wall[$name]}") ms [$(sorted "${wall[$name]}")]  CPU median $(median "${cpu[$name]}") ms [$(sorted "${cpu[$name]}")]"
done
