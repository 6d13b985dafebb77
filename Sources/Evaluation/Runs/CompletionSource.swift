import Foundation

/// What a generation backend is asked for one sample.
public struct CompletionRequest: Sendable, Equatable {
    public var prompt: String
    public var stops: [String]
    public var maxTokens: Int
    public var temperature: Double
    public var topP: Double
    public var topK: Int
    public var seed: UInt64
    /// A chat request (the instruct profile): `prompt` is the user message, and this opens the assistant's reply
    /// where the backend renders the chat itself. The result's text is then the whole reply, this opening included.
    public var replyPrefix: String?

    public init(prompt: String, stops: [String], maxTokens: Int, temperature: Double, topP: Double, topK: Int, seed: UInt64,
                replyPrefix: String? = nil) {
        self.replyPrefix = replyPrefix
        self.prompt = prompt
        self.stops = stops
        self.maxTokens = maxTokens
        self.temperature = temperature
        self.topP = topP
        self.topK = topK
        self.seed = seed
    }
}

/// What came back: the generated text (stops may or may not have been applied by the backend; the orchestrator
/// re-applies them), token counts and timings.
public struct CompletionResult: Sendable, Equatable {
    public var text: String
    public var tokens: Int
    public var promptTokens: Int
    /// `stop`, `length`, `eos`.
    public var finishReason: String
    public var promptMs: Double
    public var decodeMs: Double

    public init(text: String, tokens: Int, promptTokens: Int, finishReason: String, promptMs: Double, decodeMs: Double) {
        self.text = text
        self.tokens = tokens
        self.promptTokens = promptTokens
        self.finishReason = finishReason
        self.promptMs = promptMs
        self.decodeMs = decodeMs
    }
}

/// A generation backend: the local Engine or a remote OpenAI-compatible endpoint.
public protocol CompletionSource: Sendable {
    /// How many requests may be in flight at once (1 for the local engine).
    var maxConcurrency: Int { get }
    func complete(_ request: CompletionRequest) async throws -> CompletionResult
}

/// Judges one sample: runs it in the sandbox (code) or checks its answer (math).
public protocol SampleJudge: Sendable {
    func judge(taskID: String, index: Int, completion: String) async throws -> StoredVerdict
}
