import Engine
import Foundation
import Prompting

/// The local Engine as a completion source. Up to `batchSize` requests are in flight and
/// decoded together by one `ContinuousBatcher` (the engine uses every core itself; batching
/// is how it goes faster, not concurrency). Each completion equals a lone `generate` with
/// the same prompt and seed, so the batch size never changes a run's samples.
public final class EngineCompletionSource: CompletionSource, @unchecked Sendable {
    public let generator: Generator
    let batcher: ContinuousBatcher
    /// The model's chat format (GGUF `tokenizer.chat_template`), for chat requests; nil if it has none we render.
    public let chatTemplate: ChatTemplate?
    public var maxConcurrency: Int { batcher.batchSize }

    public convenience init(generator: Generator, batchSize: Int = ContinuousBatcher.defaultBatchSize) {
        self.init(batcher: ContinuousBatcher(generator: generator, batchSize: batchSize))
    }

    /// On a batcher that also serves others (the server's completions): their sequences and these decode together.
    public init(batcher: ContinuousBatcher) {
        generator = batcher.generator
        self.batcher = batcher
        chatTemplate = generator.model.file.string("tokenizer.chat_template").flatMap(ChatTemplate.init(source:))
    }

    /// The text the model continues: the prompt itself, or for a chat request the user message in the model's chat
    /// format followed by the opening of the reply.
    public func promptText(_ r: CompletionRequest) throws -> String {
        guard let prefix = r.replyPrefix else { return r.prompt }
        guard let chatTemplate else {
            throw RunStoreError("this model has no chat template codeeval renders (ChatML, Gemma, Llama 3): it cannot take chat prompts")
        }
        return try chatTemplate.render([ChatMessage(role: .user, content: r.prompt)]) + prefix
    }

    public func complete(_ r: CompletionRequest) async throws -> CompletionResult {
        let params = SamplingParams(temperature: Float(r.temperature), topK: r.topK, topP: Float(r.topP), seed: r.seed)
        let stops = r.replyPrefix == nil ? r.stops : r.stops + [chatTemplate?.endOfTurn].compactMap { $0 }
        let job = GenerationJob(promptTokens: generator.tokenizer.encode(try promptText(r), addSpecial: true), params: params,
                                maxTokens: r.maxTokens, stop: stops)
        let g = try await batcher.generate(job)
        return CompletionResult(text: (r.replyPrefix ?? "") + g.text, tokens: g.tokens.count, promptTokens: g.promptTokens,
                                finishReason: g.finishReason.rawValue, promptMs: g.promptMs, decodeMs: g.decodeMs)
    }

}
