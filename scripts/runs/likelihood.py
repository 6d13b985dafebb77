#!/usr/bin/env python3
"""End-to-end test of the LLaMA §3 commands (`codeeval boolq|piqa|…|mmlu`).

  1. each of the 13 commands runs `--model M --limit 20 --json` into one store; its JSON summary has acc, acc_norm
     (null for the free-form QA sets), the benchmark's own metric with a binomial standard error, 20 scored items;
     `codeeval report RUN_ID --json` gives the same summary from the store; `codeeval compare` over the 13 reuses
     those runs and prints Tables 3, 4, 5, 6 and 9 (JSON, HTML);
  2. kill -9 + resume: the same HellaSwag run into a second store is killed with SIGKILL once it has committed a few
     items, then `codeeval resume`; its per-item rows (chosen option, every option's log-likelihood) equal the
     uninterrupted run's and the rows committed before the kill are unchanged;
  3. bad input (no CODEEVAL_DATA, a data directory holding broken files): a malformed line, a missing label file,
     an option list of the wrong length and a shot count the paper does not use each exit non-zero with the file
     and line (or the reason), and store nothing.

Usage: scripts/runs/likelihood.py [--bin .build/debug/codeeval] [--model smollm2-135m] [--limit 20]
Needs the datasets (CODEEVAL_DATA or the user cache) and the model; exits 0 with a SKIP line when
CODEEVAL_SKIP_MODEL_TESTS=1.
"""
import argparse, gzip, json, os, shutil, signal, sqlite3, subprocess, sys, tempfile, time
from runstore import rows

BENCHMARKS = ["boolq", "piqa", "siqa", "hellaswag", "winogrande", "arc-easy", "arc-challenge", "openbookqa", "nq",
              "triviaqa", "race-middle", "race-high", "mmlu"]
METRIC = {"boolq": "acc_uncond", "openbookqa": "acc_uncond", "nq": "exact_match", "triviaqa": "exact_match", "mmlu": "acc_macro"}
ROWS = "SELECT v.task_id, v.status, v.detail, s.completion, s.created_at FROM verdicts v JOIN samples s USING (run_id, task_id, sample_index) WHERE v.run_id = ? ORDER BY v.task_id"




def count(db, table):
    try:
        return rows(db, f"SELECT count(*) FROM {table}")[0][0]
    except sqlite3.Error:
        return 0


def run(cmd, what, env=None):
    t0 = time.time()
    p = subprocess.run(cmd, capture_output=True, text=True, env=env)
    if p.returncode != 0:
        sys.exit(f"FAIL: {what} exited {p.returncode}\nstdout:\n{p.stdout[-3000:]}\nstderr:\n{p.stderr[-3000:]}")
    print(f"  {what}: {time.time() - t0:.1f}s")
    return json.loads(p.stdout.strip().splitlines()[-1])


def check_summary(b, s, limit):
    metric = METRIC.get(b, "acc_norm")
    problems = []
    if s.get("scored") != limit or s.get("status") != "complete": problems.append(f"scored {s.get('scored')}, status {s.get('status')}")
    if s.get("metric") != metric or not isinstance(s.get(metric), dict): problems.append(f"metric {s.get('metric')} (expected {metric})")
    for key in ["acc", metric]:
        a = s.get(key) or {}
        if not (0 <= a.get("value", -1) <= 1 and a.get("stderr", -1) >= 0 and a.get("n") == limit): problems.append(f"{key} = {a}")
    if (s.get("acc_norm") is None) != (b in ("nq", "triviaqa")): problems.append(f"acc_norm = {s.get('acc_norm')}")
    if b == "triviaqa" and "Wikipedia half" not in s.get("data_note", ""): problems.append("no note that TriviaQA is the Wikipedia half")
    if problems: sys.exit(f"FAIL: {b} summary: {'; '.join(problems)}\n{json.dumps(s)}")


