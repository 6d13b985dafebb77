import Datasets
import Foundation
import Sandbox

/// Judges code samples by executing the assembled program in the sandbox pool (same assembly and proof-of-pass
/// wrapping as `codeeval evaluate humaneval|mbpp`).
public struct CodeJudge: SampleJudge {
    let tasks: [String: CodeTask]
    let pool: RunnerPool
    let limits: Limits

    /// Throws when the sandbox cannot run anything, so a run refuses to start instead of finishing with
    /// pass@k = 0 made of sandbox errors.
    /// `selfContained`: each sample is a whole program (the instruct profile), judged without the task's prompt.
    public init(benchmark: Benchmark, store: DatasetStore, pool: RunnerPool, limits: Limits = Limits(),
                selfContained: Bool = false) throws {
        if let problem = pool.runner.launcherProblem { throw RunStoreError(problem) }
        var t: [String: CodeTask] = [:]
        for task in try CodeTasks.load(benchmark, store: store, selfContained: selfContained) {
            t[task.taskID] = task
            for a in task.aliases { t[a] = task }
        }
        tasks = t
        self.pool = pool
        self.limits = limits
    }

    public func judge(taskID: String, index: Int, completion: String) async throws -> StoredVerdict {
        guard let task = tasks[taskID] else { throw RunStoreError("no code task '\(taskID)'") }
        let program = Program(source: task.judgedProgram(completion: completion), requireProof: true)
        let e = await pool.run(program, limits: limits)
        return StoredVerdict(taskID: taskID, index: index, status: e.status.rawValue, passed: e.status == .passed,
                             detail: e.humanEvalResult, durationMs: Double(e.wallMs))
    }
}
