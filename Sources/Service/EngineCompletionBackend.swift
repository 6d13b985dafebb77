import Engine
import Models
import Foundation

/// `/v1/completions` served by our engine. One model per server; every choice of every request in flight goes
/// through one `ContinuousBatcher`, so concurrent requests (and the n choices of one) decode together. Each choice
/// equals a lone generation with its seed, whatever else is in the batch.
public final class EngineCompletionBackend: CompletionBackend, @unchecked Sendable {
    public let name: String
    private let generator: Generator
    private let batcher: ContinuousBatcher

    /// `model`: a registry name (`smollm2-135m`, ...) or a GGUF path.
    public init(model: String, batchSize: Int = ContinuousBatcher.defaultBatchSize) throws {
        name = model
        generator = try Generator(path: try ModelRegistry.resolve(model))
        batcher = ContinuousBatcher(generator: generator, batchSize: batchSize)
    }

    public var models: [String] { [name] }

    public func complete(_ request: CompletionRequest) async throws -> [CompletionChoice] {
        let tokens = generator.tokenizer.encode(request.prompt, addSpecial: true)
        let batcher = self.batcher
        return try await withThrowingTaskGroup(of: (Int, Generation).self) { group in
            for i in 0..<request.n {
                let params = SamplingParams(temperature: Float(request.temperature), topP: Float(request.topP),
                                            seed: (request.seed ?? 0) &+ UInt64(i))
                let job = GenerationJob(promptTokens: tokens, params: params, maxTokens: request.maxTokens, stop: request.stop)
                group.addTask { (i, try await batcher.generate(job)) }
            }
            var out = [CompletionChoice?](repeating: nil, count: request.n)
            for try await (i, g) in group {
                out[i] = CompletionChoice(text: g.text, finishReason: g.finishReason == .length ? "length" : "stop",
                                          promptTokens: g.promptTokens, completionTokens: g.tokens.count)
            }
            return out.map { $0! }
        }
    }
}
