/// Requests the likelihood scorer refuses before doing any work.
public enum LikelihoodError: Error, CustomStringConvertible, Equatable {
    /// Continuation `index` has no tokens: there is nothing to score.
    case emptyContinuation(index: Int)
    /// The context is empty and the model has no token to stand for it (it does not add BOS).
    case emptyContextWithoutBOS
    /// More alternatives per position were asked for than the vocabulary holds, or fewer than zero.
    case invalidTopLogProbs(Int, vocabSize: Int)

    public var description: String {
        switch self {
        case let .emptyContinuation(i): return "continuation \(i) is empty: a continuation needs at least one token"
        case .emptyContextWithoutBOS:
            return "the context is empty and the model does not add a BOS token to stand for it; pass at least one context token"
        case let .invalidTopLogProbs(n, v): return "top log-probabilities per position must be in 0...\(v), got \(n)"
        }
    }
}
