#if canImport(Glibc)
import Glibc
#endif

/// Decoding parameters. `temperature <= 0` means greedy (argmax, ties → lowest id).
public struct SamplingParams: Sendable, Equatable, Codable {
    public var temperature: Float
    /// 0 disables top-k.
    public var topK: Int
    /// 1 disables nucleus sampling.
    public var topP: Float
    /// 0 disables min-p.
    public var minP: Float
    public var seed: UInt64

    public init(temperature: Float = 0, topK: Int = 0, topP: Float = 1, minP: Float = 0, seed: UInt64 = 0) {
        self.temperature = temperature
        self.topK = topK
        self.topP = topP
        self.minP = minP
        self.seed = seed
    }

    public static let greedy = SamplingParams()

    public func validate() throws {
        guard temperature.isFinite, temperature >= 0 else { throw EngineError.invalidParameter("temperature \(temperature) must be ≥ 0") }
        guard topK >= 0 else { throw EngineError.invalidParameter("top-k \(topK) must be ≥ 0") }
        guard topP > 0, topP <= 1 else { throw EngineError.invalidParameter("top-p \(topP) must be in (0, 1]") }
        guard minP >= 0, minP <= 1 else { throw EngineError.invalidParameter("min-p \(minP) must be in [0, 1]") }
    }
}

/// xoshiro256** seeded through SplitMix64: the same seed gives the same stream on every platform.
public struct SeededRNG: RandomNumberGenerator, Sendable {
    private var s: (UInt64, UInt64, UInt64, UInt64)

    public init(seed: UInt64) {
        var x = seed
        func splitmix() -> UInt64 {
            x &+= 0x9E37_79B9_7F4A_7C15
            var z = x
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        s = (splitmix(), splitmix(), splitmix(), splitmix())
    }

    public mutating func next() -> UInt64 {
        func rotl(_ v: UInt64, _ k: UInt64) -> UInt64 { (v << k) | (v >> (64 - k)) }
        let result = rotl(s.1 &* 5, 7) &* 9
        let t = s.1 << 17
        s.2 ^= s.0; s.3 ^= s.1; s.1 ^= s.2; s.0 ^= s.3
        s.2 ^= t
        s.3 = rotl(s.3, 45)
        return result
    }

    /// Uniform in [0, 1).
    public mutating func nextUnit() -> Double { Double(next() >> 11) * 0x1.0p-53 }
}

/// Picks the next token from logits: greedy, or top-k → top-p → min-p → temperature → draw
/// (llama.cpp's sampler chain order).
public struct Sampler: Sendable {
    public let params: SamplingParams
    public var rng: SeededRNG

    public init(params: SamplingParams) {
        self.params = params
        rng = SeededRNG(seed: params.seed)
    }

    public static func argmax(_ logits: UnsafeBufferPointer<Float>) -> Int32 {
        var best = 0
        var bv = -Float.infinity
        for i in 0..<logits.count where logits[i] > bv { bv = logits[i]; best = i }
        return Int32(best)
    }

    public mutating func sample(_ logits: [Float]) -> Int32 {
        logits.withUnsafeBufferPointer { sample($0) }
    }

    public mutating func sample(_ logits: UnsafeBufferPointer<Float>) -> Int32 {
        if params.temperature <= 0 || params.topK == 1 { return Self.argmax(logits) }
        // Candidates sorted by logit (descending, lower id first on ties); top-k cuts first.
        var cand: [(id: Int32, logit: Float)]
        if params.topK > 0 && params.topK < logits.count {
            cand = Self.topK(logits, params.topK)
            if params.topP < 1 { cand = Self.nucleus(cand, params.topP, total: nil) ?? cand }
        } else if params.topP < 1 {
            // top-p over the whole vocabulary without sorting it: the untempered probabilities
            // are normalised over all tokens, then the best 64, 256, … are taken in order until
            // their mass reaches top-p (a full sort of 150k logits per token cost as much as
            // a decode step).
            var mx = -Float.infinity
            for v in logits where v > mx { mx = v }
            var total = 0.0
            for v in logits { total += exp(Double(v) - Double(mx)) }
            var k = 64
            while true {
                let best = k >= logits.count ? Self.sortedAll(logits) : Self.topK(logits, k)
                if let kept = Self.nucleus(best, params.topP, total: (mx, total), complete: best.count == logits.count) {
                    cand = kept
                    break
                }
                k *= 4
            }
        } else {
            cand = Self.sortedAll(logits)
        }
        if params.minP > 0, let top = cand.first?.logit {
            // p_i ≥ minP·p_max  ⇔  logit_i ≥ logit_max + ln(minP)
            let threshold = top + logf(params.minP)
            cand = cand.filter { $0.logit >= threshold }
        }
        let probs = Self.softmax(cand.map(\.logit), temperature: params.temperature)
        let r = rng.nextUnit()
        var cum: Double = 0
        for (i, p) in probs.enumerated() {
            cum += p
            if r < cum { return cand[i].id }
        }
        return cand[cand.count - 1].id
    }

    static func sortedAll(_ logits: UnsafeBufferPointer<Float>) -> [(id: Int32, logit: Float)] {
        var cand: [(id: Int32, logit: Float)] = logits.enumerated().map { (Int32($0.offset), $0.element) }
        cand.sort { (a: (id: Int32, logit: Float), b: (id: Int32, logit: Float)) -> Bool in
            a.logit > b.logit || (a.logit == b.logit && a.id < b.id)
        }
        return cand
    }

    /// The shortest prefix of `sorted` whose probability mass reaches `p`. With `total`
    /// (max logit, Σexp over the whole vocabulary) probabilities are the full distribution's
    /// and nil means the prefix was too short to decide (unless `complete`); without it they
    /// are normalised over `sorted` itself (after top-k).
    static func nucleus(_ sorted: [(id: Int32, logit: Float)], _ p: Float, total: (Float, Double)?,
                        complete: Bool = true) -> [(id: Int32, logit: Float)]? {
        let (mx, sum): (Float, Double)
        if let total { (mx, sum) = total } else {
            guard let top = sorted.first?.logit else { return sorted }
            mx = top
            sum = sorted.reduce(0.0) { $0 + exp(Double($1.logit) - Double(top)) }
        }
        var cum = 0.0
        for (i, c) in sorted.enumerated() {
            cum += exp(Double(c.logit) - Double(mx)) / sum
            if cum >= Double(p) { return Array(sorted[...i]) }
        }
        return complete ? sorted : nil
    }

    static func softmax(_ logits: [Float], temperature: Float) -> [Double] {
        guard let mx = logits.max() else { return [] }
        let t = Double(temperature)
        let e = logits.map { exp((Double($0) - Double(mx)) / t) }
        let s = e.reduce(0, +)
        return e.map { $0 / s }
    }

    static func topK(_ logits: UnsafeBufferPointer<Float>, _ k: Int) -> [(id: Int32, logit: Float)] {
        // Keep a sorted list of the k best (k is small in practice).
        var best: [(id: Int32, logit: Float)] = []
        best.reserveCapacity(k + 1)
        var floor = -Float.infinity
        for i in 0..<logits.count {
            let v = logits[i]
            if best.count == k && v <= floor { continue }
            var j = best.count
            while j > 0 && best[j - 1].logit < v { j -= 1 }
            best.insert((Int32(i), v), at: j)
            if best.count > k { best.removeLast() }
            if best.count == k { floor = best[k - 1].logit }
        }
        return best
    }
}
