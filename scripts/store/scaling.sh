#!/usr/bin/env bash
# Throughput of `codeeval serve` replicas behind haproxy, each in a network namespace of its own and capped to half a
# CPU (the cluster test's hosts, scripts/store/cluster-lib.sh): one evaluation job of COPIES × 328 HumanEval samples
# (canonical solutions and failing completions, judged in the sandbox) through the load balancer, timed from submit
# to done, for one replica on SQLite, then 1, 2 and 3 replicas on one PostgreSQL. Prints samples/s and the ratios
# (PostgreSQL ÷ SQLite for one replica, n replicas ÷ one). Every job must end `done` with every verdict.
# Needs root, iproute2, haproxy, PostgreSQL, the datasets and the sandbox; measure with a release build on a quiet
# machine. Usage: scripts/store/scaling.sh [path/to/codeeval] [COPIES]   (default .build/release/codeeval, 2)
set -euo pipefail
cd "$(dirname "$0")/../.."
source scripts/store/cluster-lib.sh
cluster_init "${1:-.build/release/codeeval}"
copies=${2:-2}
humaneval_samples 0 >"$tmp/one.jsonl"
for _ in $(seq "$copies"); do cat "$tmp/one.jsonl"; done >"$tmp/samples.jsonl"
total=$(wc -l <"$tmp/samples.jsonl")
cluster_network

# measure NAME REPLICA…: starts the replicas, times one job through haproxy, stops them; rate in $rate.
measure() {
  local name=$1 i t0 t1 n
  shift
  for i in "$@"; do cluster_replica "$i" --workers 1; done
  cluster_lb "$@"
  t0=$(date +%s.%N)
  local id; id=$(submit "$lbport")
  wait_done "$lbport" "$id"
  t1=$(date +%s.%N)
  [[ $(field 'o["status"]' <"$tmp/status.json") == done ]] || fail "$name: job did not finish: $(cat "$tmp/status.json")"
  n=$(api "$lbport" GET "/v1/evaluations/$id/results" | wc -l)
  ((n == total)) || fail "$name: $n results for $total samples"
  rate=$(python3 -c "print(f'{$total / ($t1 - $t0):.2f}')")
  printf '  %-26s %6.1f s   %7s samples/s\n' "$name" "$(python3 -c "print($t1 - $t0)")" "$rate"
  cluster_lb_stop
  for i in "$@"; do kill "${pids[i]}"; wait "${pids[i]}" 2>/dev/null || true; unset "pids[$i]"; done
}

echo "$total samples per job; replicas capped to half a CPU each, --workers 1; $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(nproc) CPUs"
replica_store="sqlite:$tmp/replica-sqlite.sqlite" measure "1 replica, SQLite" 1
sqlite=$rate
measure "1 replica, PostgreSQL" 1
one=$rate
measure "2 replicas, PostgreSQL" 1 2
two=$rate
measure "3 replicas, PostgreSQL" 1 2 3
three=$rate
python3 - "$sqlite" "$one" "$two" "$three" <<'PY'
import sys
sqlite, one, two, three = map(float, sys.argv[1:])
print(f"PostgreSQL ÷ SQLite (one replica): {one / sqlite:.2f}×   2 replicas ÷ 1: {two / one:.2f}×   3 replicas ÷ 1: {three / one:.2f}×")
PY
