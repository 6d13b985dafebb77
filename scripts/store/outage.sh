#!/usr/bin/env bash
# `codeeval serve --store postgres://…` while PostgreSQL goes away and comes back: /readyz and the routes that touch
# the store answer 503 with Retry-After within seconds (never 500, never a hang), /healthz stays 200, and the same
# server serves again once PostgreSQL is back. Usage: scripts/store/outage.sh [path/to/codeeval]
set -euo pipefail
cd "$(dirname "$0")/../.."
bin=${1:-.build/debug/codeeval}
source scripts/store/postgres.sh
pg_start
tmp=$(mktemp -d /tmp/codeeval-outage.XXXXXX)
srv=
cleanup() {
  [[ -n $srv ]] && kill "$srv" 2>/dev/null && wait "$srv" 2>/dev/null
  pg_stop
  rm -rf "$tmp"
}
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; tail -20 "$tmp/serve.log" >&2; exit 1; }

"$bin" migrate --store "$CODEEVAL_TEST_POSTGRES_URL"
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
"$bin" serve --store "$CODEEVAL_TEST_POSTGRES_URL" --port "$port" --workers 1 >"$tmp/serve.log" 2>&1 &
srv=$!
base="http://127.0.0.1:$port"
for _ in $(seq 300); do
  curl -sf -o /dev/null "$base/readyz" && break
  kill -0 "$srv" 2>/dev/null || fail "server exited"
  sleep 0.1
done

# check METHOD PATH EXPECTED-STATUS [BODY]: one request with a 10 s ceiling; prints status, Retry-After and seconds.
check() {
  local out status retry secs
  out=$(curl -s -o /dev/null -D "$tmp/headers" -w '%{http_code} %{time_total}' --max-time 10 -X "$1" \
        ${4:+-H 'Content-Type: application/json' -d "$4"} "$base$2") || true
  status=${out%% *} secs=${out##* }
  retry=$(tr -d '\r' <"$tmp/headers" | awk -F': ' 'tolower($1) == "retry-after" {print $2}')
  echo "  $1 $2 -> $status (Retry-After: ${retry:--}) in ${secs}s"
  [[ $status == "$3" ]] || fail "$1 $2 answered $status, expected $3"
  [[ $3 != 503 || -n $retry ]] || fail "$1 $2: 503 without Retry-After"
}

exec_body='{"code":"print(1)"}'
echo "store up:"
check GET /readyz 200
check POST /v1/execute 200 "$exec_body"
check GET /v1/evaluations/no-such-job 404

pg_down
echo "store down:"
check GET /healthz 200
check GET /readyz 503
check POST /v1/execute 503 "$exec_body"
check GET /v1/evaluations/no-such-job 503
check DELETE /v1/evaluations/no-such-job 503

pg_up
echo "store back:"
for _ in $(seq 100); do
  curl -sf -o /dev/null "$base/readyz" && break
  sleep 0.1
done
check GET /readyz 200
check POST /v1/execute 200 "$exec_body"
echo "outage: ok"
