import Datasets
import Foundation
import Scoring

/// An accuracy with its binomial standard error, sqrt(p(1 − p) / n).
public struct Accuracy: Sendable, Equatable, Codable {
    public var value: Double
    public var standardError: Double
    public var n: Int

    public init(correct: Int, of n: Int) {
        self.n = n
        value = n > 0 ? Double(correct) / Double(n) : 0
        standardError = PassAtK.standardError(passAt1: value, tasks: n)
    }

    public init(value: Double, standardError: Double, n: Int) {
        self.value = value
        self.standardError = standardError
        self.n = n
    }
}

/// One MMLU subject's scores.
public struct SubjectScore: Sendable, Equatable {
    public var subject: String
    public var acc: Accuracy
    public var accNorm: Accuracy
}

/// The scores of a §3 run, recomputed from its stored per-option log-likelihoods (or exact-match verdicts).
public struct Section3Results: Sendable {
    public var info: RunInfo
    public var benchmark: Benchmark
    /// Items scored so far (less than `info.manifest.taskIDs.count` while a run is unfinished).
    public var scored: Int
    /// Option with the highest log-likelihood (multiple choice), or exact match (free-form QA).
    public var acc: Accuracy
    /// Highest log-likelihood per character; nil for free-form QA.
    public var accNorm: Accuracy?
    /// Highest log P(option | context) − log P(option | "Answer:"); OpenBookQA and BoolQ only.
    public var accUncond: Accuracy?
    /// MMLU: per subject, and the macro average over subjects.
    public var subjects: [SubjectScore]
    public var macroAcc: Accuracy?

    /// The metric the paper reports for this benchmark, with its name.
    public var metric: (name: String, value: Accuracy) {
        switch benchmark {
        case .nq, .triviaqa: return ("exact_match", acc)
        case .boolq, .openbookqa: return ("acc_uncond", accUncond ?? acc)
        case .mmlu: return ("acc_macro", macroAcc ?? acc)
        default: return ("acc_norm", accNorm ?? acc)
        }
    }

    public static func compute(info: RunInfo, verdicts: [StoredVerdict]) throws -> Section3Results {
        let b = try Benchmark.parse(info.manifest.benchmark)
        let byTask = Dictionary(verdicts.map { ($0.taskID, $0) }, uniquingKeysWith: { a, _ in a })
        let ordered = info.manifest.taskIDs.compactMap { byTask[$0] }
        var r = Section3Results(info: info, benchmark: b, scored: ordered.count,
                                acc: Accuracy(correct: ordered.filter(\.passed).count, of: ordered.count),
                                accNorm: nil, accUncond: nil, subjects: [], macroAcc: nil)
        guard b.scoring == .likelihood else { return r }
        let dec = JSONDecoder()
        let scores = try ordered.map { v -> OptionScores in
            do { return try dec.decode(OptionScores.self, from: Data(v.detail.utf8)) } catch {
                throw RunStoreError("run \(info.id), task \(v.taskID): unreadable option scores: \(error)")
            }
        }
        r.accNorm = Accuracy(correct: scores.filter { $0.normChoice == $0.gold }.count, of: scores.count)
        if scores.allSatisfy({ $0.uncond != nil }), !scores.isEmpty {
            r.accUncond = Accuracy(correct: scores.filter { $0.uncondChoice == $0.gold }.count, of: scores.count)
        }
        if b == .mmlu {
            // Task ids are mmlu/SUBJECT/test/N.
            var groups: [String: [OptionScores]] = [:]
            for (v, s) in zip(ordered, scores) {
                let parts = v.taskID.split(separator: "/")
                groups[parts.count > 1 ? String(parts[1]) : "?", default: []].append(s)
            }
            r.subjects = groups.keys.sorted().map { k in
                let g = groups[k]!
                return SubjectScore(subject: k, acc: Accuracy(correct: g.filter { $0.choice == $0.gold }.count, of: g.count),
                                    accNorm: Accuracy(correct: g.filter { $0.normChoice == $0.gold }.count, of: g.count))
            }
            if !r.subjects.isEmpty {
                let s = Double(r.subjects.count)
                r.macroAcc = Accuracy(value: r.subjects.reduce(0) { $0 + $1.acc.value } / s,
                                      standardError: r.subjects.reduce(0) { $0 + $1.acc.standardError * $1.acc.standardError }.squareRoot() / s,
                                      n: ordered.count)
            }
        }
        return r
    }

    public static func load(_ store: any RunStore, runID: String) async throws -> Section3Results {
        try compute(info: try await store.run(runID), verdicts: try await store.verdicts(runID))
    }
}
