import Datasets
import Foundation
import Prompting
import Scoring
import Support

/// The stored scores of one multiple-choice item (a verdict's `detail`, JSON): enough to recompute every metric.
public struct OptionScores: Codable, Sendable, Equatable {
    public var gold: Int
    /// log P(option | context), natural log, one per option.
    public var ll: [Double]
    /// Characters (Unicode scalars) of each option's continuation, the acc_norm divisor.
    public var chars: [Int]
    public var greedy: [Bool]
    /// log P(option | "Answer:") where the protocol asks for it (OpenBookQA, BoolQ).
    public var uncond: [Double]?

    static func argmax(_ xs: [Double]) -> Int { xs.indices.max { xs[$0] < xs[$1] || (xs[$0] == xs[$1] && $0 > $1) } ?? 0 }

    /// The option chosen by raw log-likelihood (acc).
    public var choice: Int { Self.argmax(ll) }
    /// By log-likelihood per character (acc_norm).
    public var normChoice: Int { Self.argmax(zip(ll, chars).map { $0 / Double(max($1, 1)) }) }
    /// By log P(option | context) − log P(option | "Answer:") (the paper's OpenBookQA and BoolQ metric).
    public var uncondChoice: Int? { uncond.map { Self.argmax(zip(ll, $0).map { $0 - $1 }) } }
}

/// Scores a planned §3 run item by item. Each item's sample and verdict (with every option's log-likelihood) are
/// committed together as the item completes, so a run killed at any moment resumes with nothing lost or repeated.
public struct Section3Runner: Sendable {
    public let store: any RunStore
    public let runID: String
    public let prepared: PreparedSection3Run

    public init(store: any RunStore, runID: String, prepared: PreparedSection3Run) {
        self.store = store
        self.runID = runID
        self.prepared = prepared
    }

    public func run(progress: (RunProgress) -> Void = { _ in }) async throws {
        let start = Date()
        let stored = try await store.verdicts(runID)
        let done = Set(stored.map(\.taskID))
        var passed = stored.filter(\.passed).count
        var finished = done.count
        let total = prepared.items.count
        do {
            for item in prepared.items where !done.contains(item.taskID) {
                let t0 = Date()
                // A forward pass holds its thread for the whole item: off the cooperative pool, so the store's
                // deadlines and a service's handlers keep running meanwhile.
                let (sample, verdict) = try await OwnThread.run(name: "codeeval-section3") { try score(item) }
                var v = verdict
                v.durationMs = Date().timeIntervalSince(t0) * 1000
                try await store.insertScored(runID: runID, sample, v)
                finished += 1
                if v.passed { passed += 1 }
                progress(RunProgress(tasksTotal: total, tasksDone: finished, samplesTotal: total, samplesGenerated: finished,
                                     samplesGeneratedNow: finished - done.count, verdicts: finished, passed: passed,
                                     tokensNow: 0, elapsed: Date().timeIntervalSince(start)))
            }
        } catch {
            try? await store.setStatus(runID, status: "interrupted", addWallSeconds: Date().timeIntervalSince(start))
            throw error
        }
        try await store.setStatus(runID, status: "complete", addWallSeconds: Date().timeIntervalSince(start))
    }

    func score(_ item: Section3Item) throws -> (StoredSample, StoredVerdict) {
        item.continuations.isEmpty ? try answer(item) : try choose(item)
    }

    /// Free-form: greedy answer, leading whitespace dropped (the harness's `remove_whitespace`), exact match.
    func answer(_ item: Section3Item) throws -> (StoredSample, StoredVerdict) {
        let model = prepared.model
        let prompt = model.encode(item.contexts[0])
        guard prompt.count + prepared.maxTokens <= model.contextLength else {
            throw PlanError("\(item.taskID): the prompt (\(prompt.count) tokens) and \(prepared.maxTokens) answer tokens exceed the model's context of \(model.contextLength)")
        }
        let raw = try model.generate(prompt: prompt, stops: prepared.stops, maxTokens: prepared.maxTokens)
        let text = String(StopSequences.truncate(raw.text, at: prepared.stops).text.drop { $0.isWhitespace })
        let ok = ExactMatch.matches(text, golds: item.answers)
        return (StoredSample(taskID: item.taskID, index: 0, completion: text, rawText: raw.text, finishReason: "stop",
                             tokens: raw.tokens, promptTokens: prompt.count, promptMs: 0, decodeMs: 0, seed: 0),
                StoredVerdict(taskID: item.taskID, index: 0, status: ok ? "correct" : "wrong", passed: ok,
                              detail: ExactMatch.normalize(text), durationMs: 0))
    }

    /// Multiple choice: every option scored; options sharing a context are scored in one call.
    func choose(_ item: Section3Item) throws -> (StoredSample, StoredVerdict) {
        let ll = try logLikelihoods(contexts: item.contexts, continuations: item.continuations)
        let uncond = try prepared.unconditionalContext.map { ctx in
            try logLikelihoods(contexts: Array(repeating: ctx, count: item.continuations.count), continuations: item.continuations)
        }
        let scores = OptionScores(gold: item.gold, ll: ll.map(\.logProb), chars: item.continuations.map(\.unicodeScalars.count),
                                  greedy: ll.map(\.isGreedy), uncond: uncond?.map(\.logProb))
        let enc = JSONEncoder()
        enc.outputFormatting = [.sortedKeys]
        let detail = String(decoding: try enc.encode(scores), as: UTF8.self)
        let ok = scores.choice == item.gold
        return (StoredSample(taskID: item.taskID, index: 0, completion: item.continuations[scores.choice], rawText: "",
                             finishReason: "scored", tokens: ll.reduce(0) { $0 + $1.tokens }, promptTokens: 0,
                             promptMs: 0, decodeMs: 0, seed: 0),
                StoredVerdict(taskID: item.taskID, index: 0, status: ok ? "correct" : "wrong", passed: ok, detail: detail, durationMs: 0))
    }

    func logLikelihoods(contexts: [String], continuations: [String]) throws -> [OptionScore] {
        var out = [OptionScore?](repeating: nil, count: continuations.count)
        var order: [String] = []
        var groups: [String: [Int]] = [:]
        for (i, c) in contexts.enumerated() {
            if groups[c] == nil { order.append(c) }
            groups[c, default: []].append(i)
        }
        let model = prepared.model
        for ctx in order {
            let idx = groups[ctx]!
            let pairs = idx.map { PairEncoding.encode(context: ctx, continuation: continuations[$0], with: model.encode) }
            let longest = pairs.map(\.continuation.count).max() ?? 0
            let context = try PairEncoding.fit(context: pairs[0].context, longest: longest, limit: model.contextLength)
            let scores = try model.score(context: context, continuations: pairs.map(\.continuation))
            for (k, i) in idx.enumerated() { out[i] = scores[k] }
        }
        return out.map { $0! }
    }
}
