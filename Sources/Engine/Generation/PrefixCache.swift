/// The KV caches of recent prompts, so a prompt that shares a prefix with one of them
/// evaluates only its new suffix: MBPP's three shots, GSM8k's eight and MATH's four are the
/// same for every task, and the n samples of one task share their whole prompt.
///
/// Reuse is exact, not approximate: the forward pass gives bit-identical keys, values and
/// logits however a sequence is split into calls (`Model.forward`), so a prompt evaluated
/// from a copied prefix equals the same prompt evaluated from scratch (tested).
final class PrefixCache {
    struct Entry {
        let tokens: [Int32]
        let cache: KVCache
        /// Logits after the last prompt token: an identical prompt needs no forward pass at all.
        let logits: [Float]
        var lastUse: Int
    }

    /// Prompts kept (least recently used goes first).
    let capacity: Int
    /// Shorter shared prefixes are recomputed: copying them saves less than it costs.
    let minimumShared: Int
    private(set) var entries: [Entry] = []
    private var clock = 0
    /// Prompt tokens taken from the cache instead of computed (for reports and tests).
    private(set) var reusedTokens = 0

    init(capacity: Int = 4, minimumShared: Int = 16) {
        self.capacity = capacity
        self.minimumShared = minimumShared
    }

    /// Evaluates `tokens` into the empty `cache`, reusing the longest cached prefix; returns
    /// the logits after the last token.
    func prefill(_ tokens: [Int32], into cache: KVCache, model: Model) throws -> [Float] {
        precondition(cache.count == 0 && !tokens.isEmpty)
        clock += 1
        var best: (index: Int, shared: Int)? = nil
        for (i, e) in entries.enumerated() {
            let shared = Self.commonPrefix(e.tokens, tokens)
            if shared > (best?.shared ?? 0) { best = (i, shared) }
        }
        if let b = best, b.shared == tokens.count, entries[b.index].tokens.count == tokens.count {
            cache.copyPrefix(from: entries[b.index].cache, positions: tokens.count)
            entries[b.index].lastUse = clock
            reusedTokens += tokens.count
            return entries[b.index].logits
        }
        var start = 0
        if let b = best, min(b.shared, tokens.count - 1) >= minimumShared {
            // At least the last token is computed: its logits are what the caller needs.
            start = min(b.shared, tokens.count - 1)
            cache.copyPrefix(from: entries[b.index].cache, positions: start)
            entries[b.index].lastUse = clock
            reusedTokens += start
        }
        let logits = try model.forward(Array(tokens[start...]), cache: cache)
        remember(tokens, from: cache, logits: logits, model: model)
        return logits
    }

    private func remember(_ tokens: [Int32], from cache: KVCache, logits: [Float], model: Model) {
        guard capacity > 0 else { return }
        let snapshot = model.makeCache(capacity: tokens.count)
        snapshot.copyPrefix(from: cache, positions: tokens.count)
        if entries.count >= capacity, let oldest = entries.indices.min(by: { entries[$0].lastUse < entries[$1].lastUse }) {
            entries.remove(at: oldest)
        }
        entries.append(Entry(tokens: tokens, cache: snapshot, logits: logits, lastUse: clock))
    }

    static func commonPrefix(_ a: [Int32], _ b: [Int32]) -> Int {
        var i = 0
        let n = min(a.count, b.count)
        while i < n && a[i] == b[i] { i += 1 }
        return i
    }
}
