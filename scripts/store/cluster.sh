#!/usr/bin/env bash
# Three `codeeval serve` replicas on one PostgreSQL store, each in a network namespace of its own behind haproxy,
# each capped to half a CPU (cgroup cpu quota). One evaluation job (HumanEval canonical solutions and failing
# completions, twice over) is submitted through the load balancer while the script, in turn: kill -9s a replica,
# pauses one past its lease (SIGSTOP), cuts one's network past its lease, and restarts PostgreSQL. It then checks
# that the job finished and was finalised once, that every sample has one verdict, and that the results equal a
# one-process SQLite run of the same submission, line for line. Everything is torn down by PID and by name.
# Needs root, iproute2, haproxy and PostgreSQL (scripts/setup-system), the datasets, and the sandbox.
# Usage: scripts/store/cluster.sh [path/to/codeeval]
set -euo pipefail
cd "$(dirname "$0")/../.."
export CODEEVAL_LEASE_SECONDS=3
source scripts/store/cluster-lib.sh
cluster_init "${1:-.build/debug/codeeval}"

# The submission: 328 samples, each program sleeping 0.15 s once at import so that the faults below land mid-job.
humaneval_samples 0.15 >"$tmp/samples.jsonl"
total=$(wc -l <"$tmp/samples.jsonl")

# Reference: one process, SQLite, loopback.
port=$(free_port)
"$bin" serve --db "$tmp/ref.sqlite" --port "$port" --workers 4 --api-keys "$tmp/keys" >"$tmp/ref.log" 2>&1 &
ref=$!
for _ in $(seq 300); do curl -sf -o /dev/null "http://127.0.0.1:$port/readyz" && break; sleep 0.1; done
id=$(submit "$port")
wait_done "$port" "$id"
api "$port" GET "/v1/evaluations/$id/results" >"$tmp/reference.jsonl"
kill "$ref"; wait "$ref" 2>/dev/null || true; ref=
echo "reference (one process, SQLite): $(field 'o["status"], o["progress"], o.get("pass_at_k")' <"$tmp/status.json")"

# The network: a bridge on the host, one namespace per replica; PostgreSQL listens on the bridge.
cluster_network
for i in 1 2 3; do cluster_replica "$i" --workers 1; done
cluster_lb 1 2 3

id=$(submit "$lbport")
echo "submitted $id ($total samples) through haproxy to 3 replicas"
# fault PERCENT MESSAGE: waits for that share of verdicts, checks the job is still running, prints MESSAGE.
fault() {
  wait_progress "$lbport" "$id" $((total * $1 / 100))
  local at; at=$(progress "$lbport" "$id")
  ((at < total)) || fail "the job finished before the fault ($2) could land"
  echo "  at $at/$total: $2"
}
fault 15 "kill -9 replica 2"
kill -9 "${pids[2]}"; wait "${pids[2]}" 2>/dev/null || true; unset 'pids[2]'
fault 30 "SIGSTOP replica 3 for 2 leases"
kill -STOP "${pids[3]}"; sleep $((2 * CODEEVAL_LEASE_SECONDS)); kill -CONT "${pids[3]}"
fault 50 "network of replica 1 cut for 2 leases"
ip link set "$tag-h1" down; sleep $((2 * CODEEVAL_LEASE_SECONDS)); ip link set "$tag-h1" up
fault 70 "PostgreSQL stopped, restarted 2 s later"
pg_down; sleep 2; pg_up
wait_done "$lbport" "$id"
api "$lbport" GET "/v1/evaluations/$id/results" >"$tmp/cluster.jsonl"
echo "cluster: $(field 'o["status"], o["progress"], o.get("pass_at_k")' <"$tmp/status.json")"

[[ $(field 'o["status"]' <"$tmp/status.json") == done ]] || fail "job did not finish: $(cat "$tmp/status.json")"
cmp -s "$tmp/reference.jsonl" "$tmp/cluster.jsonl" || fail "results differ from the one-process SQLite run"
[[ $(wc -l <"$tmp/cluster.jsonl") -eq $total ]] || fail "$(wc -l <"$tmp/cluster.jsonl") results for $total samples"
finals=$(cat "$tmp"/replica*.log | grep -c 'job done' || true)
[[ $finals -eq 1 ]] || fail "job finalised $finals times"
psql -qtA "$store" -c "SELECT count(*) FILTER (WHERE result IS NULL), count(DISTINCT verdict_by), count(*) FILTER (WHERE attempts > 1) FROM sample" \
  | { IFS='|' read -r pending verdicters retried
      [[ $pending -eq 0 ]] || fail "$pending samples without a verdict"
      echo "OK: $total/$total verdicts equal to the one-process run, finalised once; verdicts by $verdicters runners, $retried samples claimed more than once"; }
