#if canImport(Glibc)
import Glibc
#endif
import COpenBLAS

/// A transformer loaded from a GGUF file, weights used in place from the mapping.
/// The forward pass follows llama.cpp's graphs for `llama`, `qwen2` and `gemma3`
/// (docs/engine.md §5.4–5.5), written out step by step like llama2.c.
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

    public var vocabSize: Int { output.rows }

    public convenience init(path: String, threads: Int? = nil) throws {
        try self.init(file: GGUFFile(path: path), threads: threads)
    }

    public init(file: GGUFFile, threads: Int? = nil) throws {
        let c = try ModelConfig(file: file)
        let l = TensorLoader(file: file)
        self.file = file
        config = c
        pool = WorkerPool(threads: threads)
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
    public func forward(_ tokens: [Int32], cache: KVCache, allLogits: Bool = false) throws -> [Float] {
        let T = tokens.count
        guard T > 0 else { return [] }
        guard cache.count + T <= cache.capacity else {
            throw EngineError.contextFull(needed: cache.count + T, capacity: cache.capacity)
        }
        for t in tokens where t < 0 || Int(t) >= tokenEmbedding.rows {
            throw EngineError.invalidToken(t, vocabSize: tokenEmbedding.rows)
        }
        let c = config
        let d = c.embeddingLength
        var s = Scratch(T: T, total: cache.count + T, config: c)
        // Embedding lookup (gemma scales by √d, computed in f32 as llama.cpp does).
        let embScale: Float = c.architecture == .gemma3 ? Float(d).squareRoot() : 1
        for (t, tok) in tokens.enumerated() {
            Dequantize.row(tokenEmbedding.type, tokenEmbedding.row(Int(tok)), s.x + t * d, count: d)
            if embScale != 1 { for i in 0..<d { s.x[t * d + i] *= embScale } }
        }
        let start = cache.count
        for (il, L) in layers.enumerated() {
            // Attention block.
            rmsNorm(s.x, L.attnNorm, s.h, rows: T, dim: d)
            matmul(L.wq, s.h, s.q, T: T, scratch: &s)
            matmul(L.wk, s.h, s.k, T: T, scratch: &s)
            matmul(L.wv, s.h, s.v, T: T, scratch: &s)
            if let b = L.bq { addBias(s.q, b, rows: T) }
            if let b = L.bk { addBias(s.k, b, rows: T) }
            if let b = L.bv { addBias(s.v, b, rows: T) }
            if let w = L.qNorm { rmsNorm(s.q, w, s.q, rows: T * c.headCount, dim: c.headDim) }
            if let w = L.kNorm { rmsNorm(s.k, w, s.k, rows: T * c.headCountKV, dim: c.headDim) }
            let sliding = c.isSliding(layer: il)
            let base = sliding ? c.ropeBaseSWA : c.ropeBase
            let freqScale: Float = sliding ? 1 : c.ropeFreqScale
            for t in 0..<T {
                rope(s.q + t * c.qDim, heads: c.headCount, pos: start + t, base: base, freqScale: freqScale)
                rope(s.k + t * c.kvDim, heads: c.headCountKV, pos: start + t, base: base, freqScale: freqScale)
            }
            cache.store(layer: il, from: start, keys: s.k, values: s.v, count: T)
            attention(layer: il, T: T, start: start, window: sliding ? c.slidingWindow : nil, cache: cache, s: &s)
            matmul(L.wo, s.att, s.h, T: T, scratch: &s)
            if let w = L.postAttnNorm { rmsNorm(s.h, w, s.h, rows: T, dim: d) }
            add(s.x, s.h, T * d)
            // Feed-forward block.
            rmsNorm(s.x, L.ffnNorm, s.h, rows: T, dim: d)
            matmul(L.gate, s.h, s.gate, T: T, scratch: &s)
            matmul(L.up, s.h, s.up, T: T, scratch: &s)
            let n = T * c.feedForwardLength
            if c.architecture == .gemma3 {
                for i in 0..<n { s.gate[i] = geluTanh(s.gate[i]) * s.up[i] }
            } else {
                for i in 0..<n { let g = s.gate[i]; s.gate[i] = g / (1 + expf(-g)) * s.up[i] }
            }
            matmul(L.down, s.gate, s.h, T: T, scratch: &s)
            if let w = L.postFFNNorm { rmsNorm(s.h, w, s.h, rows: T, dim: d) }
            add(s.x, s.h, T * d)
        }
        cache.count = start + T
        // Final norm and the output head: only the rows the caller needs.
        let first = allLogits ? 0 : T - 1
        let rows = T - first
        rmsNorm(s.x + first * d, outputNorm, s.h, rows: rows, dim: d)
        var logits = [Float](repeating: 0, count: rows * output.rows)
        logits.withUnsafeMutableBufferPointer { out in
            for t in 0..<rows { matvec(output, s.h + t * d, out.baseAddress! + t * output.rows) }
        }
        s.free()
        return logits
    }

    // MARK: building blocks

    func rmsNorm(_ x: UnsafeMutablePointer<Float>, _ w: [Float], _ out: UnsafeMutablePointer<Float>, rows: Int, dim: Int) {
        let eps = config.rmsEpsilon
        w.withUnsafeBufferPointer { w in
            for r in 0..<rows {
                let xr = x + r * dim, o = out + r * dim
                var ss: Float = 0
                for i in 0..<dim { ss += xr[i] * xr[i] }
                let scale = 1 / (ss / Float(dim) + eps).squareRoot()
                for i in 0..<dim { o[i] = xr[i] * scale * w[i] }
            }
        }
    }

    func addBias(_ x: UnsafeMutablePointer<Float>, _ b: [Float], rows: Int) {
        for r in 0..<rows { for i in 0..<b.count { x[r * b.count + i] += b[i] } }
    }

    func add(_ x: UnsafeMutablePointer<Float>, _ y: UnsafeMutablePointer<Float>, _ n: Int) {
        for i in 0..<n { x[i] += y[i] }
    }

    /// Rotates each head's first `ropeDims` values by position (NORM: adjacent pairs, NEOX: halves).
    func rope(_ v: UnsafeMutablePointer<Float>, heads: Int, pos: Int, base: Float, freqScale: Float) {
        let c = config
        let n = c.ropeDims
        for i in 0..<(n / 2) {
            var theta = Double(freqScale) * Double(pos) * pow(Double(base), -2 * Double(i) / Double(n))
            if let f = ropeFreqFactors { theta /= Double(f[i]) }
            let cs = Float(cos(theta)), sn = Float(sin(theta))
            for h in 0..<heads {
                let p = v + h * c.headDim
                let (a, b) = c.ropeMode == .norm ? (2 * i, 2 * i + 1) : (i, i + n / 2)
                let x0 = p[a], x1 = p[b]
                p[a] = x0 * cs - x1 * sn
                p[b] = x0 * sn + x1 * cs
            }
        }
    }

    func attention(layer il: Int, T: Int, start: Int, window: Int?, cache: KVCache, s: inout Scratch) {
        let c = config
        let hd = c.headDim
        let group = c.headCount / c.headCountKV
        let scale = 1 / Float(hd).squareRoot()
        let keys = cache.keys[il], values = cache.values[il]
        let kvDim = c.kvDim
        let q = s.q, att = s.att
        let total = start + T
        let scoresAll = s.scores
        pool.forEachSlice(T * c.headCount) { range in
            for job in range {
                let t = job / c.headCount, h = job % c.headCount
                let pos = start + t
                let lo = window.map { max(0, pos - $0 + 1) } ?? 0
                let qh = q + t * c.qDim + h * hd
                let kvh = (h / group) * hd
                let scores = scoresAll + job * total
                var mx = -Float.infinity
                for p in lo...pos {
                    let sc = dot16(qh, keys + p * kvDim + kvh, hd) * scale
                    scores[p] = sc
                    mx = max(mx, sc)
                }
                var sum: Float = 0
                for p in lo...pos { let e = expf(scores[p] - mx); scores[p] = e; sum += e }
                let out = att + t * c.qDim + h * hd
                for i in 0..<hd { out[i] = 0 }
                let inv = 1 / sum
                for p in lo...pos {
                    let wgt = scores[p] * inv
                    let vp = values + p * kvDim + kvh
                    for i in 0..<hd { out[i] += wgt * vp[i] }
                }
            }
        }
    }

    /// y[T × rows] = x[T × cols] · Wᵀ. One token: quantized dot products split over the pool.
    /// Several tokens: the matrix is dequantized once into scratch and multiplied with sgemm.
    func matmul(_ w: WeightMatrix, _ x: UnsafeMutablePointer<Float>, _ y: UnsafeMutablePointer<Float>, T: Int, scratch s: inout Scratch) {
        if T < 4 {
            for t in 0..<T { matvec(w, x + t * w.cols, y + t * w.rows) }
            return
        }
        let buf = s.weightBuffer(w.rows * w.cols)
        if w.type == .f32 {
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, Int32(T), Int32(w.rows), Int32(w.cols), 1,
                        x, Int32(w.cols), w.data.assumingMemoryBound(to: Float.self), Int32(w.cols), 0, y, Int32(w.rows))
            return
        }
        pool.forEachSlice(w.rows, minPerThread: 16) { r in
            for row in r { Dequantize.row(w.type, w.row(row), buf + row * w.cols, count: w.cols) }
        }
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, Int32(T), Int32(w.rows), Int32(w.cols), 1,
                    x, Int32(w.cols), buf, Int32(w.cols), 0, y, Int32(w.rows))
    }

    func matvec(_ w: WeightMatrix, _ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>) {
        pool.forEachSlice(w.rows, minPerThread: 64) { r in
            for row in r { y[row] = QuantDot.row(w.type, w.row(row), x, count: w.cols) }
        }
    }
}

