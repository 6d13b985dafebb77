import Engine
import Foundation

/// `/v1/completions` served by our engine. One model per server; the `Generator` holds one KV cache, so requests
/// are generated one at a time (on a dedicated thread, off Swift's cooperative pool).
public final class EngineCompletionBackend: CompletionBackend, @unchecked Sendable {
    public let name: String
    private let generator: Generator
    private let lock = NSLock()

    /// `model`: a registry name (`smollm2-135m`, ...) or a GGUF path.
    public init(model: String) throws {
        name = model
        generator = try Generator(path: try ModelRegistry.resolve(model))
    }

    public var models: [String] { [name] }

    public func complete(_ request: CompletionRequest) async throws -> [CompletionChoice] {
        try await withCheckedThrowingContinuation { cont in
            Thread {
                do { cont.resume(returning: try self.generateAll(request)) } catch { cont.resume(throwing: error) }
            }.start()
        }
    }

    private func generateAll(_ request: CompletionRequest) throws -> [CompletionChoice] {
        lock.lock()
        defer { lock.unlock() }
        return try (0..<request.n).map { i in
            let params = SamplingParams(temperature: Float(request.temperature), topP: Float(request.topP),
                                        seed: (request.seed ?? 0) &+ UInt64(i))
            let g = try generator.generate(prompt: request.prompt, params: params, maxTokens: request.maxTokens,
                                           stop: request.stop)
            return CompletionChoice(text: g.text, finishReason: g.finishReason == .length ? "length" : "stop",
                                    promptTokens: g.promptTokens, completionTokens: g.tokens.count)
        }
    }
}
