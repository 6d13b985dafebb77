#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// One tensor's description from the GGUF header, with its data location resolved.
public struct GGUFTensorInfo: Sendable, Equatable {
    public let name: String
    /// ggml order: `dims[0]` (ne0) is the contiguous row length, `dims[1]` the number of rows.
    public let dims: [Int]
    public let type: QuantType
    /// Offset of the data from the start of the file.
    public let fileOffset: Int
    public let byteCount: Int
    public var elementCount: Int { dims.reduce(1, *) }
    public var rowLength: Int { dims.first ?? 1 }
    public var rowCount: Int { elementCount / max(rowLength, 1) }
}

/// A GGUF file (v2 or v3) mapped read-only into memory. Metadata and tensor infos are parsed
/// once; tensor data stays in the mapping and is used in place (no copy of the weights).
public final class GGUFFile: @unchecked Sendable {
    public let path: String
    public let version: UInt32
    public let metadata: GGUFMetadata
    /// Tensors in file order.
    public let tensors: [GGUFTensorInfo]
    public let alignment: Int
    /// Byte offset of the tensor data section.
    public let dataOffset: Int
    public let fileSize: Int
    private let index: [String: Int]
    /// Base of the mapping (read-only, shared, lives as long as this object).
    public let base: UnsafeRawPointer
    private let mappedLength: Int

