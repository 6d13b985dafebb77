import Foundation
import Testing
@testable import Datasets

/// RFC 8259 conformance beyond the basics in JSONTests, in the spirit of JSONTestSuite's y_/n_ cases, plus the
/// Python extensions (`NaN`, `Infinity`, `-Infinity`) that the benchmark files use.
@Suite("JSON conformance")
struct JSONConformanceTests {
    @Test("accepted", arguments: [
        ("-0", JSONValue.number("-0")),
        ("1E5", .number("1E5")),
        ("1e-5", .number("1e-5")),
        ("0.0", .number("0.0")),
        ("1e400", .number("1e400")),
        ("-123456789012345678901234567890.5e-7", .number("-123456789012345678901234567890.5e-7")),
        (#""\/""#, .string("/")),
        (#""\b\f\r\t""#, .string("\u{08}\u{0C}\r\t")),
        (#""\u0000""#, .string("\u{0}")),
        (#""\u00E9\u00e9""#, .string("éé")),
        (#""\uD834\uDD1E""#, .string("𝄞")),
        ("\"\u{7f}\"", .string("\u{7f}")),
        (" \t\r\n[ \t\r\n1 \t\r\n] \t\r\n", .array([.number("1")])),
        ("[[],{}]", .array([.array([]), .object(JSONObject())])),
        (#"{"":0}"#, .object(JSONObject([("", .number("0"))]))),
        (#"{"a\nb":"c"}"#, .object(JSONObject([("a\nb", .string("c"))]))),
        ("[NaN,-Infinity,Infinity]", .array([.number("NaN"), .number("-Infinity"), .number("Infinity")])),
        ("\"\u{10FFFF}\"", .string("\u{10FFFF}")),
    ])
    func accepted(text: String, expected: JSONValue) throws {
        #expect(try JSONParser.parse(text) == expected)
    }

    /// Each case: text, byte offset of the error.
    @Test("rejected", arguments: [
        ("+1", 0), (".5", 0), ("0x10", 1), ("1.e3", 0), ("[1 2]", 3), (#"{"a":}"#, 5), ("{a:1}", 1),
        (#""\u12""#, 3), (#""\uZZZZ""#, 3), ("nul", 0), ("Nan", 0), ("-NaN", 0), ("infinity", 0), ("[", 1),
        ("]", 0), (#"{"a":1 "b":2}"#, 7), ("1 2", 2), ("// c\n1", 0), ("\"\u{0}\"", 1), ("[1,,2]", 3),
        (#"{"a":1,,}"#, 7), ("\u{FEFF}1", 0), ("[\"a\"", 4), ("\"\\", 2), ("1e+", 0), ("--1", 0), ("[-]", 1),
    ])
    func rejected(text: String, offset: Int) {
        expectParseError(Array(text.utf8), at: offset)
    }

    @Test("invalid UTF-8 is rejected at the offending byte", arguments: [
        ([0x22, 0x80, 0x22], 1),              // lone continuation byte
        ([0x22, 0x61, 0xC3, 0x22], 3),        // truncated 2-byte sequence: the quote is not a continuation
        ([0x22, 0xE2, 0x82], 1),              // sequence cut by the end of input
        ([0x22, 0xF5, 0x80, 0x80, 0x80, 0x22], 1), // above U+10FFFF
        ([0x22, 0xE0, 0x80, 0xAF, 0x22], 1),  // overlong 3-byte
        ([0x22, 0xF4, 0x90, 0x80, 0x80, 0x22], 1), // U+110000
    ] as [([UInt8], Int)])
    func invalidUTF8(bytes: [UInt8], offset: Int) {
        expectParseError(bytes, at: offset, reasonContains: "UTF-8")
    }

    /// Python's json accepts a lone surrogate escape and keeps it in the str; a Swift String cannot hold one, so
    /// we decode it to U+FFFD (documented choice: the line still loads, the character is replaced).
    @Test func loneSurrogatesBecomeReplacementCharacters() throws {
        #expect(try JSONParser.parse(#""\udc00x""#) == .string("\u{FFFD}x"))
        #expect(try JSONParser.parse(#""\ud800\u0041""#) == .string("\u{FFFD}A"))
        #expect(try JSONParser.parse(#""\ud800\ud800\udc00""#) == .string("\u{FFFD}\u{10000}"))
    }

    @Test func serializerRoundTripsEveryScalarClass() throws {
        var scalars = String.UnicodeScalarView()
        for v: UInt32 in [0, 1, 0x1F, 0x20, 0x22, 0x2F, 0x5C, 0x7E, 0x7F, 0x80, 0x7FF, 0x800, 0xD7FF, 0xE000, 0xFFFD, 0xFFFF, 0x10000, 0x10FFFF] {
            scalars.append(Unicode.Scalar(v)!)
        }
        let value = JSONValue.array([.string(String(scalars)), .object(JSONObject([(String(scalars), .null)]))])
        #expect(try JSONParser.parse(value.serialized()) == value)
        #expect(try JSONParser.parse(value.serialized(ensureASCII: true)) == value)
        #expect(value.serialized(ensureASCII: true).utf8.allSatisfy { $0 < 0x80 })
    }
}

func expectParseError(_ bytes: [UInt8], at offset: Int, reasonContains: String? = nil,
                      sourceLocation: SourceLocation = #_sourceLocation) {
    let shown = String(decoding: bytes, as: UTF8.self).debugDescription
    do {
        _ = try JSONParser.parse(bytes)
        Issue.record("expected an error for \(shown)", sourceLocation: sourceLocation)
    } catch {
        #expect(error.offset == offset, "\(shown): \(error)", sourceLocation: sourceLocation)
        if let reasonContains { #expect(error.reason.contains(reasonContains), "\(error)", sourceLocation: sourceLocation) }
    }
}

@Suite("JSON objects")
struct JSONObjectParsingTests {
    @Test func largeObjectsParseInLinearTimeAndKeepPythonDuplicateSemantics() throws {
        let n = 50_000
        var text = "{" + (0..<n).map { "\"k\($0)\": \($0)" }.joined(separator: ", ")
        text += ", \"k7\": \"last\", \"k49999\": null}"
        let clock = ContinuousClock()
        var parsed: JSONValue = .null
        let elapsed = try clock.measure { parsed = try JSONParser.parse(text) }
        let o = try #require(parsed.objectValue)
        #expect(o.count == n)
        #expect(o.keys[7] == "k7")
        #expect(o["k7"] == .string("last"))
        #expect(o["k49999"] == .null)
        #expect(o["k123"] == .number("123"))
        // Quadratic insertion would take minutes in a debug build; linear takes well under a second.
        #expect(elapsed < .seconds(20))
    }
}
