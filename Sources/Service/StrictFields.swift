import Datasets
import Foundation

/// Strict typed access to a request object: unknown fields, wrong types and out-of-range values are
/// `400` errors whose message names the field (and the sample index inside arrays).
struct StrictFields {
    let object: JSONObject
    /// Path prefix for messages, e.g. `samples[3].`.
    let path: String

    init(_ value: JSONValue, path: String = "", allowed: Set<String>) throws(ServiceError) {
        guard let object = value.objectValue else {
            let what = path.isEmpty ? "request body" : String(path.dropLast())
            throw .badRequest("\(what): expected a JSON object, got \(value.typeName)")
        }
        self.object = object
        self.path = path
        // Duplicate keys never get here: request bodies are parsed with `rejectDuplicateKeys`.
        for key in object.keys where !allowed.contains(key) {
            throw .badRequest("unknown field \"\(path)\(key)\" (allowed: \(allowed.sorted().joined(separator: ", ")))")
        }
    }

    private func present(_ key: String) -> JSONValue? {
        guard let v = object[key], !v.isNull else { return nil }
        return v
    }

    private func mistyped(_ key: String, _ expected: String, _ v: JSONValue) -> ServiceError {
        .badRequest("field \"\(path)\(key)\": expected \(expected), got \(v.typeName)")
    }

    func string(_ key: String, maxBytes: Int) throws(ServiceError) -> String {
        guard let s = try optionalString(key, maxBytes: maxBytes) else {
            throw .badRequest("missing field \"\(path)\(key)\"")
        }
        return s
    }

    func optionalString(_ key: String, maxBytes: Int) throws(ServiceError) -> String? {
        guard let v = present(key) else { return nil }
        guard let s = v.stringValue else { throw mistyped(key, "string", v) }
        let n = s.utf8.count
        if n > maxBytes {
            throw .badRequest("field \"\(path)\(key)\" is \(n) bytes; the limit is \(maxBytes)")
        }
        return s
    }

    func optionalNumber(_ key: String, range: ClosedRange<Double>) throws(ServiceError) -> Double? {
        guard let v = present(key) else { return nil }
        guard case .number = v, let d = v.doubleValue, d.isFinite else { throw mistyped(key, "finite number", v) }
        guard range.contains(d) else {
            throw .badRequest("field \"\(path)\(key)\" = \(d) is out of range \(range.lowerBound)...\(range.upperBound)")
        }
        return d
    }

    func optionalInt(_ key: String, range: ClosedRange<Int>) throws(ServiceError) -> Int? {
        guard let v = present(key) else { return nil }
        guard case .number = v, let i = v.intValue else { throw mistyped(key, "integer", v) }
        guard range.contains(i) else {
            throw .badRequest("field \"\(path)\(key)\" = \(i) is out of range \(range.lowerBound)...\(range.upperBound)")
        }
        return i
    }

    func optionalBool(_ key: String) throws(ServiceError) -> Bool? {
        guard let v = present(key) else { return nil }
        guard let b = v.boolValue else { throw mistyped(key, "boolean", v) }
        return b
    }

    func optionalArray(_ key: String, maxCount: Int) throws(ServiceError) -> [JSONValue]? {
        guard let v = present(key) else { return nil }
        guard let a = v.arrayValue else { throw mistyped(key, "array", v) }
        if a.count > maxCount { throw .badRequest("field \"\(path)\(key)\" has \(a.count) elements; the limit is \(maxCount)") }
        return a
    }

    /// A string field or an array of strings (OpenAI's `stop`).
    func optionalStrings(_ key: String, maxCount: Int, maxBytes: Int) throws(ServiceError) -> [String]? {
        guard let v = present(key) else { return nil }
        if let s = v.stringValue { return [s] }
        guard let a = v.arrayValue else { throw mistyped(key, "string or array of strings", v) }
        if a.count > maxCount { throw .badRequest("field \"\(path)\(key)\" has \(a.count) elements; the limit is \(maxCount)") }
        var out: [String] = []
        for (i, e) in a.enumerated() {
            guard let s = e.stringValue else {
                throw .badRequest("field \"\(path)\(key)[\(i)]\": expected string, got \(e.typeName)")
            }
            if s.utf8.count > maxBytes { throw .badRequest("field \"\(path)\(key)[\(i)]\" is longer than \(maxBytes) bytes") }
            out.append(s)
        }
        return out
    }
}

/// Parses a request body as one strict JSON document (UTF-8 validated, byte offset in errors).
func parseJSONBody(_ bytes: [UInt8]) throws(ServiceError) -> JSONValue {
    if bytes.isEmpty { throw .badRequest("empty request body; expected a JSON object") }
    do {
        return try JSONParser.parse(bytes, rejectDuplicateKeys: true)
    } catch {
        throw .badRequest("malformed JSON: \(error.description)")
    }
}
