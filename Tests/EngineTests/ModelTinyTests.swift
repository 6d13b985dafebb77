import Foundation
import Testing
@testable import Engine

/// Tiny random-weight models written as GGUF by the test itself: fast checks of loading,
/// errors, and that the batched (sgemm) prefill and the one-token (quantized matvec) decode agree.
enum TinyModel {
    static let d = 32, layers = 2, heads = 4, kvHeads = 2, headDim = 8, ffn = 64, vocab = 40

    struct RNG { var s: UInt64; mutating func next() -> Float { s = s &* 6364136223846793005 &+ 1442695040888963407; return Float(Int64(bitPattern: s >> 11) % 2000) / 2000 - 0.5 } }

    static func q8_0(_ v: [Float]) -> [UInt8] {
        var out = [UInt8]()
        for b in stride(from: 0, to: v.count, by: 32) {
            let blk = v[b..<(b + 32)]
            let amax = blk.map(abs).max() ?? 0
            let dd = amax / 127
            let h = Float16(dd)
            withUnsafeBytes(of: h.bitPattern.littleEndian) { out += $0 }
            let inv = dd == 0 ? 0 : 1 / Float(h)
            for x in blk { out.append(UInt8(bitPattern: Int8(max(-127, min(127, (x * inv).rounded()))))) }
        }
        return out
    }

    static func writer(arch: String, quantized: Bool = false, seed: UInt64 = 7, drop: String? = nil,
                       sliding: Int = 3) -> GGUFTestWriter {
        var w = GGUFTestWriter()
        var rng = RNG(s: seed)
        w.add("general.architecture", arch)
        w.addU32("\(arch).embedding_length", d); w.addU32("\(arch).block_count", layers)
        w.addU32("\(arch).attention.head_count", heads); w.addU32("\(arch).attention.head_count_kv", kvHeads)
        w.addU32("\(arch).feed_forward_length", ffn); w.addU32("\(arch).context_length", 64)
        w.addF32("\(arch).attention.layer_norm_rms_epsilon", 1e-6)
        w.addF32("\(arch).rope.freq_base", 10000)
        if arch == "gemma3" {
            w.addU32("gemma3.attention.key_length", headDim); w.addU32("gemma3.attention.value_length", headDim)
            w.addU32("gemma3.attention.sliding_window", sliding); w.addU32("gemma3.attention.sliding_window_pattern", 2)
        }
        func tensor(_ name: String, _ dims: [Int], scale: Float = 1, offset: Float = 0) {
            guard name != drop else { return }
            let n = dims.reduce(1, *)
            let v = (0..<n).map { _ in rng.next() * scale + offset }
            if quantized && dims.count == 2 && dims[0] % 32 == 0 {
                w.addTensor(name, dims: dims, type: .q8_0, data: q8_0(v))
            } else {
                w.addF32Tensor(name, dims: dims, values: v)
            }
        }
        let q = heads * headDim, kv = kvHeads * headDim
        tensor("token_embd.weight", [d, vocab])
        tensor("output_norm.weight", [d], scale: 0.2, offset: 1)
        if arch == "qwen2" { tensor("output.weight", [d, vocab]) }
        for i in 0..<layers {
            let p = "blk.\(i)."
            tensor(p + "attn_norm.weight", [d], scale: 0.2, offset: 1)
            tensor(p + "attn_q.weight", [d, q]); tensor(p + "attn_k.weight", [d, kv]); tensor(p + "attn_v.weight", [d, kv])
            tensor(p + "attn_output.weight", [q, d])
            if arch == "qwen2" { tensor(p + "attn_q.bias", [q]); tensor(p + "attn_k.bias", [kv]); tensor(p + "attn_v.bias", [kv]) }
            if arch == "gemma3" {
                tensor(p + "attn_q_norm.weight", [headDim], scale: 0.2, offset: 1)
                tensor(p + "attn_k_norm.weight", [headDim], scale: 0.2, offset: 1)
                tensor(p + "post_attention_norm.weight", [d], scale: 0.2, offset: 1)
                tensor(p + "post_ffw_norm.weight", [d], scale: 0.2, offset: 1)
            }
            tensor(p + "ffn_norm.weight", [d], scale: 0.2, offset: 1)
            tensor(p + "ffn_gate.weight", [d, ffn]); tensor(p + "ffn_up.weight", [d, ffn]); tensor(p + "ffn_down.weight", [ffn, d])
        }
        return w
    }