@inline(__always) func geluTanh(_ x: Float) -> Float {
    0.5 * x * (1 + tanhf(0.7978845608028654 * (x + 0.044715 * x * x * x)))
}

/// Activations for one forward call.
struct Scratch {
    let x, h, q, k, v, att, gate, up, scores: UnsafeMutablePointer<Float>
    var weights: UnsafeMutablePointer<Float>? = nil
    var weightCapacity = 0

    init(T: Int, total: Int, config c: ModelConfig) {
        func alloc(_ n: Int) -> UnsafeMutablePointer<Float> {
            let p = UnsafeMutablePointer<Float>.allocate(capacity: max(n, 1)); p.initialize(repeating: 0, count: max(n, 1)); return p
        }
        x = alloc(T * c.embeddingLength); h = alloc(T * max(c.embeddingLength, c.qDim))
        q = alloc(T * c.qDim); k = alloc(T * c.kvDim); v = alloc(T * c.kvDim); att = alloc(T * c.qDim)
        gate = alloc(T * c.feedForwardLength); up = alloc(T * c.feedForwardLength)
        scores = alloc(T * c.headCount * total)
    }

    mutating func weightBuffer(_ n: Int) -> UnsafeMutablePointer<Float> {
        if n > weightCapacity {
            weights?.deallocate()
            weights = .allocate(capacity: n)
            weightCapacity = n
        }
        return weights!
    }

    func free() {
        for p in [x, h, q, k, v, att, gate, up, scores] { p.deallocate() }
        weights?.deallocate()
    }
}
