import Foundation
import Testing
@testable import Datasets

@Suite("JSON parser")
struct JSONParserTests {
    @Test func duplicateKeysKeepTheLastValueOrAreRejectedWhenAsked() throws {
        let text = #"{"a": 1, "b": {"c": 1, "c": 2}, "a": 3}"#
        let lenient = try JSONParser.parse(text)
        #expect(lenient.objectValue?["a"] == .int(3))
        #expect(lenient.objectValue?.keys == ["a", "b"])
        #expect(throws: JSONParseError(offset: 23, reason: "duplicate key \"c\"")) {
            try JSONParser.parse(Array(text.utf8), rejectDuplicateKeys: true)
        }
    }

    @Test("valid documents parse", arguments: [
        ("{}", JSONValue.object(JSONObject())),
        ("[]", .array([])),
        ("null", .null),
        ("true", .bool(true)),
        (" false ", .bool(false)),
        ("0", .number("0")),
        ("-12.5e+3", .number("-12.5e+3")),
        ("123456789012345678901234567890", .number("123456789012345678901234567890")),
        ("NaN", .number("NaN")),
        ("-Infinity", .number("-Infinity")),
        ("\"a\\u00e9\\n\\\"\"", .string("aé\n\"")),
        ("\"\\ud83d\\ude00\"", .string("😀")),
        ("\"\\ud800\"", .string("\u{FFFD}")),
        ("\"héllo\"", .string("héllo")),
        ("[1, [2, {\"a\": null}]]", .array([.number("1"), .array([.number("2"), .object(JSONObject([("a", .null)]))])])),
    ])
    func parses(text: String, expected: JSONValue) throws {
        #expect(try JSONParser.parse(text) == expected)
    }

    @Test("invalid documents are rejected with a byte offset", arguments: [
        ("{", 1), ("[1,]", 3), ("{\"a\" 1}", 5), ("01", 0), ("1.", 0), ("1e", 0), ("tru", 0), ("\"abc", 4),
        ("\"\\x\"", 1), ("\"a\tb\"", 2), ("[1] x", 4), ("{\"a\":1,}", 7), ("-", 0), ("'a'", 0), ("", 0),
    ])
    func rejects(text: String, offset: Int) {
        expectParseError(Array(text.utf8), at: offset)
    }

    @Test func invalidUTF8IsReportedWithItsOffset() {
        let bytes: [UInt8] = Array("{\"a\": \"x".utf8) + [0xFF] + Array("\"}".utf8)
        do {
            _ = try JSONParser.parse(bytes)
            Issue.record("expected an error")
        } catch {
            #expect(error.offset == 8)
            #expect(error.reason.contains("UTF-8"))
        }
        // Overlong encoding of '/' and an encoded surrogate are invalid too.
        #expect(throws: JSONParseError.self) { try JSONParser.parse([0x22, 0xC0, 0xAF, 0x22]) }
        #expect(throws: JSONParseError.self) { try JSONParser.parse([0x22, 0xED, 0xA0, 0x80, 0x22]) }
    }

    @Test func deepNestingIsAnErrorNotACrash() {
        let text = String(repeating: "[", count: 100_000)
        #expect(throws: JSONParseError.self) { try JSONParser.parse(text) }
    }

    @Test func objectsKeepKeyOrderAndLastDuplicateWins() throws {
        let v = try JSONParser.parse(#"{"z": 1, "a": 2, "m": 3, "a": 4}"#)
        let o = try #require(v.objectValue)
        #expect(o.keys == ["z", "a", "m"])
        #expect(o["a"] == .number("4"))
    }

    @Test func serializationRoundTrips() throws {
        let text = #"{"task_id": "HumanEval/0", "n": 123456789012345678901234567890, "x": -0.5, "s": "a\"b\\c\n\t\u0001é😀", "l": [true, false, null, NaN, Infinity]}"#
        let v = try JSONParser.parse(text)
        let again = try JSONParser.parse(v.serialized())
        #expect(again == v)
        #expect(v.serialized().contains("123456789012345678901234567890"))
    }

    @Test func numberAccessors() {
        #expect(JSONValue.number("12").intValue == 12)
        #expect(JSONValue.number("12.0").intValue == 12)
        #expect(JSONValue.number("12.5").intValue == nil)
        #expect(JSONValue.number("NaN").doubleValue!.isNaN)
        #expect(JSONValue.double(2) == .number("2.0"))
        #expect(JSONValue.string("1").intValue == nil)
    }
}
