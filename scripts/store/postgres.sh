# Sourced by scripts that need a real PostgreSQL: `pg_start` initialises a throwaway cluster in a temporary folder,
# starts Debian's server on a Unix socket in that folder (no TCP port to collide with) as a non-root user, and
# exports its URL in CODEEVAL_TEST_POSTGRES_URL; `pg_stop` stops that server by its PID and removes the folder.
# `pg_down` / `pg_up` stop and restart the same server (an outage). It runs with fsync off: it holds test data only.
# With PG_LISTEN=ADDRESS (and PG_PORT) it also listens on TCP there, trusting that address's /24 (cluster tests).

pg_start() {
  PG_BIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
  [[ -x $PG_BIN/postgres ]] || { echo "PostgreSQL server not installed (scripts/setup-system installs it)" >&2; return 1; }
  PG_DIR=$(mktemp -d /tmp/codeeval-pg.XXXXXX)
  PG_AS=()
  if [[ $(id -u) -eq 0 ]]; then
    # PostgreSQL refuses to run as root; setpriv execs in place, so the PID pg_up records is the server's own.
    chown postgres: "$PG_DIR"
    PG_AS=(setpriv --reuid=postgres --regid=postgres --init-groups)
  fi
  "${PG_AS[@]}" "$PG_BIN/initdb" -D "$PG_DIR/data" -U codeeval -A trust --no-sync >"$PG_DIR/initdb.log" 2>&1 \
    || { cat "$PG_DIR/initdb.log" >&2; return 1; }
  [[ -n ${PG_LISTEN:-} ]] && echo "host all all ${PG_LISTEN%.*}.0/24 trust" >>"$PG_DIR/data/pg_hba.conf"
  export CODEEVAL_TEST_POSTGRES_URL="postgres://codeeval@${PG_PORT:+:$PG_PORT}/postgres?host=$PG_DIR"
  pg_up && echo "PostgreSQL $("$PG_BIN/postgres" --version | awk '{print $3}') (pid $PG_PID) at $CODEEVAL_TEST_POSTGRES_URL"
}

pg_up() {
  "${PG_AS[@]}" "$PG_BIN/postgres" -D "$PG_DIR/data" -k "$PG_DIR" -c listen_addresses="${PG_LISTEN:-}" -p "${PG_PORT:-5432}" -c fsync=off \
    -c max_connections=200 >>"$PG_DIR/server.log" 2>&1 &
  PG_PID=$!
  local i
  for i in $(seq 150); do
    "$PG_BIN/pg_isready" -q -h "$PG_DIR" -p "${PG_PORT:-5432}" -U codeeval && return 0
    kill -0 "$PG_PID" 2>/dev/null || break
    sleep 0.1
  done
  cat "$PG_DIR/server.log" >&2
  return 1
}

pg_down() {
  # SIGINT is a fast shutdown: it closes client sessions instead of waiting for them to end.
  [[ -n ${PG_PID:-} ]] && kill -INT "$PG_PID" 2>/dev/null && wait "$PG_PID" 2>/dev/null
  PG_PID=
  return 0
}

pg_stop() {
  pg_down
  [[ -n ${PG_DIR:-} ]] && rm -rf "$PG_DIR"
  PG_DIR=
  return 0
}
