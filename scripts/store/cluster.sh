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
bin=$(realpath "${1:-.build/debug/codeeval}")
[[ $(id -u) -eq 0 ]] || { echo "cluster.sh needs root (network namespaces, cgroups)" >&2; exit 1; }
command -v haproxy >/dev/null || { echo "haproxy is not installed (scripts/setup-system)" >&2; exit 1; }
tag=ce$$ net=10.231.$(($$ % 200 + 20)) tmp=$(mktemp -d /tmp/codeeval-cluster.XXXXXX)
export CODEEVAL_LEASE_SECONDS=3
source scripts/store/postgres.sh
pids=() lb= ref=
cleanup() {
  set +e
  for p in "${pids[@]}" $lb $ref; do kill -CONT "$p" 2>/dev/null; kill "$p" 2>/dev/null; wait "$p" 2>/dev/null; done
  pg_stop
  for i in 1 2 3; do
    ip netns del "$tag-r$i" 2>/dev/null
    rmdir "/sys/fs/cgroup/cpu/$tag-r$i" 2>/dev/null
  done
  ip link del "$tag-br" 2>/dev/null
  rm -rf "$tmp"
}
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; for f in "$tmp"/*.log; do echo "== $f" >&2; tail -5 "$f" >&2; done; exit 1; }
free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

# The submission: every HumanEval task's canonical solution and a completion that fails (328 samples), each program
# sleeping 0.15 s once at import so that the faults below land mid-job.
humaneval=$("$bin" datasets list --json --no-verify | python3 -c '
import json, sys
print(next(d["path"] for d in map(json.loads, sys.stdin) if d["dataset"] == "humaneval" and d["role"] == "test"))')
python3 - "$humaneval" >"$tmp/samples.jsonl" <<'PY'
import gzip, json, sys
raw = open(sys.argv[1], "rb").read()
problems = [json.loads(l) for l in (gzip.decompress(raw) if raw[:2] == b"\x1f\x8b" else raw).decode().splitlines() if l.strip()]
nap = "\nimport time as _t\n_t.sleep(0.15)\n"
for p in problems:
    print(json.dumps({"task_id": p["task_id"], "completion": p["canonical_solution"] + nap}))
    print(json.dumps({"task_id": p["task_id"], "completion": "    return None\n" + nap}))
PY
total=$(wc -l <"$tmp/samples.jsonl")
secret=cluster-$$-key
printf 'ci %s\n' "$(printf %s "$secret" | sha256sum | cut -d' ' -f1)" >"$tmp/keys"
auth="Authorization: Bearer $secret"

# api PORT METHOD PATH [curl args…]: the body, failing on a transport error.
api() { local port=$1 method=$2 path=$3; shift 3; curl -sS --max-time 20 -H "$auth" -X "$method" "http://127.0.0.1:$port$path" "$@"; }
field() { python3 -c "import json, sys; o = json.load(sys.stdin); print(eval(sys.argv[1], {}, {'o': o}))" "$1"; }
submit() { api "$1" POST "/v1/evaluations?benchmark=humaneval&k=1" -H 'Content-Type: application/x-ndjson' --data-binary @"$tmp/samples.jsonl" | field 'o["id"]'; }
progress() { api "$1" GET "/v1/evaluations/$2" | field 'o["progress"]["finished"]' 2>/dev/null || echo 0; }
wait_progress() {  # PORT ID COUNT
  for _ in $(seq 1200); do (($(progress "$1" "$2") >= $3)) && return 0; sleep 0.1; done
  fail "job $2 did not reach $3 finished samples"
}
wait_done() {  # PORT ID → final status object in $tmp/status.json
  for _ in $(seq 1800); do
    api "$1" GET "/v1/evaluations/$2" >"$tmp/status.json" 2>/dev/null || true
    [[ $(field 'o["status"]' <"$tmp/status.json" 2>/dev/null) =~ ^(done|failed|cancelled)$ ]] && return 0
    sleep 0.1
  done
  fail "job $2 did not end"
}

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
ip link add "$tag-br" type bridge
ip addr add "$net.1/24" dev "$tag-br"
ip link set "$tag-br" up
PG_LISTEN=$net.1 PG_PORT=$(free_port)
pg_start >/dev/null
store="postgres://codeeval@$net.1:$PG_PORT/postgres"
"$bin" migrate --store "$store" >/dev/null
backends=""
for i in 1 2 3; do
  ns=$tag-r$i
  ip netns add "$ns"
  ip link add "$tag-h$i" type veth peer name "$tag-n$i"
  ip link set "$tag-h$i" master "$tag-br" up
  ip link set "$tag-n$i" netns "$ns"
  ip -n "$ns" addr add "$net.1$i/24" dev "$tag-n$i"
  ip -n "$ns" link set "$tag-n$i" up
  ip -n "$ns" link set lo up
  mkdir "/sys/fs/cgroup/cpu/$ns"
  echo 100000 >"/sys/fs/cgroup/cpu/$ns/cpu.cfs_period_us"
  echo 50000 >"/sys/fs/cgroup/cpu/$ns/cpu.cfs_quota_us"
  # nsenter switches the network namespace only (`ip netns exec` also remounts /sys, hiding the cgroup hierarchy the
  # sandbox needs) and execs in place: the PID is the replica's, and it joins its CPU cgroup before it starts work.
  nsenter --net="/var/run/netns/$ns" "$bin" serve --store "$store" --host "$net.1$i" --port 8080 --workers 1 --api-keys "$tmp/keys" \
    >"$tmp/replica$i.log" 2>&1 &
  pids[i]=$!
  echo "${pids[i]}" >"/sys/fs/cgroup/cpu/$ns/cgroup.procs"
  backends+="    server r$i $net.1$i:8080 check inter 500 fall 2 rise 1"$'\n'
done
lbport=$(free_port)
cat >"$tmp/haproxy.cfg" <<CFG
global
    maxconn 256
defaults
    mode http
    timeout connect 1s
    timeout client 30s
    timeout server 5s
    retries 3
    option redispatch
frontend api
    bind 127.0.0.1:$lbport
    default_backend replicas
backend replicas
    balance roundrobin
    option httpchk GET /readyz
$backends
CFG
haproxy -f "$tmp/haproxy.cfg" -db >"$tmp/haproxy.log" 2>&1 &
lb=$!
for _ in $(seq 600); do
  up=0
  for i in 1 2 3; do nsenter --net="/var/run/netns/$tag-r$i" curl -sf -o /dev/null "http://$net.1$i:8080/readyz" && up=$((up + 1)); done
  ((up == 3)) && break
  sleep 0.1
done
((up == 3)) || fail "replicas not ready"
sleep 1  # haproxy's first health checks

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
