#!/usr/bin/env python3
"""End-to-end tests of the remote generation path (`--endpoint URL --remote-model NAME`).

  served:  `codeeval serve --model smollm2-135m` (our engine behind POST /v1/completions) is used as the remote
           model of a greedy HumanEval run; its completions, finish reasons and token counts must equal a local-engine
           run with the same settings (this is also the end-to-end test of /v1/completions).
  stub:    a Python stub server answers every prompt first with 429, then 503, then 200 (the probe: 500 then 200);
           the run must finish with every sample stored once, stops beyond the API's 4 re-applied locally
           (the stub echoes a 5th-stop `\\nprint` line), and the stub's token usage recorded.
  down:    an endpoint nobody listens on must fail with a clear message, exit != 0, and leave no run in the store.

  fanout:  two slow stub servers behind repeated --endpoint: requests alternate between them, --concurrency 128 puts
           at least 64 in flight at once, a server answering 503 has its requests retried on the other, and the
           manifest records the endpoints, the served model name and that the run is not bit-reproducible.

Usage: scripts/runs/remote.py [--bin .build/debug/codeeval] [--only served,stub,fanout,down]
Needs the datasets (CODEEVAL_DATA or the user cache); `served` needs smollm2-135m and is skipped when CODEEVAL_SKIP_MODEL_TESTS=1.
"""
import argparse, json, os, socket, subprocess, sys, tempfile, threading, time, urllib.request
from runstore import rows
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

COMMON = ["--profile", "greedy", "--limit", "2", "--max-tokens", "16", "--workers", "2", "--json"]
SAMPLED = ["--profile", "llama1", "--k", "1", "--n", "2", "--temperature", "0.8", "--limit", "2", "--max-tokens", "24",
           "--workers", "2", "--json"]


def free_port():
    s = socket.socket(); s.bind(("127.0.0.1", 0)); p = s.getsockname()[1]; s.close(); return p




def run(cmd, what, expect_ok=True):
    t0 = time.time()
    p = subprocess.run(cmd, capture_output=True, text=True)
    if expect_ok and p.returncode != 0:
        sys.exit(f"FAIL: {what} exited {p.returncode}\nstdout:\n{p.stdout[-3000:]}\nstderr:\n{p.stderr[-3000:]}")
    print(f"  {what}: {time.time() - t0:.1f}s (exit {p.returncode})")
    return p


def start_server(binary, tmp, model):
    """`codeeval serve --model MODEL` on a free port, once /healthz answers; returns (process, port)."""
    port = free_port()
    log = open(os.path.join(tmp, "serve.log"), "w+")
    # --runs-db too: its default is a file in the working directory, i.e. the checkout.
    server = subprocess.Popen([binary, "serve", "--port", str(port), "--db", os.path.join(tmp, "svc.sqlite"),
                               "--runs-db", os.path.join(tmp, "runs.sqlite"), "--model", model, "--workers", "1"],
                              stdout=log, stderr=log)
    for _ in range(600):
        try:
            if urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2).status == 200: break
        except OSError:
            if server.poll() is not None:
                log.seek(0); sys.exit("FAIL: server exited: " + log.read()[-2000:])
            time.sleep(0.1)
    return server, port


def samples(db):
    return sorted(rows(db, "SELECT task_id, sample_index, completion, finish_reason, tokens, prompt_tokens, raw_text FROM samples"))


