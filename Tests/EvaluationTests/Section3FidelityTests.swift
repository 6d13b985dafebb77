import DatasetsTestSupport
import Foundation
import Testing
import Datasets
@testable import Evaluation
import Models
import Prompting
import Support

/// Our per-option log-likelihoods against llama.cpp's, computed independently (its own Python prompt formats and
/// pair tokenisation) by `scripts/fixtures/likelihood_reference.py` on the same GGUF, for the first items of
/// ARC-Easy, HellaSwag and BoolQ.
///
/// Checks: the same context and continuation tokens (so the formats and `_encode_pair` agree); acc, acc_norm and
/// acc_uncond as llama.cpp's (within one item, llama.cpp's own difference between its two paths, or 2√k for k
/// near-tie flips); every item we decide differently a near-tie for llama.cpp (its margin between the two options at
/// most twice its own largest change to one option); and per-option log-likelihoods within llama.cpp's own noise.
/// The noise is llama.cpp against itself on the same options: its token-by-token path (`ll_tbt`) against its batched one
/// (`ll`). Our differences from the batched values may be at most as large: mean |Δ| ≤ 1.25× and max |Δ| ≤ 1.5×
/// llama.cpp's, the tolerance the engine's logit and likelihood comparisons apply (docs/engine.md).
@Suite("§3 log-likelihoods vs llama.cpp", .serialized,
       .enabled(if: ProcessInfo.processInfo.environment["CODEEVAL_SKIP_MODEL_TESTS"] != "1", "model tests off: CODEEVAL_SKIP_MODEL_TESTS=1"))
struct Section3FidelityTests {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures")
    /// Qwen runs only with CODEEVAL_MODEL_TESTS=all, as the engine's Qwen comparisons do.
    static var models: [String] {
        ["smollm2-135m"] + (ProcessInfo.processInfo.environment["CODEEVAL_MODEL_TESTS"] == "all" ? ["qwen2.5-coder-0.5b"] : [])
    }
    static let tasks: [(String, Benchmark)] = [("arc-easy", .arcEasy), ("hellaswag", .hellaswag), ("boolq", .boolq)]

    /// The fixture's hash of a token-id list: SHA-256 of the ids in decimal, comma-separated.
    static func idsHash(_ ids: [Int32]) -> String { SHA256Hasher.hex(Array(ids.map(String.init).joined(separator: ",").utf8)) }

