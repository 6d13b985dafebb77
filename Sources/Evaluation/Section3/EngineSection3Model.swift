import Engine
import Foundation

/// The local engine as a §3 model: `LikelihoodScorer` for the options (the shared context computed once), the
/// greedy `Generator` for free-form answers. Both run on the same weights.
public final class EngineSection3Model: Section3Model, @unchecked Sendable {
    public let generator: Generator
    let scorer: LikelihoodScorer

    public init(path: String) throws {
        generator = try Generator(path: path)
        scorer = LikelihoodScorer(model: generator.model)
    }

    public var contextLength: Int { generator.contextLength }

    public func encode(_ text: String) -> [Int32] {
        generator.tokenizer.encode(text, addSpecial: true, parseSpecial: false)
    }

    public func score(context: [Int32], continuations: [[Int32]]) throws -> [OptionScore] {
        try scorer.score(context: context, continuations: continuations).enumerated().map { i, s in
            OptionScore(logProb: s.logProb, isGreedy: s.isGreedy, tokens: continuations[i].count)
        }
    }

    public func generate(prompt: [Int32], stops: [String], maxTokens: Int) throws -> (text: String, tokens: Int) {
        let g = try generator.generate(promptTokens: prompt, params: .greedy, maxTokens: maxTokens, stop: stops)
        return (g.text, g.tokens.count)
    }
}
