#if canImport(Glibc)
import Glibc
#endif
import CKernels

/// A transformer loaded from a GGUF file, weights used in place from the mapping.
/// The forward pass follows llama.cpp's graphs for `llama`, `qwen2` and `gemma3`
/// (docs/engine.md, "The model"), written out step by step like llama2.c.
public final class Model: @unchecked Sendable {
    public let file: GGUFFile
    public let config: ModelConfig
    let tokenEmbedding: WeightMatrix
    let output: WeightMatrix
    let outputNorm: [Float]
    let layers: [LayerWeights]
    /// Per-dimension rope frequency divisors (LLaMA-3.1 `rope_freqs.weight`), if present.
    let ropeFreqFactors: [Float]?
    public let pool: WorkerPool
    /// Keeps the matrices' memory alive; `weightPlacement` says where they are (`mmap` or `hugepages`).
    let weights: WeightPages
    public var weightPlacement: String { weights.placement }

    public var vocabSize: Int { output.rows }

    public convenience init(path: String, threads: Int? = nil) throws {
        try self.init(file: GGUFFile(path: path), threads: threads)
    }

    public init(file: GGUFFile, threads: Int? = nil) throws {
        let c = try ModelConfig(file: file)
        weights = WeightPages(file: file)
        let l = TensorLoader(file: file, weights: weights)
        self.file = file
        config = c
        pool = WorkerPool.shared(threads: threads)
        let embd = try file.requireTensor("token_embd.weight")
        tokenEmbedding = try l.matrix("token_embd.weight", cols: c.embeddingLength, rows: embd.rowCount)
        output = file.tensor(named: "output.weight") == nil
            ? tokenEmbedding
            : try l.matrix("output.weight", cols: c.embeddingLength, rows: tokenEmbedding.rows)
        outputNorm = try l.vector("output_norm.weight", count: c.embeddingLength)
        ropeFreqFactors = try l.optionalVector("rope_freqs.weight", count: c.ropeDims / 2)
        var layers: [LayerWeights] = []
        let d = c.embeddingLength
        for i in 0..<c.blockCount {
            let p = "blk.\(i)."
            let gemma = c.architecture == .gemma3
            layers.append(LayerWeights(
                attnNorm: try l.vector(p + "attn_norm.weight", count: d),
                wq: try l.matrix(p + "attn_q.weight", cols: d, rows: c.qDim),
                wk: try l.matrix(p + "attn_k.weight", cols: d, rows: c.kvDim),
                wv: try l.matrix(p + "attn_v.weight", cols: d, rows: c.kvDim),
                wo: try l.matrix(p + "attn_output.weight", cols: c.qDim, rows: d),
                bq: try l.optionalVector(p + "attn_q.bias", count: c.qDim),
                bk: try l.optionalVector(p + "attn_k.bias", count: c.kvDim),
                bv: try l.optionalVector(p + "attn_v.bias", count: c.kvDim),
                qNorm: gemma ? try l.vector(p + "attn_q_norm.weight", count: c.headDim) : nil,
                kNorm: gemma ? try l.vector(p + "attn_k_norm.weight", count: c.headDim) : nil,
                postAttnNorm: gemma ? try l.vector(p + "post_attention_norm.weight", count: d) : nil,
                ffnNorm: try l.vector(p + "ffn_norm.weight", count: d),
                gate: try l.matrix(p + "ffn_gate.weight", cols: d, rows: c.feedForwardLength),
                up: try l.matrix(p + "ffn_up.weight", cols: d, rows: c.feedForwardLength),
                down: try l.matrix(p + "ffn_down.weight", cols: c.feedForwardLength, rows: d),
                postFFNNorm: gemma ? try l.vector(p + "post_ffw_norm.weight", count: d) : nil))
        }
        self.layers = layers
    }

    /// A fresh KV cache for up to `capacity` positions (default: the model's context, at most 4096).
    public func makeCache(capacity: Int? = nil) -> KVCache {
        KVCache(layers: config.blockCount, kvDim: config.kvDim,
                capacity: max(1, min(capacity ?? min(config.contextLength, 4096), config.contextLength)))
    }

