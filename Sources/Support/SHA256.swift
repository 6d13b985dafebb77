import Crypto
import Foundation

/// Streaming SHA-256 as lowercase hex, for pinning dataset, model and wheel files. Backed by swift-crypto
/// (BoringSSL's assembly on Linux), so a 1 GB model hashes at memory speed.
public struct SHA256Hasher: Sendable {
    private var hasher = Crypto.SHA256()

    public init() {}

    public mutating func update<D: DataProtocol>(_ bytes: D) { hasher.update(data: bytes) }

    public func finalizeHex() -> String {
        hasher.finalize().map { byte in
            let s = String(byte, radix: 16)
            return byte < 16 ? "0" + s : s
        }.joined()
    }

    /// The digest of a byte string.
    public static func hex<D: DataProtocol>(_ bytes: D) -> String {
        var h = SHA256Hasher()
        h.update(bytes)
        return h.finalizeHex()
    }

    /// The digest of a file's bytes as stored, read in 4 MiB chunks.
    public static func hex(ofFile url: URL) throws -> String {
        guard let handle = FileHandle(forReadingAtPath: url.path) else {
            throw SupportError("cannot read \(url.path)")
        }
        defer { try? handle.close() }
        var h = SHA256Hasher()
        while let chunk = try handle.read(upToCount: 4 << 20), !chunk.isEmpty { h.update(chunk) }
        return h.finalizeHex()
    }
}

/// A failure in the shared plumbing (a download, a subprocess, a file): one line that says what and where.
public struct SupportError: Error, CustomStringConvertible, Sendable {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
