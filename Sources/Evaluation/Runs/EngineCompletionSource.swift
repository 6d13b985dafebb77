import Engine
import Foundation

/// The local Engine as a completion source: one generation at a time (the engine uses every core itself).
public final class EngineCompletionSource: CompletionSource, @unchecked Sendable {
    public let generator: Generator
    public var maxConcurrency: Int { 1 }
    let lock = NSLock()

    public init(generator: Generator) { self.generator = generator }

    public func complete(_ r: CompletionRequest) async throws -> CompletionResult {
        let params = SamplingParams(temperature: Float(r.temperature), topK: r.topK, topP: Float(r.topP), seed: r.seed)
        let g: Generation = try await withCheckedThrowingContinuation { cont in
            DispatchQueue.global().async { [self] in
                lock.lock()
                defer { lock.unlock() }
                cont.resume(with: Result { try generator.generate(prompt: r.prompt, params: params, maxTokens: r.maxTokens, stop: r.stops) })
            }
        }
        return CompletionResult(text: g.text, tokens: g.tokens.count, promptTokens: g.promptTokens,
                                finishReason: g.finishReason.rawValue, promptMs: g.promptMs, decodeMs: g.decodeMs)
    }

    /// Number of weights in the model file (sum of tensor element counts).
    public static func parameterCount(_ file: GGUFFile) -> Int {
        file.tensors.reduce(0) { $0 + $1.elementCount }
    }
}
