import Foundation

/// The log-likelihood of one continuation after a context.
public struct OptionScore: Sendable, Equatable {
    /// Sum of the continuation tokens' log-probabilities (natural log).
    public var logProb: Double
    /// Whether every continuation token is the argmax after its prefix.
    public var isGreedy: Bool
    public var tokens: Int

    public init(logProb: Double, isGreedy: Bool, tokens: Int) {
        self.logProb = logProb
        self.isGreedy = isGreedy
        self.tokens = tokens
    }
}

/// What a §3 run needs from a model: tokenisation, continuation log-likelihoods, greedy free-form answers.
public protocol Section3Model: Sendable {
    /// Token ids of `text` with BOS as the model's metadata asks and no special-token parsing (benchmark text is data).
    func encode(_ text: String) -> [Int32]
    /// Log-likelihood of each continuation after `context` (all share it).
    func score(context: [Int32], continuations: [[Int32]]) throws -> [OptionScore]
    /// Greedy continuation of `prompt`, at most `maxTokens` tokens, cut at the first stop.
    func generate(prompt: [Int32], stops: [String], maxTokens: Int) throws -> (text: String, tokens: Int)
    var contextLength: Int { get }
}

/// Tokenisation of a (context, continuation) pair as lm-evaluation-harness does it (`_encode_pair` in
/// `lm_eval/api/model.py`): trailing whitespace of the context moves to the front of the continuation, the pair is
/// encoded whole, and the continuation is what follows the context's own encoding length. So the continuation's
/// tokens are those the tokenizer produces in context (a leading space merges into the first word), while the
/// context keeps its stand-alone encoding.
public enum PairEncoding {
    public static func split(context: String, continuation: String) -> (context: String, continuation: String) {
        var ctx = context, cont = continuation
        while let last = ctx.last, last.isWhitespace {
            ctx.removeLast()
            cont = String(last) + cont
        }
        return (ctx, cont)
    }

    public static func encode(context: String, continuation: String, with encode: (String) -> [Int32]) -> (context: [Int32], continuation: [Int32]) {
        let (ctx, cont) = split(context: context, continuation: continuation)
        let whole = encode(ctx + cont)
        let ctxTokens = encode(ctx)
        return (ctxTokens, Array(whole.dropFirst(min(ctxTokens.count, whole.count))))
    }

    /// Left-truncates the context so that context + the longest continuation fit `limit` tokens, as the harness
    /// keeps the last `max_length` tokens.
    public static func fit(context: [Int32], longest: Int, limit: Int) throws -> [Int32] {
        guard longest < limit else {
            throw PlanError("a continuation of \(longest) tokens does not fit the model's context of \(limit)")
        }
        return context.count + longest <= limit ? context : Array(context.suffix(limit - longest))
    }
}
