/// One generation request for the batched decoder.
public struct GenerationJob: Sendable {
    public var promptTokens: [Int32]
    public var params: SamplingParams
    public var maxTokens: Int
    public var stop: [String]
    /// Called on the decode thread with each piece of text as soon as no stop sequence can still cover it (the
    /// pieces add up to the final text), so a server can stream a completion while it is generated.
    public var onText: (@Sendable (String) -> Void)?

    public init(promptTokens: [Int32], params: SamplingParams, maxTokens: Int, stop: [String] = [],
                onText: (@Sendable (String) -> Void)? = nil) {
        self.promptTokens = promptTokens
        self.params = params
        self.maxTokens = maxTokens
        self.stop = stop
        self.onText = onText
    }
}

/// The decode loop behind `generateBatch` and `ContinuousBatcher`: live sequences, each with
/// its own KV cache, sampler and stop matcher, advance together in one `forwardBatch` per
/// token, so the weights are read once per step for the whole batch. Each row's logits are
/// bit-identical to a single-sequence step (ModelTinyTests) and each sequence samples with
/// its own seeded sampler, so a sequence's output does not depend on what else is in the
/// batch: it equals `Generator.generate` with the same prompt and parameters.
struct BatchDecoder {
    struct Live {
        let id: Int
        let cache: KVCache
        var sampler: Sampler
        var stops: StopMatcher
        var decoder: StreamingDecoder
        let onText: (@Sendable (String) -> Void)?
        let maxTokens: Int
        let promptTokens: Int
        let promptMs: Double
        let admitted: Double
        var tokens: [Int32] = []
        /// The prompt's next-token logits, until the first token is sampled; then its row of `stepLogits`.
        var promptLogits: [Float]?
        var row = 0
    }

    let generator: Generator
    let prefixes: PrefixCache
    private(set) var live: [Live] = []
    /// Rows × vocabulary from the last batched step (row i: `live[i]`), read in place.
    private var stepLogits: [Float] = []

    init(generator: Generator, prefixes: PrefixCache) {
        self.generator = generator
        self.prefixes = prefixes
    }

    var isEmpty: Bool { live.isEmpty }
    var count: Int { live.count }

    /// Checks a job before any work is done for it.
    static func validate(_ job: GenerationJob, contextLength: Int) throws {
        try job.params.validate()
        guard job.maxTokens >= 0 else { throw EngineError.invalidParameter("max tokens \(job.maxTokens) must be ≥ 0") }
        guard !job.promptTokens.isEmpty else { throw EngineError.emptyPrompt }
        guard job.promptTokens.count < contextLength else {
            throw EngineError.contextFull(needed: job.promptTokens.count + 1, capacity: contextLength)
        }
    }

    /// Evaluates the job's prompt (reusing a cached prefix) and adds it to the batch.
    mutating func admit(_ job: GenerationJob, id: Int) throws {
        try Self.validate(job, contextLength: generator.contextLength)
        let model = generator.model
        let t0 = monotonicMs()
        // Room for the prompt and every token that will be fed back (the last sampled one never is).
        let cache = model.makeCache(capacity: min(generator.contextLength, job.promptTokens.count + max(job.maxTokens, 1)))
        let promptLogits = try prefixes.prefill(job.promptTokens, into: cache, model: model)
        let t1 = monotonicMs()
        live.append(Live(id: id, cache: cache, sampler: Sampler(params: job.params),
                         stops: StopMatcher(job.stop.filter { !$0.isEmpty }),
                         decoder: generator.tokenizer.makeStreamingDecoder(), onText: job.onText, maxTokens: job.maxTokens,
                         promptTokens: job.promptTokens.count, promptMs: t1 - t0, admitted: t1,
                         promptLogits: promptLogits))
    }

    /// Takes sequences out of the batch unfinished (their callers have gone). The others keep their rows of the
    /// last step's logits, so the next step goes on as if the removed ones had finished.
    mutating func remove(_ ids: Set<Int>) {
        live.removeAll { ids.contains($0.id) }
    }

