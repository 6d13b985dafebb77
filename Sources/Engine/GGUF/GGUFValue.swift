/// GGUF metadata value types (the `u32 value_type` before each value).
public enum GGUFValueType: UInt32, Sendable {
    case uint8 = 0, int8 = 1, uint16 = 2, int16 = 3, uint32 = 4, int32 = 5, float32 = 6, bool = 7
    case string = 8, array = 9, uint64 = 10, int64 = 11, float64 = 12
}

/// One metadata value. Strings keep their raw bytes (token texts need not be valid UTF-8).
public enum GGUFValue: Sendable, Equatable {
    case uint8(UInt8), int8(Int8), uint16(UInt16), int16(Int16), uint32(UInt32), int32(Int32)
    case uint64(UInt64), int64(Int64), float32(Float), float64(Double), bool(Bool)
    case string([UInt8])
    case array(GGUFArray)

    public var typeName: String {
        switch self {
        case .uint8: return "u8"
        case .int8: return "i8"
        case .uint16: return "u16"
        case .int16: return "i16"
        case .uint32: return "u32"
        case .int32: return "i32"
        case .uint64: return "u64"
        case .int64: return "i64"
        case .float32: return "f32"
        case .float64: return "f64"
        case .bool: return "bool"
        case .string: return "string"
        case .array(let a): return "array[\(a.elementTypeName)]"
        }
    }

    /// Any integer type as Int (nil for non-integers and u64 values beyond Int.max).
    public var intValue: Int? {
        switch self {
        case .uint8(let v): return Int(v)
        case .int8(let v): return Int(v)
        case .uint16(let v): return Int(v)
        case .int16(let v): return Int(v)
        case .uint32(let v): return Int(v)
        case .int32(let v): return Int(v)
        case .uint64(let v): return Int(exactly: v)
        case .int64(let v): return Int(v)
        default: return nil
        }
    }

    /// f32/f64, and integers converted.
    public var doubleValue: Double? {
        switch self {
        case .float32(let v): return Double(v)
        case .float64(let v): return v
        default: return intValue.map(Double.init)
        }
    }

    public var stringValue: String? {
        if case .string(let b) = self { return String(decoding: b, as: UTF8.self) }
        return nil
    }

    public var boolValue: Bool? {
        if case .bool(let b) = self { return b }
        return nil
    }
}

/// A homogeneous metadata array, stored typed (token lists have 10^5 entries).
public enum GGUFArray: Sendable, Equatable {
    case uint8([UInt8]), int8([Int8]), uint16([UInt16]), int16([Int16]), uint32([UInt32]), int32([Int32])
    case uint64([UInt64]), int64([Int64]), float32([Float]), float64([Double]), bool([Bool])
    case string([[UInt8]])
    case array([GGUFArray])

    public var count: Int {
        switch self {
        case .uint8(let a): return a.count
        case .int8(let a): return a.count
        case .uint16(let a): return a.count
        case .int16(let a): return a.count
        case .uint32(let a): return a.count
        case .int32(let a): return a.count
        case .uint64(let a): return a.count
        case .int64(let a): return a.count
        case .float32(let a): return a.count
        case .float64(let a): return a.count
        case .bool(let a): return a.count
        case .string(let a): return a.count
        case .array(let a): return a.count
        }
    }

    public var elementTypeName: String {
        switch self {
        case .uint8: return "u8"
        case .int8: return "i8"
        case .uint16: return "u16"
        case .int16: return "i16"
        case .uint32: return "u32"
        case .int32: return "i32"
        case .uint64: return "u64"
        case .int64: return "i64"
        case .float32: return "f32"
        case .float64: return "f64"
        case .bool: return "bool"
        case .string: return "string"
        case .array: return "array"
        }
    }

