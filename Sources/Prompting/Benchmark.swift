/// The benchmarks codeeval can run end to end.
public enum Benchmark: String, CaseIterable, Sendable, Codable {
    case humaneval
    case mbpp
    case gsm8k
    case math
    case math500
    case humanevalPlus = "humaneval-plus"
    case mbppPlus = "mbpp-plus"

    /// Code benchmarks are scored by executing programs (pass@k); math ones by answer checking (maj1@k).
    public var isCode: Bool {
        switch self {
        case .humaneval, .mbpp, .humanevalPlus, .mbppPlus: return true
        case .gsm8k, .math, .math500: return false
        }
    }

    /// Parse a benchmark name; the error lists the valid names.
    public static func parse(_ name: String) throws -> Benchmark {
        guard let b = Benchmark(rawValue: name.lowercased()) else {
            throw PromptingError("unknown benchmark '\(name)' (known: \(allCases.map(\.rawValue).joined(separator: ", ")))")
        }
        return b
    }
}

public struct PromptingError: Error, CustomStringConvertible, Sendable, Equatable {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