    static func model(arch: String, quantized: Bool = false, sliding: Int = 3) throws -> Model {
        try Model(path: writer(arch: arch, quantized: quantized, sliding: sliding).write(name: "tiny-\(arch)"), threads: 2)
    }
}

@Suite struct ModelTinyTests {
    static let prompt: [Int32] = [1, 5, 9, 3, 17, 22, 8, 30, 2, 11]

    @Test(arguments: ["llama", "qwen2", "gemma3"], [false, true])
    func batchedPrefillMatchesTokenByToken(arch: String, quantized: Bool) throws {
        let m = try TinyModel.model(arch: arch, quantized: quantized)
        let batch = try m.forward(Self.prompt, cache: m.makeCache(), allLogits: true)
        #expect(batch.count == Self.prompt.count * TinyModel.vocab)
        let cache = m.makeCache()
        for (t, tok) in Self.prompt.enumerated() {
            let one = try m.forward([tok], cache: cache)
            let ref = Array(batch[(t * TinyModel.vocab)..<((t + 1) * TinyModel.vocab)])
            let err = zip(one, ref).map { abs($0 - $1) }.max() ?? 1
            #expect(err == 0, "\(arch) position \(t): max diff \(err) (the two paths must be bit-identical)")
        }
        #expect(cache.count == Self.prompt.count)
        #expect(batch.allSatisfy { $0.isFinite })
    }

    /// Several sequences in one step (n samples per prompt): each row equals the same token
    /// run alone on its own sequence, bit for bit, and every cache advances by one.
    @Test(arguments: ["llama", "qwen2", "gemma3"])
    func batchedSequencesMatchSeparateRuns(arch: String) throws {
        let m = try TinyModel.model(arch: arch, quantized: true)
        let prefix = Array(Self.prompt.prefix(4))
        let shared = m.makeCache()
        _ = try m.forward(prefix, cache: shared)
        let caches = (0..<3).map { _ in m.makeCache() }
        for c in caches { c.copyPrefix(from: shared, positions: prefix.count) }
        // Different lengths: sequence 2 is one token further along.
        _ = try m.forward([7], cache: caches[2])
        let step: [Int32] = [3, 12, 25]
        let batch = try m.forwardBatch(step, caches: caches)
        let v = TinyModel.vocab
        for i in 0..<3 {
            let solo = m.makeCache()
            _ = try m.forward(prefix + (i == 2 ? [7] : []), cache: solo)
            let one = try m.forward([step[i]], cache: solo)
            #expect(one == Array(batch[(i * v)..<((i + 1) * v)]), "\(arch) row \(i)")
            #expect(caches[i].count == solo.count)
        }
    }

    /// A prompt evaluated from a cached prefix equals the prompt evaluated from scratch, bit
    /// for bit (logits and every key/value), whether it shares part of a cached prompt or all of it.
    @Test(arguments: ["llama", "qwen2", "gemma3"])
    func prefixCacheReuseIsExact(arch: String) throws {
        let m = try TinyModel.model(arch: arch, quantized: true)
        let prefixes = PrefixCache(capacity: 2, minimumShared: 2)
        let a = Self.prompt
        let b = Array(a.prefix(6)) + [4, 4, 19]
        func scratch(_ p: [Int32]) throws -> ([Float], KVCache) {
            let c = m.makeCache(capacity: 32)
            return (try m.forward(p, cache: c), c)
        }
        func sameKV(_ x: KVCache, _ y: KVCache) -> Bool {
            guard x.count == y.count else { return false }
            let n = x.count * m.config.kvDim
            for l in 0..<m.config.blockCount {
                let k1 = UnsafeBufferPointer(start: x.keys[l], count: n), k2 = UnsafeBufferPointer(start: y.keys[l], count: n)
                let v1 = UnsafeBufferPointer(start: x.values[l], count: n), v2 = UnsafeBufferPointer(start: y.values[l], count: n)
                if !k1.elementsEqual(k2) || !v1.elementsEqual(v2) { return false }
            }
            return true
        }
        let steps: [(prompt: [Int32], reused: Int)] = [(a, 0), (b, 6), (b, 6 + b.count), (a, 6 + b.count + a.count)]
        for (prompt, reused) in steps {
            let c = m.makeCache(capacity: 32)
            let logits = try prefixes.prefill(prompt, into: c, model: m)
            let (ref, refCache) = try scratch(prompt)
            #expect(logits == ref, "\(arch) \(prompt)")
            #expect(sameKV(c, refCache), "\(arch) \(prompt)")
            #expect(prefixes.reusedTokens == reused, "\(arch) \(prompt)")
        }
        // Too short a shared prefix is recomputed; the least recently used prompt is evicted.
        let c = m.makeCache(capacity: 32)
        _ = try prefixes.prefill([a[0], 2, 2, 2], into: c, model: m)
        #expect(prefixes.entries.count == 2 && !prefixes.entries.contains { $0.tokens == b })
    }

