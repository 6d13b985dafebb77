/// A model could not be found or fetched.
public enum ModelError: Error, CustomStringConvertible, Equatable, Sendable {
    case notFound(String)
    case fetchFailed(String)

    public var description: String {
        switch self {
        case let .notFound(m): return m
        case let .fetchFailed(m): return "model fetch failed: \(m)"
        }
    }
}
