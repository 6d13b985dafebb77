import Foundation
import Testing
@testable import Sandbox

/// The zygote (`Zygote`, `RunnerPool(zygote: true)`, launcher `--zygote`): one warm interpreter per worker, forked
/// per run. Every run must still be a run of its own (nothing of an earlier run visible), the zygote must be out of
/// every candidate's reach, and a dead or misbehaving zygote must fail its run as sandbox_error and be replaced.
@Suite("Zygote", .serialized)
struct ZygoteTests {
    func eventually(_ condition: () -> Bool) async throws -> Bool {
        for _ in 0..<100 {
            if condition() { return true }
            try await Task.sleep(nanoseconds: 50_000_000)
        }
        return condition()
    }

    func alive(_ pid: Int32) -> Bool { kill(pid, 0) == 0 }

    /// The default pool uses zygotes where they can run (CI installs libpython3.11) and falls back to a new python3
    /// per run, saying why, where they cannot: here, an interpreter that is not the embedded Python.
    @Test func theDefaultPoolUsesZygotesWhereTheyCanRun() async throws {
        #expect(Runner().zygoteProblem == nil)
        let pool = RunnerPool(width: 1)
        #expect(pool.zygote && pool.zygoteUnavailable == nil)
        let e = await pool.run(Program(source: "print('ok')"))
        #expect(e.status == .passed && e.layers.contains("zygote"), "\(e.status) \(e.layers)")
        await pool.shutdown()

        let other = Runner(python: "/usr/bin/perl")
        let problem = try #require(other.zygoteProblem)
        #expect(problem.contains("perl") && problem.contains("python3.11"), "\(problem)")
        let fallback = RunnerPool(runner: other, width: 1)
        #expect(!fallback.zygote && fallback.zygoteUnavailable == problem)
        #expect(!RunnerPool(width: 1, zygote: false).zygote)
    }

    /// A caller that changes the jail limits on every run (a `serve` client varying memory_mb) must not make every
    /// run pay for an interpreter start-up: such runs go through launchers of their own; limits that repeat get one.
    @Test func limitsThatChangeEveryRunDoNotStartAZygoteEach() async {
        let pool = RunnerPool(width: 1, zygote: true)
        for mb in [256, 300, 350, 400, 450, 500] {
            let e = await pool.run(Program(source: "print('ok')"), limits: Limits(memoryBytes: mb << 20))
            #expect(e.status == .passed && e.stdout == "ok\n", "\(mb) MB: \(e.status) \(e.stderr)")
            #expect(e.layers.contains("zygote") == (mb == 256), "\(mb) MB: \(e.layers)")
        }
        #expect(await pool.zygotesStarted == 1)
        var last: Execution? = nil
        for _ in 0..<3 { last = await pool.run(Program(source: "print('ok')"), limits: Limits(memoryBytes: 600 << 20)) }
        #expect(await pool.zygotesStarted == 2)
        #expect(last?.status == .passed && last?.layers.contains("zygote") == true)
        await pool.shutdown()
    }

