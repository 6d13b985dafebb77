/// A strict JSON parser over UTF-8 bytes (RFC 8259 plus the `NaN`, `Infinity` and `-Infinity` tokens that
/// Python's `json` writes and reads). Errors carry the byte offset so a JSONL reader can say exactly where a
/// line went wrong.
public struct JSONParseError: Error, Equatable, CustomStringConvertible, Sendable {
    /// 0-based byte offset into the parsed text.
    public let offset: Int
    public let reason: String
    public var description: String { "\(reason) at byte \(offset)" }
}

public enum JSONParser {
    /// Maximum nesting depth; deeper documents are rejected instead of overflowing the stack.
    public static let maxDepth = 512

    public static func parse(_ text: String) throws(JSONParseError) -> JSONValue {
        try parse(Array(text.utf8))
    }

    /// `rejectDuplicateKeys`: an object naming a key twice is an error (at the second key's offset) instead of
    /// keeping the last value. Requests use it: two readers of one body must never see different values.
    public static func parse(_ bytes: [UInt8], rejectDuplicateKeys: Bool = false) throws(JSONParseError) -> JSONValue {
        try bytes.withUnsafeBufferPointer { buffer throws(JSONParseError) in try parse(buffer, rejectDuplicateKeys: rejectDuplicateKeys) }
    }

    public static func parse(_ buffer: UnsafeBufferPointer<UInt8>, rejectDuplicateKeys: Bool = false) throws(JSONParseError) -> JSONValue {
        var p = Cursor(bytes: buffer)
        p.rejectDuplicateKeys = rejectDuplicateKeys
        p.skipWhitespace()
        let value = try p.parseValue(depth: 0)
        p.skipWhitespace()
        if p.pos < buffer.count { throw p.error("unexpected trailing characters") }
        return value
    }
}

private struct Cursor {
    let bytes: UnsafeBufferPointer<UInt8>
    var pos = 0
    var rejectDuplicateKeys = false

    init(bytes: UnsafeBufferPointer<UInt8>) { self.bytes = bytes }

    func error(_ reason: String, at offset: Int? = nil) -> JSONParseError {
        JSONParseError(offset: offset ?? pos, reason: reason)
    }

    var atEnd: Bool { pos >= bytes.count }

    mutating func skipWhitespace() {
        while pos < bytes.count {
            switch bytes[pos] {
            case 0x20, 0x09, 0x0A, 0x0D: pos += 1
            default: return
            }
        }
    }

    mutating func expectLiteral(_ literal: StaticString) throws(JSONParseError) {
        let start = pos
        let n = literal.utf8CodeUnitCount
        guard pos + n <= bytes.count else { throw error("invalid literal", at: start) }
        let lit = literal.utf8Start
        for i in 0..<n where bytes[pos + i] != lit[i] { throw error("invalid literal", at: start) }
        pos += n
    }

    mutating func parseValue(depth: Int) throws(JSONParseError) -> JSONValue {
        guard depth < JSONParser.maxDepth else { throw error("nesting deeper than \(JSONParser.maxDepth)") }
        guard !atEnd else { throw error("unexpected end of input") }
        switch bytes[pos] {
        case UInt8(ascii: "{"): return try parseObject(depth: depth)
        case UInt8(ascii: "["): return try parseArray(depth: depth)
        case UInt8(ascii: "\""): return .string(try parseString())
        case UInt8(ascii: "t"): try expectLiteral("true"); return .bool(true)
        case UInt8(ascii: "f"): try expectLiteral("false"); return .bool(false)
        case UInt8(ascii: "n"): try expectLiteral("null"); return .null
        case UInt8(ascii: "N"): try expectLiteral("NaN"); return .number("NaN")
        case UInt8(ascii: "I"): try expectLiteral("Infinity"); return .number("Infinity")
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return .number(try parseNumber())
        default:
            throw error("unexpected character '\(Cursor.printable(bytes[pos]))'")
        }
    }

    static func printable(_ b: UInt8) -> String {
        (0x20..<0x7F).contains(b) ? String(UnicodeScalar(b)) : "\\x" + String(b, radix: 16)
    }

