import Foundation
import Testing
@testable import Engine

@Suite struct GGUFFileTests {
    static func sample(version: UInt32 = 3, alignment: Int? = nil) -> GGUFTestWriter {
        var w = GGUFTestWriter()
        w.version = version
        w.alignment = alignment
        w.add("general.architecture", "llama")
        w.add("u8", .uint8(200)); w.add("i8", .int8(-5)); w.add("u16", .uint16(60000)); w.add("i16", .int16(-300))
        w.add("u32", .uint32(4_000_000_000)); w.add("i32", .int32(-7)); w.add("u64", .uint64(1 << 40)); w.add("i64", .int64(-(1 << 40)))
        w.add("f32", .float32(1.5)); w.add("f64", .float64(-2.25)); w.add("flag", .bool(true))
        w.add("tokens", .array(.string([Array("a".utf8), [0xFF, 0x00], Array("▁b".utf8)])))
        w.add("scores", .array(.float32([0.5, -1, 2])))
        w.add("types", .array(.int32([1, 3, 6])))
        w.add("nested", .array(.array([.uint8([1, 2]), .uint8([3])])))
        w.addF32Tensor("a", dims: [4, 2], values: [1, 2, 3, 4, 5, 6, 7, 8])
        w.addF32Tensor("b", dims: [3], values: [9, 10, 11])
        return w
    }

    @Test(arguments: [UInt32(2), 3])
    func parsesEveryValueType(version: UInt32) throws {
        let f = try GGUFFile(path: Self.sample(version: version).write())
        #expect(f.version == version)
        #expect(f.architecture == "llama")
        let m = f.metadata
        #expect(m.int("u8") == 200); #expect(m.int("i8") == -5); #expect(m.int("u16") == 60000); #expect(m.int("i16") == -300)
        #expect(m.int("u32") == 4_000_000_000); #expect(m.int("i32") == -7); #expect(m.int("u64") == 1 << 40)
        #expect(m.int("i64") == -(1 << 40)); #expect(m.float("f32") == 1.5); #expect(m.double("f64") == -2.25)
        #expect(m.bool("flag") == true)
        #expect(m.stringArray("tokens")?.first == "a")
        #expect(m.bytesArray("tokens") == [Array("a".utf8), [0xFF, 0x00], Array("▁b".utf8)])
        #expect(m.floatArray("scores") == [0.5, -1, 2])
        #expect(m.intArray("types") == [1, 3, 6])
        #expect(m.int32Array("types") == [1, 3, 6])
        #expect(m.array("nested") == .array([.uint8([1, 2]), .uint8([3])]))
        #expect(m.keys.first == "general.architecture")
        #expect(m.int("general.architecture") == nil)
        #expect(throws: GGUFError.wrongKeyType(key: "f32", expected: "integer", found: "f32")) { try m.requireInt("f32") }
        #expect(throws: GGUFError.missingKey("nope")) { try m.requireString("nope") }
    }

    @Test(arguments: [nil, 64, 128] as [Int?])
    func tensorsAreAlignedAndMapped(alignment: Int?) throws {
        let f = try GGUFFile(path: Self.sample(alignment: alignment).write())
        #expect(f.alignment == (alignment ?? 32))
        #expect(f.dataOffset % f.alignment == 0)
        #expect(f.tensors.map(\.name) == ["a", "b"])
        let a = try #require(f.tensor(named: "a"))
        #expect(a.dims == [4, 2]); #expect(a.rowLength == 4); #expect(a.rowCount == 2); #expect(a.type == .f32)
        #expect(a.fileOffset % f.alignment == 0)
        let b = try f.requireTensor("b")
        let vals = f.data(of: b).bindMemory(to: Float.self)
        #expect(Array(vals) == [9, 10, 11])
        #expect(throws: GGUFError.missingTensor("zz")) { try f.requireTensor("zz") }
    }

    @Test func badMagicAndVersion() throws {
        var bytes = Self.sample().bytes()
        bytes[0] = 0x47; bytes[1] = 0x47; bytes[2] = 0x4D; bytes[3] = 0x4C
        #expect(throws: GGUFError.badMagic(found: [0x47, 0x47, 0x4D, 0x4C])) { try GGUFFile(path: GGUFTestWriter.writeBytes(bytes)) }
        #expect(throws: GGUFError.unsupportedVersion(1)) { try GGUFFile(path: Self.sample(version: 1).write()) }
    }

    /// Cutting the file anywhere must give an error, never a crash.
    @Test func everyTruncationIsAnError() throws {
        let bytes = Self.sample().bytes()
        // The last tensor ("b", 12 bytes) is followed by 20 bytes of padding, which may be absent.
        let end = bytes.count - 20
        for cut in Array(stride(from: 0, to: end, by: 7)) + [end - 1] {
            let path = try GGUFTestWriter.writeBytes(Array(bytes[..<cut]))
            #expect(throws: GGUFError.self) { try GGUFFile(path: path) }
            try? FileManager.default.removeItem(atPath: path)
        }
    }

    @Test func truncatedDataNamesTheTensor() throws {
        let bytes = Self.sample().bytes()
        let path = try GGUFTestWriter.writeBytes(Array(bytes[..<(bytes.count - 21)]))
        do {
            _ = try GGUFFile(path: path)
            Issue.record("expected an error")
        } catch let GGUFError.tensorOutOfBounds(tensor, _, _, _) {
            #expect(tensor == "b")
        }
    }

    /// Random byte flips in the header: any outcome but a crash is fine.
    @Test func corruptHeadersDoNotCrash() throws {
        let good = Self.sample().bytes()
        var rng = SystemRandomNumberGenerator()
        for _ in 0..<300 {
            var bytes = good
            for _ in 0..<3 { bytes[Int.random(in: 4..<min(bytes.count, 600), using: &rng)] = UInt8.random(in: 0...255, using: &rng) }
            let path = try GGUFTestWriter.writeBytes(bytes)
            _ = try? GGUFFile(path: path)
            try? FileManager.default.removeItem(atPath: path)
        }
    }

    @Test func unknownTypesArePrecise() throws {
        var w = Self.sample()
        w.tensors[1].type = .f32
        var bytes = w.bytes()
        // Find tensor "b"'s type field: name "b" then n_dims=1, dim 3, then type.
        let needle: [UInt8] = [1, 0, 0, 0, 0, 0, 0, 0, 0x62, 1, 0, 0, 0, 3, 0, 0, 0, 0, 0, 0, 0]
        let at = try #require(bytes.indices.first { bytes[$0...].starts(with: needle) }) + needle.count
        bytes[at] = 99
        #expect(throws: GGUFError.unknownTensorType(tensor: "b", type: 99, offset: at)) {
            try GGUFFile(path: GGUFTestWriter.writeBytes(bytes))
        }
        #expect(throws: GGUFError.self) { try GGUFFile(path: "/nonexistent/x.gguf") }
    }

    @Test func errorDescriptionsAreReadable() {
        let e = GGUFError.truncated(what: "value of metadata key 'x'", offset: 10, needed: 4, fileSize: 12)
        #expect(e.description == "GGUF file truncated: value of metadata key 'x' needs 4 bytes at byte offset 10, file has 12 bytes")
        #expect(GGUFError.badMagic(found: [0, 1, 2, 255]).description.contains("00 01 02 ff"))
    }
}