    /// Runs `tokens` at positions `cache.count ..< cache.count + tokens.count`, appending their
    /// keys/values to `cache`. Returns logits for the last token, or for every token when
    /// `allLogits` (row-major, tokens.count × vocabSize).
    ///
    /// Numerics follow llama.cpp's CPU backend op by op (activations quantized in every
    /// matmul, f16 KV cache and attention operands, ggml's norm/rope/GELU rounding), and they
    /// do not depend on how a sequence is split into calls: a prompt evaluated in one batch
    /// and token by token gives bit-identical logits (llama.cpp's two paths differ; see
    /// LlamaCppComparisonTests for what that means for the comparison).
    public func forward(_ tokens: [Int32], cache: KVCache, allLogits: Bool = false) throws -> [Float] {
        guard !tokens.isEmpty else { return [] }
        return try run(rows: tokens.map { ($0, cache) }, logitRows: allLogits ? 0..<tokens.count : (tokens.count - 1)..<tokens.count)
    }

    /// One decode step for several independent sequences at once: row i appends `tokens[i]`
    /// to `caches[i]` (at its own position). The weights are read once for all rows, which
    /// is what makes n samples per prompt cheap. Returns rows × vocabSize logits. Each row's
    /// logits are bit-identical to a single-sequence `forward` of the same token.
    public func forwardBatch(_ tokens: [Int32], caches: [KVCache]) throws -> [Float] {
        precondition(tokens.count == caches.count)
        guard !tokens.isEmpty else { return [] }
        return try run(rows: Array(zip(tokens, caches)), logitRows: 0..<tokens.count)
    }

