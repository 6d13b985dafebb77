#!/usr/bin/env python3
"""kill -9 / resume acceptance test for generation runs (`codeeval humaneval` + `codeeval resume`).

  1. reference: an uninterrupted `codeeval humaneval --model M --limit 3 --n 2 --k 1,2 --max-tokens 16 --seed 7`
     into database A;
  2. the same command into database B, killed with SIGKILL as soon as B holds its first committed sample(s)
     (the DB is polled), then `codeeval resume RUN_ID --db B`;
  3. checks: B's samples (completion, raw text, seed, tokens, finish reason) and verdicts (status, passed, result
     text) equal A's, one row per (task, index), none lost; the samples committed before the kill are unchanged
     (same created_at); the resume generated exactly the missing samples (its stderr session line); pass@k of
     both runs equal.

Usage: scripts/runs/killresume.py [--bin .build/debug/codeeval] [--model smollm2-135m]
Needs the datasets (CODEEVAL_DATA or the user cache) and the model (`codeeval models fetch smollm2-135m`); exits 0 with a SKIP line when
CODEEVAL_SKIP_MODEL_TESTS=1.
"""
import argparse, json, os, re, signal, sqlite3, subprocess, sys, tempfile, time
from runstore import rows

SAMPLE_COLS = "task_id, sample_index, completion, raw_text, finish_reason, tokens, seed"
VERDICT_COLS = "task_id, sample_index, status, passed, detail"




def committed(db):
    try:
        return rows(db, "SELECT count(*) FROM samples")[0][0]
    except sqlite3.Error:  # not created yet, or mid-migration
        return 0


def run(cmd, what):
    t0 = time.time()
    p = subprocess.run(cmd, capture_output=True, text=True)
    if p.returncode != 0:
        sys.exit(f"FAIL: {what} exited {p.returncode}\nstdout:\n{p.stdout[-3000:]}\nstderr:\n{p.stderr[-3000:]}")
    print(f"  {what}: {time.time() - t0:.1f}s")
    return p


def summary(stdout):
    return json.loads(stdout.strip().splitlines()[-1])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", default=".build/debug/codeeval")
    ap.add_argument("--model", default="smollm2-135m")
    ap.add_argument("--limit", type=int, default=3)
    ap.add_argument("--n", type=int, default=2)
    args = ap.parse_args()
    if os.environ.get("CODEEVAL_SKIP_MODEL_TESTS") == "1":
        print("SKIP runs kill -9 test: CODEEVAL_SKIP_MODEL_TESTS=1 (needs the smollm2-135m model)")
        return
    tmp = tempfile.mkdtemp(prefix="run-kill-")
    db_a, db_b = os.path.join(tmp, "a.sqlite"), os.path.join(tmp, "b.sqlite")
    base = [args.bin, "humaneval", "--model", args.model, "--limit", str(args.limit), "--n", str(args.n), "--k", "1,2",
            "--max-tokens", "16", "--seed", "7", "--workers", "2", "--json"]
    total = args.limit * args.n
    print(f"runs kill -9 test ({args.model}, {args.limit} tasks x n={args.n}) in {tmp}")

    ref = summary(run(base + ["--db", db_a], "uninterrupted run").stdout)

    t0 = time.time()
    # The killed run decodes one sample at a time (--batch-size 1) so the kill lands between commits (a batch of all
    # samples would finish them together); the reference and the resume use the default batch: equal samples also
    # show that the batch size never changes a sample.
    proc = subprocess.Popen(base + ["--db", db_b, "--batch-size", "1"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    while committed(db_b) == 0:
        if proc.poll() is not None:
            sys.exit(f"FAIL: run exited ({proc.returncode}) before the kill")
        if time.time() - t0 > 300:
            proc.kill(); sys.exit("FAIL: no sample committed within 300 s")
        time.sleep(0.02)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    before = rows(db_b, f"SELECT {SAMPLE_COLS}, created_at FROM samples")
    (run_id, status), = rows(db_b, "SELECT id, status FROM runs")
    print(f"  killed run {run_id} after {time.time() - t0:.1f}s with {len(before)}/{total} samples committed (status {status!r})")
    assert 0 < len(before) < total, f"kill did not land mid-run ({len(before)}/{total} samples)"
    assert status == "running", status

    resumed = run([args.bin, "resume", run_id, "--db", db_b, "--workers", "2", "--json"], "resume")
    got = summary(resumed.stdout)

    m = re.search(r"generated (\d+) samples", resumed.stderr)
    assert m, f"no session line on the resume's stderr:\n{resumed.stderr[-2000:]}"
    assert int(m.group(1)) == total - len(before), f"resume generated {m.group(1)}, expected {total - len(before)}"

    a_samples = sorted(rows(db_a, f"SELECT {SAMPLE_COLS} FROM samples"))
    b_samples = sorted(rows(db_b, f"SELECT {SAMPLE_COLS} FROM samples"))
    assert len(b_samples) == total and len({(r[0], r[1]) for r in b_samples}) == total, f"lost or repeated samples: {b_samples}"
    assert a_samples == b_samples, f"samples differ:\nA {a_samples}\nB {b_samples}"
    a_verdicts = sorted(rows(db_a, f"SELECT {VERDICT_COLS} FROM verdicts"))
    b_verdicts = sorted(rows(db_b, f"SELECT {VERDICT_COLS} FROM verdicts"))
    assert len(b_verdicts) == total and a_verdicts == b_verdicts, f"verdicts differ:\nA {a_verdicts}\nB {b_verdicts}"
    after = {(r[0], r[1]): r for r in rows(db_b, f"SELECT {SAMPLE_COLS}, created_at FROM samples")}
    for r in before:
        assert after[(r[0], r[1])] == r, f"sample committed before the kill changed: {r} -> {after[(r[0], r[1])]}"
    assert rows(db_b, "SELECT status FROM runs")[0][0] == "complete"
    for key in ("pass_at_k", "samples", "verdicts", "sample_accuracy"):
        assert ref[key] == got[key], f"{key}: uninterrupted {ref[key]} vs resumed {got[key]}"
    print(f"OK runs kill -9 test: {total} samples and verdicts identical to the uninterrupted run, "
          f"{len(before)} kept across the kill, {total - len(before)} generated by resume, pass@k {got['pass_at_k']}")


if __name__ == "__main__":
    main()
