#!/usr/bin/env python3
"""Load test / benchmark for `codeeval serve`: N /v1/execute requests from C concurrent clients on loopback.

Starts its own server (or uses --port of a running one), then reports requests/s, status counts and latency
percentiles; with --baseline also times the same programs run by a sequential loop of `python3 -I -S -c`
(what one executor call costs without HTTP) in the same run.

  scripts/service/loadtest.py --bin .build/release/codeeval --requests 2000 --clients 32 --program trivial --baseline
  scripts/service/loadtest.py --bin .build/release/codeeval --program humaneval --baseline   # needs CODEEVAL_DATA
  scripts/service/loadtest.py --bin .build/release/codeeval --program humaneval --requests 656 --baseline-exec 164
      # HumanEval canonical programs through the sandboxed service vs `codeeval exec FILE` (same sandbox) in a loop
CI (scripts/test) runs: --requests 2000 --clients 32 --program trivial --require-ready (real sandbox, debug build).
Exit 1 unless every request was answered 200 with status "passed" (none lost).
"""
import argparse, gzip, json, os, signal, socket, subprocess, sys, tempfile, threading, time, http.client


def free_port():
    s = socket.socket(); s.bind(("127.0.0.1", 0)); p = s.getsockname()[1]; s.close(); return p


def programs(kind):
    if kind == "trivial":
        return ["print(1 + 1)"]
    data = os.environ.get("CODEEVAL_DATA") or sys.exit("CODEEVAL_DATA is not set")
    probs = [json.loads(l) for l in gzip.open(os.path.join(data, "humaneval/HumanEval.jsonl.gz"), "rt")]
    return [p["prompt"] + p["canonical_solution"] + "\n" + p["test"] + "\n" + f"check({p['entry_point']})\n" for p in probs]


