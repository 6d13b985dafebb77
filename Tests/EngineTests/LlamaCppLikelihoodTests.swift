import Foundation
import Testing
@testable import Engine

/// The likelihood scorer against llama.cpp (fixtures from scripts/fixtures/llamacpp_likelihood.py): per-token
/// log-probabilities of ARC-like and HellaSwag-like (context, continuation) pairs, scored with the options of each
/// question batched as a benchmark run scores them.
///
/// The tolerance is llama.cpp's own cross-path noise, stored in the fixture: the same pairs through its batched and its
/// token-by-token evaluation. Ours must be within 1.5× its largest per-token and per-continuation difference (and,
/// over the whole set, 1.25× its mean per-token difference in full runs); a greedy flag may differ only where
/// llama.cpp's top-2 logit margin is below its own logit noise, and the best option of a question only where
/// llama.cpp's two best options are closer than its own per-continuation noise.
@Suite("Likelihood vs llama.cpp", .serialized,
       .enabled(if: ProcessInfo.processInfo.environment["CODEEVAL_LLAMACPP_COMPARE"] == "1",
                "CODEEVAL_LLAMACPP_COMPARE=1 (set by scripts/test): full forward passes of real models"))
struct LlamaCppLikelihoodTests {
    struct Pair {
        let context: [Int32]
        let continuation: [Int32]
        let logProbs: [Double]
        let greedy: [Bool]
        let margins: [Double]
    }

    @Test("log-probabilities within llama.cpp's noise (CI models)", .enabled(if: TestModels.smallEnabled, TestModels.smallSkip),
          arguments: TestModels.small)
    func small(model: String) async throws { try await compare(model) }

    @Test("log-probabilities within llama.cpp's noise (qwen 0.5B)", .enabled(if: TestModels.qwenEnabled, TestModels.qwenSkip))
    func qwen() async throws { try await compare("qwen2.5-coder-0.5b") }

    /// Scoring runs on a thread of its own (see `offPool`); the expectations stay in the test's task.
    func compare(_ name: String) async throws {
        let fixture = try TestModels.fixture(name, "likelihood.json.gz")
        let noise = try #require(fixture["noise"] as? [String: Any])
        func number(_ key: String) -> Double { (noise[key] as? NSNumber)?.doubleValue ?? 0 }
        let tokenMax = number("token_logprob_max_abs"), tokenMean = number("token_logprob_mean_abs")
        let sumMax = number("sum_logprob_max_abs")
        // A near-tie: a top-2 margin llama.cpp's own paths could flip (its logit noise on the long prompts, or the
        // largest margin at which its two paths disagreed on these pairs).
        let tie = max(try LlamaCppComparisonTests.noise(name).maxAbs, number("greedy_disagreement_max_margin"))
        let pairs = (fixture["pairs"] as? [[String: Any]] ?? []).map {
            Pair(context: int32s($0["context"]), continuation: int32s($0["continuation"]),
                 logProbs: ($0["token_logprobs"] as? [NSNumber] ?? []).map(\.doubleValue),
                 greedy: ($0["is_greedy"] as? [Bool] ?? []), margins: ($0["margins"] as? [NSNumber] ?? []).map(\.doubleValue))
        }
        try #require(pairs.count >= 8)
        let scorer = LikelihoodScorer(model: try LlamaCppComparisonTests.model(name))
        var questions: [[Pair]] = []
        for p in pairs {
            if let last = questions.last?.last, last.context == p.context { questions[questions.count - 1].append(p) } else { questions.append([p]) }
        }
        var tokenWorst = 0.0, tokenSum = 0.0, tokens = 0, sumWorst = 0.0, greedyDiffers = 0, choiceDiffers = 0
        for q in questions {
            let ours = try await offPool { try scorer.score(context: q[0].context, continuations: q.map(\.continuation)) }
            for (p, s) in zip(q, ours) {
                try #require(s.tokenLogProbs.count == p.logProbs.count)
                for j in p.logProbs.indices {
                    let d = abs(Double(s.tokenLogProbs[j]) - p.logProbs[j])
                    tokenWorst = max(tokenWorst, d)
                    tokenSum += d
                    tokens += 1
                }
                sumWorst = max(sumWorst, abs(s.logProb - p.logProbs.reduce(0, +)))
                // Our per-position flags, from the top-1 of each position.
                let flags = try await offPool { try scorer.score(context: q[0].context, continuations: [p.continuation], topLogProbs: 1)[0] }
                for j in p.greedy.indices where (flags.topLogProbs[j][0].token == p.continuation[j]) != p.greedy[j] {
                    greedyDiffers += 1
                    #expect(p.margins[j] <= tie, "\(name): greedy flag differs at a margin \(p.margins[j]) > \(tie)")
                }
                #expect(s.isGreedy == !flags.topLogProbs.indices.contains { flags.topLogProbs[$0][0].token != p.continuation[$0] })
            }
            let theirs = q.map { $0.logProbs.reduce(0, +) }
            let best = theirs.indices.max { theirs[$0] < theirs[$1] }!
            let ourBest = ours.indices.max { ours[$0].logProb < ours[$1].logProb }!
            if ourBest != best {
                choiceDiffers += 1
                let gap = theirs[best] - theirs[ourBest]
                #expect(gap <= sumMax, "\(name): best option differs with llama.cpp's gap \(gap) > its noise \(sumMax)")
            }
        }
        let tokenMeanOurs = tokenSum / Double(max(tokens, 1))
        print("[llama.cpp likelihood] \(name): per-token |Δ| max \(String(format: "%.4f", tokenWorst)) mean \(String(format: "%.5f", tokenMeanOurs)) over \(tokens) tokens, per-continuation max \(String(format: "%.4f", sumWorst)) (llama.cpp against itself: \(tokenMax), \(tokenMean), \(sumMax)); greedy flags differ at \(greedyDiffers) near-ties, best option differs in \(choiceDiffers)/\(questions.count) questions")
        #expect(tokens > 0)
        #expect(tokenWorst <= 1.5 * tokenMax, "\(name): per-token |Δ| \(tokenWorst) > 1.5 × llama.cpp's self max \(tokenMax)")
        #expect(sumWorst <= 1.5 * sumMax, "\(name): per-continuation |Δ| \(sumWorst) > 1.5 × llama.cpp's self max \(sumMax)")
        if LlamaCppComparisonTests.full {
            #expect(tokenMeanOurs <= 1.25 * tokenMean, "\(name): mean per-token |Δ| \(tokenMeanOurs) > 1.25 × llama.cpp's \(tokenMean)")
        }
    }
}