    mutating func parseObject(depth: Int) throws(JSONParseError) -> JSONValue {
        pos += 1
        // A duplicate key keeps its first position and takes the last value, as a Python dict does. Small objects
        // (every benchmark record) search linearly; large ones get a hash index, so a hostile line with many keys
        // cannot make parsing quadratic.
        var entries: [(key: String, value: JSONValue)] = []
        var index: [String: Int]? = nil
        skipWhitespace()
        if !atEnd && bytes[pos] == UInt8(ascii: "}") { pos += 1; return .object(JSONObject()) }
        while true {
            skipWhitespace()
            guard !atEnd else { throw error("unterminated object") }
            guard bytes[pos] == UInt8(ascii: "\"") else { throw error("expected a string key") }
            let keyOffset = pos
            let key = try parseString()
            skipWhitespace()
            guard !atEnd, bytes[pos] == UInt8(ascii: ":") else { throw error("expected ':' after key") }
            pos += 1
            skipWhitespace()
            let value = try parseValue(depth: depth + 1)
            if index == nil && entries.count >= 16 {
                index = Dictionary(entries.enumerated().map { ($1.key, $0) }, uniquingKeysWith: { first, _ in first })
            }
            let existing = index != nil ? index![key] : entries.firstIndex { $0.key == key }
            if let existing {
                if rejectDuplicateKeys { throw error("duplicate key \"\(key)\"", at: keyOffset) }
                entries[existing].value = value
            } else {
                index?[key] = entries.count
                entries.append((key, value))
            }
            skipWhitespace()
            guard !atEnd else { throw error("unterminated object") }
            if bytes[pos] == UInt8(ascii: ",") { pos += 1; continue }
            if bytes[pos] == UInt8(ascii: "}") { pos += 1; return .object(JSONObject(uniqueEntries: entries)) }
            throw error("expected ',' or '}' in object")
        }
    }

    mutating func parseArray(depth: Int) throws(JSONParseError) -> JSONValue {
        pos += 1
        var array: [JSONValue] = []
        skipWhitespace()
        if !atEnd && bytes[pos] == UInt8(ascii: "]") { pos += 1; return .array(array) }
        while true {
            skipWhitespace()
            array.append(try parseValue(depth: depth + 1))
            skipWhitespace()
            guard !atEnd else { throw error("unterminated array") }
            if bytes[pos] == UInt8(ascii: ",") { pos += 1; continue }
            if bytes[pos] == UInt8(ascii: "]") { pos += 1; return .array(array) }
            throw error("expected ',' or ']' in array")
        }
    }