    /// Samples one token for every live sequence and runs the ones that go on through one
    /// batched forward pass. Returns the sequences that finished in this step.
    mutating func step() throws -> [(id: Int, generation: Generation)] {
        let tokenizer = generator.tokenizer
        var finished: [(Int, Generation)] = []
        func finish(_ s: inout Live, _ reason: FinishReason) {
            var reason = reason
            if reason != .stop, s.stops.append(s.decoder.finish(), emit: s.onText) { reason = .stop }
            if reason != .stop { s.stops.flush(emit: s.onText) }
            finished.append((s.id, Generation(text: s.stops.text, tokens: s.tokens, promptTokens: s.promptTokens,
                                              finishReason: reason, promptMs: s.promptMs,
                                              decodeMs: monotonicMs() - s.admitted)))
        }
        let V = generator.model.vocabSize
        // Every sequence samples from its own row with its own sampler, so the draws run across the
        // pool: a draw normalises over the whole vocabulary (262k logits for Gemma 3), which on one
        // thread took a fifth of a batched step's time.
        var nexts = [Int32](repeating: 0, count: live.count)
        live.withUnsafeMutableBufferPointer { lp in
            nexts.withUnsafeMutableBufferPointer { np in
                stepLogits.withUnsafeBufferPointer { rows in
                    generator.model.pool.run(tasks: lp.count) { i in
                        guard lp[i].tokens.count < lp[i].maxTokens else { return }
                        if let p = lp[i].promptLogits {
                            np[i] = p.withUnsafeBufferPointer { lp[i].sampler.sample($0) }
                        } else {
                            let r = lp[i].row
                            np[i] = lp[i].sampler.sample(UnsafeBufferPointer(rebasing: rows[(r * V)..<((r + 1) * V)]))
                        }
                    }
                }
            }
        }
        var stepTokens: [Int32] = []
        var continuing: [Live] = []
        for (i, var s) in live.enumerated() {
            if s.tokens.count >= s.maxTokens { finish(&s, .length); continue }
            let next = nexts[i]
            s.promptLogits = nil
            if tokenizer.isEndOfGeneration(next) { finish(&s, .eos); continue }
            s.tokens.append(next)
            if s.stops.append(s.decoder.append(next), emit: s.onText) { finish(&s, .stop); continue }
            if s.tokens.count == s.maxTokens || s.cache.count >= s.cache.capacity { finish(&s, .length); continue }
            stepTokens.append(next)
            continuing.append(s)
        }
        live = continuing
        stepLogits = []
        if !live.isEmpty {
            do {
                stepLogits = try generator.model.forwardBatch(stepTokens, caches: live.map(\.cache))
                for i in live.indices { live[i].row = i }
            } catch {
                live = []
                throw error
            }
        }
        return finished
    }
}

extension Generator {
    /// n samples of one prompt, generated together (pass@k needs n = 200 per task in the
    /// Codex protocol): the prompt is evaluated once and its KV cache copied to every
    /// sequence; finished sequences leave the batch and queued ones take their place, so it
    /// stays full. Sample i uses `params` with seed `seeds[i]` and is identical to
    /// `generate(promptTokens:params:…)` with that seed.
    public func generateBatch(promptTokens: [Int32], params: SamplingParams, seeds: [UInt64], maxTokens: Int,
                              stop: [String] = [], batchSize: Int = 32) throws -> [Generation] {
        guard batchSize >= 1 else { throw EngineError.invalidParameter("batch size \(batchSize) must be ≥ 1") }
        let jobs = seeds.map { seed -> GenerationJob in
            var p = params
            p.seed = seed
            return GenerationJob(promptTokens: promptTokens, params: p, maxTokens: maxTokens, stop: stop)
        }
        return try generateBatch(jobs, batchSize: batchSize)
    }

    /// Independent jobs (any prompts, parameters and limits) decoded in batches of up to
    /// `batchSize`; prompts sharing a prefix share its computation. Results are in job order
    /// and each equals the job run alone through `generate`.
    public func generateBatch(_ jobs: [GenerationJob], batchSize: Int = 32) throws -> [Generation] {
        guard batchSize >= 1 else { throw EngineError.invalidParameter("batch size \(batchSize) must be ≥ 1") }
        for j in jobs { try BatchDecoder.validate(j, contextLength: contextLength) }
        var decoder = BatchDecoder(generator: self, prefixes: PrefixCache())
        var results = [Generation?](repeating: nil, count: jobs.count)
        var next = 0
        while next < jobs.count || !decoder.isEmpty {
            while decoder.count < batchSize && next < jobs.count {
                try decoder.admit(jobs[next], id: next)
                next += 1
            }
            for (id, g) in try decoder.step() { results[id] = g }
        }
        return results.map { $0! }
    }
}