def served(binary, tmp):
    if os.environ.get("CODEEVAL_SKIP_MODEL_TESTS") == "1":
        print("SKIP remote/served: CODEEVAL_SKIP_MODEL_TESTS=1 (needs the smollm2-135m model)")
        return
    server, port = start_server(binary, tmp, "smollm2-135m")
    try:
        local, remote = os.path.join(tmp, "local.sqlite"), os.path.join(tmp, "remote.sqlite")
        a = json.loads(run([binary, "humaneval", "--model", "smollm2-135m", "--db", local] + COMMON, "local-engine run").stdout.splitlines()[-1])
        b = json.loads(run([binary, "humaneval", "--endpoint", f"http://127.0.0.1:{port}", "--remote-model", "smollm2-135m",
                            "--concurrency", "2", "--db", remote] + COMMON, "run via codeeval serve").stdout.splitlines()[-1])
    finally:
        server.terminate(); server.wait(timeout=30)
    sa, sb = samples(local), samples(remote)
    assert len(sa) == len(sb) == 2, (sa, sb)
    for x, y in zip(sa, sb):
        # task, index, completion (stops re-applied locally), finish reason, completion tokens, prompt tokens
        assert x[:6] == y[:6], f"local vs remote differ:\n  {x}\n  {y}"
        assert y[4] > 0 and y[5] > 0, f"token usage not recorded: {y}"
    (src, ep), = rows(remote, "SELECT json_extract(manifest, '$.source'), json_extract(manifest, '$.endpoint') FROM runs")
    assert src == "remote" and ep.endswith(str(port)), (src, ep)
    assert a["pass_at_k"] == b["pass_at_k"], (a["pass_at_k"], b["pass_at_k"])
    print(f"OK remote/served: 2 greedy completions via /v1/completions equal the local engine's "
          f"(tokens {[s[4] for s in sb]}), pass@1 {b['pass_at_k']}")
    # Sampled: every sample's seed reaches the server unchanged, so the samples are the local run's too.
    server, port = start_server(binary, tmp, "smollm2-135m")
    try:
        local, remote = os.path.join(tmp, "local-t.sqlite"), os.path.join(tmp, "remote-t.sqlite")
        run([binary, "humaneval", "--model", "smollm2-135m", "--db", local] + SAMPLED, "local-engine sampled run")
        run([binary, "humaneval", "--endpoint", f"http://127.0.0.1:{port}", "--remote-model", "smollm2-135m",
             "--concurrency", "2", "--db", remote] + SAMPLED, "sampled run via codeeval serve")
    finally:
        server.terminate(); server.wait(timeout=30)
    sa, sb = samples(local), samples(remote)
    assert len(sa) == len(sb) == 4, (sa, sb)
    assert [x[:3] for x in sa] == [y[:3] for y in sb], f"sampled local vs remote differ:\n  {sa}\n  {sb}"
    assert len({x[2] for x in sa}) > 1, f"the sampled completions are all alike; the test would not see a seed bug: {sa}"
    print(f"OK remote/served: 4 sampled completions (T 0.8, 2 per task) via /v1/completions equal the local engine's")
    # --api chat: each prompt goes as one user message through the model's chat template on the server.
    server, port = start_server(binary, tmp, "smollm2-135m")
    try:
        chat = os.path.join(tmp, "chat.sqlite")
        run([binary, "humaneval", "--endpoint", f"http://127.0.0.1:{port}/v1", "--remote-model", "smollm2-135m",
             "--api", "chat", "--db", chat] + COMMON, "chat run via codeeval serve")
        # The instruct profile through the chat API (the server opens the reply), and refused through completions.
        instruct = os.path.join(tmp, "instruct-remote.sqlite")
        run([binary, "mbpp", "--endpoint", f"http://127.0.0.1:{port}/v1", "--remote-model", "smollm2-135m", "--api", "chat",
             "--profile", "instruct", "--limit", "2", "--max-tokens", "48", "--db", instruct, "--json"],
            "instruct run via /v1/chat/completions")
        p = run([binary, "mbpp", "--endpoint", f"http://127.0.0.1:{port}/v1", "--remote-model", "smollm2-135m",
                 "--profile", "instruct", "--limit", "2", "--db", instruct], "instruct via completions", expect_ok=False)
        assert p.returncode == 2 and "--api chat" in p.stderr, (p.returncode, p.stderr)
    finally:
        server.terminate(); server.wait(timeout=30)
    (api, src), = rows(chat, "SELECT json_extract(manifest, '$.api'), json_extract(manifest, '$.source') FROM runs")
    got = samples(chat)
    assert api == "chat" and src == "remote" and len(got) == 2, (api, src, got)
    assert all(s[4] > 0 for s in got), f"no completion tokens recorded: {got}"
    print(f"OK remote/chat: a run with --api chat completed through /v1/chat/completions ({len(got)} samples, "
          f"manifest api={api})")
    got = samples(instruct)
    assert len(got) == 2 and all(s[6] for s in got), got
    # The stored completion is the code taken out of the reply (the whole reply when it has no fence).
    assert all(s[2] == s[6] or s[2] in s[6] for s in got), got
    # Locally the reply is opened for the model with the fence, so the stored reply starts with it.
    local = os.path.join(tmp, "instruct-local.sqlite")
    run([binary, "mbpp", "--model", "smollm2-135m", "--profile", "instruct", "--limit", "2", "--max-tokens", "48",
         "--db", local, "--json"], "instruct run on the local engine")
    got = samples(local)
    assert len(got) == 2 and all(s[6].startswith("Below is a Python script") and "```python" not in s[2] for s in got), got
    print("OK remote/instruct: the instruct profile runs locally (reply opened with the fence) and via --api chat; "
          "refused via /v1/completions")


