/// One candidate token at a position and its log-probability.
public struct TokenLogProb: Sendable, Equatable {
    public var token: Int32
    public var logProb: Float

    public init(token: Int32, logProb: Float) {
        self.token = token
        self.logProb = logProb
    }
}

/// How likely a continuation is after a context: what multiple-choice benchmarks compare across
/// the options of a question (lm-evaluation-harness's `loglikelihood` request).
public struct ContinuationScore: Sendable, Equatable {
    /// log P(token_i | context, continuation[..<i]) for each continuation token.
    public var tokenLogProbs: [Float]
    /// Every continuation token is the argmax at its position (lm-evaluation-harness's `is_greedy`;
    /// ties go to the lowest token id, as in greedy sampling).
    public var isGreedy: Bool
    /// The sum of `tokenLogProbs`, accumulated in Double.
    public var logProb: Double
    /// The most likely tokens at each continuation position, best first (ties: lower id first);
    /// empty unless asked for.
    public var topLogProbs: [[TokenLogProb]]

    public init(tokenLogProbs: [Float], isGreedy: Bool, topLogProbs: [[TokenLogProb]] = []) {
        self.tokenLogProbs = tokenLogProbs
        self.isGreedy = isGreedy
        logProb = tokenLogProbs.reduce(0.0) { $0 + Double($1) }
        self.topLogProbs = topLogProbs
    }
}
