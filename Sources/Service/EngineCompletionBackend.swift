import Engine
import Models
import Foundation

/// `/v1/completions` and `/v1/chat/completions` served by our engine. One model per server; every choice of every
/// request in flight goes through one `ContinuousBatcher`, so concurrent requests (and the prompts and n choices of
/// one) decode together. Each choice equals a lone generation with its seed, whatever else is in the batch.
/// Log-probabilities (`logprobs`, `echo`) come from the engine's `LikelihoodScorer` over the prompt and the generated
/// tokens, so they are the engine's own values for those tokens, bit for bit.
public final class EngineCompletionBackend: CompletionBackend, @unchecked Sendable {
    public let name: String
    public let chatTemplate: String?
    private let generator: Generator
    /// Also generates the server's benchmark runs on a shared store (their sequences join the same batches).
    public let batcher: ContinuousBatcher
    private let scorer: LikelihoodScorer
    /// Scoring blocks its thread for whole forward passes: it runs here, off Swift's cooperative pool.
    private let scoringQueue = DispatchQueue(label: "codeeval-scoring")

    /// `model`: a registry name (`smollm2-135m`, ...) or a GGUF path.
    public init(model: String, batchSize: Int = ContinuousBatcher.defaultBatchSize) throws {
        name = model
        generator = try Generator(path: try ModelRegistry.resolve(model))
        chatTemplate = generator.model.file.string("tokenizer.chat_template")
        batcher = ContinuousBatcher(generator: generator, batchSize: batchSize)
        // Few entries: an echoed prompt is scored whole after its first token, so only repeated prompts reuse one.
        scorer = LikelihoodScorer(model: generator.model, tokenizer: generator.tokenizer, prefixCacheEntries: 2)
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
                let prompt = request.prompts[index / request.n]
                group.addTask { (index, try await self.generate(job, request: request, prompt: prompt, index: index, events: events)) }
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

    private func generate(_ job: GenerationJob, request r: CompletionRequest, prompt: CompletionPrompt, index: Int,
                          events: (@Sendable (CompletionEvent) -> Void)?) async throws -> CompletionChoice
    {
        var choice: CompletionChoice
        do {
            if job.maxTokens == 0 {
                // Pure scoring (`echo` with `max_tokens: 0`): nothing is generated.
                guard !job.promptTokens.isEmpty else { throw EngineError.emptyPrompt }
                choice = CompletionChoice(text: "", finishReason: "length", promptTokens: job.promptTokens.count, completionTokens: 0)
            } else {
                let g = try await batcher.generate(job)
                choice = CompletionChoice(text: g.text, finishReason: g.finishReason == .length ? "length" : "stop",
                                          promptTokens: g.promptTokens, completionTokens: g.tokens.count)
                if r.logprobs != nil { choice.logprobs = try await logprobs(prompt: job.promptTokens, generated: g.tokens, r) }
            }
            if r.logprobs != nil && choice.logprobs == nil {
                choice.logprobs = try await logprobs(prompt: job.promptTokens, generated: [], r)
            }
        } catch let e as EngineError {
            // Every engine refusal (prompt longer than the context, empty prompt, bad parameter) is the request's fault.
            throw ServiceError.badRequest(e.description)
        }
        if r.echo { choice.text = echoText(prompt, tokens: job.promptTokens) + choice.text }
        events?(.finished(index: index, choice))
        return choice
    }

    private func echoText(_ prompt: CompletionPrompt, tokens: [Int32]) -> String {
        switch prompt {
        case .text(let s): return s
        case .tokens: return generator.tokenizer.decode(tokens, special: true)
        }
    }

    /// The choice's tokens (the prompt's first when echoed, then the generated ones) with the log-probability of each
    /// given everything before it and the `r.logprobs` best alternatives; the first prompt token has neither.
    private func logprobs(prompt: [Int32], generated: [Int32], _ r: CompletionRequest) async throws -> CompletionLogprobs {
        let k = r.logprobs ?? 0
        let shown = r.echo ? prompt + generated : generated
        let (context, continuation) = r.echo ? (Array(prompt.prefix(1)), Array(prompt.dropFirst()) + generated) : (prompt, generated)
        var score = ContinuationScore(tokenLogProbs: [], isGreedy: true)
        if !continuation.isEmpty {
            let scorer = self.scorer
            score = try await withCheckedThrowingContinuation { done in
                scoringQueue.async {
                    done.resume(with: Result { try scorer.score(context: context, continuations: [continuation], topLogProbs: k)[0] })
                }
            }
        }
        let tokenizer = generator.tokenizer
        func bytes(_ id: Int32) -> [UInt8] { Array(tokenizer.piece(id, special: true)) }
        func text(_ id: Int32) -> String { String(decoding: bytes(id), as: UTF8.self) }
        let texts = shown.map(text)
        var offsets: [Int] = []
        var offset = 0
        for t in texts { offsets.append(offset); offset += t.unicodeScalars.count }
        let unpredicted = shown.count - continuation.count  // 1 when echoing (the first prompt token), else 0
        var lps: [Float?] = Array(repeating: nil, count: unpredicted)
        var tops: [[CompletionLogprobs.Alternative]?] = Array(repeating: nil, count: unpredicted)
        for (j, tok) in continuation.enumerated() {
            let lp = score.tokenLogProbs[j]
            lps.append(lp)
            let top = k > 0 ? score.topLogProbs[j] : []
            var alts = top.map { CompletionLogprobs.Alternative(token: text($0.token), logprob: $0.logProb, bytes: bytes($0.token)) }
            if !top.contains(where: { $0.token == tok }) { alts.append(.init(token: text(tok), logprob: lp, bytes: bytes(tok))) }
            tops.append(alts)
        }
        return CompletionLogprobs(tokens: texts, tokenLogprobs: lps, topLogprobs: tops, textOffset: offsets,
                                  tokenBytes: shown.map(bytes))
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
