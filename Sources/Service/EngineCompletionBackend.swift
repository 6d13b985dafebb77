import Engine
import Models
import Foundation

/// `/v1/completions` and `/v1/chat/completions` served by our engine. One model per server; every choice of every
/// request in flight goes through one `ContinuousBatcher`, so concurrent requests (and the prompts and n choices of
/// one) decode together. Each choice equals a lone generation with its seed, whatever else is in the batch.
public final class EngineCompletionBackend: CompletionBackend, @unchecked Sendable {
    public let name: String
    public let chatTemplate: String?
    private let generator: Generator
    private let batcher: ContinuousBatcher

    /// `model`: a registry name (`smollm2-135m`, ...) or a GGUF path.
    public init(model: String, batchSize: Int = ContinuousBatcher.defaultBatchSize) throws {
        name = model
        generator = try Generator(path: try ModelRegistry.resolve(model))
        chatTemplate = generator.model.file.string("tokenizer.chat_template")
        batcher = ContinuousBatcher(generator: generator, batchSize: batchSize)
    }

    public var models: [String] { [name] }

    public func complete(_ request: CompletionRequest, events: (@Sendable (CompletionEvent) -> Void)?) async throws
        -> [CompletionChoice]
    {
        var prompts: [[Int32]] = []
        for (p, prompt) in request.prompts.enumerated() { prompts.append(try tokens(prompt, index: p)) }
        let count = prompts.count * request.n
        var out = [CompletionChoice?](repeating: nil, count: count)
        try await withThrowingTaskGroup(of: (Int, CompletionChoice).self) { group in
            for index in 0..<count {
                let job = self.job(request, prompt: prompts[index / request.n], index: index, events: events)
                group.addTask { (index, try await self.generate(job, index: index, events: events)) }
            }
            for try await (i, c) in group { out[i] = c }
        }
        return out.map { $0! }
    }

    private func job(_ r: CompletionRequest, prompt: [Int32], index: Int, events: (@Sendable (CompletionEvent) -> Void)?)
        -> GenerationJob
    {
        let params = SamplingParams(temperature: Float(r.temperature), topK: r.topK, topP: Float(r.topP), minP: Float(r.minP),
                                    seed: r.seed(ofChoice: index))
        var onText: (@Sendable (String) -> Void)?
        if let events { onText = { events(.text(index: index, $0)) } }
        return GenerationJob(promptTokens: prompt, params: params, maxTokens: r.maxTokens, stop: r.stop, onText: onText)
    }

    private func generate(_ job: GenerationJob, index: Int, events: (@Sendable (CompletionEvent) -> Void)?) async throws
        -> CompletionChoice
    {
        let g: Generation
        do {
            g = try await batcher.generate(job)
        } catch let e as EngineError {
            // Every engine refusal (prompt longer than the context, empty prompt, bad parameter) is the request's fault.
            throw ServiceError.badRequest(e.description)
        }
        let choice = CompletionChoice(text: g.text, finishReason: g.finishReason == .length ? "length" : "stop",
                                      promptTokens: g.promptTokens, completionTokens: g.tokens.count)
        events?(.finished(index: index, choice))
        return choice
    }

    /// Text is encoded as the engine's local runs encode it (BOS as the model's metadata says, special tokens
    /// parsed); token ids must belong to the model's vocabulary.
    private func tokens(_ prompt: CompletionPrompt, index: Int) throws(ServiceError) -> [Int32] {
        switch prompt {
        case .text(let s):
            return generator.tokenizer.encode(s, addSpecial: true)
        case .tokens(let ids):
            let vocab = generator.tokenizer.vocabSize
            if let (i, bad) = ids.enumerated().first(where: { $0.element < 0 || Int($0.element) >= vocab }) {
                throw .badRequest("field \"prompt\": token id \(bad) (prompt \(index), position \(i)) is not in the "
                                  + "model's vocabulary (0..<\(vocab))")
            }
            return ids
        }
    }
}
