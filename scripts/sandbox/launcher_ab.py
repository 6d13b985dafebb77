#!/usr/bin/env python3
"""The 164 HumanEval canonical programs straight through the launcher (no Swift side, no proof-of-pass wrapper),
2 workers, launchers started per run ("cold") against pre-spawned ones ("pre": each worker starts its next launcher
when it hands a program to the current one) and zygotes ("zygote": one `--zygote` launcher per worker, started inside
the timed span, every program a framed request with a run id). Prints wall time, failures and the launchers' CPU
(children's rusage; a zygote's whole life, its start-up included).

Usage: scripts/sandbox/launcher_ab.py .build/release/codeeval-sandbox cold,pre,zygote,cold,pre,zygote [DATASETS_DIR]
"""
import gzip, json, os, queue, subprocess, sys, threading, time

launcher, modes = sys.argv[1], sys.argv[2].split(",")
default_data = os.path.join(os.environ.get("XDG_CACHE_HOME", os.path.expanduser("~/.cache")), "codeeval", "datasets")
data = sys.argv[3] if len(sys.argv) > 3 else os.environ.get("CODEEVAL_DATA", default_data)
tasks = [json.loads(line) for line in gzip.open(os.path.join(data, "humaneval/HumanEval.jsonl.gz"))]
programs = [(t["prompt"] + t["canonical_solution"] + "\n" + t["test"] + "\n" + f"check({t['entry_point']})").encode()
            for t in tasks]


def spawn():
    return subprocess.Popen([launcher, "--framed"], stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def finish(p, program):
    p.stdin.write(b"%d 3000 4\n" % len(program) + program)  # the --framed header: length, timeout ms, CPU s
    p.stdin.close()
    out = p.stdout.read()
    p.stderr.read()
    p.wait()
    return json.loads(out)


def run(mode, workers=2):
    todo = queue.Queue()
    for program in programs:
        todo.put(program)
    failures = []

    def zygote_worker():
        z = subprocess.Popen([launcher, "--zygote"], stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        run_id = 0
        while True:
            try:
                program = todo.get_nowait()
            except queue.Empty:
                break
            run_id += 1
            z.stdin.write(b"%d 3000 4 %d\n" % (len(program), run_id) + program)
            z.stdin.flush()
            report = json.loads(z.stdout.readline())
            if report.get("exit_code") != 0 or report.get("run_id") != run_id:
                failures.append(report)
        z.stdin.close()  # end of input: its waiting launchers tear their jails down and it exits
        z.wait()

    def worker():
        if mode == "zygote":
            return zygote_worker()
        spare = spawn() if mode == "pre" else None
        while True:
            try:
                program = todo.get_nowait()
            except queue.Empty:
                break
            if mode == "pre":
                current, spare = spare, spawn()
            else:
                current = spawn()
            report = finish(current, program)
            if report.get("exit_code") != 0:
                failures.append(report)
        if spare:  # end of input before a frame: the launcher tears its jail down (exit 4)
            spare.stdin.close()
            spare.wait()

    start = time.perf_counter()
    threads = [threading.Thread(target=worker) for _ in range(workers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return time.perf_counter() - start, len(failures)


for mode in modes:
    before = os.times()
    wall, failed = run(mode)
    after = os.times()
    cpu = after.children_user - before.children_user + after.children_system - before.children_system
    print(f"{mode}: {wall:.2f} s wall, {failed} failed, launchers' CPU {cpu:.2f} s", flush=True)