    public convenience init(path: String) throws {
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else { throw GGUFError.cannotOpen(path: path, reason: String(cString: strerror(errno))) }
        defer { close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0 else { throw GGUFError.cannotOpen(path: path, reason: String(cString: strerror(errno))) }
        guard (st.st_mode & S_IFMT) == S_IFREG else { throw GGUFError.cannotOpen(path: path, reason: "not a regular file") }
        let size = Int(st.st_size)
        guard size > 0 else { throw GGUFError.truncated(what: "header", offset: 0, needed: 24, fileSize: 0) }
        guard let p = mmap(nil, size, PROT_READ, MAP_SHARED, fd, 0), p != MAP_FAILED else {
            throw GGUFError.cannotOpen(path: path, reason: "mmap failed: \(String(cString: strerror(errno)))")
        }
        do {
            try self.init(path: path, base: UnsafeRawPointer(p), size: size, mapped: true)
        } catch {
            munmap(p, size)
            throw error
        }
    }

    private let ownsMapping: Bool

    private init(path: String, base: UnsafeRawPointer, size: Int, mapped: Bool) throws {
        var c = GGUFCursor(base: base, size: size)
        try c.need(4, "magic")
        let magic = [UInt8](UnsafeRawBufferPointer(start: base, count: 4))
        guard magic == Array("GGUF".utf8) else { throw GGUFError.badMagic(found: magic) }
        c.offset = 4
        let version = try c.read(UInt32.self, "version")
        guard version == 2 || version == 3 else { throw GGUFError.unsupportedVersion(version) }
        let tensorCountAt = c.offset
        let tensorCount = try c.read(UInt64.self, "tensor count")
        let kvCountAt = c.offset
        let kvCount = try c.read(UInt64.self, "metadata count")
        // Each tensor info is at least 8+4+8+4+8 bytes, each KV at least 8+4+1.
        guard tensorCount <= UInt64(size) / 32 else {
            throw GGUFError.invalidValue(what: "tensor count", offset: tensorCountAt, reason: "\(tensorCount) cannot fit in a \(size)-byte file")
        }
        guard kvCount <= UInt64(size) / 13 else {
            throw GGUFError.invalidValue(what: "metadata count", offset: kvCountAt, reason: "\(kvCount) cannot fit in a \(size)-byte file")
        }

        var meta = GGUFMetadata()
        for i in 0..<Int(kvCount) {
            let keyAt = c.offset
            let keyBytes = try c.readBytes("key of metadata entry \(i)")
            guard let key = String(validating: keyBytes, as: UTF8.self) else {
                throw GGUFError.invalidValue(what: "key of metadata entry \(i)", offset: keyAt, reason: "not valid UTF-8")
            }
            let typeAt = c.offset
            let type = try c.read(UInt32.self, "type of metadata key '\(key)'")
            let value = try c.readValue(type: type, key: key, typeOffset: typeAt)
            guard meta.insert(key, value) else { throw GGUFError.duplicateKey(key, offset: keyAt) }
        }

        var alignment = 32
        if let v = meta["general.alignment"] {
            guard let a = v.intValue, a > 0, a & (a - 1) == 0, a <= 1 << 20 else {
                throw GGUFError.invalidValue(what: "general.alignment", offset: 0, reason: "\(v) is not a power of two")
            }
            alignment = a
        }

        struct Raw { let name: String; let dims: [Int]; let type: QuantType; let offset: UInt64; let at: Int }
        var raws: [Raw] = []
        raws.reserveCapacity(Int(tensorCount))
        var seen: [String: Int] = [:]
        for i in 0..<Int(tensorCount) {
            let at = c.offset
            let nameBytes = try c.readBytes("name of tensor info \(i)")
            guard let name = String(validating: nameBytes, as: UTF8.self) else {
                throw GGUFError.invalidValue(what: "name of tensor info \(i)", offset: at, reason: "not valid UTF-8")
            }
            guard seen[name] == nil else { throw GGUFError.duplicateTensor(name, offset: at) }
            seen[name] = i
            let ndimAt = c.offset
            let nDims = try c.read(UInt32.self, "dimension count of tensor '\(name)'")
            guard (1...4).contains(nDims) else {
                throw GGUFError.invalidValue(what: "dimension count of tensor '\(name)'", offset: ndimAt, reason: "\(nDims) (must be 1...4)")
            }
            var dims: [Int] = []
            var total = 1
            for d in 0..<Int(nDims) {
                let dimAt = c.offset
                let v = try c.read(UInt64.self, "dimension \(d) of tensor '\(name)'")
                guard v > 0, v <= UInt64(Int32.max) * 64, let dv = Int(exactly: v) else {
                    throw GGUFError.invalidValue(what: "dimension \(d) of tensor '\(name)'", offset: dimAt, reason: "\(v)")
                }
                let (m, o) = total.multipliedReportingOverflow(by: dv)
                guard !o else { throw GGUFError.invalidValue(what: "shape of tensor '\(name)'", offset: dimAt, reason: "element count overflows") }
                total = m
                dims.append(dv)
            }
            let typeAt = c.offset
            let rawType = try c.read(UInt32.self, "type of tensor '\(name)'")
            guard let type = QuantType(rawValue: rawType) else {
                throw GGUFError.unknownTensorType(tensor: name, type: rawType, offset: typeAt)
            }
            guard dims[0] % type.blockLayout.elements == 0 else {
                throw GGUFError.invalidValue(what: "shape of tensor '\(name)'", offset: ndimAt,
                                             reason: "row length \(dims[0]) is not a multiple of the \(type) block size \(type.blockLayout.elements)")
            }
            let off = try c.read(UInt64.self, "data offset of tensor '\(name)'")
            raws.append(Raw(name: name, dims: dims, type: type, offset: off, at: at))
        }

        let infoEnd = c.offset
        let dataOffset = (infoEnd + alignment - 1) / alignment * alignment
        var tensors: [GGUFTensorInfo] = []
        tensors.reserveCapacity(raws.count)
        for r in raws {
            guard r.offset % UInt64(alignment) == 0 else {
                throw GGUFError.invalidValue(what: "data offset of tensor '\(r.name)'", offset: r.at,
                                             reason: "\(r.offset) is not a multiple of the alignment \(alignment)")
            }
            let elements = r.dims.reduce(1, *)
            guard let bytes = r.type.byteCount(elements: elements) else {
                throw GGUFError.invalidValue(what: "shape of tensor '\(r.name)'", offset: r.at, reason: "size overflows")
            }
            let start = UInt64(dataOffset) &+ r.offset
            guard r.offset <= UInt64(size), start <= UInt64(size), UInt64(bytes) <= UInt64(size) - start else {
                throw GGUFError.tensorOutOfBounds(tensor: r.name, start: Int(clamping: start),
                                                  end: Int(clamping: start) &+ bytes, fileSize: size)
            }
            tensors.append(GGUFTensorInfo(name: r.name, dims: r.dims, type: r.type, fileOffset: Int(start), byteCount: bytes))
        }

        self.path = path
        self.version = version
        self.metadata = meta
        self.tensors = tensors
        self.alignment = alignment
        self.dataOffset = dataOffset
        self.fileSize = size
        self.index = seen
        self.base = base
        self.mappedLength = size
        self.ownsMapping = mapped
    }

    deinit {
        if ownsMapping { munmap(UnsafeMutableRawPointer(mutating: base), mappedLength) }
    }

    public func tensor(named name: String) -> GGUFTensorInfo? {
        index[name].map { tensors[$0] }
    }

    /// Like `tensor(named:)` but throws `GGUFError.missingTensor`.
    public func requireTensor(_ name: String) throws -> GGUFTensorInfo {
        guard let t = tensor(named: name) else { throw GGUFError.missingTensor(name) }
        return t
    }

    /// The tensor's bytes, inside the mapping (valid while this file object lives).
    public func data(of tensor: GGUFTensorInfo) -> UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(start: base + tensor.fileOffset, count: tensor.byteCount)
    }

    // Convenience forwards to the metadata.
    public var architecture: String? { metadata.string("general.architecture") }
    public func string(_ key: String) -> String? { metadata.string(key) }
    public func int(_ key: String) -> Int? { metadata.int(key) }
    public func float(_ key: String) -> Float? { metadata.float(key) }
    public func bool(_ key: String) -> Bool? { metadata.bool(key) }
    public func stringArray(_ key: String) -> [String]? { metadata.stringArray(key) }
    public func floatArray(_ key: String) -> [Float]? { metadata.floatArray(key) }
    public func intArray(_ key: String) -> [Int]? { metadata.intArray(key) }
}