    mutating func parseNumber() throws(JSONParseError) -> String {
        let start = pos
        if bytes[pos] == UInt8(ascii: "-") {
            pos += 1
            if !atEnd && bytes[pos] == UInt8(ascii: "I") {
                try expectLiteral("Infinity")
                return "-Infinity"
            }
        }
        func isDigit(_ b: UInt8) -> Bool { b >= 0x30 && b <= 0x39 }
        guard !atEnd, isDigit(bytes[pos]) else { throw error("invalid number", at: start) }
        if bytes[pos] == UInt8(ascii: "0") {
            pos += 1
            if !atEnd && isDigit(bytes[pos]) { throw error("leading zero in number", at: start) }
        } else {
            while !atEnd && isDigit(bytes[pos]) { pos += 1 }
        }
        if !atEnd && bytes[pos] == UInt8(ascii: ".") {
            pos += 1
            guard !atEnd, isDigit(bytes[pos]) else { throw error("invalid number: digits expected after '.'", at: start) }
            while !atEnd && isDigit(bytes[pos]) { pos += 1 }
        }
        if !atEnd && (bytes[pos] == UInt8(ascii: "e") || bytes[pos] == UInt8(ascii: "E")) {
            pos += 1
            if !atEnd && (bytes[pos] == UInt8(ascii: "+") || bytes[pos] == UInt8(ascii: "-")) { pos += 1 }
            guard !atEnd, isDigit(bytes[pos]) else { throw error("invalid number: exponent digits expected", at: start) }
            while !atEnd && isDigit(bytes[pos]) { pos += 1 }
        }
        return String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<pos]), as: UTF8.self)
    }

    mutating func hex4() throws(JSONParseError) -> UInt32 {
        guard pos + 4 <= bytes.count else { throw error("truncated \\u escape") }
        var v: UInt32 = 0
        for _ in 0..<4 {
            let b = bytes[pos]
            let d: UInt32
            switch b {
            case 0x30...0x39: d = UInt32(b - 0x30)
            case 0x41...0x46: d = UInt32(b - 0x41 + 10)
            case 0x61...0x66: d = UInt32(b - 0x61 + 10)
            default: throw error("invalid hex digit in \\u escape")
            }
            v = v << 4 | d
            pos += 1
        }
        return v
    }

    /// Parses a string starting at the opening quote. Raw bytes are validated as UTF-8 (the offending byte's
    /// offset is reported). A lone surrogate escape (`"\ud800"`), which Python accepts, cannot live in a Swift
    /// `String`; it becomes U+FFFD.
    mutating func parseString() throws(JSONParseError) -> String {
        pos += 1
        // Most strings have no escapes: they become one String built from the validated bytes.
        var result = ""
        var runStart = pos
        func flushRun(_ end: Int, into result: inout String) {
            if end > runStart {
                result += String(decoding: UnsafeBufferPointer(rebasing: bytes[runStart..<end]), as: UTF8.self)
            }
        }
        while true {
            guard pos < bytes.count else { throw error("unterminated string") }
            let b = bytes[pos]
            if b == UInt8(ascii: "\"") {
                flushRun(pos, into: &result)
                pos += 1
                return result
            }
            if b == UInt8(ascii: "\\") {
                flushRun(pos, into: &result)
                pos += 1
                guard pos < bytes.count else { throw error("unterminated escape") }
                let e = bytes[pos]
                pos += 1
                switch e {
                case UInt8(ascii: "\""): result.unicodeScalars.append("\"")
                case UInt8(ascii: "\\"): result.unicodeScalars.append("\\")
                case UInt8(ascii: "/"): result.unicodeScalars.append("/")
                case UInt8(ascii: "b"): result.unicodeScalars.append("\u{08}")
                case UInt8(ascii: "f"): result.unicodeScalars.append("\u{0C}")
                case UInt8(ascii: "n"): result.unicodeScalars.append("\n")
                case UInt8(ascii: "r"): result.unicodeScalars.append("\r")
                case UInt8(ascii: "t"): result.unicodeScalars.append("\t")
                case UInt8(ascii: "u"):
                    var code = try hex4()
                    if (0xD800..<0xDC00).contains(code), pos + 6 <= bytes.count,
                       bytes[pos] == UInt8(ascii: "\\"), bytes[pos + 1] == UInt8(ascii: "u") {
                        let save = pos
                        pos += 2
                        let low = try hex4()
                        if (0xDC00..<0xE000).contains(low) {
                            code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00)
                        } else {
                            pos = save
                        }
                    }
                    result.unicodeScalars.append(Unicode.Scalar(code) ?? "\u{FFFD}")
                default:
                    throw error("invalid escape '\\\(Cursor.printable(e))'", at: pos - 2)
                }
                runStart = pos
                continue
            }
            if b < 0x20 { throw error("unescaped control character 0x\(String(b, radix: 16)) in string") }
            if b < 0x80 { pos += 1; continue }
            // Multi-byte UTF-8: validate strictly (no overlongs, no surrogates, max U+10FFFF).
            let start = pos
            let need: Int
            var minScalar: UInt32
            var scalar: UInt32
            switch b {
            case 0xC2...0xDF: need = 1; scalar = UInt32(b & 0x1F); minScalar = 0x80
            case 0xE0...0xEF: need = 2; scalar = UInt32(b & 0x0F); minScalar = 0x800
            case 0xF0...0xF4: need = 3; scalar = UInt32(b & 0x07); minScalar = 0x10000
            default: throw error("invalid UTF-8 byte 0x\(String(b, radix: 16))")
            }
            guard pos + need < bytes.count else { throw error("truncated UTF-8 sequence", at: start) }
            for i in 1...need {
                let c = bytes[pos + i]
                guard c & 0xC0 == 0x80 else { throw error("invalid UTF-8 continuation byte 0x\(String(c, radix: 16))", at: pos + i) }
                scalar = scalar << 6 | UInt32(c & 0x3F)
            }
            if scalar < minScalar || scalar > 0x10FFFF || (0xD800..<0xE000).contains(scalar) {
                throw error("invalid UTF-8 sequence", at: start)
            }
            pos += need + 1
        }
    }
}
