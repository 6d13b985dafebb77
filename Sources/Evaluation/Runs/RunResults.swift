import Datasets
import Foundation
import Scoring

/// One task's tally.
public struct TaskResult: Sendable, Equatable {
    public var taskID: String
    public var n: Int
    public var c: Int
    public var statuses: [String: Int]
    /// maj1@k outcome for math runs (nil for code or when there is one sample).
    public var majorityCorrect: Bool?
}

/// Scores of a run, computed from its stored verdicts.
public struct RunResults: Sendable {
    public var info: RunInfo
    public var tasks: [TaskResult]
    /// pass@k for each requested k that every task supports (n ≥ k).
    public var passAtK: [Int: Double]
    /// Fraction of all samples that passed (= pass@1 estimate with equal n; accuracy for math).
    public var sampleAccuracy: Double
    /// maj1@k over tasks (math runs with n > 1).
    public var majorityAccuracy: Double?
    public var statusCounts: [String: Int]
    public var samples: Int
    public var verdicts: Int
    public var generatedTokens: Int
    public var promptTokens: Int
    public var decodeSeconds: Double
    /// Time spent judging: sandbox wall time (code) or checking (math), summed over verdicts.
    public var judgeSeconds: Double = 0
    /// Binomial standard error of pass@1 over tasks, sqrt(p(1-p)/tasks).
    public var passAt1StandardError: Double?

    public var tokensPerSecond: Double { decodeSeconds > 0 ? Double(generatedTokens) / decodeSeconds : 0 }
    /// Mean judging time per verdict, in milliseconds.
    public var meanJudgeMs: Double { verdicts > 0 ? 1000 * judgeSeconds / Double(verdicts) : 0 }
    public var samplesPerSecond: Double { info.wallSeconds > 0 ? Double(samples) / info.wallSeconds : 0 }

    /// Label of the pass@1 column: greedy decoding is never called plain pass@1 (checklist 38).
    public var pass1Label: String { info.manifest.greedy ? "greedy pass@1" : "pass@1" }

    public static func compute(info: RunInfo, samples: [StoredSample], verdicts: [StoredVerdict]) -> RunResults {
        var byTask: [String: [StoredVerdict]] = [:]
        for v in verdicts { byTask[v.taskID, default: []].append(v) }
        let isMath = (try? Benchmark.parse(info.manifest.benchmark))?.scoring == .answer
        var tasks: [TaskResult] = []
        var statusCounts: [String: Int] = [:]
        for id in info.manifest.taskIDs {
            let vs = (byTask[id] ?? []).sorted { $0.index < $1.index }
            var st: [String: Int] = [:]
            for v in vs { st[v.status, default: 0] += 1; statusCounts[v.status, default: 0] += 1 }
            var maj: Bool? = nil
            if isMath && vs.count > 1 {
                let key: (String) -> String = info.manifest.benchmark == "gsm8k"
                    ? { GSM8kChecker.voteKey($0, mode: .default) } : { MinervaNormalizer.normalize($0) }
                let winner = MajorityVote.vote(vs.map(\.detail), policy: .dropInvalid, key: key)
                maj = winner.map { w in vs.first { $0.detail == w }?.passed ?? false } ?? false
            }
            tasks.append(TaskResult(taskID: id, n: vs.count, c: vs.filter(\.passed).count, statuses: st, majorityCorrect: maj))
        }
        let counts = tasks.map { (n: $0.n, c: $0.c) }
        let pass = PassAtK.aggregate(counts, ks: info.manifest.ks)
        let majs = tasks.compactMap(\.majorityCorrect)
        return RunResults(
            info: info, tasks: tasks, passAtK: pass,
            sampleAccuracy: verdicts.isEmpty ? 0 : Double(verdicts.filter(\.passed).count) / Double(verdicts.count),
            majorityAccuracy: majs.isEmpty ? nil : Double(majs.filter { $0 }.count) / Double(majs.count),
            statusCounts: statusCounts, samples: samples.count, verdicts: verdicts.count,
            generatedTokens: samples.reduce(0) { $0 + $1.tokens }, promptTokens: samples.reduce(0) { $0 + $1.promptTokens },
            decodeSeconds: samples.reduce(0) { $0 + $1.decodeMs } / 1000,
            judgeSeconds: verdicts.reduce(0) { $0 + $1.durationMs } / 1000,
            passAt1StandardError: pass[1].map { PassAtK.standardError(passAt1: $0, tasks: tasks.count) })
    }

    public static func load(_ store: any RunStore, runID: String) async throws -> RunResults {
        compute(info: try await store.run(runID), samples: try await store.samples(runID), verdicts: try await store.verdicts(runID))
    }

    /// The run's manifest essentials and scores as one JSON object (the CLI's `--json` line, the service's run status).
    public func summaryJSON() -> String {
        let r = self
        var o: [String: Any] = [
            "run_id": r.info.id, "benchmark": r.info.manifest.benchmark, "profile": r.info.manifest.profile,
            "model": r.info.manifest.model, "n": r.info.manifest.n, "temperature": r.info.manifest.temperature,
            "top_p": r.info.manifest.topP, "max_tokens": r.info.manifest.maxTokens, "seed": r.info.manifest.seed,
            "stops": r.info.manifest.stops, "dataset_sha256": r.info.manifest.datasetSHA256,
            "prompt_template_sha256": r.info.manifest.promptTemplateHash, "greedy": r.info.manifest.greedy,
            "tasks": r.tasks.count, "samples": r.samples, "sample_accuracy": r.sampleAccuracy,
            "verdicts": r.statusCounts, "generated_tokens": r.generatedTokens,
        ]
        var pass: [String: Double] = [:]
        for (k, v) in r.passAtK { pass["pass@\(k)"] = v }
        o["pass_at_k"] = pass
        if let m = r.majorityAccuracy { o["maj1_at_k"] = m }
        guard let d = try? JSONSerialization.data(withJSONObject: o, options: [.sortedKeys]) else { return "{}" }
        return String(decoding: d, as: UTF8.self)
    }
}
