import Foundation
import Testing
@testable import Engine

/// The likelihood scorer on tiny random models: batched scores equal each (context,
/// continuation) pair scored alone and the plain forward pass of the pair, bit for bit.
@Suite struct LikelihoodScorerTests {
    static let context: [Int32] = [1, 5, 9, 3, 17, 22, 8, 30, 2, 11]
    /// Different lengths, a repeated option and a one-token option (predicted from the context row only).
    static let options: [[Int32]] = [[4, 12, 7], [33], [4, 12, 7], [6, 6, 39, 0, 21, 14, 2, 9, 5], [18, 3]]

    /// The reference: the whole pair through one plain forward pass with every row's logits,
    /// then llama.cpp's log-softmax of each row at the next token.
    static func plain(_ m: Model, _ context: [Int32], _ continuation: [Int32]) throws -> ContinuationScore {
        let fed = context + continuation.dropLast()
        let logits = try m.forward(fed, cache: m.makeCache(capacity: fed.count), allLogits: true)
        let V = m.vocabSize
        var lps: [Float] = [], greedy = true
        logits.withUnsafeBufferPointer { all in
            for (j, tok) in continuation.enumerated() {
                let r = context.count - 1 + j
                let row = UnsafeBufferPointer(rebasing: all[(r * V)..<((r + 1) * V)])
                var mx = -Float.infinity, best = 0
                for i in 0..<V where row[i] > mx { mx = row[i]; best = i }
                var sum = 0.0
                for v in row { sum += Double(expf(v - mx)) }
                lps.append(Float(Double(row[Int(tok)] - mx) - log(sum)))
                if best != Int(tok) { greedy = false }
            }
        }
        return ContinuationScore(tokenLogProbs: lps, isGreedy: greedy)
    }

