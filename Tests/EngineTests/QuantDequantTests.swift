import Foundation
import Testing
@testable import Engine

/// Dequantizers against the PyPI `gguf` package's numpy reference
/// (fixture written by scripts/fixtures/dequant_reference.py).
@Suite struct QuantDequantTests {
    struct Case { let type: QuantType; let source: String; let elements: Int; let raw: [UInt8]; let expected: [Float] }

    static let fixtureURL = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("Fixtures/quant/dequant.json")

    static func loadCases() throws -> [Case] {
        let data = try Data(contentsOf: fixtureURL)
        let root = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        let cases = try #require(root["cases"] as? [[String: Any]])
        let byName = Dictionary(uniqueKeysWithValues: QuantType.allCases.map { ($0.description, $0) })
        return try cases.map { c in
            let typeName = try #require(c["type"] as? String)
            let type = try #require(byName[typeName])
            let rawText = try #require(c["raw"] as? String), expText = try #require(c["expected"] as? String)
            let raw = [UInt8](try #require(Data(base64Encoded: rawText)))
            let exp = try #require(Data(base64Encoded: expText))
            let floats = exp.withUnsafeBytes { Array($0.bindMemory(to: Float.self)) }
            let elements = try #require(c["elements"] as? Int)
            return Case(type: type, source: c["source"] as? String ?? "", elements: elements, raw: raw, expected: floats)
        }
    }

    @Test func fixtureCoversEverySupportedType() throws {
        let types = Set(try Self.loadCases().map(\.type))
        #expect(types == Set(QuantType.allCases.filter(\.isSupported)))
    }

    @Test func dequantizeMatchesGGUFReference() throws {
        for c in try Self.loadCases() {
            #expect(c.type.byteCount(elements: c.elements) == c.raw.count, "\(c.type) \(c.source)")
            var out = [Float](repeating: .nan, count: c.elements)
            c.raw.withUnsafeBytes { src in
                out.withUnsafeMutableBufferPointer { Dequantize.row(c.type, src.baseAddress!, $0.baseAddress!, count: c.elements) }
            }
            var worst: Float = 0
            for (a, b) in zip(out, c.expected) { worst = max(worst, abs(a - b) / max(1, abs(b))) }
            #expect(worst <= 1e-6, "\(c.type) \(c.source): max rel error \(worst)")
        }
    }

    @Test func dotMatchesDequantizedDot() throws {
        for c in try Self.loadCases() {
            var w = [Float](repeating: 0, count: c.elements)
            c.raw.withUnsafeBytes { src in
                w.withUnsafeMutableBufferPointer { Dequantize.row(c.type, src.baseAddress!, $0.baseAddress!, count: c.elements) }
            }
            let x = (0..<c.elements).map { Float(sin(Double($0) * 0.37)) }
            let ref = zip(w, x).reduce(Double(0)) { $0 + Double($1.0) * Double($1.1) }
            let got = c.raw.withUnsafeBytes { src in
                x.withUnsafeBufferPointer { QuantDot.row(c.type, src.baseAddress!, $0.baseAddress!, count: c.elements) }
            }
            let scale = zip(w, x).reduce(Double(0)) { $0 + abs(Double($1.0) * Double($1.1)) }
            #expect(abs(Double(got) - ref) <= 1e-5 * max(scale, 1e-3), "\(c.type) \(c.source): \(got) vs \(ref)")
        }
    }
}
