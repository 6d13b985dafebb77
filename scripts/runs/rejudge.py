#!/usr/bin/env python3
"""Re-judges the exported HumanEval and MBPP runs behind RESULTS.md with the current build and checks that every
sample gets the verdict recorded when the run was made (pass or not). A change to how programs are assembled or
judged that moves a single real model completion from pass to fail, or back, fails this check.

Usage: scripts/runs/rejudge.py [--bin .build/debug/codeeval] [--workers 2] [RUN_ID ...]
(needs the datasets, found as the CLI finds them)
"""
import argparse, gzip, json, os, subprocess, sys, tempfile, time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
RUNS = os.path.join(ROOT, "results", "runs")


def manifest_field(run_id, name):
    with open(os.path.join(RUNS, run_id + ".manifest.txt")) as f:
        for line in f:
            if line.startswith(name + " "):
                return line.split()[1]
    sys.exit(f"{run_id}: no {name} in its manifest")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", default=".build/debug/codeeval")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("runs", nargs="*")
    args = ap.parse_args()
    ids = args.runs or sorted(f[:-len(".manifest.txt")] for f in os.listdir(RUNS) if f.endswith(".manifest.txt"))
    tmp = tempfile.mkdtemp(prefix="rejudge-")
    checked = 0
    for run_id in ids:
        bench = manifest_field(run_id, "benchmark")
        if bench not in ("humaneval", "mbpp"):
            continue
        if manifest_field(run_id, "profile") == "instruct":
            # Whole solutions judged without the prompt: `evaluate` puts the prompt in front, so it is not their judge.
            print(f"  {run_id} {bench}: instruct profile (self-contained solutions), not re-judged by `evaluate`")
            continue
        with gzip.open(os.path.join(RUNS, run_id + ".results.jsonl.gz"), "rt") as f:
            recorded = [json.loads(l) for l in f if l.strip()]
        samples = os.path.join(tmp, run_id + ".jsonl")
        with open(samples, "w") as f:
            for r in recorded:
                f.write(json.dumps({"task_id": r["task_id"], "completion": r["completion"]}) + "\n")
        t0 = time.time()
        p = subprocess.run([args.bin, "evaluate", bench, "--samples", samples, "--k", "1", "--workers", str(args.workers)],
                           capture_output=True, text=True)
        if p.returncode != 0:
            sys.exit(f"FAIL {run_id}: evaluate exited {p.returncode}: {p.stderr[-1500:]}")
        with open(samples + "_results.jsonl") as f:
            now = [json.loads(l) for l in f if l.strip()]
        assert len(now) == len(recorded), (run_id, len(now), len(recorded))
        moved = [(a["task_id"], a["passed"], b["passed"], b["result"]) for a, b in zip(recorded, now) if a["passed"] != b["passed"]]
        if moved:
            for task, was, is_, result in moved[:10]:
                print(f"  {run_id} {task}: recorded {'pass' if was else 'fail'}, now {'pass' if is_ else 'fail'} ({result[:120]})")
            sys.exit(f"FAIL {run_id} ({bench}): {len(moved)} of {len(now)} verdicts changed")
        passed = sum(1 for r in now if r["passed"])
        print(f"  {run_id} {bench}: {len(now)} samples, {passed} passed, every verdict as recorded ({time.time() - t0:.1f}s)")
        checked += 1
    print(f"OK rejudge: {checked} exported runs re-judged, no verdict changed")


if __name__ == "__main__":
    main()
