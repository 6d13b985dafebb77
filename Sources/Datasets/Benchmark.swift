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
    // LLaMA §3.1–3.6: common-sense reasoning, closed-book QA, reading comprehension, MMLU.
    case boolq, piqa, siqa, hellaswag, winogrande
    case arcEasy = "arc-easy"
    case arcChallenge = "arc-challenge"
    case openbookqa, nq, triviaqa
    case raceMiddle = "race-middle"
    case raceHigh = "race-high"
    case mmlu

    /// How a completion is judged.
    public enum Scoring: Sendable {
        /// The completion is assembled with the task's tests into one program; passing = the program passes.
        case execution
        /// EvalPlus: the completion's outputs on base and plus inputs against the canonical solution's.
        case differential
        /// The final answer is extracted and checked against the gold answer.
        case answer
        /// The answer option with the highest log-likelihood given the context is the model's choice.
        case likelihood
        /// A greedy free-form answer, exact match against any gold alias after answer normalisation.
        case exactMatch
    }

    public var scoring: Scoring {
        switch self {
        case .humaneval, .mbpp, .mbppSanitized: return .execution
        case .humanevalPlus, .humanevalPlusMini, .mbppPlus: return .differential
        case .gsm8k, .math, .math500: return .answer
        case .nq, .triviaqa: return .exactMatch
        case .boolq, .piqa, .siqa, .hellaswag, .winogrande, .arcEasy, .arcChallenge, .openbookqa, .raceMiddle, .raceHigh,
             .mmlu: return .likelihood
        }
    }

    /// Code benchmarks are scored by executing programs (pass@k); math ones by answer checking (maj1@k).
    public var isCode: Bool { scoring == .execution || scoring == .differential }

    /// The LLaMA §3 benchmarks scored by likelihood or exact match (not by generating code or maths).
    public var isLikelihood: Bool { scoring == .likelihood || scoring == .exactMatch }

    /// Parses a benchmark name; the error lists the valid names.
    public static func parse(_ name: String) throws -> Benchmark {
        guard let b = Benchmark(rawValue: name.lowercased()) else {
            throw DatasetError("unknown benchmark '\(name)' (known: \(allCases.map(\.rawValue).joined(separator: ", ")))")
        }
        return b
    }
}
