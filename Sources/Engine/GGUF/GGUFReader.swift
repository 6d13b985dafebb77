/// Bounds-checked little-endian cursor over the mapped file. Every read checks the remaining
/// length first, so a truncated or corrupt file ends in a `GGUFError`, never a crash.
struct GGUFCursor {
    let base: UnsafeRawPointer
    let size: Int
    var offset: Int = 0

    mutating func need(_ n: Int, _ what: @autoclosure () -> String) throws {
        if n < 0 || n > size - offset {
            throw GGUFError.truncated(what: what(), offset: offset, needed: n, fileSize: size)
        }
    }

    mutating func read<T: FixedWidthInteger>(_: T.Type, _ what: @autoclosure () -> String) throws -> T {
        try need(MemoryLayout<T>.size, what())
        let v = base.loadUnaligned(fromByteOffset: offset, as: T.self)
        offset += MemoryLayout<T>.size
        return T(littleEndian: v)
    }

    mutating func readFloat(_ what: @autoclosure () -> String) throws -> Float {
        Float(bitPattern: try read(UInt32.self, what()))
    }

    mutating func readDouble(_ what: @autoclosure () -> String) throws -> Double {
        Double(bitPattern: try read(UInt64.self, what()))
    }

    /// u64 length + bytes.
    mutating func readBytes(_ what: @autoclosure () -> String) throws -> [UInt8] {
        let start = offset
        let len = try read(UInt64.self, what())
        guard len <= UInt64(size - offset) else {
            throw GGUFError.truncated(what: what(), offset: start, needed: Int(clamping: len) &+ 8, fileSize: size)
        }
        let n = Int(len)
        let bytes = [UInt8](UnsafeRawBufferPointer(start: base + offset, count: n))
        offset += n
        return bytes
    }

    /// u64 element count, checked against the bytes that are left (each element needs at
    /// least `minElementBytes`), so a corrupt count cannot trigger a huge allocation.
    mutating func readCount(_ what: @autoclosure () -> String, minElementBytes: Int) throws -> Int {
        let start = offset
        let n = try read(UInt64.self, what())
        let left = UInt64(size - offset)
        guard n <= left / UInt64(max(minElementBytes, 1)) else {
            throw GGUFError.invalidValue(what: what(), offset: start,
                                         reason: "count \(n) does not fit in the \(left) bytes left in the file")
        }
        return Int(n)
    }

    mutating func readArray<T: FixedWidthInteger>(_: T.Type, count: Int, _ what: @autoclosure () -> String) throws -> [T] {
        let bytes = count * MemoryLayout<T>.size
        try need(bytes, what())
        var out = [T](repeating: 0, count: count)
        out.withUnsafeMutableBytes { dst in
            dst.copyMemory(from: UnsafeRawBufferPointer(start: base + offset, count: bytes))
        }
        offset += bytes
        #if _endian(big)
        for i in out.indices { out[i] = T(littleEndian: out[i]) }
        #endif
        return out
    }
}

extension GGUFCursor {
    mutating func readValue(type raw: UInt32, key: String, typeOffset: Int, depth: Int = 0) throws -> GGUFValue {
        guard let type = GGUFValueType(rawValue: raw) else {
            throw GGUFError.unknownValueType(key: key, type: raw, offset: typeOffset)
        }
        let what = "value of metadata key '\(key)'"
        switch type {
        case .uint8: return .uint8(try read(UInt8.self, what))
        case .int8: return .int8(try read(Int8.self, what))
        case .uint16: return .uint16(try read(UInt16.self, what))
        case .int16: return .int16(try read(Int16.self, what))
        case .uint32: return .uint32(try read(UInt32.self, what))
        case .int32: return .int32(try read(Int32.self, what))
        case .uint64: return .uint64(try read(UInt64.self, what))
        case .int64: return .int64(try read(Int64.self, what))
        case .float32: return .float32(try readFloat(what))
        case .float64: return .float64(try readDouble(what))
        case .bool:
            let at = offset
            let b = try read(UInt8.self, what)
            guard b <= 1 else { throw GGUFError.invalidValue(what: what, offset: at, reason: "bool byte is \(b), not 0 or 1") }
            return .bool(b == 1)
        case .string: return .string(try readBytes(what))
        case .array: return .array(try readArrayValue(key: key, depth: depth))
        }
    }

    mutating func readArrayValue(key: String, depth: Int) throws -> GGUFArray {
        let what = "array of metadata key '\(key)'"
        let typeOffset = offset
        let raw = try read(UInt32.self, what)
        guard let et = GGUFValueType(rawValue: raw) else {
            throw GGUFError.unknownValueType(key: key, type: raw, offset: typeOffset)
        }
        guard depth < 8 else { throw GGUFError.invalidValue(what: what, offset: typeOffset, reason: "arrays nested too deeply") }
        switch et {
        case .uint8: let n = try readCount(what, minElementBytes: 1); return .uint8(try readArray(UInt8.self, count: n, what))
        case .int8: let n = try readCount(what, minElementBytes: 1); return .int8(try readArray(Int8.self, count: n, what))
        case .uint16: let n = try readCount(what, minElementBytes: 2); return .uint16(try readArray(UInt16.self, count: n, what))
        case .int16: let n = try readCount(what, minElementBytes: 2); return .int16(try readArray(Int16.self, count: n, what))
        case .uint32: let n = try readCount(what, minElementBytes: 4); return .uint32(try readArray(UInt32.self, count: n, what))
        case .int32: let n = try readCount(what, minElementBytes: 4); return .int32(try readArray(Int32.self, count: n, what))
        case .uint64: let n = try readCount(what, minElementBytes: 8); return .uint64(try readArray(UInt64.self, count: n, what))
        case .int64: let n = try readCount(what, minElementBytes: 8); return .int64(try readArray(Int64.self, count: n, what))
        case .float32:
            let n = try readCount(what, minElementBytes: 4)
            return .float32(try readArray(UInt32.self, count: n, what).map(Float.init(bitPattern:)))
        case .float64:
            let n = try readCount(what, minElementBytes: 8)
            return .float64(try readArray(UInt64.self, count: n, what).map(Double.init(bitPattern:)))
        case .bool:
            let n = try readCount(what, minElementBytes: 1)
            let at = offset
            let bytes = try readArray(UInt8.self, count: n, what)
            if let bad = bytes.firstIndex(where: { $0 > 1 }) {
                throw GGUFError.invalidValue(what: what, offset: at + bad, reason: "bool byte is \(bytes[bad]), not 0 or 1")
            }
            return .bool(bytes.map { $0 == 1 })
        case .string:
            let n = try readCount(what, minElementBytes: 8)
            var out = [[UInt8]](); out.reserveCapacity(n)
            for i in 0..<n { out.append(try readBytes("element \(i) of \(what)")) }
            return .string(out)
        case .array:
            let n = try readCount(what, minElementBytes: 12)
            var out = [GGUFArray](); out.reserveCapacity(n)
            for _ in 0..<n { out.append(try readArrayValue(key: key, depth: depth + 1)) }
            return .array(out)
        }
    }
}
