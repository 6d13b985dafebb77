#!/usr/bin/env bash
# A/B of two codeeval builds on the same machine: runs the same `codeeval bench ...` command with each binary,
# alternating ROUNDS times (A, B, A, B, ...) so drift in the machine's speed hits both alike, and keeps every output.
# Usage: scripts/bench/ab.sh A_BIN B_BIN ROUNDS OUT_DIR -- bench ARGS...
# e.g.   scripts/bench/ab.sh old/.build/release/codeeval .build/release/codeeval 2 /tmp/ab -- bench engine --samples 0
# Each output file is OUT_DIR/<round>-<A|B>.txt; the CPU model is written to OUT_DIR/cpu.txt. Compare the medians
# the bench prints; run on an otherwise idle machine.
set -euo pipefail
a=$1 b=$2 rounds=$3 out=$4
shift 4
[[ ${1:-} == "--" ]] && shift
mkdir -p "$out"
lscpu | sed -n 's/^Model name: *//p' >"$out/cpu.txt"
for r in $(seq "$rounds"); do
  for side in A B; do
    bin=$a; [[ $side == B ]] && bin=$b
    echo "round $r $side: $bin $*" >&2
    "$bin" "$@" >"$out/$r-$side.txt" 2>&1
  done
done
echo "outputs in $out (CPU: $(cat "$out/cpu.txt"))" >&2