    @Test func gemmaSlidingWindowChangesLateLogitsOnly() throws {
        let narrow = try TinyModel.model(arch: "gemma3", sliding: 3)
        let wide = try TinyModel.model(arch: "gemma3", sliding: 64)
        let a = try narrow.forward(Self.prompt, cache: narrow.makeCache(), allLogits: true)
        let b = try wide.forward(Self.prompt, cache: wide.makeCache(), allLogits: true)
        let v = TinyModel.vocab
        // Positions 0..2 see at most 3 keys either way; later ones differ.
        #expect(zip(a[..<(3 * v)], b[..<(3 * v)]).allSatisfy { abs($0 - $1) < 1e-5 })
        #expect(zip(a[(9 * v)...], b[(9 * v)...]).contains { abs($0 - $1) > 1e-4 })
    }

    @Test func configFromMetadata() throws {
        let m = try TinyModel.model(arch: "gemma3")
        #expect(m.config.architecture == .gemma3 && m.config.ropeMode == .neox && m.config.headDim == 8)
        #expect(m.config.isSliding(layer: 0) && !m.config.isSliding(layer: 1))
        let l = try TinyModel.model(arch: "llama")
        #expect(l.config.ropeMode == .norm && l.config.kvDim == 16 && l.vocabSize == TinyModel.vocab)
    }

    @Test func loadErrorsArePrecise() throws {
        let missing = try TinyModel.writer(arch: "llama", drop: "blk.1.ffn_up.weight").write()
        #expect(throws: GGUFError.missingTensor("blk.1.ffn_up.weight")) { try Model(path: missing) }
        var w = TinyModel.writer(arch: "llama")
        w.kv[0] = ("general.architecture", .string(Array("mamba".utf8)))
        #expect(throws: GGUFError.unsupportedArchitecture("mamba")) { try Model(path: w.write()) }
        var bad = TinyModel.writer(arch: "llama")
        let i = try #require(bad.tensors.firstIndex { $0.name == "blk.0.attn_k.weight" })
        bad.tensors[i].dims = [TinyModel.d, 8]
        bad.tensors[i].data = Array(bad.tensors[i].data[..<(TinyModel.d * 8 * 4)])
        #expect(throws: GGUFError.tensorShape(tensor: "blk.0.attn_k.weight", expected: [32, 16], found: [32, 8])) {
            try Model(path: bad.write())
        }
        var q2 = TinyModel.writer(arch: "llama")
        let j = try #require(q2.tensors.firstIndex { $0.name == "blk.0.attn_q.weight" })
        q2.tensors[j].type = .q2_K
        q2.tensors[j].dims = [256, 1]
        q2.tensors[j].data = [UInt8](repeating: 0, count: 84)
        #expect(throws: GGUFError.self) { try Model(path: q2.write()) }
    }

    @Test func runtimeErrors() throws {
        let m = try TinyModel.model(arch: "llama")
        let cache = m.makeCache(capacity: 4)
        #expect(throws: EngineError.contextFull(needed: 10, capacity: 4)) { try m.forward(Self.prompt, cache: cache) }
        #expect(throws: EngineError.invalidToken(40, vocabSize: 40)) { try m.forward([40], cache: cache) }
        #expect(cache.count == 0)
    }
}
