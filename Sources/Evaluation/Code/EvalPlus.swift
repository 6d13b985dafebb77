import Datasets
import Foundation
import Sandbox
import Scoring
import Support

/// One HumanEval+/MBPP+ problem in the form the harness needs. Inputs stay JSON text (numbers exactly as written).
public struct PlusTask: Sendable {
    public let taskID: String
    /// Accepted spellings of the task id in samples files.
    public let aliases: [String]
    /// `humaneval` or `mbpp`: selects the special oracles and MBPP's input conversions.
    public let dataset: String
    public let number: Int
    public let prompt: String
    public let canonicalSolution: String
    public let entryPoint: String
    public let baseInputs: [JSONValue]
    public let plusInputs: [JSONValue]
    public let atol: Double
    /// MBPP tasks whose outputs are compared only as "is not None" (EvalPlus's ground truth stores booleans).
    public var outputNotNone: Bool { dataset == "mbpp" && ["check_str", "text_match_three", "text_starta_endb"].contains(entryPoint) }

    public func inputs(_ phase: PlusPhase) -> [JSONValue] { phase == .base ? baseInputs : plusInputs }

    /// The ground truth's code: prompt + canonical solution (EvalPlus's `trusted_exec` input).
    public var referenceProgram: String { prompt + canonicalSolution }
}

public enum PlusPhase: String, Sendable, CaseIterable { case base, plus }

public enum PlusTasks {
    public static func humanEval(_ problems: [EvalPlusProblem]) -> [PlusTask] {
        problems.map { p in
            PlusTask(taskID: p.taskID, aliases: [], dataset: "humaneval",
                     number: Int(p.taskID.split(separator: "/").last ?? "") ?? 0, prompt: p.prompt,
                     canonicalSolution: p.canonicalSolution, entryPoint: p.entryPoint, baseInputs: p.baseInputs,
                     plusInputs: p.plusInputs, atol: p.atol)
        }
    }

    public static func mbpp(_ problems: [EvalPlusProblem]) -> [PlusTask] {
        problems.map { p in
            let n = Int(p.taskID.split(separator: "/").last ?? "") ?? 0
            return PlusTask(taskID: p.taskID, aliases: ["mbpp/\(n)", "\(n)"], dataset: "mbpp", number: n, prompt: p.prompt,
                            canonicalSolution: p.canonicalSolution, entryPoint: p.entryPoint, baseInputs: p.baseInputs,
                            plusInputs: p.plusInputs, atol: p.atol)
        }
    }

    public static func load(_ benchmark: Benchmark, store: DatasetStore) throws -> [PlusTask] {
        switch benchmark {
        case .humanevalPlus: return humanEval(try store.humanEvalPlus())
        case .humanevalPlusMini: return humanEval(try store.humanEvalPlus(mini: true))
        case .mbppPlus: return mbpp(try store.mbppPlus())
        default: throw CodeEvaluationError(description: "\(benchmark.rawValue) is not an EvalPlus benchmark")
        }
    }
}

/// The canonical solution's outputs (pickled by the harness, base64) and its time per input, for both phases.
/// A phase whose outputs are too large to embed in programs (`PlusSettings.inlineAbove`) has no `expected`: each
/// candidate run recomputes them with the canonical solution before loading the candidate's code.
public struct PlusGroundTruth: Sendable {
    public var expected: [PlusPhase: String]
    public var times: [PlusPhase: [Double]]
    public var inline: Set<PlusPhase> = []
}

