#!/usr/bin/env bash
# End to end: `codeeval humaneval --k 1` with our engine, then the same protocol with llama.cpp generating
# (llama-cpp-python's OpenAI-compatible server on the same GGUF, reached through --endpoint), judged by the same
# sandbox; prints both wall times, their ratio and both pass@1 values.
#
# Usage: scripts/bench/humaneval-llamacpp.sh BIN VENV_PYTHON [MODEL] [-- extra humaneval args, e.g. --limit 20]
# VENV_PYTHON: a Python with llama-cpp-python and its server extras (uvicorn, fastapi, sse-starlette,
# starlette-context, pydantic-settings). Run on a quiet machine.
set -euo pipefail
BIN=$1 PY=$2 MODEL=${3:-qwen2.5-coder-0.5b}
shift 2; [ $# -gt 0 ] && shift
[ "${1:-}" = "--" ] && shift
EXTRA=("$@")
WORK=$(mktemp -d)
PORT=${PORT:-18765}
SERVER=""
cleanup() { [ -n "$SERVER" ] && kill "$SERVER" 2>/dev/null; wait 2>/dev/null; rm -rf "$WORK"; }
trap cleanup EXIT

GGUF=$("$BIN" models list | awk -v m="$MODEL" '$1 == m { print $NF }')
[ -f "$GGUF" ] || { echo "model $MODEL is not cached: codeeval models fetch $MODEL" >&2; exit 1; }
summary() { tail -n 1 "$1" | python3 -c 'import json,sys; d=json.load(sys.stdin); print(d["pass_at_k"]["pass@1"], d["generated_tokens"], "tokens")'; }

start=$(date +%s%N)
"$BIN" humaneval --k 1 --model "$MODEL" --db "$WORK/ours.sqlite" --json "${EXTRA[@]}" > "$WORK/ours.json" 2> "$WORK/ours.err"
ours=$(( $(date +%s%N) - start ))

"$PY" -m llama_cpp.server --model "$GGUF" --host 127.0.0.1 --port "$PORT" --n_threads "$(nproc)" --n_ctx 4096 \
    > "$WORK/server.log" 2>&1 &
SERVER=$!
for _ in $(seq 1 120); do
    curl -sf "http://127.0.0.1:$PORT/v1/models" > /dev/null && break
    kill -0 "$SERVER" 2>/dev/null || { cat "$WORK/server.log"; exit 1; }
    sleep 0.5
done
start=$(date +%s%N)
"$BIN" humaneval --k 1 --endpoint "http://127.0.0.1:$PORT" --remote-model "$MODEL" --concurrency 4 \
    --db "$WORK/llamacpp.sqlite" --json "${EXTRA[@]}" > "$WORK/llamacpp.json" 2> "$WORK/llamacpp.err"
theirs=$(( $(date +%s%N) - start ))

echo "cpu $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), model $MODEL, humaneval --k 1 ${EXTRA[*]}"
awk -v o="$ours" -v t="$theirs" -v po="$(summary "$WORK/ours.json")" -v pt="$(summary "$WORK/llamacpp.json")" 'BEGIN {
    printf "codeeval engine:        %7.1f s  pass@1 %s\n", o / 1e9, po
    printf "llama.cpp (server):     %7.1f s  pass@1 %s\n", t / 1e9, pt
    printf "ratio (llama.cpp / ours): %.2fx\n", t / o }'
