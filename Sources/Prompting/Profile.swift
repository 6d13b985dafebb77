import Datasets

/// A protocol profile: every choice that changes a number, as data.
///
/// `llama1` reproduces the LLaMA paper (arXiv 2302.13971 §3.4–3.5) where it is explicit and fills its gaps with the
/// Codex / reference-harness practice documented in the README ("End to end"); the others mirror reference harnesses.
public struct Profile: Sendable, Equatable {
    public enum Name: String, CaseIterable, Sendable, Codable {
        case llama1, greedy
        case lmEval = "lm-eval"
        case bigcode
        case instruct
    }

    public let name: Name
    public let summary: String
    /// Greedy decoding (T = 0, one sample); its pass@1 is labelled `greedy pass@1`, never plain pass@1.
    public let greedy: Bool
    /// Temperature when the largest requested k is 1.
    public let pass1Temperature: Double
    /// Temperature when some requested k > 1.
    public let passKTemperature: Double
    public let topP: Double
    /// Strip the HumanEval prompt's trailing whitespace (bigcode `humaneval`).
    public let stripHumanEvalPrompt: Bool

    public static let llama1 = Profile(
        name: .llama1,
        summary: "LLaMA paper: HumanEval 0-shot, MBPP 3-shot (tasks 2,3,4), GSM8k 8-shot CoT, MATH 4-shot Minerva; "
            + "T=0.1 for pass@1, T=0.8 for k>1, top-p 0.95",
        greedy: false, pass1Temperature: 0.1, passKTemperature: 0.8, topP: 0.95, stripHumanEvalPrompt: false)
    public static let greedyProfile = Profile(
        name: .greedy,
        summary: "llama1 prompts decoded greedily (T=0, n=1); reported as greedy pass@1 / greedy accuracy",
        greedy: true, pass1Temperature: 0, passKTemperature: 0, topP: 1, stripHumanEvalPrompt: false)
    public static let lmEval = Profile(
        name: .lmEval,
        summary: "lm-evaluation-harness tasks humaneval, mbpp, gsm8k_cot, minerva_math: greedy, its prompts and stops",
        greedy: true, pass1Temperature: 0, passKTemperature: 0, topP: 1, stripHumanEvalPrompt: false)
    public static let bigcode = Profile(
        name: .bigcode,
        summary: "bigcode-evaluation-harness: stripped HumanEval prompt + 8 stops, MBPP 0-shot docstring prompt; "
            + "T=0.2 (HumanEval) / 0.1 (MBPP), top-p 0.95",
        greedy: false, pass1Temperature: 0.2, passKTemperature: 0.2, topP: 0.95, stripHumanEvalPrompt: true)

    public static let instruct = Profile(
        name: .instruct,
        summary: "EvalPlus's instruct protocol for chat models: the task as a user message asking for a self-contained "
            + "script, the reply opened with a ```python fence, the code taken from the fenced block; greedy, 768 tokens",
        greedy: true, pass1Temperature: 0, passKTemperature: 0, topP: 1, stripHumanEvalPrompt: false)

    public static let all: [Profile] = [.llama1, .greedyProfile, .lmEval, .bigcode, .instruct]

    public static func named(_ raw: String) throws -> Profile {
        guard let n = Name(rawValue: raw), let p = all.first(where: { $0.name == n }) else {
            throw PromptingError("unknown profile '\(raw)' (known: \(Name.allCases.map(\.rawValue).joined(separator: ", ")))")
        }
        return p
    }

    /// The sampling temperature for a run of `benchmark` reporting `ks`.
    public func temperature(for benchmark: Benchmark, ks: [Int]) -> Double {
        if greedy { return 0 }
        if name == .bigcode { return benchmark == .mbpp || benchmark == .mbppPlus ? 0.1 : 0.2 }
        return (ks.max() ?? 1) > 1 ? passKTemperature : pass1Temperature
    }

    /// Default samples per task for the requested ks (documented in the README, "Default n per k"):
    /// greedy → 1; max k = 1 → 1 (minutes on the default model); max k ≤ 10 → 20; larger → 200 (Codex/LLaMA n ≥ 100).
    public func defaultSamples(ks: [Int], benchmark: Benchmark) -> Int {
        if greedy { return 1 }
        let k = ks.max() ?? 1
        if !benchmark.isCode { return max(k, 1) }  // maj1@k uses exactly k samples
        if k <= 1 { return 1 }
        if k <= 10 { return 20 }
        return 200
    }

    /// Default maximum number of new tokens.
    public func maxTokens(for benchmark: Benchmark) -> Int {
        switch (name, benchmark) {
        case (.instruct, _): return 768
        case (.lmEval, .humaneval), (.lmEval, .humanevalPlus): return 1024
        case (.lmEval, _) where !benchmark.isCode: return 256
        case (_, .gsm8k): return 256
        case (_, .math), (_, .math500): return 512
        default: return 512
        }
    }

    /// Stop sequences for a benchmark under this profile.
    public func stops(for benchmark: Benchmark) -> [String] {
        if name == .instruct { return InstructPrompt.stops }
        switch benchmark {
        case .humaneval, .humanevalPlus, .humanevalPlusMini:
            return name == .bigcode ? StopSequences.bigcodeHumanEval : StopSequences.codex
        case .mbpp, .mbppSanitized:
            return name == .bigcode ? StopSequences.bigcodeMBPP : ["[DONE]"]
        case .mbppPlus:
            return StopSequences.bigcodeMBPP
        case .gsm8k:
            return name == .lmEval ? ["Q:", "</s>", "<|im_end|>"] : ["Q:"]
        case .math, .math500:
            return ["Problem:"]
        default:
            return []  // the §3 benchmarks are planned by LikelihoodPlanner with their own stops (QAPrompts)
        }
    }

    /// Benchmarks the profile defines prompts for (bigcode's GSM8k is program-aided, which codeeval does not run).
    /// The sanitized MBPP and HumanEval+ mini are subsets for scoring sample files (`codeeval evaluate`), not runs.
    /// The §3 benchmarks (likelihood and exact match) have one protocol, the paper's, outside the profiles.
    public func supports(_ benchmark: Benchmark) -> Bool {
        if benchmark == .mbppSanitized || benchmark == .humanevalPlusMini || benchmark.isLikelihood { return false }
        if name == .instruct { return [.humaneval, .humanevalPlus, .mbpp, .mbppPlus].contains(benchmark) }
        return !(name == .bigcode && !benchmark.isCode)
    }
}