/// EvalPlus's knobs. Defaults are EvalPlus's (`evalplus/config.py` and `eval/__init__.py`).
public struct PlusSettings: Sendable {
    /// Per-input limit = max(minTimeLimit, gtTimeLimitFactor × ground-truth time of that input).
    public var minTimeLimit: Double = 4.0
    public var gtTimeLimitFactor: Double = 4.0
    /// A whole phase is bounded by min(perTaskCap, Σ per-input limits) + 1 s (EvalPlus's
    /// `EVALPLUS_TIMEOUT_PER_TASK` = 60) ...
    public var perTaskCap: Double = 60
    /// ... plus this allowance for interpreter start-up and loading the inputs, which EvalPlus's forked worker
    /// does not pay inside its timer.
    public var startupAllowance: Double = 1.0
    /// Stop a phase at its first failing input (EvalPlus's default; `--test-details` turns it off).
    public var fastCheck: Bool = true
    /// Limits of every run (memory, profile, degradation); the wall and CPU limits are derived per run.
    public var limits: Limits = Limits(memoryBytes: 4 << 30)
    /// Wall limit for a ground-truth run (one task, one phase).
    public var groundTruthWallSeconds: Double = 300
    /// Pickled expected outputs larger than this are recomputed in each candidate run instead of embedded
    /// (programs are capped at 16 MiB by the launcher).
    public var inlineAbove: Int = 4 << 20
    /// Address-space (and cgroup memory) limit of ground-truth runs and of the part of inline runs that recomputes
    /// the expected outputs: EvalPlus computes them in its parent process without a limit. Half the RAM, ≤ 16 GiB.
    public var groundTruthMemoryBytes: Int = min(Int(clamping: ProcessInfo.processInfo.physicalMemory / 2), 16 << 30)

    public init() {}

    /// EvalPlus's command-line knobs; `memoryMB` -1 means no address-space limit, anything else is capped at the
    /// machine's physical memory.
    public init(minTimeLimit: Double, gtTimeLimitFactor: Double, fastCheck: Bool, memoryMB: Int, profile: Limits.Profile,
                allowDegraded: Bool) {
        self.minTimeLimit = minTimeLimit
        self.gtTimeLimitFactor = gtTimeLimitFactor
        self.fastCheck = fastCheck
        let memory = memoryMB == -1 ? 1 << 40 : min(memoryMB << 20, Int(clamping: ProcessInfo.processInfo.physicalMemory))
        limits = Limits(memoryBytes: memory, profile: profile, allowDegraded: allowDegraded)
    }

    public func inputLimits(_ times: [Double]) -> [Double] { times.map { max(minTimeLimit, gtTimeLimitFactor * $0) } }

    public func phaseWallSeconds(_ inputLimits: [Double]) -> Double {
        min(perTaskCap, inputLimits.reduce(0, +)) + 1 + (fastCheck ? 0 : 1) + startupAllowance
    }
}

/// What one phase of one sample ended as.
public struct PlusOutcome: Sendable {
    /// `pass`, `fail` or `timeout` (EvalPlus's statuses).
    public var status: String
    /// Indices of failing inputs (only the first with fast check).
    public var failed: [Int]
    /// Why it failed: the harness's message per failing input, or the sandbox verdict.
    public var errors: [String]
    /// The sandbox verdict of the run (`passed` when the harness finished and reported).
    public var verdict: Status
    /// The run's wall time and its wall limit (ms).
    public var wallMs: Int = 0
    public var limitMs: Int = 0
}

public struct PlusEvaluationSummary: Sendable {
    public let benchmark: String
    public let samples: Int
    public let tasks: Int
    public let passAtK: [PlusPhase: [Int: Double]]
    public let statusCounts: [PlusPhase: [String: Int]]
    public let verdictCounts: [String: Int]
    public let groundTruthSeconds: Double
    public let wallSeconds: Double
    public let settings: PlusSettings

    public func json() -> JSONObject {
        var o = JSONObject([("benchmark", .string(benchmark)), ("samples", .int(samples)), ("tasks", .int(tasks))])
        var p = JSONObject()
        var s = JSONObject()
        for phase in PlusPhase.allCases {
            var ks = JSONObject()
            for k in (passAtK[phase] ?? [:]).keys.sorted() { ks["pass@\(k)"] = .double(passAtK[phase]![k]!) }
            p[phase.rawValue] = .object(ks)
            var c = JSONObject()
            for (name, n) in (statusCounts[phase] ?? [:]).sorted(by: { $0.key < $1.key }) { c[name] = .int(n) }
            s[phase.rawValue] = .object(c)
        }
        o["pass_at_k"] = .object(p)
        o["statuses"] = .object(s)
        var v = JSONObject()
        for (name, n) in verdictCounts.sorted(by: { $0.key < $1.key }) { v[name] = .int(n) }
        o["sandbox_verdicts"] = .object(v)
        o["min_time_limit"] = .double(settings.minTimeLimit)
        o["gt_time_limit_factor"] = .double(settings.gtTimeLimitFactor)
        o["ground_truth_seconds"] = .double((groundTruthSeconds * 1000).rounded() / 1000)
        o["wall_seconds"] = .double((wallSeconds * 1000).rounded() / 1000)
        return o
    }
}