    /// Integer arrays as [Int] (nil for other element types or u64 values beyond Int.max).
    public var ints: [Int]? {
        switch self {
        case .uint8(let a): return a.map(Int.init)
        case .int8(let a): return a.map(Int.init)
        case .uint16(let a): return a.map(Int.init)
        case .int16(let a): return a.map(Int.init)
        case .uint32(let a): return a.map(Int.init)
        case .int32(let a): return a.map(Int.init)
        case .uint64(let a):
            var out = [Int](); out.reserveCapacity(a.count)
            for v in a { guard let i = Int(exactly: v) else { return nil }; out.append(i) }
            return out
        case .int64(let a): return a.map(Int.init)
        default: return nil
        }
    }

    public var floats: [Float]? {
        switch self {
        case .float32(let a): return a
        case .float64(let a): return a.map(Float.init)
        default: return nil
        }
    }
}

/// The key/value section of a GGUF file, in file order.
public struct GGUFMetadata: Sendable {
    public private(set) var keys: [String] = []
    private var values: [String: GGUFValue] = [:]

    public init() {}

    /// Adds a key; returns false if it already exists.
    @discardableResult
    mutating func insert(_ key: String, _ value: GGUFValue) -> Bool {
        if values[key] != nil { return false }
        keys.append(key)
        values[key] = value
        return true
    }

    public subscript(key: String) -> GGUFValue? { values[key] }
    public var count: Int { keys.count }

    public func string(_ key: String) -> String? { values[key]?.stringValue }
    public func int(_ key: String) -> Int? { values[key]?.intValue }
    public func float(_ key: String) -> Float? { values[key]?.doubleValue.map(Float.init) }
    public func double(_ key: String) -> Double? { values[key]?.doubleValue }
    public func bool(_ key: String) -> Bool? { values[key]?.boolValue }
    public func array(_ key: String) -> GGUFArray? {
        if case .array(let a) = values[key] { return a }
        return nil
    }
    public func stringArray(_ key: String) -> [String]? {
        if case .string(let a) = array(key) { return a.map { String(decoding: $0, as: UTF8.self) } }
        return nil
    }
    /// String arrays with the raw bytes of every element (for token tables).
    public func bytesArray(_ key: String) -> [[UInt8]]? {
        if case .string(let a) = array(key) { return a }
        return nil
    }
    public func floatArray(_ key: String) -> [Float]? { array(key)?.floats }
    public func intArray(_ key: String) -> [Int]? { array(key)?.ints }
    public func int32Array(_ key: String) -> [Int32]? {
        guard let a = array(key) else { return nil }
        if case .int32(let v) = a { return v }
        guard let ints = a.ints else { return nil }
        var out = [Int32](); out.reserveCapacity(ints.count)
        for v in ints { guard let x = Int32(exactly: v) else { return nil }; out.append(x) }
        return out
    }

    // Throwing variants for required keys: the error names the key and the type found.
    public func requireString(_ key: String) throws -> String {
        guard let v = values[key] else { throw GGUFError.missingKey(key) }
        guard let s = v.stringValue else { throw GGUFError.wrongKeyType(key: key, expected: "string", found: v.typeName) }
        return s
    }
    public func requireInt(_ key: String) throws -> Int {
        guard let v = values[key] else { throw GGUFError.missingKey(key) }
        guard let i = v.intValue else { throw GGUFError.wrongKeyType(key: key, expected: "integer", found: v.typeName) }
        return i
    }
    public func requireFloat(_ key: String) throws -> Float {
        guard let v = values[key] else { throw GGUFError.missingKey(key) }
        guard let f = v.doubleValue else { throw GGUFError.wrongKeyType(key: key, expected: "float", found: v.typeName) }
        return Float(f)
    }
    /// Optional key that, when present, must have a numeric type.
    public func optionalInt(_ key: String) throws -> Int? {
        guard let v = values[key] else { return nil }
        guard let i = v.intValue else { throw GGUFError.wrongKeyType(key: key, expected: "integer", found: v.typeName) }
        return i
    }
    public func optionalFloat(_ key: String) throws -> Float? {
        guard let v = values[key] else { return nil }
        guard let f = v.doubleValue else { throw GGUFError.wrongKeyType(key: key, expected: "float", found: v.typeName) }
        return Float(f)
    }
}
