import Foundation
@testable import Engine

/// Reads only the `tokenizer.*` metadata of a GGUF file into a TokenizerSource, so the
/// tokenizer tests do not depend on the rest of the engine. (The engine itself builds
/// tokenizers from its GGUFFile reader.)
enum GGUFTokenizerMetadata {
    static func read(_ url: URL) throws -> TokenizerSource {
        let data = try Data(contentsOf: url, options: .alwaysMapped)
        return try data.withUnsafeBytes { raw -> TokenizerSource in
            var r = Reader(raw: raw)
            guard try r.bytes(4) == Array("GGUF".utf8) else { throw FixtureError("\(url.path): not a GGUF file") }
            let version: UInt32 = try r.scalar()
            guard version == 3 || version == 2 else { throw FixtureError("\(url.path): GGUF version \(version)") }
            let _: UInt64 = try r.scalar()  // tensor count
            let kvCount: UInt64 = try r.scalar()
            var source = TokenizerSource(model: "", tokens: [])
            for _ in 0..<kvCount {
                let key = String(decoding: try r.string(), as: UTF8.self)
                let type: UInt32 = try r.scalar()
                guard key.hasPrefix("tokenizer.") else { try r.skip(type: type); continue }
                switch (key, type) {
                case (TokenizerSource.Key.model, 8): source.model = String(decoding: try r.string(), as: UTF8.self)
                case (TokenizerSource.Key.pre, 8): source.pre = String(decoding: try r.string(), as: UTF8.self)
                case (TokenizerSource.Key.tokens, 9): source.tokens = try r.stringArray()
                case (TokenizerSource.Key.merges, 9): source.merges = try r.stringArray()
                case (TokenizerSource.Key.scores, 9): source.scores = try r.array(Float.self)
                case (TokenizerSource.Key.tokenType, 9): source.tokenTypes = try r.array(Int32.self)
                case (_, 4) where TokenizerSource.Key.idKeys.contains(key): source.ids[key] = try r.scalar() as UInt32
                case (_, 7) where TokenizerSource.Key.flagKeys.contains(key): source.flags[key] = (try r.scalar() as UInt8) != 0
                default: try r.skip(type: type)
                }
            }
            return source
        }
    }

    private struct Reader {
        let raw: UnsafeRawBufferPointer
        var offset = 0

        mutating func scalar<T: FixedWidthInteger>() throws -> T {
            guard offset + MemoryLayout<T>.size <= raw.count else { throw FixtureError("GGUF truncated at \(offset)") }
            let v = raw.loadUnaligned(fromByteOffset: offset, as: T.self)
            offset += MemoryLayout<T>.size
            return T(littleEndian: v)
        }
        mutating func bytes(_ n: Int) throws -> [UInt8] {
            guard n >= 0, offset + n <= raw.count else { throw FixtureError("GGUF truncated at \(offset)") }
            defer { offset += n }
            return Array(raw[offset..<offset + n])
        }
        mutating func string() throws -> [UInt8] { try bytes(Int(try scalar() as UInt64)) }
        mutating func stringArray() throws -> [[UInt8]] {
            let type: UInt32 = try scalar()
            guard type == 8 else { throw FixtureError("expected a string array") }
            let n: UInt64 = try scalar()
            return try (0..<n).map { _ in try string() }
        }
        mutating func array<T: BitwiseCopyable>(_: T.Type) throws -> [T] {
            let _: UInt32 = try scalar()
            let n = Int(try scalar() as UInt64)
            let size = MemoryLayout<T>.size
            guard offset + n * size <= raw.count else { throw FixtureError("GGUF truncated at \(offset)") }
            let out = (0..<n).map { raw.loadUnaligned(fromByteOffset: offset + $0 * size, as: T.self) }
            offset += n * size
            return out
        }
        mutating func skip(type: UInt32) throws {
            let sizes: [UInt32: Int] = [0: 1, 1: 1, 2: 2, 3: 2, 4: 4, 5: 4, 6: 4, 7: 1, 10: 8, 11: 8, 12: 8]
            if let s = sizes[type] { offset += s; return }
            if type == 8 { _ = try string(); return }
            guard type == 9 else { throw FixtureError("GGUF: unknown value type \(type)") }
            let inner: UInt32 = try scalar()
            let n: UInt64 = try scalar()
            if let s = sizes[inner] { offset += Int(n) * s; return }
            for _ in 0..<n { try skip(type: inner) }
        }
    }
}