/// HumanEval+/MBPP+ evaluation, EvalPlus style: expected outputs come from running the canonical solution (in the
/// sandbox), every sample runs its base inputs and then its plus inputs (each phase one sandbox run, all inputs
/// batched in it), outputs are compared with `==` and, for floats, numpy-`allclose`-style with the task's atol.
/// A sample is plus-correct only if both phases pass.
public enum EvalPlus {
    /// The program for one phase (`mode` ground_truth runs both phases' inputs concatenated: see `groundTruth`).
    /// Ground truth runs trusted code only; a candidate runs through the verdict guard, with
    /// the expected outputs made before its code is loaded (see `EvalPlusHarness`).
    static func program(mode: String, task: PlusTask, code: String, inputs: [JSONValue], expected: String?,
                        limits: [Double], fastCheck: Bool, inlineAbove: Int = 4 << 20, asLimit: Int? = nil) -> String {
        let lit = ProofOfPass.pythonStringLiteral
        let parameters: [(String, String)] = [
            ("DATASET", lit(task.dataset)), ("TASK_NUMBER", String(task.number)), ("ENTRY", lit(task.entryPoint)),
            ("INPUTS", lit(JSONValue.array(inputs).serialized(ensureASCII: true))),
            ("LIMITS", "[" + limits.map { pythonFloat($0) }.joined(separator: ", ") + "]"),
            ("ATOL", pythonFloat(task.atol)), ("FAST", fastCheck ? "True" : "False"),
            ("NOT_NONE", task.outputNotNone ? "True" : "False"),
        ]
        if mode == "ground_truth" {
            let globals = parameters + [("CODE", lit(code)), ("INLINE_ABOVE", String(inlineAbove))]
            return EvalPlusHarness.groundTruthKey + globals.map { $0.0 + " = " + $0.1 + "\n" }.joined()
                + EvalPlusHarness.prelude + EvalPlusHarness.groundTruth
        }
        let values = parameters + [("EXPECTED", expected.map(lit) ?? "None"),
                                   ("REFERENCE", expected == nil ? lit(task.referenceProgram) : "None"),
                                   ("AS_LIMIT", asLimit.map(String.init) ?? "None")]
        return ProofOfPass.judge(candidate: code, test: EvalPlusHarness.candidateTest(entryPoint: task.entryPoint),
                                 trusted: EvalPlusHarness.prelude + EvalPlusHarness.candidateSetup,
                                 trustedGlobals: values, entries: [task.entryPoint], asMain: false)
    }

    static func pythonFloat(_ x: Double) -> String {
        x.isFinite ? "\(x)" : (x.isNaN ? "float('nan')" : (x > 0 ? "float('inf')" : "float('-inf')"))
    }

