# Sourced by the cluster scripts: "hosts" on this machine for `codeeval serve` replicas sharing one PostgreSQL.
#
#   cluster_init BIN        a temporary folder, a unique tag and /24, the API key; everything is torn down at exit
#   cluster_network         a bridge on the host and PostgreSQL (scripts/store/postgres.sh) listening on it, migrated
#   cluster_replica I ARGS  replica I: its own network namespace on the bridge, capped to half a CPU (cgroup v1 cpu
#                           quota), running `codeeval serve --store ${replica_store:-$store} ARGS`; its PID in ${pids[I]}
#   cluster_lb I…           haproxy on loopback in front of those replicas (round robin, /readyz health checks),
#                           returning once every one of them is ready; its port in $lbport
#   cluster_lb_stop         stops haproxy
#   submit / progress / wait_progress / wait_done / api / field: the evaluation-job calls the scripts make
# Needs root, iproute2, haproxy and PostgreSQL (scripts/setup-system).

source scripts/store/postgres.sh
pids=() lb= ref=
cluster_replicas=()

cluster_init() {
  bin=$(realpath "$1")
  [[ $(id -u) -eq 0 ]] || { echo "$(basename "$0") needs root (network namespaces, cgroups)" >&2; exit 1; }
  command -v haproxy >/dev/null || { echo "haproxy is not installed (scripts/setup-system)" >&2; exit 1; }
  tag=ce$$ net=10.231.$(($$ % 200 + 20)) tmp=$(mktemp -d /tmp/codeeval-cluster.XXXXXX)
  secret=cluster-$$-key
  printf 'ci %s\n' "$(printf %s "$secret" | sha256sum | cut -d' ' -f1)" >"$tmp/keys"
  auth="Authorization: Bearer $secret"
  trap cluster_cleanup EXIT
}

cluster_cleanup() {
  set +e
  for p in "${pids[@]}" $lb $ref; do kill -CONT "$p" 2>/dev/null; kill "$p" 2>/dev/null; wait "$p" 2>/dev/null; done
  pg_stop
  for i in "${cluster_replicas[@]}"; do
    ip netns del "$tag-r$i" 2>/dev/null
    for _ in $(seq 50); do rmdir "/sys/fs/cgroup/cpu/$tag-r$i" 2>/dev/null && break; sleep 0.1; done
  done
  ip link del "$tag-br" 2>/dev/null
  rm -rf "$tmp"
}

fail() { echo "FAIL: $*" >&2; for f in "$tmp"/*.log; do echo "== $f" >&2; tail -5 "$f" >&2; done; exit 1; }
free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

cluster_network() {
  ip link add "$tag-br" type bridge
  ip addr add "$net.1/24" dev "$tag-br"
  ip link set "$tag-br" up
  PG_LISTEN=$net.1 PG_PORT=$(free_port)
  pg_start >/dev/null
  store="postgres://codeeval@$net.1:$PG_PORT/postgres"
  "$bin" migrate --store "$store" >/dev/null
}

cluster_replica() {
  local i=$1 ns=$tag-r$1
  shift
  if [[ ! -e /var/run/netns/$ns ]]; then
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
    cluster_replicas+=("$i")
  fi
  # nsenter switches the network namespace only (`ip netns exec` also remounts /sys, hiding the cgroup hierarchy the
  # sandbox needs) and execs in place: the PID is the replica's, and it joins its CPU cgroup before it starts work.
  nsenter --net="/var/run/netns/$ns" "$bin" serve --store "${replica_store:-$store}" --host "$net.1$i" --port 8080 --api-keys "$tmp/keys" "$@" \
    >>"$tmp/replica$i.log" 2>&1 &
  pids[i]=$!
  echo "${pids[i]}" >"/sys/fs/cgroup/cpu/$ns/cgroup.procs"
}

cluster_lb() {
  local backends="" i up
  for i in "$@"; do backends+="    server r$i $net.1$i:8080 check inter 500 fall 2 rise 1"$'\n'; done
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
    for i in "$@"; do nsenter --net="/var/run/netns/$tag-r$i" curl -sf -o /dev/null "http://$net.1$i:8080/readyz" && up=$((up + 1)); done
    ((up == $#)) && break
    sleep 0.1
  done
  ((up == $#)) || fail "replicas not ready"
  sleep 1  # haproxy's first health checks
}

cluster_lb_stop() { kill "$lb" 2>/dev/null; wait "$lb" 2>/dev/null || true; lb=; }

# api PORT METHOD PATH [curl args…]: the body, failing on a transport error.
api() { local port=$1 method=$2 path=$3; shift 3; curl -sS --max-time 20 -H "$auth" -X "$method" "http://127.0.0.1:$port$path" "$@"; }
field() { python3 -c "import json, sys; o = json.load(sys.stdin); print(eval(sys.argv[1], {}, {'o': o}))" "$1"; }
# submit PORT [FILE]: an evaluation job of the samples in FILE (default $tmp/samples.jsonl); prints its id.
submit() { api "$1" POST "/v1/evaluations?benchmark=humaneval&k=1" -H 'Content-Type: application/x-ndjson' --data-binary @"${2:-$tmp/samples.jsonl}" | field 'o["id"]'; }
progress() { api "$1" GET "/v1/evaluations/$2" | field 'o["progress"]["finished"]' 2>/dev/null || echo 0; }
wait_progress() {  # PORT ID COUNT
  for _ in $(seq 1200); do (($(progress "$1" "$2") >= $3)) && return 0; sleep 0.1; done
  fail "job $2 did not reach $3 finished samples"
}
wait_done() {  # PORT ID → final status object in $tmp/status.json
  # curl and grep only: a Python start per poll would take CPU from the replicas being measured (scaling.sh).
  for _ in $(seq 3000); do
    api "$1" GET "/v1/evaluations/$2" >"$tmp/status.json" 2>/dev/null || true
    grep -Eq '^\{"id": *"[^"]*", *"benchmark": *"[^"]*", *"status": *"(done|failed|cancelled)"' "$tmp/status.json" && return 0
    sleep 0.1
  done
  fail "job $2 did not end"
}

# humaneval_samples NAP: every HumanEval task's canonical solution and a completion that fails (328 samples) on
# stdout, each program sleeping NAP seconds once at import (0: no sleep).
humaneval_samples() {
  local path
  path=$("$bin" datasets list --json --no-verify | python3 -c '
import json, sys
print(next(d["path"] for d in map(json.loads, sys.stdin) if d["dataset"] == "humaneval" and d["role"] == "test"))')
  python3 - "$path" "$1" <<'PY'
import gzip, json, sys
raw = open(sys.argv[1], "rb").read()
problems = [json.loads(l) for l in (gzip.decompress(raw) if raw[:2] == b"\x1f\x8b" else raw).decode().splitlines() if l.strip()]
nap = f"\nimport time as _t\n_t.sleep({sys.argv[2]})\n" if float(sys.argv[2]) > 0 else ""
for p in problems:
    print(json.dumps({"task_id": p["task_id"], "completion": p["canonical_solution"] + nap}))
    print(json.dumps({"task_id": p["task_id"], "completion": "    return None\n" + nap}))
PY
}