def pct(sorted_ms, q):
    return sorted_ms[min(len(sorted_ms) - 1, int(len(sorted_ms) * q))]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", default=".build/debug/codeeval")
    ap.add_argument("--port", type=int, help="use a running server instead of starting one")
    ap.add_argument("--requests", type=int, default=2000)
    ap.add_argument("--clients", type=int, default=32)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--program", choices=["trivial", "humaneval"], default="trivial")
    ap.add_argument("--baseline", action="store_true")
    ap.add_argument("--no-sandbox", action="store_true", help="start the server with --unsafe-no-sandbox")
    ap.add_argument("--no-zygote", action="store_true", help="start the server with --no-zygote (a new python3 per program)")
    ap.add_argument("--job", action="store_true", help="also time the 164 HumanEval canonical solutions as one POST /v1/evaluations job")
    ap.add_argument("--require-ready", action="store_true", help="fail unless GET /readyz reports the real sandbox executor available")
    ap.add_argument("--baseline-exec", type=int, metavar="N", help="also time N programs run by `codeeval exec FILE` in a sequential loop")
    args = ap.parse_args()
    progs = programs(args.program)

    server = None
    port = args.port
    if port is None:
        port = free_port()
        tmp = tempfile.mkdtemp(prefix="svc-load-")
        db, logf = os.path.join(tmp, "service.sqlite"), open(os.path.join(tmp, "server.log"), "w+")
        server = subprocess.Popen([args.bin, "serve", "--port", str(port), "--db", db, "--workers", str(args.workers),
                                   "--max-waiting", "256"] + (["--unsafe-no-sandbox"] if args.no_sandbox else [])
                                  + (["--no-zygote"] if args.no_zygote else []),
                                  stdout=subprocess.DEVNULL, stderr=logf)
        time.sleep(0.5)
        if server.poll() is not None:
            logf.seek(0); sys.exit("server exited: " + logf.read()[-2000:])
    try:
        for _ in range(200):
            try:
                c = http.client.HTTPConnection("127.0.0.1", port, timeout=5); c.request("GET", "/healthz")
                if c.getresponse().status == 200: break
            except OSError:
                time.sleep(0.05)
        if args.require_ready:
            c = http.client.HTTPConnection("127.0.0.1", port, timeout=10); c.request("GET", "/readyz")
            r = c.getresponse(); body = r.read().decode().strip()
            print(f"readyz: {r.status} {body}")
            if json.loads(body).get("sandbox_layers", {}).get("sandbox") is not True:
                sys.exit("FAIL: the server's sandbox executor is not available (see /readyz above)")
        lat, statuses, lock = [], {}, threading.Lock()
        counter = iter(range(args.requests))

        def client():
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
            while True:
                with lock:
                    i = next(counter, None)
                if i is None: break
                body = json.dumps({"code": progs[i % len(progs)], "timeout_s": 10})
                t0 = time.perf_counter()
                try:
                    conn.request("POST", "/v1/execute", body, {"Content-Type": "application/json"})
                    r = conn.getresponse(); data = r.read(); st = r.status
                    if st == 200 and json.loads(data)["status"] != "passed": st = "not-passed"
                except Exception as e:  # a lost request: counted, never hidden
                    st = f"error:{type(e).__name__}"; conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
                dt = (time.perf_counter() - t0) * 1000
                with lock:
                    lat.append(dt); statuses[st] = statuses.get(st, 0) + 1

        t0 = time.perf_counter()
        threads = [threading.Thread(target=client) for _ in range(args.clients)]
        for t in threads: t.start()
        for t in threads: t.join()
        wall = time.perf_counter() - t0
        lat.sort()
        print(f"service: {args.requests} x {args.program} from {args.clients} clients, {args.workers} workers: "
              f"{args.requests / wall:.1f} exec/s, p50 {pct(lat, .5):.1f} ms, p90 {pct(lat, .9):.1f} ms, "
              f"p99 {pct(lat, .99):.1f} ms, statuses {statuses}")
        answered = sum(statuses.values())
        if answered != args.requests:  # every client request must be accounted for
            print(f"FAIL: {args.requests - answered} requests unaccounted for"); statuses["lost"] = args.requests - answered
        if args.job:
            data = os.environ.get("CODEEVAL_DATA") or sys.exit("CODEEVAL_DATA is not set")
            probs = [json.loads(l) for l in gzip.open(os.path.join(data, "humaneval/HumanEval.jsonl.gz"), "rt")]
            body = "".join(json.dumps({"task_id": p["task_id"], "completion": p["canonical_solution"]}) + "\n" for p in probs)
            c = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
            t0 = time.perf_counter()
            c.request("POST", "/v1/evaluations?benchmark=humaneval&k=1", body, {"Content-Type": "application/x-ndjson"})
            r = c.getresponse(); job = json.loads(r.read())["id"]
            while True:
                c.request("GET", f"/v1/evaluations/{job}"); st = json.loads(c.getresponse().read())
                if st["status"] in ("done", "failed", "cancelled"): break
                time.sleep(0.05)
            wall = time.perf_counter() - t0
            print(f"job: 164 HumanEval canonical solutions via POST /v1/evaluations: {wall:.2f} s "
                  f"({164 / wall:.1f} samples/s), status {st['status']}, pass_at_k {st.get('pass_at_k')}")
        if server is not None:
            assert server.poll() is None, "server crashed"
    finally:
        if server is not None:
            server.send_signal(signal.SIGTERM); server.wait(timeout=30)

    if args.baseline:
        n = min(args.requests, 400)
        times = []
        t0 = time.perf_counter()
        for i in range(n):
            s = time.perf_counter()
            subprocess.run(["/usr/bin/python3", "-I", "-S", "-c", progs[i % len(progs)]], stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL, check=False)
            times.append((time.perf_counter() - s) * 1000)
        wall = time.perf_counter() - t0
        times.sort()
        print(f"baseline: {n} x python3 -I -S -c in a sequential loop: {n / wall:.1f} exec/s, "
              f"p50 {pct(times, .5):.1f} ms, p99 {pct(times, .99):.1f} ms")
    if args.baseline_exec:
        tmpd = tempfile.mkdtemp(prefix="exec-loop-")
        files = []
        for i, prog in enumerate(progs[:args.baseline_exec]):
            files.append(os.path.join(tmpd, f"p{i}.py"))
            with open(files[-1], "w") as f: f.write(prog)
        n = args.baseline_exec
        times, failed = [], 0
        t0 = time.perf_counter()
        for i in range(n):
            s = time.perf_counter()
            r = subprocess.run([args.bin, "exec", "--timeout", "10", files[i % len(files)]], stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL, check=False)
            failed += r.returncode != 0
            times.append((time.perf_counter() - s) * 1000)
        wall = time.perf_counter() - t0
        times.sort()
        print(f"baseline: {n} x `codeeval exec FILE` ({args.program}) in a sequential loop: {n / wall:.1f} exec/s, "
              f"p50 {pct(times, .5):.1f} ms, p99 {pct(times, .99):.1f} ms, {failed} not passed")
    bad = {k: v for k, v in statuses.items() if k != 200}
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