    @Test(arguments: models)
    func optionLogLikelihoodsMatchLlamaCpp(model name: String) async throws {
        let fixture = try #require(try JSONL.readDocument(at: Self.fixtures.appendingPathComponent("likelihood-\(name).json.gz")).objectValue)
        let store = try resolvedDatasets()
        let path = try ModelRegistry.resolve(name)
        let model = try EngineSection3Model(path: path)
        for (key, benchmark) in Self.tasks {
            let ref = try #require(fixture["tasks"]?.objectValue?[key]?.objectValue, "\(key) missing from the fixture")
            let refItems = try #require(ref["items"]?.arrayValue)
            let set = try Section3Prompts.build(benchmark, store: store)
            var counts = (acc: 0, norm: 0, uncond: 0)
            var tokenByTokenCounts = [0, 0, 0], flips: [Flip] = []
            var ours: [Double] = [], noise: [Double] = [], oursVsTokenByToken: [Double] = [], nearer: [Double] = []
            let runner = Section3Runner(store: try SQLiteRunStore(path: tempDBPath()), runID: "-",
                                        prepared: section3Run([], benchmark: benchmark, model: model, uncond: set.unconditionalContext))
            for (item, r) in zip(set.items, refItems) {
                let o = try #require(r.objectValue)
                #expect(o["id"]?.stringValue == item.taskID)
                let pairs = item.continuations.map { PairEncoding.encode(context: item.contexts[0], continuation: $0, with: model.encode) }
                #expect(Self.idsHash(pairs[0].context) == o["context_sha256"]?.stringValue, "\(item.taskID): context tokens differ")
                #expect(pairs.map(\.continuation) == o["continuations"]?.arrayValue?.map { $0.arrayValue?.compactMap { $0.intValue.map(Int32.init) } ?? [] },
                        "\(item.taskID): continuation tokens differ")
                // Scoring on a thread of its own: a forward pass must not hold the cooperative pool.
                let (_, verdict) = try await OwnThread.run(name: "codeeval-section3-test") { try runner.choose(item) }
                let scores = try JSONDecoder().decode(OptionScores.self, from: Data(verdict.detail.utf8))
                let batched = o["ll"]?.arrayValue?.compactMap(\.doubleValue) ?? []
                #expect(scores.ll.count == batched.count, "\(item.taskID): option count")
                if let tbt = o["ll_tbt"]?.arrayValue?.compactMap(\.doubleValue) {
                    for ((a, b), t) in zip(zip(scores.ll, batched), tbt) {
                        ours.append(abs(a - b))
                        noise.append(abs(t - b))
                        oursVsTokenByToken.append(abs(a - t))
                        nearer.append(min(abs(a - b), abs(a - t)))
                    }
                    // Where our choice differs from llama.cpp's batched one: how far apart llama.cpp put the two options.
                    let refUncond = o["uncond"]?.arrayValue?.compactMap(\.doubleValue)
                    let ref = OptionScores(gold: scores.gold, ll: batched, chars: scores.chars, greedy: scores.greedy, uncond: refUncond)
                    let alt = OptionScores(gold: scores.gold, ll: tbt, chars: scores.chars, greedy: scores.greedy, uncond: refUncond)
                    for (m, metric) in Metric.allCases.enumerated() {
                        guard let mine = metric.choice(scores), let theirs = metric.choice(ref), let other = metric.choice(alt) else { continue }
                        tokenByTokenCounts[m] += other == scores.gold ? 1 : 0
                        if mine != theirs {
                            flips.append(Flip(item: item.taskID, metric: metric, margin: metric.value(ref, theirs) - metric.value(ref, mine),
                                              chars: min(scores.chars[mine], scores.chars[theirs])))
                        }
                    }
                }
                counts.acc += scores.choice == scores.gold ? 1 : 0
                counts.norm += scores.normChoice == scores.gold ? 1 : 0
                counts.uncond += scores.uncondChoice == scores.gold ? 1 : 0
            }
            func stats(_ xs: [Double]) -> (mean: Double, max: Double) { (xs.reduce(0, +) / Double(max(xs.count, 1)), xs.max() ?? 0) }
            let (o, n, t) = (stats(ours), stats(noise), stats(oursVsTokenByToken))
            print(String(format: "[§3 vs llama.cpp] %@ %@: %d items, %d options; |Δll| vs llama.cpp batched: ours mean %.4f max %.4f, "
                         + "llama.cpp token-by-token mean %.4f max %.4f; ours vs its token-by-token mean %.4f max %.4f; "
                         + "to the nearer path max %.4f; acc %d vs %d, acc_norm %d vs %d", name, key, refItems.count, ours.count, o.mean, o.max,
                         n.mean, n.max, t.mean, t.max, nearer.max() ?? 0, counts.acc, ref["acc"]?.intValue ?? -1, counts.norm, ref["acc_norm"]?.intValue ?? -1))
            #expect(set.items.count >= refItems.count, "\(name) \(key): the data set has fewer items than the fixture")
            // Accuracy: a near-tie flips with the summation order, in llama.cpp as in ours, so counts may differ by one
            // item, by as much as llama.cpp's own two paths differ, or by what k independent near-tie flips give at two
            // standard deviations (2√k), whichever is largest. A bias would show as flips with wide margins (above) or
            // as a count difference growing with k rather than with √k.
            let wholeNoise = refItems.allSatisfy { $0.objectValue?["ll_tbt"] != nil }
            for (m, (metric, ours)) in zip(Metric.allCases, [counts.acc, counts.norm, counts.uncond]).enumerated() {
                guard let theirs = ref[metric.rawValue]?.intValue else { continue }
                let own = wholeNoise ? abs(tokenByTokenCounts[m] - theirs) : 0
                let k = flips.filter { $0.metric == metric }.count
                let tolerance = max(1, own, Int((2 * Double(k).squareRoot()).rounded(.down)))
                print("[§3 vs llama.cpp] \(name) \(key) \(metric.rawValue): ours \(ours), llama.cpp batched \(theirs), token by token "
                      + "\(tokenByTokenCounts[m]); \(k) choices differ from llama.cpp's batched path (tolerance \(tolerance))")
                #expect(abs(ours - theirs) <= tolerance, "\(name) \(key): \(metric.rawValue) \(ours) against llama.cpp's \(theirs) (tolerance \(tolerance))")
            }
            // Every item we decide differently is a near-tie for llama.cpp: its two options closer than twice the largest
            // change llama.cpp's own two paths make to one option (per character for acc_norm).
            for f in flips {
                let bound = 2 * n.max / (f.metric == .accNorm ? Double(max(f.chars, 1)) : 1)
                #expect(f.margin <= bound, "\(name) \(f.item) \(f.metric.rawValue): llama.cpp's margin \(f.margin) is beyond its own noise \(bound)")
            }
            #expect(!noise.isEmpty, "\(name) \(key): the fixture has no token-by-token values to measure llama.cpp's noise")
            #expect(o.mean <= 1.25 * n.mean, "\(name) \(key): mean |Δll| \(o.mean) above 1.25× llama.cpp's own \(n.mean)")
            // Per option, llama.cpp itself is two values (its batched and its token-by-token path): within its noise
            // means as close to one of them as they are to each other.
            let worst = nearer.max() ?? 0
            #expect(worst <= 1.5 * n.max, "\(name) \(key): max |Δll| to the nearer llama.cpp path \(worst) above 1.5× llama.cpp's own \(n.max)")
        }
    }
}

/// A §3 accuracy: which option it picks and the value it compares.
enum Metric: String, CaseIterable {
    case acc, accNorm = "acc_norm", accUncond = "acc_uncond"

    func choice(_ s: OptionScores) -> Int? {
        switch self {
        case .acc: s.choice
        case .accNorm: s.normChoice
        case .accUncond: s.uncondChoice
        }
    }

    func value(_ s: OptionScores, _ i: Int) -> Double {
        switch self {
        case .acc: s.ll[i]
        case .accNorm: s.ll[i] / Double(max(s.chars[i], 1))
        case .accUncond: s.ll[i] - (s.uncond?[i] ?? 0)
        }
    }
}

/// An item where our choice and llama.cpp's batched choice differ, and llama.cpp's margin between the two.
struct Flip {
    let item: String
    let metric: Metric
    let margin: Double
    let chars: Int
}
