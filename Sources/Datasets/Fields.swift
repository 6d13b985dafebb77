import Foundation

/// Typed access to the fields of one JSONL record, with errors that name the file, line and field.
public struct FieldReader {
    public let object: JSONObject
    public let file: String
    public let line: Int

    public init(_ object: JSONObject, file: String, line: Int) {
        self.object = object
        self.file = file
        self.line = line
    }

    public func fail(_ reason: String) -> JSONLError { JSONLError(file: file, line: line, reason: reason) }

    public func value(_ key: String) throws -> JSONValue {
        guard let v = object[key] else { throw fail("missing field \"\(key)\"") }
        return v
    }

    public func string(_ key: String) throws -> String {
        let v = try value(key)
        guard let s = v.stringValue else { throw fail("field \"\(key)\": expected string, got \(v.typeName)") }
        return s
    }

    public func optionalString(_ key: String) throws -> String? {
        guard let v = object[key], !v.isNull else { return nil }
        guard let s = v.stringValue else { throw fail("field \"\(key)\": expected string, got \(v.typeName)") }
        return s
    }

    public func int(_ key: String) throws -> Int {
        let v = try value(key)
        guard let i = v.intValue else { throw fail("field \"\(key)\": expected integer, got \(v.typeName)") }
        return i
    }

    public func double(_ key: String) throws -> Double {
        let v = try value(key)
        guard let d = v.doubleValue else { throw fail("field \"\(key)\": expected number, got \(v.typeName)") }
        return d
    }

    public func array(_ key: String) throws -> [JSONValue] {
        let v = try value(key)
        guard let a = v.arrayValue else { throw fail("field \"\(key)\": expected array, got \(v.typeName)") }
        return a
    }

    /// An array field where EvalPlus sometimes writes `{}` for "no inputs" (Mbpp/793's `plus_input`); Python
    /// iterates an empty dict as an empty sequence, so we read it as `[]`. A non-empty object stays an error.
    public func inputList(_ key: String) throws -> [JSONValue] {
        if let o = object[key]?.objectValue, o.count == 0 { return [] }
        return try array(key)
    }

    public func stringArray(_ key: String) throws -> [String] {
        try array(key).enumerated().map { i, v in
            guard let s = v.stringValue else { throw fail("field \"\(key)\"[\(i)]: expected string, got \(v.typeName)") }
            return s
        }
    }
}
