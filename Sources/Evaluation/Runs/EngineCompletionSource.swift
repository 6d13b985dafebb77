import Engine
import Foundation

/// The local Engine as a completion source. Up to `batchSize` requests are in flight and
/// decoded together by one `ContinuousBatcher` (the engine uses every core itself; batching
/// is how it goes faster, not concurrency). Each completion equals a lone `generate` with
/// the same prompt and seed, so the batch size never changes a run's samples.
public final class EngineCompletionSource: CompletionSource, @unchecked Sendable {
    public let generator: Generator
    let batcher: ContinuousBatcher
    public var maxConcurrency: Int { batcher.batchSize }

    public init(generator: Generator, batchSize: Int = ContinuousBatcher.defaultBatchSize) {
        self.generator = generator
        self.batcher = ContinuousBatcher(generator: generator, batchSize: batchSize)
    }

    public func complete(_ r: CompletionRequest) async throws -> CompletionResult {
        let params = SamplingParams(temperature: Float(r.temperature), topK: r.topK, topP: Float(r.topP), seed: r.seed)
        let job = GenerationJob(promptTokens: generator.tokenizer.encode(r.prompt, addSpecial: true), params: params,
                                maxTokens: r.maxTokens, stop: r.stops)
        let g = try await batcher.generate(job)
        return CompletionResult(text: g.text, tokens: g.tokens.count, promptTokens: g.promptTokens,
                                finishReason: g.finishReason.rawValue, promptMs: g.promptMs, decodeMs: g.decodeMs)
    }

}
