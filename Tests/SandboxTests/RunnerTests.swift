import Foundation
import Testing
@testable import Sandbox

@Suite("Runner")
struct RunnerTests {
    let runner = Runner()

    @Test func passingProgramReportsEverything() async {
        let e = await runner.run(Program(source: "import os\nprint('hi', os.getuid(), os.getpid(), os.getcwd())"))
        #expect(e.status == .passed)
        #expect(e.exitCode == 0)
        #expect(e.stdout == "hi 1000 2 /work\n")
        #expect(e.cpuMs != nil && e.maxRssKB != nil)
        for layer in ["user_ns", "pid_ns", "net_ns", "mount_ns", "ipc_ns", "uts_ns", "pivot_root", "rlimits",
                      "no_new_privs", "seccomp", "caps_dropped", "unprivileged_uid"] {
            #expect(e.layers.contains(layer), "missing layer \(layer)")
        }
        #expect(e.humanEvalResult == "passed")
    }

    @Test func failureMessageIsTheLastTracebackLine() async {
        let e = await runner.run(Program(source: "def f():\n    assert 1 == 2\nf()"))
        #expect(e.status == .failed)
        #expect(e.exitCode == 1)
        #expect(e.humanEvalResult == "failed: AssertionError")
    }

    @Test func timeoutIsAHardKillEvenWhenExceptionsAreCaught() async {
        let e = await runner.run(Program(source: "import time\nwhile True:\n    try: time.sleep(1)\n    except BaseException: pass"),
                                 limits: Limits(wallSeconds: 0.5))
        #expect(e.status == .timeout)
        #expect(e.humanEvalResult == "timed out")
        #expect(e.wallMs < 3000)
    }

    /// The caller's signal mask and ignored dispositions must not reach the program: Dispatch worker threads
    /// (where the Runner spawns the launcher) block SIGALRM, which silently disabled alarm-based time limits.
    @Test func signalStateIsCleanAndAlarmsAreDelivered() async {
        let source = """
        import signal, time
        assert signal.pthread_sigmask(signal.SIG_BLOCK, []) == set(), signal.pthread_sigmask(signal.SIG_BLOCK, [])
        assert signal.getsignal(signal.SIGHUP) == signal.SIG_DFL
        class Alarm(Exception):
            pass
        def ring(*args):
            raise Alarm()
        signal.signal(signal.SIGALRM, ring)
        signal.setitimer(signal.ITIMER_REAL, 0.05)
        try:
            time.sleep(2)
            raise SystemExit("the alarm never came")
        except Alarm:
            pass
        """
        let e = await runner.run(Program(source: source))
        #expect(e.status == .passed, "\(e.stderr)")
        #expect(e.wallMs < 1500)
    }

    @Test func stdinIsEmptyAndInputFails() async {
        let e = await runner.run(Program(source: "input('number? ')"))
        #expect(e.status == .failed)
        #expect(e.stderr.contains("EOFError"))
    }

    @Test func outputIsCappedAndFlagged() async {
        let e = await runner.run(Program(source: "print('x' * 5000)"), limits: Limits(outputCapBytes: 100))
        #expect(e.status == .passed)
        #expect(e.stdoutTruncated)
        #expect(e.stdout.utf8.count == 100)
    }

    @Test func invalidUTF8OutputIsReplacedNotLost() async {
        let e = await runner.run(Program(source: "import sys\nsys.stdout.buffer.write(b'a\\xffb\\n')"))
        #expect(e.stdout == "a\u{FFFD}b\n")
    }

    @Test func missingLauncherIsASandboxError() async {
        let e = await Runner(launcher: "/nonexistent/codeeval-sandbox").run(Program(source: "pass"))
        #expect(e.status == .sandboxError)
        #expect(e.error?.contains("not found") == true)
    }

    @Test func oversizedProgramIsRejected() async {
        let e = await runner.run(Program(source: String(repeating: "#", count: 17 << 20)))
        #expect(e.status == .sandboxError)
    }

    @Test func poolRunsInParallelWithinItsWidth() async {
        let pool = RunnerPool(width: 3, zygote: false)
        let results = await withTaskGroup(of: (Int, Execution).self) { group in
            for i in 0..<9 {
                group.addTask { (i, await pool.run(Program(source: "import time\na = time.time()\ntime.sleep(0.4)\nprint(\(i), a, time.time())"))) }
            }
            var out = [Execution?](repeating: nil, count: 9)
            for await (i, e) in group { out[i] = e }
            return out.map { $0! }
        }
        #expect(results.allSatisfy { $0.status == .passed })
        // Each run reports its own index and [start, end] wall interval; count the overlap at every start.
        let spans = results.enumerated().map { i, e -> (Double, Double) in
            let f = e.stdout.split(separator: " ").map { Double($0.trimmingCharacters(in: .whitespacesAndNewlines)) ?? -1 }
            #expect(Int(f[0]) == i)
            return (f[1], f[2])
        }
        let maxOverlap = spans.map { s in spans.filter { $0.0 <= s.0 && s.0 < $0.1 }.count }.max() ?? 0
        #expect(maxOverlap >= 2, "runs never overlapped")
        #expect(maxOverlap <= 3, "more runs at once than the pool's width")
    }
}

/// Programs that end early in ways that must never count as a pass (also run through the zygote).
let fakePassTricks: [String] = [
    "import sys\nsys.exit(0)\nassert False",
    "import os\nos._exit(0)\nassert False",
    "raise SystemExit\nassert False",
    "raise SystemExit(0)",
    "try:\n    assert False\nfinally:\n    import os; os._exit(0)",
    "import threading, os\ndef t():\n    os._exit(0)\nthreading.Thread(target=t).start()\nimport time; time.sleep(1)\nassert False",
    "import atexit, os\natexit.register(lambda: os._exit(0))\nassert False",
    "import os\nos.write(4, b'0' * 32)\nos._exit(0)",
    "print('passed')\nimport sys\nsys.exit(0)",
    "import sys\nsys.excepthook = lambda *a: None\nassert False",
    "import signal, os\nos.kill(os.getpid(), signal.SIGKILL)",
]

@Suite("Proof of pass: exiting early is never a pass")
struct ProofOfPassTests {
    let runner = Runner()

    func verdict(_ program: String) async -> Execution {
        await runner.run(Program(source: ProofOfPass.wrap(program), requireProof: true))
    }

    @Test("fake-pass tricks", arguments: fakePassTricks)
    func trick(_ program: String) async {
        let e = await verdict(program)
        #expect(e.status != .passed, "\(program) → \(e.status)")
    }

    @Test func aRealPassCarriesTheProof() async {
        let e = await verdict("def f(x):\n    return x + 1\nassert f(1) == 2")
        #expect(e.status == .passed)
        #expect(e.proof)
    }

    @Test func programTextIsExecutedExactly() async {
        let source = "s = '''tab\\there \"quotes\" ünïcödé 😀 \\\\ back'''\nprint(s)\nprint(__name__)"
        let e = await verdict(source)
        #expect(e.status == .passed)
        #expect(e.stdout == "tab\there \"quotes\" ünïcödé 😀 \\ back\n__main__\n")
    }
}
