import Engine
import Foundation

/// What `codeeval generate` prints: a generation as one JSON line, and its speed.
public enum GenerationReport {
    public static func json(_ g: Generation, sample: Int? = nil, seed: UInt64? = nil) throws -> String {
        var obj: [String: Any] = ["completion": g.text, "tokens": g.tokens.map(Int.init), "prompt_tokens": g.promptTokens,
                                  "finish_reason": g.finishReason.rawValue, "prompt_ms": g.promptMs, "decode_ms": g.decodeMs]
        if let sample { obj["sample"] = sample }
        if let seed { obj["seed"] = seed }
        let data = try JSONSerialization.data(withJSONObject: obj, options: [.sortedKeys, .withoutEscapingSlashes])
        return String(decoding: data, as: UTF8.self)
    }

    public static func stats(_ g: Generation) -> String {
        let tps = g.decodeMs > 0 ? Double(g.tokens.count) / g.decodeMs * 1000 : 0
        return String(format: "[%d prompt tokens in %.0f ms, %d generated, %.1f tok/s, finish=%@]",
                      g.promptTokens, g.promptMs, g.tokens.count, tps, g.finishReason.rawValue)
    }

    /// Samples decoded together: the aggregate rate over the longest decode.
    public static func batchStats(_ all: [Generation]) -> String {
        let tokens = all.reduce(0) { $0 + $1.tokens.count }
        let ms = all.map(\.decodeMs).max() ?? 0
        return String(format: "[%d samples, %d tokens in %.0f ms: %.1f tok/s aggregate]", all.count, tokens, ms,
                      ms > 0 ? Double(tokens) / ms * 1000 : 0)
    }
}