class Stub(BaseHTTPRequestHandler):
    attempts, lock, stops_seen = {}, threading.Lock(), []

    def log_message(self, *a): pass

    def do_POST(self):
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        with Stub.lock:
            n = Stub.attempts[body["prompt"]] = Stub.attempts.get(body["prompt"], 0) + 1
            Stub.stops_seen.append(body.get("stop") or [])
        probe = body["prompt"] == "Hello"
        fail = {1: 500} if probe else {1: 429, 2: 503}
        if n in fail:
            self.send_response(fail[n]); self.send_header("Content-Length", "0"); self.end_headers(); return
        out = json.dumps({"choices": [{"text": "    return 1\nprint('not part of the completion')\n", "finish_reason": "length"}],
                          "usage": {"prompt_tokens": 11, "completion_tokens": 7}}).encode()
        self.send_response(200); self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(out))); self.end_headers(); self.wfile.write(out)


def stub(binary, tmp):
    srv = ThreadingHTTPServer(("127.0.0.1", 0), Stub)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    db = os.path.join(tmp, "stub.sqlite")
    try:
        run([binary, "humaneval", "--endpoint", f"http://127.0.0.1:{srv.server_port}/v1", "--remote-model", "stub",
             "--db", db] + COMMON, "run against the 429/503 stub")
    finally:
        srv.shutdown()
    got = samples(db)
    assert len(got) == 2, got
    for s in got:
        assert s[2] == "    return 1" and s[3] == "stop", f"5th stop not re-applied locally: {s}"
        assert "print(" in s[6] and s[4] == 7 and s[5] == 11, f"raw text / usage not recorded: {s}"
    prompts = {p: n for p, n in Stub.attempts.items() if p != "Hello"}
    assert Stub.attempts.get("Hello") == 2 and sorted(prompts.values()) == [3, 3], Stub.attempts
    assert all(len(s) <= 4 for s in Stub.stops_seen) and max(map(len, Stub.stops_seen)) == 4, Stub.stops_seen
    assert rows(db, "SELECT count(*) FROM verdicts")[0][0] == 2
    print("OK remote/stub: 429 and 5xx retried with backoff (3 attempts per prompt), nothing stored twice, "
          "at most 4 stops sent and the 5th re-applied locally, usage recorded")


