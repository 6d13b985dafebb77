/// n samples of one prompt, generated together (pass@k needs n = 200 per task in the Codex
/// protocol): the prompt is evaluated once, its KV cache copied to every sequence, and the
/// live sequences advance in one `forwardBatch` per token, so the weights are read once per
/// step for the whole batch. Finished sequences leave the batch and queued ones take their
/// place, so it stays full. Sample i uses `params` with seed `seeds[i]` and is identical
/// to `generate(promptTokens:params:…)` with that seed: each row's logits are bit-identical to
/// a single-sequence step (ModelTinyTests) and each sample has its own sampler.
extension Generator {
    public func generateBatch(promptTokens: [Int32], params: SamplingParams, seeds: [UInt64], maxTokens: Int,
                              stop: [String] = [], batchSize: Int = 32) throws -> [Generation] {
        try params.validate()
        guard maxTokens >= 0 else { throw EngineError.invalidParameter("max tokens \(maxTokens) must be ≥ 0") }
        guard batchSize >= 1 else { throw EngineError.invalidParameter("batch size \(batchSize) must be ≥ 1") }
        guard !promptTokens.isEmpty else { throw EngineError.emptyPrompt }
        guard promptTokens.count < contextLength else {
            throw EngineError.contextFull(needed: promptTokens.count + 1, capacity: contextLength)
        }
        let t0 = monotonicMs()
        let shared = model.makeCache(capacity: contextLength)
        let promptLogits = try model.forward(promptTokens, cache: shared)
        let t1 = monotonicMs()

        struct Live {
            let index: Int
            let cache: KVCache
            var sampler: Sampler
            var stops: StopMatcher
            var decoder: StreamingDecoder
            var tokens: [Int32] = []
            var logits: [Float]
        }
        var results = [Generation?](repeating: nil, count: seeds.count)
        var queue = seeds.indices.makeIterator()
        var live: [Live] = []
        let stopList = stop.filter { !$0.isEmpty }

        func admit() {
            while live.count < batchSize, let i = queue.next() {
                let cache = model.makeCache(capacity: contextLength)
                cache.copyPrefix(from: shared, positions: promptTokens.count)
                var p = params
                p.seed = seeds[i]
                live.append(Live(index: i, cache: cache, sampler: Sampler(params: p), stops: StopMatcher(stopList),
                                 decoder: tokenizer.makeStreamingDecoder(), logits: promptLogits))
            }
        }
        func finish(_ s: inout Live, _ reason: FinishReason) {
            var reason = reason
            if reason != .stop, s.stops.append(s.decoder.finish(), emit: nil) { reason = .stop }
            if reason != .stop { s.stops.flush(emit: nil) }
            results[s.index] = Generation(text: s.stops.text, tokens: s.tokens, promptTokens: promptTokens.count,
                                          finishReason: reason, promptMs: t1 - t0, decodeMs: monotonicMs() - t1)
        }

        admit()
        while !live.isEmpty {
            // Sample every live sequence; the ones that go on feed one batched step.
            var stepTokens: [Int32] = []
            var continuing: [Live] = []
            for var s in live {
                if s.tokens.count >= maxTokens { finish(&s, .length); continue }
                let next = s.sampler.sample(s.logits)
                if tokenizer.isEndOfGeneration(next) { finish(&s, .eos); continue }
                s.tokens.append(next)
                if s.stops.append(s.decoder.append(next), emit: nil) { finish(&s, .stop); continue }
                if s.tokens.count == maxTokens || s.cache.count >= s.cache.capacity { finish(&s, .length); continue }
                stepTokens.append(next)
                continuing.append(s)
            }
            live = continuing
            if !live.isEmpty {
                let logits = try model.forwardBatch(stepTokens, caches: live.map(\.cache))
                let V = model.vocabSize
                for i in live.indices { live[i].logits = Array(logits[(i * V)..<((i + 1) * V)]) }
            }
            admit()
        }
        return results.map { $0! }
    }
}
