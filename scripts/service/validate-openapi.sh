#!/usr/bin/env bash
# Validates the served OpenAPI document with openapi-spec-validator (PyPI) in a throwaway venv.
# Usage: scripts/service/validate-openapi.sh [.build/debug/codeeval]
set -euo pipefail
bin="${1:-.build/debug/codeeval}"
venv="${TMPDIR:-/tmp}/codeeval-openapi-venv"
[[ -x "$venv/bin/python" ]] || python3 -m venv "$venv"
"$venv/bin/pip" install -q openapi-spec-validator pyyaml
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
db=$(mktemp -d)/service.sqlite
"$bin" serve --port "$port" --db "$db" --unsafe-no-sandbox 2>/dev/null &
pid=$!
trap 'kill $pid 2>/dev/null || true' EXIT
for _ in $(seq 100); do curl -fsS "http://127.0.0.1:$port/healthz" >/dev/null 2>&1 && break; sleep 0.1; done
curl -fsS "http://127.0.0.1:$port/openapi.yaml" -o "${db%.sqlite}.yaml"
"$venv/bin/python" - "${db%.sqlite}.yaml" <<'PY'
import sys, yaml
from openapi_spec_validator import validate
spec = yaml.safe_load(open(sys.argv[1]))
validate(spec)
print(f"openapi.yaml valid (OpenAPI {spec['openapi']}, {len(spec['paths'])} paths)")
PY