class Fanout(BaseHTTPRequestHandler):
    """A slow server (each answer takes 0.2 s) that counts its requests and the peak in flight over all servers."""
    lock, in_flight, peak, served, failing = threading.Lock(), 0, 0, {}, set()

    def log_message(self, *a): pass

    def do_POST(self):
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        port = self.server.server_port
        with Fanout.lock:
            Fanout.in_flight += 1
            Fanout.peak = max(Fanout.peak, Fanout.in_flight)
            Fanout.served[port] = Fanout.served.get(port, 0) + 1
        try:
            time.sleep(0.2)
            if port in Fanout.failing and body["prompt"] != "Hello":
                self.send_response(503); self.send_header("Content-Length", "0"); self.end_headers(); return
            out = json.dumps({"model": "stub-served", "usage": {"prompt_tokens": 3, "completion_tokens": 2},
                              "choices": [{"text": "    return 1\n", "finish_reason": "stop"}]}).encode()
            self.send_response(200); self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(out))); self.end_headers(); self.wfile.write(out)
        finally:
            with Fanout.lock:
                Fanout.in_flight -= 1


def fanout(binary, tmp):
    class Wide(ThreadingHTTPServer):
        request_queue_size = 512  # listen backlog: 128 connections arrive at once

    servers = [Wide(("127.0.0.1", 0), Fanout) for _ in range(2)]
    for s in servers:
        threading.Thread(target=s.serve_forever, daemon=True).start()
    urls = [a for s in servers for a in ("--endpoint", f"http://127.0.0.1:{s.server_port}/v1")]
    wide = ["--profile", "llama1", "--k", "1", "--n", "2", "--temperature", "0.8", "--limit", "100", "--max-tokens", "8",
            "--workers", "2", "--json"]
    db = os.path.join(tmp, "fanout.sqlite")
    try:
        run([binary, "humaneval", "--remote-model", "stub", "--concurrency", "128", "--db", db] + urls + wide,
            "200 requests over 2 endpoints, 128 in flight")
        counts = dict(Fanout.served)
        # Then one endpoint fails every request after its probe: each retry moves to the other endpoint.
        Fanout.failing.add(servers[1].server_port)
        db2 = os.path.join(tmp, "fanout-failover.sqlite")
        run([binary, "humaneval", "--remote-model", "stub", "--concurrency", "16", "--db", db2] + urls + COMMON,
            "one endpoint answering 503")
    finally:
        for s in servers: s.shutdown()
    assert len(samples(db)) == 200 and len(samples(db2)) == 2, (len(samples(db)), len(samples(db2)))
    a, b = (counts.get(s.server_port, 0) for s in servers)
    assert abs(a - b) <= 2 and a + b == 202, f"requests per endpoint (probe included): {a}, {b}"
    assert Fanout.peak >= 64, f"at most {Fanout.peak} requests were in flight with --concurrency 128"
    (m,), = rows(db, "SELECT manifest FROM runs")
    m = json.loads(m)
    assert len(m["endpoints"]) == 2 and m["servedModels"] == ["stub-served"] and m["bitReproducible"] is False, m
    print(f"OK remote/fanout: 200 requests spread {a - 1}/{b - 1} over 2 endpoints, {Fanout.peak} in flight at the peak; "
          "a failing endpoint's requests retried on the other; manifest lists endpoints, served model, not bit-reproducible")


def down(binary, tmp):
    db = os.path.join(tmp, "down.sqlite")
    p = run([binary, "humaneval", "--endpoint", f"http://127.0.0.1:{free_port()}", "--remote-model", "x", "--db", db]
            + COMMON, "run against a closed port", expect_ok=False)
    assert p.returncode != 0, p.returncode
    assert "unreachable" in p.stderr, p.stderr[-1000:]
    assert not os.path.exists(db) or rows(db, "SELECT count(*) FROM runs")[0][0] == 0, "a run was written"
    print(f"OK remote/down: exit {p.returncode}, message: {p.stderr.strip().splitlines()[-1][:160]}")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", default=".build/debug/codeeval")
    ap.add_argument("--only", default="down,stub,fanout,served")
    args = ap.parse_args()
    tmp = tempfile.mkdtemp(prefix="run-remote-")
    print(f"remote generation tests in {tmp}")
    for name in args.only.split(","):
        {"served": served, "stub": stub, "fanout": fanout, "down": down}[name](args.bin, tmp)


if __name__ == "__main__":
    main()
