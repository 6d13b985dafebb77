import Foundation
import Testing
import Datasets
@testable import Evaluation
import Prompting

/// A deterministic stand-in model: one token per Unicode scalar, a continuation's log-likelihood a fixed function
/// of its tokens and the context's length; it can fail after a number of calls, like a killed process.
final class FakeSection3Model: Section3Model, @unchecked Sendable {
    let failAfter: Int?
    var calls = 0
    init(failAfter: Int? = nil) { self.failAfter = failAfter }
    var contextLength: Int { 4096 }
    func encode(_ text: String) -> [Int32] { text.unicodeScalars.map { Int32($0.value) } }
    func score(context: [Int32], continuations: [[Int32]]) throws -> [OptionScore] {
        calls += 1
        if let failAfter, calls > failAfter { throw RunStoreError("model process killed") }
        return continuations.map { c in
            OptionScore(logProb: -Double(c.reduce(0) { $0 + Int($1) % 13 } + context.count % 5), isGreedy: c.count == 1, tokens: c.count)
        }
    }
    func generate(prompt: [Int32], stops: [String], maxTokens: Int) throws -> (text: String, tokens: Int) {
        (" The Moon, probably", 4)
    }
}

func section3Run(_ items: [Section3Item], benchmark: Benchmark = .arcEasy, model: any Section3Model, uncond: String? = nil) -> PreparedSection3Run {
    let m = RunManifest(benchmark: benchmark.rawValue, profile: "llama1", model: "fake", modelSHA256: nil, modelPath: "/fake",
                        parameterCount: nil, source: "local", endpoint: nil, ks: [1], n: 1, temperature: 0, topP: 1, topK: 0,
                        maxTokens: 32, stops: Section3Prompts.qaStops, seed: 0, promptTemplateHash: "t", datasetSHA256: "d",
                        taskIDs: items.map(\.taskID), codeVersion: "test", greedy: true)
    return PreparedSection3Run(manifest: m, items: items, unconditionalContext: uncond, stops: Section3Prompts.qaStops,
                               maxTokens: 32, model: model)
}

let choiceItems = (0..<6).map { i in
    Section3Prompts.choice("arc-easy/\(i)", "Question: q\(i)\nAnswer:", ["a\(i)", "bb", "a much longer option \(i)"], i % 3)
}

@Suite("LLaMA §3 runs")
struct Section3RunTests {
    @Test func pairEncodingMovesTrailingSpacesToTheContinuation() {
        #expect(PairEncoding.split(context: "Answer: \n ", continuation: "yes") == ("Answer:", " \n yes"))
        let enc = PairEncoding.encode(context: "ab ", continuation: "c") { s in s.unicodeScalars.map { Int32($0.value) } }
        #expect(enc.context == [97, 98] && enc.continuation == [32, 99])
        #expect(throws: PlanError.self) { try PairEncoding.fit(context: [1, 2, 3], longest: 8, limit: 8) }
        let fitted = try? PairEncoding.fit(context: [1, 2, 3, 4], longest: 2, limit: 4)
        #expect(fitted == [3, 4])
    }

    @Test func metricsPickTheirOwnArgmax() {
        let s = OptionScores(gold: 1, ll: [-4, -6, -30], chars: [2, 6, 40], greedy: [false, false, false], uncond: [-1, -5, -28])
        #expect(s.choice == 0)            // highest raw log-likelihood
        #expect(s.normChoice == 2)        // -30/40 beats -4/2 and -6/6
        #expect(s.uncondChoice == 1)      // -6 - (-5) = -1 beats -3 and -2
        #expect(OptionScores(gold: 0, ll: [-1, -1], chars: [1, 1], greedy: [true, true], uncond: nil).choice == 0)  // ties: first
    }