    @Test(arguments: ["llama", "qwen2", "gemma3"], [false, true])
    func batchedEqualsAloneAndPlainForward(arch: String, quantized: Bool) throws {
        let m = try TinyModel.model(arch: arch, quantized: quantized)
        let alone = try Self.options.map { try LikelihoodScorer(model: m, prefixCacheEntries: 0).score(context: Self.context, continuations: [$0])[0] }
        for (o, a) in zip(Self.options, alone) { #expect(a == (try Self.plain(m, Self.context, o)), "\(arch) \(o)") }
        // One row per pass, a pass splitting options, and everything in one pass.
        for rows in [1, 3, 64] {
            let batched = try LikelihoodScorer(model: m, rowsPerPass: rows).score(context: Self.context, continuations: Self.options)
            #expect(batched == alone, "\(arch) quantized \(quantized), \(rows) rows per pass")
        }
        // Batch sizes: every prefix of the option list.
        let scorer = LikelihoodScorer(model: m, rowsPerPass: 4)
        for n in 1...Self.options.count {
            #expect(try scorer.score(context: Self.context, continuations: Array(Self.options.prefix(n))) == Array(alone.prefix(n)))
        }
        #expect(alone[0] == alone[2])
        #expect(alone.allSatisfy { $0.tokenLogProbs.allSatisfy { $0.isFinite && $0 <= 0 } })
    }

    @Test func logProbIsTheDoubleSumAndGreedyIsTheArgmax() throws {
        let m = try TinyModel.model(arch: "llama", quantized: true)
        let scorer = LikelihoodScorer(model: m)
        for s in try scorer.score(context: Self.context, continuations: Self.options) {
            #expect(s.logProb == s.tokenLogProbs.reduce(0.0) { $0 + Double($1) })
        }
        // The greedy continuation (argmax at every step) is greedy; changing its last token makes it not.
        var greedy: [Int32] = []
        let cache = m.makeCache()
        var logits = try m.forward(Self.context, cache: cache)
        for _ in 0..<4 {
            let next = logits.withUnsafeBufferPointer { Sampler.argmax($0) }
            greedy.append(next)
            logits = try m.forward([next], cache: cache)
        }
        var other = greedy
        other[3] = (other[3] + 1) % Int32(TinyModel.vocab)
        let scores = try scorer.score(context: Self.context, continuations: [greedy, other])
        #expect(scores[0].isGreedy)
        #expect(!scores[1].isGreedy)
        #expect(scores[0].tokenLogProbs[3] > scores[1].tokenLogProbs[3])
    }

    @Test func topLogProbsAreTheBestTokensInOrder() throws {
        let m = try TinyModel.model(arch: "qwen2")
        let scorer = LikelihoodScorer(model: m)
        let k = 5
        let s = try scorer.score(context: Self.context, continuations: [Self.options[3]], topLogProbs: k)[0]
        let plain = try scorer.score(context: Self.context, continuations: [Self.options[3]])[0]
        #expect(s.tokenLogProbs == plain.tokenLogProbs && plain.topLogProbs.isEmpty)
        #expect(s.topLogProbs.count == Self.options[3].count)
        // Scoring every token of the vocabulary as a one-token continuation gives the full distribution.
        let all = try scorer.score(context: Self.context, continuations: (0..<Int32(TinyModel.vocab)).map { [$0] })
        let ranked = all.enumerated().sorted { $0.element.logProb > $1.element.logProb || ($0.element.logProb == $1.element.logProb && $0.offset < $1.offset) }
        #expect(s.topLogProbs[0] == ranked.prefix(k).map { TokenLogProb(token: Int32($0.offset), logProb: $0.element.tokenLogProbs[0]) })
        #expect(s.topLogProbs.allSatisfy { $0.count == k })
        let mass = all.reduce(0.0) { $0 + exp($1.logProb) }
        #expect(abs(mass - 1) < 1e-5)
    }

    /// Few-shot prompts: a context sharing a long prefix with an earlier one reuses its KV cache,
    /// and the scores equal a fresh scorer's.
    @Test(arguments: ["llama", "gemma3"])
    func prefixCacheAcrossCallsIsExact(arch: String) throws {
        let m = try TinyModel.model(arch: arch, quantized: true)
        let shots = (0..<20).map { Int32(($0 * 7 + 3) % TinyModel.vocab) }
        let scorer = LikelihoodScorer(model: m)
        for question: [Int32] in [[4, 8, 15], [16, 23, 2], [4, 8, 15]] {
            let got = try scorer.score(context: shots + question, continuations: Self.options)
            let fresh = try LikelihoodScorer(model: m, prefixCacheEntries: 0).score(context: shots + question, continuations: Self.options)
            #expect(got == fresh)
        }
        // Second question: 20 shared tokens; third: the whole first context again.
        #expect(scorer.reusedContextTokens == 20 + 23)
    }

    @Test func emptyContextStandsForTheGivenToken() throws {
        let m = try TinyModel.model(arch: "llama")
        #expect(throws: LikelihoodError.emptyContextWithoutBOS) {
            try LikelihoodScorer(model: m).score(context: [], continuations: [[3]])
        }
        let withBOS = LikelihoodScorer(model: m, emptyContextToken: 1)
        #expect(try withBOS.score(context: [], continuations: Self.options) == (try withBOS.score(context: [1], continuations: Self.options)))
    }

    @Test func badRequestsFailPrecisely() throws {
        let m = try TinyModel.model(arch: "llama")
        let scorer = LikelihoodScorer(model: m)
        #expect(throws: LikelihoodError.emptyContinuation(index: 1)) {
            try scorer.score(context: Self.context, continuations: [[3], [], [4]])
        }
        #expect(throws: EngineError.invalidToken(40, vocabSize: 40)) {
            try scorer.score(context: Self.context, continuations: [[3, 40]])
        }
        #expect(throws: EngineError.invalidToken(-1, vocabSize: 40)) {
            try scorer.score(context: [-1], continuations: [[3]])
        }
        // The tiny model's context holds 64 positions; the last continuation token is never fed.
        let long = [Int32](repeating: 5, count: 60)
        #expect(try scorer.score(context: long, continuations: [[1, 2, 3, 4, 5]]).count == 1)
        #expect(throws: EngineError.contextFull(needed: 65, capacity: 64)) {
            try scorer.score(context: long, continuations: [[1, 2, 3, 4, 5, 6]])
        }
        #expect(throws: LikelihoodError.invalidTopLogProbs(41, vocabSize: 40)) {
            try scorer.score(context: Self.context, continuations: [[3]], topLogProbs: 41)
        }
        #expect(try scorer.score(context: Self.context, continuations: []).isEmpty)
    }
}
