import Foundation
import Testing
@testable import Engine

@Suite struct GenerationSamplerTests {
    let logits: [Float] = [0.1, 2.0, -1.0, 1.9, 0.5, 2.0, -3.0]

    @Test func greedyIsArgmaxWithLowestIdOnTies() {
        var s = Sampler(params: .greedy)
        #expect(s.sample(logits) == 1)
        var k1 = Sampler(params: SamplingParams(temperature: 1, topK: 1))
        #expect(k1.sample(logits) == 1)
    }

    @Test func seededSamplingIsReproducible() {
        let p = SamplingParams(temperature: 0.8, topK: 0, topP: 0.95, seed: 42)
        var a = Sampler(params: p), b = Sampler(params: p)
        let xs = (0..<200).map { _ in a.sample(logits) }
        #expect(xs == (0..<200).map { _ in b.sample(logits) })
        #expect(Set(xs).count > 1)
        var c = Sampler(params: SamplingParams(temperature: 0.8, topP: 0.95, seed: 43))
        #expect(xs != (0..<200).map { _ in c.sample(logits) })
    }

    @Test func filtersRestrictTheSupport() {
        var topK = Sampler(params: SamplingParams(temperature: 1, topK: 3, seed: 1))
        #expect(Set((0..<300).map { _ in topK.sample(logits) }).isSubset(of: [1, 3, 5]))
        var minP = Sampler(params: SamplingParams(temperature: 1, minP: 0.5, seed: 1))
        #expect(Set((0..<300).map { _ in minP.sample(logits) }).isSubset(of: [1, 3, 5]))
        var topP = Sampler(params: SamplingParams(temperature: 1, topP: 0.05, seed: 1))
        #expect(Set((0..<50).map { _ in topP.sample(logits) }) == [1])
        // High temperature reaches more tokens than low temperature.
        var hot = Sampler(params: SamplingParams(temperature: 5, seed: 3))
        #expect(Set((0..<400).map { _ in hot.sample(logits) }).count >= 6)
    }

    @Test func invalidParamsAreRejected() {
        #expect(throws: EngineError.self) { try SamplingParams(temperature: -1).validate() }
        #expect(throws: EngineError.self) { try SamplingParams(topP: 0).validate() }
        #expect(throws: EngineError.self) { try SamplingParams(topK: -2).validate() }
    }

    @Test func stopSequencesCutAndHoldBack() {
        var emitted: [String] = []
        var m = StopMatcher(["\ndef ", "###"])
        let r1 = m.append("    return x\n", emit: { emitted.append($0) })
        #expect(!r1)
        // "\n" may start "\ndef ": held back.
        #expect(emitted.joined() == "    return x")
        let r2 = m.append("de", emit: { emitted.append($0) })
        #expect(!r2)
        #expect(emitted.joined() == "    return x")
        let r3 = m.append("f foo", emit: { emitted.append($0) })
        #expect(r3)
        #expect(m.text == "    return x")
        #expect(emitted.joined() == "    return x")

        var n = StopMatcher(["###"])
        var out = ""
        let r4 = n.append("a#", emit: { out += $0 })
        #expect(!r4)
        let r5 = n.append("#b", emit: { out += $0 })
        #expect(!r5)   // "##b" cannot grow into "###": released
        #expect(out == "a##b")
        let r6 = n.append("c###d", emit: { out += $0 })
        #expect(r6)
        #expect(n.text == "a##bc" && out == "a##bc")

        var none = StopMatcher([])
        var all = ""
        let r7 = none.append("xyz", emit: { all += $0 })
        #expect(!r7)
        none.flush(emit: { all += $0 })
        #expect(all == "xyz")
    }
}

/// The top-p fast path (best 64/256/… candidates, probabilities normalised over the whole
/// vocabulary) picks what the textbook algorithm (sort everything, cumulative mass) picks.
@Suite struct TopPFastPathTests {
    static func reference(_ logits: [Float], _ p: SamplingParams, _ rng: inout SeededRNG) -> Int32 {
        var cand = logits.enumerated().map { (id: Int32($0.offset), logit: $0.element) }
        cand.sort { $0.logit > $1.logit || ($0.logit == $1.logit && $0.id < $1.id) }
        let mx = Double(cand[0].logit)
        let e = cand.map { exp(Double($0.logit) - mx) }
        let s = e.reduce(0, +)
        var cum = 0.0, keep = cand.count
        for (i, x) in e.enumerated() { cum += x / s; if cum >= Double(p.topP) { keep = i + 1; break } }
        let kept = Array(cand[..<keep])
        let probs = Sampler.softmax(kept.map(\.logit), temperature: p.temperature)
        let r = rng.nextUnit()
        var c = 0.0
        for (i, q) in probs.enumerated() { c += q; if r < c { return kept[i].id } }
        return kept[kept.count - 1].id
    }

    @Test(arguments: [Float(0.5), 0.95, 0.999])
    func sameTokensAsFullSort(topP: Float) {
        var gen = SeededRNG(seed: 99)
        for trial in 0..<60 {
            // Peaked and flat distributions (the flat ones need the fallback past 64/256).
            let spread: Float = trial % 3 == 0 ? 0.05 : 4
            let logits = (0..<5000).map { _ in Float(gen.nextUnit()) * spread * 10 }
            let params = SamplingParams(temperature: 0.8, topP: topP, seed: UInt64(trial))
            var sampler = Sampler(params: params)
            var rng = SeededRNG(seed: UInt64(trial))
            for _ in 0..<5 {
                #expect(sampler.sample(logits) == Self.reference(logits, params, &rng), "trial \(trial)")
            }
        }
    }
}