    @Test func killedRunResumesToTheSameScores() async throws {
        let whole = try SQLiteRunStore(path: tempDBPath())
        let full = section3Run(choiceItems, model: FakeSection3Model(), uncond: "Answer:")
        let id = try await whole.createRun(manifest: full.manifest)
        try await Section3Runner(store: whole, runID: id, prepared: full).run()
        let reference = try await whole.verdicts(id)
        #expect(reference.count == 6)
        #expect(try await whole.run(id).status == "complete")

        let store = try SQLiteRunStore(path: tempDBPath())
        // Two calls per item (options, then the unconditional context): dies during item 3.
        let dying = section3Run(choiceItems, model: FakeSection3Model(failAfter: 5), uncond: "Answer:")
        let rid = try await store.createRun(manifest: dying.manifest)
        await #expect(throws: RunStoreError.self) { try await Section3Runner(store: store, runID: rid, prepared: dying).run() }
        #expect(try await store.verdicts(rid).count == 2)
        #expect(try await store.samples(rid).count == 2)
        #expect(try await store.run(rid).status == "interrupted")
        let model = FakeSection3Model()
        try await Section3Runner(store: store, runID: rid, prepared: section3Run(choiceItems, model: model, uncond: "Answer:")).run()
        #expect(model.calls == 8)  // only the four missing items were scored
        #expect(try await store.verdicts(rid).map { [$0.taskID, $0.detail, $0.status] } == reference.map { [$0.taskID, $0.detail, $0.status] })
        let r = try await Section3Results.load(store, runID: rid)
        #expect(r.scored == 6 && r.accUncond != nil && r.accNorm != nil)
    }

    @Test func freeFormAnswersAreCutAtTheStopAndExactMatched() async throws {
        let store = try SQLiteRunStore(path: tempDBPath())
        let items = [Section3Item(taskID: "nq/0", subject: nil, contexts: ["Q: q?\nA:"], continuations: [], gold: 0, answers: ["the moon"]),
                     Section3Item(taskID: "nq/1", subject: nil, contexts: ["Q: r?\nA:"], continuations: [], gold: 0, answers: ["Mars"])]
        let p = section3Run(items, benchmark: .nq, model: FakeSection3Model())
        let id = try await store.createRun(manifest: p.manifest)
        try await Section3Runner(store: store, runID: id, prepared: p).run()
        #expect(try await store.samples(id).map(\.completion) == ["The Moon", "The Moon"])
        let r = try await Section3Results.load(store, runID: id)
        #expect(r.acc.value == 0.5 && r.accNorm == nil && r.metric.name == "exact_match")
    }

    @Test func limitTakesMMLUItemsRoundRobinOverSubjects() throws {
        let items = ["a", "a", "a", "b", "c", "c"].enumerated().map { (i: Int, s: String) in
            Section3Prompts.choice("mmlu/\(s)/\(i)", "q", ["A", "B", "C", "D"], 0, subject: s)
        }
        func select(_ items: [Section3Item], ids: [String]? = nil, limit: Int?) throws -> [String] {
            try RunPlanner.select(items, taskID: \.taskID, group: \.subject, ids: ids, limit: limit, benchmark: .mmlu).map(\.taskID)
        }
        #expect(try select(items, limit: 5) == ["mmlu/a/0", "mmlu/a/1", "mmlu/b/3", "mmlu/c/4", "mmlu/c/5"])
        #expect(try select(items, limit: 2) == ["mmlu/a/0", "mmlu/b/3"])
        #expect(try select(items, ids: ["mmlu/a/2", "mmlu/c/5"], limit: 2) == ["mmlu/a/2", "mmlu/c/5"])
        #expect(throws: PlanError.self) { try select(items, ids: ["mmlu/a/2", "mmlu/c/5"], limit: 0) }
        // The other benchmarks' items have no subject: the first items.
        let arc = choiceItems.map { Section3Item(taskID: $0.taskID, subject: nil, contexts: $0.contexts, continuations: $0.continuations,
                                                 gold: $0.gold, answers: $0.answers) }
        #expect(try select(arc, limit: 2) == ["arc-easy/0", "arc-easy/1"])
    }

    @Test func mmluScoresPerSubjectAndMacroAverage() async throws {
        let items = ["a", "a", "a", "b"].enumerated().map { (i: Int, s: String) -> Section3Item in
            Section3Prompts.choice("mmlu/\(s)/test/\(i)", "Q\(i)\nAnswer:", ["A", "B", "C", "D"], i == 3 ? 0 : 1, subject: s)
        }
        let store = try SQLiteRunStore(path: tempDBPath())
        let p = section3Run(items, benchmark: .mmlu, model: FakeSection3Model())
        let id = try await store.createRun(manifest: p.manifest)
        try await Section3Runner(store: store, runID: id, prepared: p).run()
        let r = try await Section3Results.load(store, runID: id)
        // The fake scores " A" highest ("A" = 65 ≡ 0 mod 13), so subject a scores 0/3 and b 1/1.
        #expect(r.subjects.map { $0.subject } == ["a", "b"])
        #expect(r.subjects.map { $0.acc.value } == [0, 1])
        #expect(r.macroAcc?.value == 0.5 && r.acc.value == 0.25 && r.metric.name == "acc_macro")
    }
}