    /// The forward pass over rows that each append one token to a cache; rows of the same
    /// cache are consecutive positions in row order.
    func run(rows: [(token: Int32, cache: KVCache)], logitRows: Range<Int>) throws -> [Float] {
        let T = rows.count
        var positions = [Int](repeating: 0, count: T)
        var next: [ObjectIdentifier: Int] = [:]
        for (i, r) in rows.enumerated() {
            let id = ObjectIdentifier(r.cache)
            let p = next[id] ?? r.cache.count
            positions[i] = p
            next[id] = p + 1
        }
        for (i, r) in rows.enumerated() where positions[i] >= r.cache.capacity {
            throw EngineError.contextFull(needed: next[ObjectIdentifier(r.cache)]!, capacity: r.cache.capacity)
        }
        for r in rows where r.token < 0 || Int(r.token) >= tokenEmbedding.rows {
            throw EngineError.invalidToken(r.token, vocabSize: tokenEmbedding.rows)
        }
        let c = config
        let d = c.embeddingLength
        var s = Scratch(T: T, total: (positions.max() ?? 0) + 1, config: c)
        defer { s.free() }
        // Embedding lookup (gemma scales by √d in f32, as llama.cpp's ggml_scale).
        let embScale: Float = c.architecture == .gemma3 ? Float(d).squareRoot() : 1
        for (t, r) in rows.enumerated() {
            Dequantize.row(tokenEmbedding.type, tokenEmbedding.row(Int(r.token)), s.x + t * d, count: d)
            if embScale != 1 { for i in 0..<d { s.x[t * d + i] *= embScale } }
        }
        let ropeGlobal = RopeTable(model: self, positions: positions, base: c.ropeBase, freqScale: c.ropeFreqScale)
        let ropeLocal = c.slidingWindow == nil ? ropeGlobal
            : RopeTable(model: self, positions: positions, base: c.ropeBaseSWA, freqScale: 1)
        // gemma3 scales q before QKᵀ (query_pre_attn_scalar^-½, = head_dim^-½ for these sizes);
        // the others scale the scores in the softmax.
        let gemma = c.architecture == .gemma3
        let caches = rows.map(\.cache)
        let qScale: Float = gemma ? 1 / Float(c.headDim).squareRoot() : 1
        let kqScale: Float = gemma ? 1 : 1 / Float(c.headDim).squareRoot()
        for (il, L) in layers.enumerated() {
            // Attention block.
            rmsNorm(s.x, L.attnNorm, s.h, rows: T, dim: d)
            matmuls([(L.wq, s.q), (L.wk, s.k), (L.wv, s.v)], input: s.h, T: T, scratch: &s)
            if let b = L.bq { addBias(s.q, b, rows: T) }
            if let b = L.bk { addBias(s.k, b, rows: T) }
            if let b = L.bv { addBias(s.v, b, rows: T) }
            if let w = L.qNorm { rmsNorm(s.q, w, s.q, rows: T * c.headCount, dim: c.headDim) }
            if let w = L.kNorm { rmsNorm(s.k, w, s.k, rows: T * c.headCountKV, dim: c.headDim) }
            let sliding = c.isSliding(layer: il)
            let rope = sliding ? ropeLocal : ropeGlobal
            for t in 0..<T {
                rope.apply(s.q + t * c.qDim, heads: c.headCount, token: t)
                rope.apply(s.k + t * c.kvDim, heads: c.headCountKV, token: t)
            }
            if qScale != 1 { for i in 0..<(T * c.qDim) { s.q[i] *= qScale } }
            for (t, r) in rows.enumerated() {
                r.cache.store(layer: il, from: positions[t], keys: s.k + t * c.kvDim, values: s.v + t * c.kvDim, count: 1)
            }
            attention(layer: il, rows: caches, positions: positions, window: sliding ? c.slidingWindow : nil,
                      scale: kqScale, s: &s)
            matmuls([(L.wo, s.h)], input: s.att, T: T, scratch: &s)
            if let w = L.postAttnNorm { rmsNorm(s.h, w, s.h, rows: T, dim: d) }
            add(s.x, s.h, T * d)
            // Feed-forward block.
            rmsNorm(s.x, L.ffnNorm, s.h, rows: T, dim: d)
            matmuls([(L.gate, s.gate), (L.up, s.up)], input: s.h, T: T, scratch: &s)
            let gate = s.gate, up = s.up
            pool.forEachSlice(T * c.feedForwardLength, minPerTask: 16_384) { r in
                if gemma { Numerics.geglu(gate + r.lowerBound, up + r.lowerBound, count: r.count) }
                else { Numerics.swiglu(gate + r.lowerBound, up + r.lowerBound, count: r.count) }
            }
            matmuls([(L.down, s.h)], input: s.gate, T: T, scratch: &s)
            if let w = L.postFFNNorm { rmsNorm(s.h, w, s.h, rows: T, dim: d) }
            add(s.x, s.h, T * d)
        }
        for (t, r) in rows.enumerated() { r.cache.count = max(r.cache.count, positions[t] + 1) }
        // Final norm and the output head: only the rows the caller needs.
        let n = logitRows.count
        rmsNorm(s.x + logitRows.lowerBound * d, outputNorm, s.h, rows: n, dim: d)
        var logits = [Float](repeating: 0, count: n * output.rows)
        logits.withUnsafeMutableBufferPointer { out in
            matmuls([(output, out.baseAddress!)], input: s.h, T: n, scratch: &s)
        }
        return logits
    }

    // MARK: building blocks

    func rmsNorm(_ x: UnsafeMutablePointer<Float>, _ w: [Float], _ out: UnsafeMutablePointer<Float>, rows: Int, dim: Int) {
        let eps = config.rmsEpsilon
        w.withUnsafeBufferPointer { w in
            for r in 0..<rows { Numerics.rmsNorm(x + r * dim, w.baseAddress!, out + r * dim, dim: dim, eps: eps) }
        }
    }

    func addBias(_ x: UnsafeMutablePointer<Float>, _ b: [Float], rows: Int) {
        for r in 0..<rows { for i in 0..<b.count { x[r * b.count + i] += b[i] } }
    }

    func add(_ x: UnsafeMutablePointer<Float>, _ y: UnsafeMutablePointer<Float>, _ n: Int) {
        for i in 0..<n { x[i] += y[i] }
    }

