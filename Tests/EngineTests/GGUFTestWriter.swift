import Foundation
@testable import Engine

/// Writes small GGUF files for tests (tiny random models, corrupt variants).
struct GGUFTestWriter {
    var version: UInt32 = 3
    var alignment: Int? = nil
    var kv: [(String, GGUFValue)] = []
    var tensors: [(name: String, dims: [Int], type: QuantType, data: [UInt8])] = []

    mutating func add(_ key: String, _ value: GGUFValue) { kv.append((key, value)) }
    mutating func add(_ key: String, _ s: String) { kv.append((key, .string(Array(s.utf8)))) }
    mutating func addU32(_ key: String, _ v: Int) { kv.append((key, .uint32(UInt32(v)))) }
    mutating func addF32(_ key: String, _ v: Float) { kv.append((key, .float32(v))) }

    mutating func addTensor(_ name: String, dims: [Int], type: QuantType, data: [UInt8]) {
        tensors.append((name, dims, type, data))
    }
    mutating func addF32Tensor(_ name: String, dims: [Int], values: [Float]) {
        var bytes = [UInt8](); bytes.reserveCapacity(values.count * 4)
        for v in values { withUnsafeBytes(of: v.bitPattern.littleEndian) { bytes += $0 } }
        addTensor(name, dims: dims, type: .f32, data: bytes)
    }

    func bytes() -> [UInt8] {
        var out = [UInt8]()
        func u32(_ v: UInt32) { withUnsafeBytes(of: v.littleEndian) { out += $0 } }
        func u64(_ v: UInt64) { withUnsafeBytes(of: v.littleEndian) { out += $0 } }
        func str(_ b: [UInt8]) { u64(UInt64(b.count)); out += b }
        func typeID(_ v: GGUFValue) -> UInt32 {
            switch v {
            case .uint8: return 0
            case .int8: return 1
            case .uint16: return 2
            case .int16: return 3
            case .uint32: return 4
            case .int32: return 5
            case .float32: return 6
            case .bool: return 7
            case .string: return 8
            case .array: return 9
            case .uint64: return 10
            case .int64: return 11
            case .float64: return 12
            }
        }
        func arrayType(_ a: GGUFArray) -> UInt32 {
            switch a {
            case .uint8: return 0
            case .int8: return 1
            case .uint16: return 2
            case .int16: return 3
            case .uint32: return 4
            case .int32: return 5
            case .float32: return 6
            case .bool: return 7
            case .string: return 8
            case .array: return 9
            case .uint64: return 10
            case .int64: return 11
            case .float64: return 12
            }
        }
        func payload(_ v: GGUFValue) {
            switch v {
            case .uint8(let x): out.append(x)
            case .int8(let x): out.append(UInt8(bitPattern: x))
            case .uint16(let x): withUnsafeBytes(of: x.littleEndian) { out += $0 }
            case .int16(let x): withUnsafeBytes(of: x.littleEndian) { out += $0 }
            case .uint32(let x): u32(x)
            case .int32(let x): u32(UInt32(bitPattern: x))
            case .uint64(let x): u64(x)
            case .int64(let x): u64(UInt64(bitPattern: x))
            case .float32(let x): u32(x.bitPattern)
            case .float64(let x): u64(x.bitPattern)
            case .bool(let b): out.append(b ? 1 : 0)
            case .string(let s): str(s)
            case .array(let a): arrayPayload(a)
            }
        }
        func arrayPayload(_ a: GGUFArray) {
            u32(arrayType(a)); u64(UInt64(a.count))
            switch a {
            case .uint8(let xs): xs.forEach { payload(.uint8($0)) }
            case .int8(let xs): xs.forEach { payload(.int8($0)) }
            case .uint16(let xs): xs.forEach { payload(.uint16($0)) }
            case .int16(let xs): xs.forEach { payload(.int16($0)) }
            case .uint32(let xs): xs.forEach { payload(.uint32($0)) }
            case .int32(let xs): xs.forEach { payload(.int32($0)) }
            case .uint64(let xs): xs.forEach { payload(.uint64($0)) }
            case .int64(let xs): xs.forEach { payload(.int64($0)) }
            case .float32(let xs): xs.forEach { payload(.float32($0)) }
            case .float64(let xs): xs.forEach { payload(.float64($0)) }
            case .bool(let xs): xs.forEach { payload(.bool($0)) }
            case .string(let xs): xs.forEach { str($0) }
            case .array(let xs): xs.forEach { arrayPayload($0) }
            }
        }
        out += Array("GGUF".utf8)
        u32(version)
        u64(UInt64(tensors.count))
        var allKV = kv
        if let a = alignment { allKV.append(("general.alignment", .uint32(UInt32(a)))) }
        u64(UInt64(allKV.count))
        for (k, v) in allKV { str(Array(k.utf8)); u32(typeID(v)); payload(v) }
        let align = alignment ?? 32
        var offset = 0
        var offsets: [Int] = []
        for t in tensors {
            offsets.append(offset)
            offset += (t.data.count + align - 1) / align * align
        }
        for (t, off) in zip(tensors, offsets) {
            str(Array(t.name.utf8)); u32(UInt32(t.dims.count))
            for d in t.dims { u64(UInt64(d)) }
            u32(t.type.rawValue); u64(UInt64(off))
        }
        while out.count % align != 0 { out.append(0) }
        for t in tensors {
            out += t.data
            while out.count % align != 0 { out.append(0) }
        }
        return out
    }

    /// Writes to a fresh temp file and returns its path.
    func write(name: String = "test") throws -> String {
        try Self.writeBytes(bytes(), name: name)
    }

    static func writeBytes(_ bytes: [UInt8], name: String = "test") throws -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("codeeval-gguf-tests", isDirectory: true)
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let url = dir.appendingPathComponent("\(name)-\(UUID().uuidString).gguf")
        try Data(bytes).write(to: url)
        return url.path
    }
}