def bad_input(args, tmp, env):
    data = os.environ.get("CODEEVAL_DATA") or os.path.join(os.environ.get("XDG_CACHE_HOME", os.path.expanduser("~/.cache")), "codeeval", "datasets")
    bad = os.path.join(tmp, "bad-data")
    os.makedirs(os.path.join(bad, "piqa"))
    shutil.copy(os.path.join(data, "piqa", "valid.jsonl"), os.path.join(bad, "piqa", "valid.jsonl"))  # labels missing
    os.makedirs(os.path.join(bad, "boolq"))
    good = '{"question": "q", "passage": "p", "idx": 0, "label": true}\n'
    open(os.path.join(bad, "boolq", "val.jsonl.gz"), "w").write(good + '{"question": "q", "passage": \n')
    os.makedirs(os.path.join(bad, "hellaswag"))
    open(os.path.join(bad, "hellaswag", "hellaswag_val.jsonl.gz"), "w").write(
        '{"ind": 1, "activity_label": "a", "ctx_a": "b", "ctx_b": "c", "label": 0, "endings": ["x", "y", "z"]}\n')
    db = os.path.join(tmp, "bad.sqlite")
    cases = [
        (["boolq"], "boolq/val.jsonl.gz:2: invalid JSON"),
        (["piqa"], "piqa/valid-labels.lst not found"),
        (["hellaswag"], 'hellaswag_val.jsonl.gz:1: field "endings": expected 4 options, got 3'),
        (["arc-easy"], "arc/ARC-Easy-Test.jsonl not found"),
    ]
    for argv, want in cases:
        p = subprocess.run([args.bin, *argv, "--model", args.model, "--data-dir", bad, "--db", db], capture_output=True, text=True, env=env)
        if p.returncode == 0 or want not in p.stderr:
            sys.exit(f"FAIL: {argv} with broken data: exit {p.returncode}, expected an error containing {want!r}\n{p.stderr[-2000:]}")
    for argv, want in [(["nq", "--shots", "3"], "--shots 3 is not one of them"), (["piqa", "--tasks", "piqa/nope"], "unknown task ids")]:
        p = subprocess.run([args.bin, *argv, "--model", args.model, "--db", db], capture_output=True, text=True)
        if p.returncode != 2 or want not in p.stderr:
            sys.exit(f"FAIL: {argv}: exit {p.returncode}, expected 2 and {want!r}\n{p.stderr[-2000:]}")
    if count(db, "runs"):
        sys.exit(f"FAIL: bad input stored {count(db, 'runs')} run(s)")
    print(f"  bad input: {len(cases) + 2} errors with file:line or reason, nothing stored")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", default=".build/debug/codeeval")
    ap.add_argument("--model", default="smollm2-135m")
    ap.add_argument("--limit", type=int, default=20)
    args = ap.parse_args()
    if os.environ.get("CODEEVAL_SKIP_MODEL_TESTS") == "1":
        print("SKIP §3 likelihood runs: CODEEVAL_SKIP_MODEL_TESTS=1 (needs the smollm2-135m model)")
        return
    tmp = tempfile.mkdtemp(prefix="codeeval-likelihood-")
    model_dir = os.environ.get("CODEEVAL_MODELS") or os.path.join(os.environ.get("XDG_CACHE_HOME", os.path.expanduser("~/.cache")), "codeeval", "models")
    # Broken-data runs must not fall back to the real files: no CODEEVAL_DATA, an empty cache; models still found.
    bare = {k: v for k, v in os.environ.items() if k != "CODEEVAL_DATA"}
    bare.update(XDG_CACHE_HOME=os.path.join(tmp, "cache"), CODEEVAL_MODELS=model_dir)
    try:
        bad_input(args, tmp, bare)
        a = os.path.join(tmp, "a.sqlite")
        ids = {}
        for b in BENCHMARKS:
            s = run([args.bin, b, "--model", args.model, "--limit", str(args.limit), "--db", a, "--json"], f"{b} --limit {args.limit}")
            check_summary(b, s, args.limit)
            ids[b] = s["run_id"]
            if run([args.bin, "report", s["run_id"], "--db", a, "--json"], f"report {b}") != s:
                sys.exit(f"FAIL: report {b} --json differs from the run's summary")
        html = os.path.join(tmp, "tables.html")
        p = subprocess.run([args.bin, "compare", "--models", args.model, "--benchmarks", ",".join(BENCHMARKS), "--limit", str(args.limit),
                            "--db", a, "--json", "--html", html], capture_output=True, text=True)
        tables = json.loads(p.stdout) if p.returncode == 0 else sys.exit(f"FAIL: compare exited {p.returncode}\n{p.stderr[-2000:]}")
        if [t["table"] for t in tables] != [3, 4, 5, 6, 9] or count(a, "runs") != len(BENCHMARKS) or "Table 9" not in open(html).read():
            sys.exit(f"FAIL: compare should print Tables 3, 4, 5, 6, 9 from the {len(BENCHMARKS)} stored runs (reused, none new)\n{p.stdout[:2000]}")
        print("  compare: Tables 3, 4, 5, 6 and 9 from the stored runs (reused), HTML written")
        bdb = os.path.join(tmp, "b.sqlite")
        cmd = [args.bin, "hellaswag", "--model", args.model, "--limit", str(args.limit), "--db", bdb, "--json"]
        p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        deadline = time.time() + 300
        while count(bdb, "verdicts") < 3 and p.poll() is None and time.time() < deadline:
            time.sleep(0.05)
        if p.poll() is not None:
            sys.exit("FAIL: the HellaSwag run finished before it could be killed; raise --limit")
        p.send_signal(signal.SIGKILL)
        p.wait()
        run_id = rows(bdb, "SELECT id FROM runs")[0][0]
        before = rows(bdb, ROWS, run_id)
        print(f"  killed {run_id} with {len(before)} of {args.limit} items committed")
        resumed = run([args.bin, "resume", run_id, "--db", bdb, "--json"], "resume")
        after = rows(bdb, ROWS, run_id)
        reference = rows(a, ROWS, ids["hellaswag"])
        if [r[:4] for r in after] != [r[:4] for r in reference]:
            sys.exit("FAIL: the resumed run's per-option scores differ from the uninterrupted run's")
        if [r for r in after if r[0] in {b[0] for b in before}] != before:
            sys.exit("FAIL: rows committed before the kill changed on resume")
        ref_summary = run([args.bin, "report", ids["hellaswag"], "--db", a, "--json"], "report reference")
        for k in ["acc", "acc_norm"]:
            if resumed[k] != ref_summary[k]:
                sys.exit(f"FAIL: resumed {k} {resumed[k]} != uninterrupted {ref_summary[k]}")
        print("OK: 13 §3 commands end to end; kill -9 + resume equals the uninterrupted run; bad input refused")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