    /// Causal attention over the f16 cache, one task per (token, head), as llama.cpp without
    /// flash attention: q rounded to f16, scores summed in f32, softmax with a double sum,
    /// weights rounded to f16 before they multiply V.
    func attention(layer il: Int, rows caches: [KVCache], positions: [Int], window: Int?, scale: Float, s: inout Scratch) {
        let c = config
        let hd = c.headDim
        let group = c.headCount / c.headCountKV
        let kvDim = c.kvDim
        let q = s.q, att = s.att
        let total = (positions.max() ?? 0) + 1
        let scoresAll = s.scores
        pool.run(tasks: caches.count * c.headCount) { job in
            let t = job / c.headCount, h = job % c.headCount
            let pos = positions[t]
            let keys = caches[t].keys[il], values = caches[t].values[il]
            let lo = window.map { max(0, pos - $0 + 1) } ?? 0
            let kvh = (h / group) * hd
            let scores = scoresAll + job * total
            let out = att + t * c.qDim + h * hd
            withUnsafeTemporaryAllocation(of: UInt16.self, capacity: hd) { q16 in
                ck_fp32_to_fp16_row(q + t * c.qDim + h * hd, q16.baseAddress!, Int64(hd))
                ck_attn_scores_f16(Int64(hd), q16.baseAddress!, keys + kvh, Int64(kvDim), Int64(lo), Int64(pos), scale, scores)
                var mx = -Float.infinity
                for p in lo...pos { mx = max(mx, scores[p]) }
                var sum = 0.0
                for p in lo...pos { let e = expf(scores[p] - mx); scores[p] = e; sum += Double(e) }
                let inv = Float(1 / sum)
                for p in lo...pos { scores[p] *= inv }
                ck_round_fp16_row(scores + lo, Int64(pos - lo + 1))
                for i in 0..<hd { out[i] = 0 }
                ck_attn_values_f16(Int64(hd), scores, values + kvh, Int64(kvDim), Int64(lo), Int64(pos), out)
            }
        }
    }

    /// y_j[T × rows_j] = x[T × cols] · W_jᵀ for matrices sharing one input, in one parallel
    /// section: x is quantized once per activation format (Q8_0/Q8_1/Q8_K), then output rows
    /// are handed out in chunks across the pool (each chunk over all T tokens).
    func matmuls(_ jobs: [(WeightMatrix, UnsafeMutablePointer<Float>)], input x: UnsafePointer<Float>, T: Int,
                 scratch s: inout Scratch) {
        let cols = jobs[0].0.cols
        var acts: [Int32: (UnsafeMutableRawPointer, Int)] = [:]
        for (w, _) in jobs {
            let type = Int32(w.type.rawValue)
            let dotType = ck_vec_dot_type(type)
            if acts[dotType] != nil { continue }
            let rowBytes = ck_activation_row_bytes(type, Int64(cols))
            let buf = s.activationBuffer(dotType: dotType, bytes: rowBytes * T)
            pool.forEachSlice(T, minPerTask: 8) { r in
                for t in r { _ = ck_quantize_activation(type, x + t * cols, buf + t * rowBytes, Int64(cols)) }
            }
            acts[dotType] = (buf, rowBytes)
        }
        var tasks: [(job: Int, lo: Int, hi: Int)] = []
        for (j, (w, _)) in jobs.enumerated() {
            let chunk = T <= 2 ? decodeTaskRows(w) : max(4, (w.rows + pool.threads * 6 - 1) / (pool.threads * 6))
            var lo = 0
            while lo < w.rows { tasks.append((j, lo, min(w.rows, lo + chunk))); lo += chunk }
        }
        let resolved = jobs.map { (w, y) in (w, y, acts[ck_vec_dot_type(Int32(w.type.rawValue))]!) }
        pool.run(tasks: tasks.count) { i in
            let task = tasks[i]
            let (w, y, (act, rowBytes)) = resolved[task.job]
            _ = ck_matmul_rows(Int32(w.type.rawValue), w.data, w.rowBytes, Int64(w.cols), Int64(task.lo), Int64(task.hi),
                               act, rowBytes, Int64(T), y, Int64(w.rows))
        }
    }
}

