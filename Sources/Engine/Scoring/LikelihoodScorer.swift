import Synchronization

/// Scores continuations of a context: the log-probability of each continuation token given the
/// context and the continuation tokens before it (what likelihood-ranked multiple choice needs).
///
/// The context is evaluated once into a KV cache, reusing the longest prefix of a recent context
/// (few-shot prompts share their examples); each continuation continues from a copy of that
/// cache, and the continuations' tokens run together through batched forward passes. The
/// forward pass gives bit-identical logits however a sequence is split into calls and whatever
/// else is in the batch (`Model.forward`), so every score equals scoring its (context,
/// continuation) pair alone with a fresh scorer (LikelihoodScorerTests).
public final class LikelihoodScorer: @unchecked Sendable {
    public let model: Model
    /// Stands for an empty context (lm-evaluation-harness scores an empty context after its
    /// end-of-text token); nil refuses empty contexts.
    public let emptyContextToken: Int32?
    /// Rows (continuation tokens) per batched forward pass; bounds the logits held at once.
    public let rowsPerPass: Int
    private let prefixes: PrefixCache
    /// One request at a time: the prefix cache is shared state.
    private let lock = Mutex<Void>(())

    /// - Parameters:
    ///   - emptyContextToken: the token an empty context stands for; see `init(model:tokenizer:…)`.
    ///   - prefixCacheEntries: contexts whose KV caches are kept for reuse (0: none).
    ///   - rowsPerPass: continuation tokens per forward pass (default: 16 Mi logits' worth).
    public init(model: Model, emptyContextToken: Int32? = nil, prefixCacheEntries: Int = 8, rowsPerPass: Int? = nil) {
        self.model = model
        self.emptyContextToken = emptyContextToken
        self.rowsPerPass = max(1, rowsPerPass ?? (1 << 24) / max(model.vocabSize, 1))
        prefixes = PrefixCache(capacity: max(0, prefixCacheEntries))
    }

    /// A scorer whose empty context is the BOS token when the model's tokenizer adds BOS (so an
    /// empty context is what every encoded prompt starts with); other models refuse an empty context.
    public convenience init(model: Model, tokenizer: Tokenizer, prefixCacheEntries: Int = 8, rowsPerPass: Int? = nil) {
        self.init(model: model, emptyContextToken: tokenizer.addsBOS ? tokenizer.bos : nil,
                  prefixCacheEntries: prefixCacheEntries, rowsPerPass: rowsPerPass)
    }

    /// Context tokens taken from the prefix cache instead of computed, over the scorer's life.
    public var reusedContextTokens: Int { lock.withLock { _ in prefixes.reusedTokens } }

    /// Scores every continuation given the same context; the context is computed once and the options are batched.
    public func score(context: [Int32], continuations: [[Int32]]) throws -> [ContinuationScore] {
        try score(context: context, continuations: continuations, topLogProbs: 0)
    }

    /// As `score(context:continuations:)`, also listing the `topLogProbs` most likely tokens at each position.
    public func score(context: [Int32], continuations: [[Int32]], topLogProbs k: Int) throws -> [ContinuationScore] {
        let V = model.vocabSize
        guard (0...V).contains(k) else { throw LikelihoodError.invalidTopLogProbs(k, vocabSize: V) }
        for (i, c) in continuations.enumerated() where c.isEmpty { throw LikelihoodError.emptyContinuation(index: i) }
        guard !continuations.isEmpty else { return [] }
        var ctx = context
        if ctx.isEmpty {
            guard let t = emptyContextToken else { throw LikelihoodError.emptyContextWithoutBOS }
            ctx = [t]
        }
        for t in ctx + continuations.joined() where t < 0 || Int(t) >= V {
            throw EngineError.invalidToken(t, vocabSize: V)
        }
        // The last continuation token is only predicted, never fed.
        let needed = ctx.count + continuations.map(\.count).max()! - 1
        guard needed <= model.config.contextLength else {
            throw EngineError.contextFull(needed: needed, capacity: model.config.contextLength)
        }
        return try lock.withLock { _ in try scoreLocked(ctx, continuations, topLogProbs: k) }
    }

    private func scoreLocked(_ ctx: [Int32], _ continuations: [[Int32]], topLogProbs k: Int) throws -> [ContinuationScore] {
        let V = model.vocabSize
        let contextCache = model.makeCache(capacity: ctx.count)
        let contextLogits = try prefixes.prefill(ctx, into: contextCache, model: model)
        var logProbs = continuations.map { [Float](repeating: 0, count: $0.count) }
        var greedy = continuations.map { [Bool](repeating: true, count: $0.count) }
        var tops = continuations.map { [[TokenLogProb]](repeating: [], count: k > 0 ? $0.count : 0) }
        // Position 0 of every continuation is predicted by the context's last row, normalised once.
        contextLogits.withUnsafeBufferPointer { row in
            let ls = LogSoftmax(row)
            let top = ls.top(k, of: row)
            for (i, c) in continuations.enumerated() {
                logProbs[i][0] = ls.logProb(ofLogit: row[Int(c[0])])
                greedy[i][0] = ls.argmax == c[0]
                if k > 0 { tops[i][0] = top }
            }
        }
        // Row (i, j) feeds token j of continuation i and predicts token j + 1.
        var rows: [(option: Int, position: Int)] = []
        var caches: [KVCache?] = []
        for (i, c) in continuations.enumerated() {
            guard c.count > 1 else { caches.append(nil); continue }
            let cache = model.makeCache(capacity: ctx.count + c.count - 1)
            cache.copyPrefix(from: contextCache, positions: ctx.count)
            caches.append(cache)
            for j in 0..<(c.count - 1) { rows.append((i, j)) }
        }
        var start = 0
        while start < rows.count {
            let pass = rows[start..<min(rows.count, start + rowsPerPass)]
            start = pass.endIndex
            let logits = try model.run(rows: pass.map { (continuations[$0.option][$0.position], caches[$0.option]!) },
                                       logitRows: 0..<pass.count)
            var results = [(logProb: Float, greedy: Bool, top: [TokenLogProb])](repeating: (0, true, []), count: pass.count)
            logits.withUnsafeBufferPointer { all in
                results.withUnsafeMutableBufferPointer { out in
                    model.pool.run(tasks: pass.count) { r in
                        let (i, j) = pass[pass.startIndex + r]
                        let target = continuations[i][j + 1]
                        let row = UnsafeBufferPointer(rebasing: all[(r * V)..<((r + 1) * V)])
                        let ls = LogSoftmax(row)
                        out[r] = (ls.logProb(ofLogit: row[Int(target)]), ls.argmax == target, ls.top(k, of: row))
                    }
                }
            }
            for (r, (i, j)) in pass.enumerated() {
                logProbs[i][j + 1] = results[r].logProb
                greedy[i][j + 1] = results[r].greedy
                if k > 0 { tops[i][j + 1] = results[r].top }
            }
        }
        return continuations.indices.map {
            ContinuationScore(tokenLogProbs: logProbs[$0], isGreedy: !greedy[$0].contains(false), topLogProbs: tops[$0])
        }
    }
}
