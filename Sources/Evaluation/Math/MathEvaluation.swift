import Datasets
import Foundation
import Scoring


/// `default`: our extraction and checkers. `compat`: lm-eval's (gsm8k_cot strict-match; minerva_math), quirks included.
public enum MathScoringMode: String, Sendable, CaseIterable {
    case `default`, compat
}

/// One problem's gold answer, resolved once per run.
struct MathTask {
    let taskID: String
    let aliases: [String]
    let gold: String
}

public struct MathEvaluationSummary: Sendable {
    public let benchmark: Benchmark
    public let mode: MathScoringMode
    public let samples: Int
    public let tasks: Int
    public let correct: Int
    /// Mean over samples of `correct`.
    public var accuracy: Double { samples == 0 ? 0 : Double(correct) / Double(samples) }
    /// Smallest number of samples any task has (the k of maj1@k).
    public let minSamplesPerTask: Int
    /// maj1@k accuracy over tasks, when computed.
    public let majorityAccuracy: Double?

    public func json() -> JSONObject {
        var o = JSONObject([
            ("benchmark", .string(benchmark.rawValue)), ("mode", .string(mode.rawValue)),
            ("samples", .int(samples)), ("tasks", .int(tasks)), ("correct", .int(correct)),
            ("accuracy", .double(accuracy)), ("k", .int(minSamplesPerTask)),
        ])
        if let m = majorityAccuracy { o["maj1@k"] = .double(m) }
        return o
    }
}

public enum MathEvaluation {
    /// The benchmarks whose samples are scored by answer checking.
    public static let benchmarks: [Benchmark] = Benchmark.allCases.filter { $0.scoring == .answer }

    /// Loads the problems of a benchmark and resolves every task's gold answer for the mode.
    static func tasks(_ benchmark: Benchmark, mode: MathScoringMode, store: DatasetStore) throws -> [MathTask] {
        switch benchmark {
        case .gsm8k:
            return try store.gsm8k().map {
                MathTask(taskID: $0.taskID, aliases: [], gold: GSM8kChecker.gold(fromSolution: $0.answer))
            }
        case .math, .math500:
            let problems = benchmark == .math ? try store.math() : try store.math500()
            return problems.map { p in
                let boxed = MathExtraction.lastBoxed(p.solution)
                // lm-eval scores against the normalised boxed answer of the solution; we use the dataset's
                // answer field (which fixes a few malformed boxes) and fall back to the box.
                let gold: String
                switch mode {
                case .compat: gold = MinervaNormalizer.normalize(boxed ?? p.answer ?? "")
                case .default: gold = p.answer ?? boxed ?? ""
                }
                let prefix = benchmark.rawValue
                return MathTask(taskID: "\(prefix)/\(p.index)", aliases: p.uniqueID.map { ["\(prefix)/\($0)"] } ?? [], gold: gold)
            }
        default:
            throw DatasetError("\(benchmark.rawValue) is not a math benchmark (answers are checked for \(benchmarks.map(\.rawValue).joined(separator: ", ")))")
        }
    }

    /// One completion against its gold answer: the single place where extraction and checking are chosen for a
    /// benchmark and mode (used by `evaluate` and by runs). `flexible` is lm-eval's flexible-extract (GSM8k compat).
    public static func check(completion: String, gold: String, benchmark: Benchmark, mode: MathScoringMode)
        -> (extracted: String, correct: Bool, flexible: (String, Bool)?) {
        switch (benchmark, mode) {
        case (.gsm8k, .default):
            let r = GSM8kChecker.check(completion: completion, gold: gold, mode: .default)
            return (r.extracted, r.correct, nil)
        case (.gsm8k, .compat):
            let r = GSM8kChecker.check(completion: completion, gold: gold, mode: .lmEval)
            let f = GSM8kChecker.check(completion: completion, gold: gold, mode: .lmEval, flexible: true)
            return (r.extracted, r.correct, (f.extracted, f.correct))
        case (_, .default):
            let extracted = MathExtraction.extract(completion)
            return (extracted, MathChecker.isEquivalent(gold: gold, answer: extracted, checker: .default), nil)
        case (_, .compat):
            let raw = MathExtraction.minervaFinalAnswer(completion)
            guard raw != MathExtraction.invalid else { return (raw, false, nil) }
            let extracted = MinervaNormalizer.normalize(raw)
            return (extracted, MathChecker.isEquivalent(gold: gold, answer: extracted, checker: .minerva), nil)
        }
    }

    /// Scores samples; returns one result object per sample (input fields + `extracted`, `correct`) in input order.
    public static func evaluate(samples: [Sample], benchmark: Benchmark, mode: MathScoringMode,
                                store: DatasetStore, majority: Bool) throws -> (results: [JSONObject], summary: MathEvaluationSummary) {
        let tasks = try tasks(benchmark, mode: mode, store: store)
        var index: [String: Int] = [:]
        for (i, t) in tasks.enumerated() {
            index[t.taskID] = i
            for a in t.aliases { index[a] = i }
        }
        var unknown: [String] = []
        for s in samples where index[s.taskID] == nil { unknown.append("\(s.taskID) (line \(s.line))") }
        guard unknown.isEmpty else {
            throw DatasetError("samples name tasks that \(benchmark.rawValue) does not have: \(unknown.prefix(10).joined(separator: ", "))"
                + (unknown.count > 10 ? " and \(unknown.count - 10) more" : "")
                + ". Task ids are \(benchmark.rawValue)/<0-based line index>" + (benchmark == .gsm8k ? "." : " or \(benchmark.rawValue)/<unique_id>."))
        }
        var results: [JSONObject] = []
        results.reserveCapacity(samples.count)
        var perTask: [Int: [(extracted: String, correct: Bool)]] = [:]
        var correct = 0
        for s in samples {
            let t = index[s.taskID]!
            let gold = tasks[t].gold
            let checked = check(completion: s.completion, gold: gold, benchmark: benchmark, mode: mode)
            let (extracted, ok, flexible) = (checked.extracted, checked.correct, checked.flexible)
            var r = s.fields
            r["extracted"] = .string(extracted)
            r["correct"] = .bool(ok)
            if let (fx, fok) = flexible {
                r["extracted_flexible"] = .string(fx)
                r["correct_flexible"] = .bool(fok)
            }
            results.append(r)
            if ok { correct += 1 }
            perTask[t, default: []].append((extracted, ok))
        }
        var majority_: Double? = nil
        if majority && !perTask.isEmpty {
            let policy: MajorityVote.InvalidPolicy = mode == .compat ? .countInvalid : .dropInvalid
            var hits = 0
            for (_, answers) in perTask {
                let key: (String) -> String = benchmark == .gsm8k
                    ? { GSM8kChecker.voteKey($0, mode: mode == .compat ? .lmEval : .default) }
                    : { MinervaNormalizer.normalize($0) }
                let winner = MajorityVote.vote(answers.map(\.extracted), policy: policy, key: key)
                if let w = winner, let entry = answers.first(where: { $0.extracted == w }), entry.correct { hits += 1 }
            }
            majority_ = Double(hits) / Double(perTask.count)
        }
        let summary = MathEvaluationSummary(
            benchmark: benchmark, mode: mode, samples: samples.count, tasks: perTask.count, correct: correct,
            minSamplesPerTask: perTask.values.map(\.count).min() ?? 0, majorityAccuracy: majority_)
        return (results, summary)
    }
}