extension Model {
    /// Rows per task when one or two tokens go through a matrix (decode): whole 16-row groups, the unit
    /// of the row-lane kernels, about 1 MiB of weights, and a task count that is a multiple of the thread
    /// count, so an evenly split matrix ends on every thread at once. Decode is a stream of weights, and
    /// every task starts its stream cold (the kernels prefetch ahead of the rows they read, not into the
    /// next task, which may be another thread's): with 128 KiB tasks decode ran at 0.8× of 1 MiB ones.
    /// Tasks are still handed out dynamically, so a core slowed by a neighbour takes fewer of a large
    /// matrix's tasks.
    func decodeTaskRows(_ w: WeightMatrix) -> Int {
        let group = 16, n = pool.threads
        let tasks = max(1, (w.rows * w.rowBytes + (1 << 20) - 1) >> 20)
        let evenTasks = (tasks + n - 1) / n * n
        let rows = (w.rows + evenTasks - 1) / evenTasks
        return max(group, (rows + group - 1) / group * group)
    }
}

/// cos/sin for every token of a forward call at one rope base (ggml's rope cache).
struct RopeTable {
    let half: Int
    let mode: RopeMode
    let headDim: Int
    let cos: [Float]
    let sin: [Float]

    init(model: Model, positions: [Int], base: Float, freqScale: Float) {
        let c = model.config
        let half = c.ropeDims / 2
        let T = positions.count
        var cs = [Float](repeating: 0, count: T * half), sn = cs
        cs.withUnsafeMutableBufferPointer { cp in
            sn.withUnsafeMutableBufferPointer { sp in
                for t in 0..<T {
                    Numerics.ropeAngles(pos: positions[t], dims: c.ropeDims, base: base, freqScale: freqScale,
                                        freqFactors: model.ropeFreqFactors,
                                        cos: cp.baseAddress! + t * half, sin: sp.baseAddress! + t * half)
                }
            }
        }
        self.half = half
        mode = c.ropeMode
        headDim = c.headDim
        cos = cs
        sin = sn
    }

    /// Rotates each head's first ropeDims values (NORM: adjacent pairs, NEOX: halves).
    func apply(_ v: UnsafeMutablePointer<Float>, heads: Int, token t: Int) {
        cos.withUnsafeBufferPointer { cs in
            sin.withUnsafeBufferPointer { sn in
                for h in 0..<heads {
                    let p = v + h * headDim
                    for i in 0..<half {
                        let (a, b) = mode == .norm ? (2 * i, 2 * i + 1) : (i, i + half)
                        let x0 = p[a], x1 = p[b]
                        let c = cs[t * half + i], s = sn[t * half + i]
                        p[a] = x0 * c - x1 * s
                        p[b] = x0 * s + x1 * c
                    }
                }
            }
        }
    }
}

/// Activations for one forward call.
struct Scratch {
    let x, h, q, k, v, att, gate, up, scores: UnsafeMutablePointer<Float>
    var activations: [Int32: (UnsafeMutableRawPointer, Int)] = [:]

    init(T: Int, total: Int, config c: ModelConfig) {
        func alloc(_ n: Int) -> UnsafeMutablePointer<Float> {
            let p = UnsafeMutablePointer<Float>.allocate(capacity: max(n, 1)); p.initialize(repeating: 0, count: max(n, 1)); return p
        }
        x = alloc(T * c.embeddingLength); h = alloc(T * max(c.embeddingLength, c.qDim))
        q = alloc(T * c.qDim); k = alloc(T * c.kvDim); v = alloc(T * c.kvDim); att = alloc(T * c.qDim)
        gate = alloc(T * c.feedForwardLength); up = alloc(T * c.feedForwardLength)
        scores = alloc(T * c.headCount * total)
    }

    /// A buffer for quantized activations of one format, reused across the call's matmuls.
    mutating func activationBuffer(dotType: Int32, bytes: Int) -> UnsafeMutableRawPointer {
        if let (p, cap) = activations[dotType], cap >= bytes { return p }
        activations[dotType]?.0.deallocate()
        let p = UnsafeMutableRawPointer.allocate(byteCount: max(bytes, 1), alignment: 64)
        activations[dotType] = (p, bytes)
        return p
    }

    func free() {
        for p in [x, h, q, k, v, att, gate, up, scores] { p.deallocate() }
        for (p, _) in activations.values { p.deallocate() }
    }
}
