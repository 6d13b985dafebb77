import Foundation

/// What `codeeval tokenize` prints: ids, pieces or decoded text as one JSON line, and encode timings.
public enum TokenReport {
    struct Output: Encodable {
        let model: String
        let tokens: [Int32]
        let pieces: [String]?
        let text: String?
    }

    public static func json(model: String, tokens: [Int32], pieces: [String]?, text: String?) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(Output(model: model, tokens: tokens, pieces: pieces, text: text)), as: UTF8.self)
    }

    /// Token ids separated by spaces, commas, newlines or JSON brackets; `nil` if any part is not an id.
    public static func parseIDs(_ s: String) -> [Int32]? {
        let parts = s.split(whereSeparator: { " ,\n\t[]".contains($0) })
        let ids = parts.compactMap { Int32($0) }
        return ids.count == parts.count ? ids : nil
    }

    /// The `--time` line of an encode: median, min and max of 9 runs of `body`.
    public static func encodeTimings(bytes: Int, tokens: Int, _ body: () -> Void) -> String {
        let clock = ContinuousClock()
        let t = (0..<9).map { _ in clock.measure(body) }.sorted()
        return "encode \(bytes) bytes -> \(tokens) tokens: median \(ms(t[4])) ms (min \(ms(t[0])), max \(ms(t[8])))"
    }

    public static func ms(_ d: Duration) -> String {
        let c = d.components
        return String(format: "%.3f", Double(c.seconds) * 1000 + Double(c.attoseconds) / 1e15)
    }
}