    @Test func aRunLooksLikeAFreshPython3() async throws {
        let z = Zygote()
        defer { z.shutdown() }
        let probe = """
        import os, sys, signal
        print(os.getuid(), os.getpid(), os.getcwd(), sorted(os.listdir('/proc/self/fd')))
        print(sys.argv, __name__, __file__, type(__loader__).__name__, sys.flags.isolated, sys.flags.no_site)
        print(sorted(k for k in globals() if not k.startswith('__')), sys.getrecursionlimit())
        print(signal.getsignal(signal.SIGINT) is signal.default_int_handler, signal.getsignal(signal.SIGPIPE))
        assert signal.pthread_sigmask(signal.SIG_BLOCK, []) == set()
        """
        let e = await z.run(Program(source: probe), limits: Limits())
        #expect(e.status == .passed, "\(e.stderr)")
        #expect(e.stdout == """
        1000 2 /work ['0', '1', '2', '3', '4', '5']
        ['/work/main.py'] __main__ /work/main.py SourceFileLoader 1 1
        ['os', 'signal', 'sys'] 1000
        True 1

        """, "\(e.stdout)")
        #expect(e.layers.contains("zygote"))
        for layer in ["user_ns", "pid_ns", "net_ns", "mount_ns", "ipc_ns", "uts_ns", "cgroup_ns", "pivot_root", "rlimits",
                      "no_new_privs", "seccomp", "caps_dropped", "unprivileged_uid"] {
            #expect(e.layers.contains(layer), "missing layer \(layer)")
        }
        #expect(e.layers.contains("cgroup_v1_limits") || e.layers.contains("cgroup_v2_limits"))
        // Exit paths as in python3: an exception's traceback (no frame of ours) and exit 1, SystemExit's code,
        // atexit handlers, non-daemon threads joined.
        let failed = await z.run(Program(source: "def f():\n    assert 1 == 2\nf()"), limits: Limits())
        #expect(failed.status == .failed && failed.exitCode == 1 && failed.humanEvalResult == "failed: AssertionError")
        #expect(failed.stderr.hasPrefix("Traceback (most recent call last):\n  File \"/work/main.py\", line 3"), "\(failed.stderr)")
        let code = await z.run(Program(source: "raise SystemExit(7)"), limits: Limits())
        #expect(code.exitCode == 7)
        let ending = """
        import atexit, threading, time
        atexit.register(lambda: print('atexit'))
        threading.Thread(target=lambda: (time.sleep(0.2), print('thread'))).start()
        print('main')
        """
        let end = await z.run(Program(source: ending), limits: Limits())
        #expect(end.stdout == "main\nthread\natexit\n", "\(end.stdout)")
        #expect(z.starts == 1)
    }

    /// A hostile run, then a clean run through the same zygote: the clean run sees nothing of it.
    @Test func aRunLeavesNothingForTheNext() async throws {
        let z = Zygote(limits: Limits(profile: .standard))
        defer { z.shutdown() }
        let hostile = """
        import builtins, os, sys, atexit, signal, threading, time, math, random, json
        if os.fork() == 0:
            os.setsid()
            if os.fork() == 0:
                time.sleep(60)
            os._exit(0)
        threading.Thread(target=lambda: time.sleep(60), daemon=True).start()
        atexit.register(lambda: open('/work/atexit', 'w').write('ran'))
        signal.signal(signal.SIGTERM, lambda *a: None)
        signal.signal(signal.SIGALRM, lambda *a: None)
        signal.setitimer(signal.ITIMER_REAL, 5)
        open('/work/x', 'w').write('left over')
        open('/work/json.py', 'w').write('raise SystemExit(9)')
        random.seed(42)
        os.environ['INJECTED'] = '1'
        sys.path.insert(0, '/work')
        math.pi = 3
        json.dumps = None
        sys.modules['collections'] = None
        builtins.print = lambda *a, **k: None
        builtins.len = lambda x: 0
        sys.setrecursionlimit(10)
        os.write(1, (str(os.getuid()) + '\\n').encode())
        """
        let first = await z.run(Program(source: hostile), limits: Limits(profile: .standard))
        #expect(first.status == .passed, "\(first.stderr)")
        let clean = """
        import os, sys, signal, threading, math, json, collections, random
        assert len([1, 2]) == 2
        print('print works')
        assert math.pi > 3.14 and json.dumps([1]) == '[1]' and collections.OrderedDict
        assert sys.getrecursionlimit() == 1000, sys.getrecursionlimit()
        assert '/work' not in sys.path and 'INJECTED' not in os.environ
        assert os.listdir('/work') == ['main.py'], os.listdir('/work')
        assert sorted(int(p) for p in os.listdir('/proc') if p.isdigit()) == [1, 2], os.listdir('/proc')
        assert signal.getsignal(signal.SIGTERM) == signal.SIG_DFL and signal.getsignal(signal.SIGALRM) == signal.SIG_DFL
        assert signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0)
        assert threading.active_count() == 1, threading.enumerate()
        random.seed(42); a = random.random(); random.seed(); assert random.random() != a
        """
        let second = await z.run(Program(source: clean), limits: Limits(profile: .standard))
        #expect(second.status == .passed, "\(second.stderr)")
        #expect(second.stdout == "print works\n")
        #expect(first.hostUID != nil && first.hostUID != second.hostUID)
        // The hostile run's processes (its daemonised grandchild) are gone, the zygote is the same one.
        let uid = try #require(first.hostUID)
        #expect(try await eventually { processes(ofUID: uid).isEmpty }, "left behind: \(processes(ofUID: uid))")
        #expect(z.starts == 1)
    }

    /// Runs of one zygote differ in their random state (the interpreter re-seeds after fork), as new interpreters do.
    /// The memory a run inherits is the zygote's snapshot (snapshot.c): private mappings of one sealed memfd. A run
    /// that overwrites an object there (an immutable str of a preloaded module, through /proc/self/mem) changes only
    /// its own copy: the next run of the same zygote sees the original.
    @Test func runsInheritASealedSnapshotAndWriteOnlyTheirCopy() async throws {
        let z = Zygote()
        defer { z.shutdown() }
        let probe = """
        import string
        s = string.ascii_letters
        addr = id(s)
        maps = [l.split() for l in open('/proc/self/maps') if 'memfd:codeeval-zygote' in l]
        assert maps, 'no snapshot mapping'
        assert all(m[1].endswith('p') for m in maps), maps
        where = [l.strip() for l in open('/proc/self/maps') if int(l.split('-')[0], 16) <= addr < int(l.split()[0].split('-')[1], 16)]
        assert any(int(a, 16) <= addr < int(b, 16) for a, b in (m[0].split('-') for m in maps)), ('not in the snapshot', hex(addr), where)
        with open('/proc/self/mem', 'r+b', buffering=0) as mem:
            mem.seek(addr)
            raw = mem.read(128)
            off = raw.find(b'abcdefghij')
            assert off > 0, raw
            print(raw[off:off + 52].decode())
            if 'CLOBBER' in open(__file__).read():
                mem.seek(addr + off)
                mem.write(b'X' * 52)
                assert string.ascii_letters[0] == 'X'
        """
        let first = await z.run(Program(source: probe), limits: Limits())
        #expect(first.status == .passed, "\(first.stderr)")
        #expect(first.stdout == "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ\n")
        let clobber = await z.run(Program(source: probe + "\n# CLOBBER\n"), limits: Limits())
        #expect(clobber.status == .passed, "\(clobber.stderr)")
        let after = await z.run(Program(source: probe), limits: Limits())
        #expect(after.status == .passed, "\(after.stderr)")
        #expect(after.stdout == first.stdout, "after a run overwrote its copy: \(after.stdout)")
    }

    @Test func randomStateIsPerRun() async {
        let z = Zygote()
        defer { z.shutdown() }
        var seen = Set<String>()
        for _ in 0..<3 {
            let e = await z.run(Program(source: "import random, os\nprint(random.random(), os.urandom(8).hex())"), limits: Limits())
            seen.insert(e.stdout)
        }
        #expect(seen.count == 3)
    }

    /// kill(-1), signalling the zygote's host pid, reading its /proc entry and ptrace: none reaches the zygote.
    @Test func theZygoteIsOutOfReach() async throws {
        let z = Zygote(limits: Limits(profile: .standard))
        defer { z.shutdown() }
        let warm = await z.run(Program(source: "pass"), limits: Limits(profile: .standard))
        #expect(warm.status == .passed)
        let zpid = try #require(z.pid)
        let signals = """
        import os, signal
        for target in (\(zpid), 1, 0):
            try:
                os.kill(target, signal.SIGKILL if target != 0 else 0)
                print('signalled', target)
            except OSError as e:
                print('refused', target, e.errno)
        print(os.path.exists('/proc/\(zpid)'))
        try:
            os.kill(-1, signal.SIGKILL)
        except OSError as e:
            print('kill(-1) refused', e.errno)
        print('still here')
        """
        let e = await z.run(Program(source: signals), limits: Limits(profile: .standard))
        // The zygote's pid does not exist in the run's pid namespace; pid 1 is the run's own init (a SIGKILL from
        // inside its namespace is ignored); kill(-1) reaches only the run's own processes.
        #expect(e.stdout.contains("refused \(zpid) 3\n"), "\(e.stdout) \(e.stderr)")
        #expect(e.stdout.contains("False\n"), "\(e.stdout)")
        #expect(alive(zpid))
        let ptrace = """
        import ctypes
        libc = ctypes.CDLL(None, use_errno=True)
        print(libc.ptrace(16, \(zpid), 0, 0), ctypes.get_errno())
        """
        let traced = await z.run(Program(source: ptrace), limits: Limits(profile: .standard))
        #expect(traced.status == .violation, "\(traced.status) \(traced.stdout) \(traced.stderr)")
        #expect(alive(zpid) && z.pid == zpid && z.starts == 1)
        let after = await z.run(Program(source: "print('ok')"), limits: Limits(profile: .standard))
        #expect(after.status == .passed && after.stdout == "ok\n")
        #expect(z.starts == 1)
    }

    /// A zygote killed mid-run fails that run as sandbox_error (never a pass), takes the run's jail with it, and is
    /// replaced for the next run; so is a zygote that died between runs, and a run whose launcher was killed.
    @Test func aDeadZygoteFailsItsRunAndIsReplaced() async throws {
        let z = Zygote()
        defer { z.shutdown() }
        let token = "codeeval-z-\(UUID().uuidString.prefix(8))"
        let sleeper = Program(source: "import os\nos.execv('/usr/bin/sleep', ['\(token)', '30'])")
        let run = Task { await z.run(sleeper, limits: Limits(wallSeconds: 30)) }
        #expect(try await eventually { !hostProcesses(containing: token).isEmpty })
        let zpid = try #require(z.pid)
        kill(zpid, SIGKILL)
        let e = await run.value
        #expect(e.status == .sandboxError, "\(e.status)")
        #expect(try await eventually { hostProcesses(containing: token).isEmpty }, "the run outlived its zygote")
        let next = await z.run(Program(source: "print('fresh')"), limits: Limits())
        #expect(next.status == .passed && next.stdout == "fresh\n")
        #expect(z.starts == 2 && z.pid != zpid)

        // Killed while idle: the next run notices and starts a new one.
        let idle = try #require(z.pid)
        kill(idle, SIGKILL)
        #expect(try await eventually { !alive(idle) || (try? String(contentsOfFile: "/proc/\(idle)/stat", encoding: .utf8))?.contains(" Z ") == true })
        let afterIdle = await z.run(Program(source: "print('again')"), limits: Limits())
        #expect(afterIdle.status == .passed || afterIdle.status == .sandboxError)
        let settled = await z.run(Program(source: "print('again')"), limits: Limits())
        #expect(settled.status == .passed)

        // The run's own launcher killed mid-run: the zygote answers that run with sandbox_error.
        let token2 = "codeeval-z-\(UUID().uuidString.prefix(8))"
        let run2 = Task { await z.run(Program(source: "import os\nos.execv('/usr/bin/sleep', ['\(token2)', '30'])"),
                                      limits: Limits(wallSeconds: 30)) }
        // The run's launcher is a child of the zygote.
        let pid = try #require(await launcherOfRun(showing: token2))
        #expect(parentPid(of: pid) == Int(try #require(z.pid)))
        kill(pid_t(pid), SIGKILL)
        let e2 = await run2.value
        #expect(e2.status == .sandboxError, "\(e2.status)")
        #expect(e2.error?.contains("without a verdict") == true, "\(e2.error ?? "")")
        #expect(try await eventually { hostProcesses(containing: token2).isEmpty }, "the run outlived its launcher")
        let last = await z.run(Program(source: "print('ok')"), limits: Limits())
        #expect(last.status == .passed)
    }

    /// A program the launcher refuses (over 16 MiB) is a sandbox_error; the next run gets a working zygote.
    @Test func aRefusedProgramDoesNotDesynchroniseTheNextRun() async {
        let z = Zygote()
        defer { z.shutdown() }
        let big = await z.run(Program(source: String(repeating: "#", count: 17 << 20)), limits: Limits())
        #expect(big.status == .sandboxError)
        let next = await z.run(Program(source: "print('next')"), limits: Limits())
        #expect(next.status == .passed && next.stdout == "next\n", "\(next.status) \(next.error ?? "")")
    }

    /// Verdicts follow the run they belong to, also when one zygote serves runs with different time limits, and
    /// a pool keeps one zygote per worker.
    @Test func aPoolOfZygotesRunsInParallel() async {
        let pool = RunnerPool(width: 2, zygote: true)
        let results = await withTaskGroup(of: (Int, Execution).self) { group in
            for i in 0..<8 {
                group.addTask {
                    (i, await pool.run(Program(source: "import time\ntime.sleep(0.05 * \(i % 3))\nprint(\(i))"),
                                       limits: Limits(wallSeconds: Double(2 + i))))
                }
            }
            var out = [Execution?](repeating: nil, count: 8)
            for await (i, e) in group { out[i] = e }
            return out.map { $0! }
        }
        for (i, e) in results.enumerated() {
            #expect(e.status == .passed && e.stdout == "\(i)\n" && e.layers.contains("zygote"), "\(i): \(e.status) \(e.stdout)")
        }
        await pool.shutdown()
    }
}

/// The proof-of-pass tricks, through a zygote.
@Suite("Proof of pass through the zygote")
struct ZygoteProofOfPassTests {
    @Test("fake-pass tricks", arguments: fakePassTricks)
    func trick(_ program: String) async {
        let z = Zygote()
        defer { z.shutdown() }
        let e = await z.run(Program(source: ProofOfPass.wrap(program), requireProof: true), limits: Limits())
        #expect(e.status != .passed, "\(program) → \(e.status)")
        #expect(e.status != .sandboxError, "\(program) → \(e.error ?? "")")
        let real = await z.run(Program(source: ProofOfPass.wrap("def f(x):\n    return x + 1\nassert f(1) == 2"), requireProof: true),
                               limits: Limits())
        #expect(real.status == .passed && real.proof)
    }
}