    /// The harness's JSON report: the last line of stdout.
    static func report(_ e: Execution) -> [String: Any]? {
        guard let line = e.stdout.split(separator: "\n").last,
              let obj = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any] else { return nil }
        return obj
    }

    /// Runs every task's canonical solution on its base and plus inputs (one sandbox run per task and phase).
    public static func groundTruth(tasks: [PlusTask], pool: RunnerPool, settings: PlusSettings) async throws -> [PlusGroundTruth] {
        var gtLimits = settings.limits
        gtLimits.wallSeconds = settings.groundTruthWallSeconds
        gtLimits.cpuSeconds = Int(settings.groundTruthWallSeconds) + 1
        gtLimits.outputCapBytes = 256 << 20
        gtLimits.memoryBytes = max(settings.limits.memoryBytes, settings.groundTruthMemoryBytes)
        let limits = gtLimits
        let jobs = tasks.indices.flatMap { t in PlusPhase.allCases.map { (t, $0) } }
        var truths = [PlusGroundTruth](repeating: PlusGroundTruth(expected: [:], times: [:]), count: tasks.count)
        var failures: [String] = []
        try await forEachConcurrently(count: jobs.count, width: pool.width * 2, { j in
            let (t, phase) = jobs[j]
            let task = tasks[t]
            let source = program(mode: "ground_truth", task: task, code: task.referenceProgram, inputs: task.inputs(phase),
                                 expected: "", limits: [], fastCheck: true, inlineAbove: settings.inlineAbove)
            return await pool.run(Program(source: source, requireProof: true), limits: limits)
        }) { j, e in
            let (t, phase) = jobs[j]
            guard e.status == .passed, let r = report(e), let times = r["times"] as? [Double],
                  times.count == tasks[t].inputs(phase).count else {
                let why = report(e)?["error"] as? String ?? e.failureMessage
                failures.append("\(tasks[t].taskID) \(phase.rawValue): \(why)")
                return
            }
            if let expected = r["expected"] as? String {
                truths[t].expected[phase] = expected
            } else {
                truths[t].inline.insert(phase)
            }
            truths[t].times[phase] = times
        }
        guard failures.isEmpty else {
            throw CodeEvaluationError(description: "the ground truth failed for \(failures.count) task phase(s): "
                + failures.sorted().prefix(10).joined(separator: "; "))
        }
        return truths
    }

    /// Turns a finished candidate run into EvalPlus's status.
    static func outcome(_ e: Execution) -> PlusOutcome {
        if e.status == .timeout { return PlusOutcome(status: "timeout", failed: [], errors: ["timed out"], verdict: e.status) }
        guard e.status == .passed, let r = report(e), let status = r["status"] as? String else {
            return PlusOutcome(status: "fail", failed: [], errors: [e.failureMessage], verdict: e.status)
        }
        return PlusOutcome(status: status == "pass" ? "pass" : "fail", failed: r["failed"] as? [Int] ?? [],
                           errors: r["errors"] as? [String] ?? [], verdict: e.status)
    }

    /// The code a sample submits: its `solution` field (self-contained) if present, else prompt + completion.
    public static func code(of sample: Sample, task: PlusTask) -> String {
        if let solution = sample.fields["solution"]?.stringValue { return solution }
        return task.prompt + sample.completion
    }

    /// Samples that submit each task's canonical solution (`--canonical`).
    public static func canonicalSamples(_ tasks: [PlusTask]) -> [Sample] {
        tasks.enumerated().map { i, t in
            Sample(line: i + 1, taskID: t.taskID, completion: t.canonicalSolution,
                   fields: JSONObject([("task_id", .string(t.taskID)), ("completion", .string(t.canonicalSolution))]))
        }
    }

    /// Evaluates samples; results keep every input field and add `base_status`, `plus_status`, the failing inputs
    /// (`base_fail_tests`, `plus_fail_tests`: the first failing input, or all with `fastCheck` off) and the reasons.
    public static func evaluate(samples: [Sample], tasks: [PlusTask], benchmark: String, ks: [Int], pool: RunnerPool,
                                settings: PlusSettings = PlusSettings(), groundTruth precomputed: [PlusGroundTruth]? = nil,
                                progress: (@Sendable (_ done: Int, _ total: Int, _ passed: Int) -> Void)? = nil)
        async throws -> (results: [JSONObject], outcomes: [[PlusPhase: PlusOutcome]], summary: PlusEvaluationSummary) {
        let index = try CodeEvaluation.taskIndex(samples: samples, ids: tasks.map { ($0.taskID, $0.aliases) },
                                                 benchmark: benchmark)
        let start = DispatchTime.now()
        let truths: [PlusGroundTruth]
        if let precomputed { truths = precomputed } else { truths = try await groundTruth(tasks: tasks, pool: pool, settings: settings) }
        let gtSeconds = Double(DispatchTime.now().uptimeNanoseconds - start.uptimeNanoseconds) / 1e9

        @Sendable func runLimits(_ t: Int, _ phase: PlusPhase) -> Limits {
            var limits = settings.limits
            let times = truths[t].times[phase] ?? []
            // Recomputing inline outputs costs the canonical solution's time again (with the same factor).
            let inlineCost = truths[t].inline.contains(phase) ? settings.gtTimeLimitFactor * times.reduce(0, +) : 0
            limits.wallSeconds = settings.phaseWallSeconds(settings.inputLimits(times)) + inlineCost
            if truths[t].inline.contains(phase) {
                limits.memoryBytes = max(settings.limits.memoryBytes, settings.groundTruthMemoryBytes)
            }
            limits.cpuSeconds = Int(limits.wallSeconds.rounded(.up)) + 1
            return limits
        }
        let jobs = samples.indices.flatMap { s in PlusPhase.allCases.map { (s, $0) } }
        var outcomes = [[PlusPhase: PlusOutcome]](repeating: [:], count: samples.count)
        var done = 0, passed = 0
        try await forEachConcurrently(count: jobs.count, width: pool.width * 2, { j in
            let (s, phase) = jobs[j]
            let t = index[samples[s].taskID]!
            let task = tasks[t]
            let source = program(mode: "candidate", task: task, code: code(of: samples[s], task: task),
                                 inputs: task.inputs(phase), expected: truths[t].expected[phase],
                                 limits: settings.inputLimits(truths[t].times[phase] ?? []), fastCheck: settings.fastCheck,
                                 asLimit: truths[t].inline.contains(phase) ? settings.limits.memoryBytes : nil)
            return await pool.run(Program(source: source, requireProof: true), limits: runLimits(t, phase))
        }) { j, e in
            let (s, phase) = jobs[j]
            var o = outcome(e)
            o.wallMs = e.wallMs
            o.limitMs = Int(runLimits(index[samples[s].taskID]!, phase).wallSeconds * 1000)
            outcomes[s][phase] = o
            if outcomes[s].count == PlusPhase.allCases.count {
                done += 1
                if outcomes[s].values.allSatisfy({ $0.status == "pass" }) { passed += 1 }
                progress?(done, samples.count, passed)
            }
        }

        var results: [JSONObject] = []
        var perTask: [PlusPhase: [Int: (n: Int, c: Int)]] = [:]
        var statusCounts: [PlusPhase: [String: Int]] = [:]
        var verdicts: [String: Int] = [:]
        for (s, sample) in samples.enumerated() {
            let t = index[sample.taskID]!
            var r = sample.fields
            let base = outcomes[s][.base]!, plus = outcomes[s][.plus]!
            for (phase, o) in [(PlusPhase.base, base), (.plus, plus)] {
                r["\(phase.rawValue)_status"] = .string(o.status)
                let inputs = tasks[t].inputs(phase)
                r["\(phase.rawValue)_fail_tests"] = .array(o.failed.filter { $0 >= 0 && $0 < inputs.count }.map { inputs[$0] })
                r["\(phase.rawValue)_errors"] = .array(o.status == "pass" ? [] : o.errors.map { .string($0) })
                statusCounts[phase, default: [:]][o.status, default: 0] += 1
                verdicts[o.verdict.rawValue, default: 0] += 1
            }
            results.append(r)
            let basePass = base.status == "pass"
            let plusPass = basePass && plus.status == "pass"
            for (phase, ok) in [(PlusPhase.base, basePass), (.plus, plusPass)] {
                let prev = perTask[phase]?[t] ?? (0, 0)
                perTask[phase, default: [:]][t] = (prev.n + 1, prev.c + (ok ? 1 : 0))
            }
        }
        var passAtK: [PlusPhase: [Int: Double]] = [:]
        for phase in PlusPhase.allCases {
            passAtK[phase] = PassAtK.aggregate(tasks.indices.compactMap { perTask[phase]?[$0] }, ks: ks)
        }
        let wall = Double(DispatchTime.now().uptimeNanoseconds - start.uptimeNanoseconds) / 1e9
        let summary = PlusEvaluationSummary(benchmark: benchmark, samples: samples.count, tasks: tasks.count,
                                            passAtK: passAtK, statusCounts: statusCounts, verdictCounts: verdicts,
                                            groundTruthSeconds: gtSeconds, wallSeconds: wall, settings: settings)
        return (results, outcomes, summary)
    }
}
