#!/usr/bin/env python3
"""kill -9 fault test for `codeeval serve`.

Submits the 164 HumanEval canonical solutions (each also appends its task id to a log file when it runs),
kills the server with SIGKILL mid-job, restarts it on the same database and checks:
  * the job resumes and finishes with pass@1 = 1.0 and 164 results,
  * every verdict committed before the kill is unchanged (same finished_at), i.e. nothing finished is lost,
  * no sample whose verdict was committed before the kill ran again (its task id is logged exactly once).

Usage: scripts/service/killtest.py [--bin .build/debug/codeeval]   (needs the HumanEval dataset, found as the CLI finds it, and python3)
Runs programs with --unsafe-no-sandbox (trusted canonical solutions) until the Sandbox executor is wired.
"""
import argparse, gzip, json, os, signal, socket, sqlite3, subprocess, sys, tempfile, time, urllib.request


def free_port():
    s = socket.socket(); s.bind(("127.0.0.1", 0)); p = s.getsockname()[1]; s.close(); return p


def http(port, method, path, body=None, ctype="application/json"):
    req = urllib.request.Request(f"http://127.0.0.1:{port}{path}", data=body, method=method, headers={"Content-Type": ctype})
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            return r.status, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()


def start(binary, port, db, workers):
    p = subprocess.Popen([binary, "serve", "--port", str(port), "--db", db, "--workers", str(workers), "--unsafe-no-sandbox"],
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(200):
        try:
            if http(port, "GET", "/healthz")[0] == 200:
                return p
        except OSError:
            time.sleep(0.05)
    p.kill(); sys.exit("server did not start")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", default=".build/debug/codeeval")
    ap.add_argument("--workers", type=int, default=2)
    args = ap.parse_args()
    # HumanEval as the CLI resolves it (CODEEVAL_DATA, else the user cache).
    listing = subprocess.run([args.bin, "datasets", "list", "--json", "--no-verify"], capture_output=True, text=True, check=True)
    path = next(d["path"] for d in map(json.loads, listing.stdout.splitlines())
                if d["dataset"] == "humaneval" and d["role"] == "test")
    if not os.path.exists(path):
        sys.exit("HumanEval is not available: run `codeeval datasets fetch humaneval` or set CODEEVAL_DATA")
    with open(path, "rb") as f:
        raw = f.read()
    text = gzip.decompress(raw) if raw[:2] == b"\x1f\x8b" else raw
    problems = [json.loads(l) for l in text.decode().splitlines() if l.strip()]
    tmp = tempfile.mkdtemp(prefix="svc-kill-")
    db, log = os.path.join(tmp, "service.sqlite"), os.path.join(tmp, "runs.log")
    lines = []
    for p in problems:
        # Each run appends its task id (one O_APPEND write is atomic), then sleeps a little so the kill lands mid-job.
        side = f"\nimport os as _o, time as _t\n_o.write(_o.open({log!r}, _o.O_WRONLY|_o.O_APPEND|_o.O_CREAT), b'{p['task_id']}\\n')\n_t.sleep(0.05)\n"
        lines.append(json.dumps({"task_id": p["task_id"], "completion": p["canonical_solution"] + side}))
    body = ("\n".join(lines) + "\n").encode()

    port = free_port()
    server = start(args.bin, port, db, args.workers)
    status, resp = http(port, "POST", "/v1/evaluations?benchmark=humaneval&k=1", body, "application/x-ndjson")
    assert status == 202, (status, resp)
    job = json.loads(resp)["id"]
    while True:
        st = json.loads(http(port, "GET", f"/v1/evaluations/{job}")[1])
        if st["progress"]["finished"] >= 40:
            break
        time.sleep(0.02)
    os.kill(server.pid, signal.SIGKILL)
    server.wait()

    con = sqlite3.connect(db)
    before = dict(con.execute("SELECT idx, finished_at FROM sample WHERE job_id=? AND result IS NOT NULL", (job,)).fetchall())
    tasks_before = {r[0] for r in con.execute("SELECT task_id FROM sample WHERE job_id=? AND result IS NOT NULL", (job,))}
    con.close()
    print(f"killed with {len(before)}/164 verdicts committed")
    assert 0 < len(before) < 164, "kill did not land mid-job"

    port = free_port()
    server = start(args.bin, port, db, args.workers)
    try:
        deadline = time.time() + 300
        while time.time() < deadline:
            st = json.loads(http(port, "GET", f"/v1/evaluations/{job}")[1])
            if st["status"] in ("done", "failed", "cancelled"):
                break
            time.sleep(0.1)
        assert st["status"] == "done", st
        assert st["progress"]["finished"] == 164, st
        assert st["pass_at_k"]["pass@1"] == 1.0, st
        status, results = http(port, "GET", f"/v1/evaluations/{job}/results")
        assert status == 200 and len(results.decode().splitlines()) == 164
    finally:
        server.send_signal(signal.SIGTERM); server.wait(timeout=30)

    con = sqlite3.connect(db)
    after = dict(con.execute("SELECT idx, finished_at FROM sample WHERE job_id=?", (job,)).fetchall())
    lost = [i for i, t in before.items() if after.get(i) != t]
    assert not lost, f"verdicts changed after restart: {lost[:5]}"
    runs = {}
    for t in open(log).read().split():
        runs[t] = runs.get(t, 0) + 1
    rerun = sorted(t for t in tasks_before if runs.get(t, 0) != 1)
    assert not rerun, f"committed samples ran again: {rerun[:5]}"
    inflight = sorted(t for t, n in runs.items() if n > 1)
    print(f"OK: resumed, 164/164 results, pass@1 = 1.0, {len(before)} committed verdicts unchanged and not re-run; "
          f"{len(inflight)} sample(s) in flight at the kill ran again (never committed)")


if __name__ == "__main__":
    main()
