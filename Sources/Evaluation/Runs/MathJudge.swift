import Datasets
import Foundation
import Scoring

/// Judges math samples with codeeval's default extraction and checkers (the same as `evaluate gsm8k|math` in
/// default mode): verdict `correct`/`wrong`, detail = the extracted answer (the maj1@k vote input).
public struct MathJudge: SampleJudge {
    let benchmark: Benchmark
    let golds: [String: String]

    public init(benchmark: Benchmark, store: DatasetStore) throws {
        self.benchmark = benchmark
        var g: [String: String] = [:]
        for t in try MathEvaluation.tasks(benchmark, mode: .default, store: store) { g[t.taskID] = t.gold }
        golds = g
    }

    public init(benchmark: Benchmark, golds: [String: String]) {
        self.benchmark = benchmark
        self.golds = golds
    }

    public func judge(taskID: String, index: Int, completion: String) async throws -> StoredVerdict {
        let start = Date()
        guard let gold = golds[taskID] else { throw RunStoreError("\(benchmark.rawValue) has no task '\(taskID)'") }
        let (extracted, ok, _) = MathEvaluation.check(completion: completion, gold: gold, benchmark: benchmark, mode: .default)
        return StoredVerdict(taskID: taskID, index: index, status: ok ? "correct" : "wrong", passed: ok,
                             detail: extracted, durationMs: Date().timeIntervalSince(start) * 1000)
    }
}
