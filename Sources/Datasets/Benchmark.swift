/// The one identity of a benchmark, shared by every layer: its data files (`Catalog`), its prompts (Prompting),
/// how it is scored (Evaluation), its runs, reports and service jobs. Names are the CLI's and the run store's.
public enum Benchmark: String, CaseIterable, Sendable, Codable {
    case humaneval
    case mbpp
    case mbppSanitized = "mbpp-sanitized"
    case gsm8k
    case math
    case math500
    case humanevalPlus = "humaneval-plus"
    case humanevalPlusMini = "humaneval-plus-mini"
    case mbppPlus = "mbpp-plus"

    /// How a completion is judged.
    public enum Scoring: Sendable {
        /// The completion is assembled with the task's tests into one program; passing = the program passes.
        case execution
        /// EvalPlus: the completion's outputs on base and plus inputs against the canonical solution's.
        case differential
        /// The final answer is extracted and checked against the gold answer.
        case answer
    }

    public var scoring: Scoring {
        switch self {
        case .humaneval, .mbpp, .mbppSanitized: return .execution
        case .humanevalPlus, .humanevalPlusMini, .mbppPlus: return .differential
        case .gsm8k, .math, .math500: return .answer
        }
    }

    /// Code benchmarks are scored by executing programs (pass@k); math ones by answer checking (maj1@k).
    public var isCode: Bool { scoring != .answer }

    /// Parses a benchmark name; the error lists the valid names.
    public static func parse(_ name: String) throws -> Benchmark {
        guard let b = Benchmark(rawValue: name.lowercased()) else {
            throw DatasetError("unknown benchmark '\(name)' (known: \(allCases.map(\.rawValue).joined(separator: ", ")))")
        }
        return b
    }
}
