import Datasets
import Evaluation
import Foundation
import Store

/// Scores code samples with `Evaluation/Code`'s program assembly (human-eval / MBPP exactly) and an `Executor`
/// (the Sandbox in production, fakes in tests). Benchmarks whose data cannot be loaded answer `503` at submission.
public struct CodeTaskBackend: EvaluationBackend {
    let tasks: [String: [String: CodeTask]]
    let loadErrors: [String: String]
    let executor: any Executor
    let memoryMB: Int

    public init(load: (Benchmark) throws -> [CodeTask], executor: any Executor, memoryMB: Int = 1024) {
        var tasks: [String: [String: CodeTask]] = [:]
        var errors: [String: String] = [:]
        for benchmark in CodeTasks.benchmarks {
            do {
                var byID: [String: CodeTask] = [:]
                for t in try load(benchmark) {
                    byID[t.taskID] = t
                    for a in t.aliases { byID[a] = t }
                }
                tasks[benchmark.rawValue] = byID
            } catch {
                errors[benchmark.rawValue] = "\(error)"
            }
        }
        self.tasks = tasks
        self.loadErrors = errors
        self.executor = executor
        self.memoryMB = memoryMB
    }

    /// The benchmarks from the dataset store (`CODEEVAL_DATA`).
    public init(store: DatasetStore = DatasetStore(), executor: any Executor) {
        self.init(load: { try CodeTasks.load($0, store: store) }, executor: executor)
    }

    public var benchmarks: [String] { CodeTasks.benchmarks.map(\.rawValue) }

    public func taskIDs(benchmark: String) throws -> Set<String> {
        if let error = loadErrors[benchmark] { throw StoreError(error) }
        return Set(tasks[benchmark]?.keys ?? [:].keys)
    }

    public func evaluate(benchmark: String, taskID: String, completion: String, timeoutSeconds: Double) async throws
        -> SampleVerdict
    {
        guard let task = tasks[benchmark]?[taskID] else {
            throw StoreError("\(benchmark) has no task \(taskID)")  // rejected at submission already
        }
        let outcome = try await executor.execute(ExecutionRequest(
            code: task.judgedProgram(completion: completion), timeoutSeconds: timeoutSeconds, memoryMB: memoryMB,
            requireProof: true, judged: true))
        return Self.verdict(outcome)
    }

    /// human-eval's result strings: `passed`, `timed out`, `failed: <message>`.
    static func verdict(_ outcome: ExecutionOutcome) -> SampleVerdict {
        let passed = outcome.status == "passed"
        if let text = outcome.humanEvalResult { return SampleVerdict(passed: passed, result: text) }
        switch outcome.status {
        case "passed": return SampleVerdict(passed: true, result: "passed")
        case "timeout": return SampleVerdict(passed: false, result: "timed out")
        default:
            let stderr = outcome.execution["stderr"]?.stringValue ?? ""
            let last = stderr.split(separator: "\n").last.map(String.init) ?? outcome.status
            return SampleVerdict(passed: false, result: "failed: \(last)")
        }
    }
}
