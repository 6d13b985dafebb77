/// Errors from running a model (loading errors are `GGUFError`).
public enum EngineError: Error, CustomStringConvertible, Equatable {
    case contextFull(needed: Int, capacity: Int)
    case invalidToken(Int32, vocabSize: Int)
    case emptyPrompt
    case invalidParameter(String)

    public var description: String {
        switch self {
        case let .contextFull(needed, capacity):
            return "context length exceeded: \(needed) positions needed, the context holds \(capacity)"
        case let .invalidToken(t, n): return "token id \(t) is outside the vocabulary (0..<\(n))"
        case .emptyPrompt: return "the prompt encodes to zero tokens"
        case let .invalidParameter(m): return "invalid parameter: \(m)"
        }
    }
}
