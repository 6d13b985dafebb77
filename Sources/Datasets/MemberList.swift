import Foundation
import Support

/// One file named by a member list (`race/MANIFEST.sha256`): its path relative to the list, where it is, its hash.
public struct MemberFile: Sendable, Equatable {
    public let path: String
    public let sha256: String
    public let url: URL
}

extension DatasetStore {
    /// Parses a `sha256sum` listing (`HEX  relative/path` per line) into the files it names, resolved beside it.
    /// Absolute paths and `..` are refused, so a list cannot point outside its directory.
    public static func parseMemberList(_ text: String, file: String, base: URL) throws -> [MemberFile] {
        var out: [MemberFile] = []
        for (i, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = raw.trimmingCharacters(in: .whitespaces)
            if line.isEmpty { continue }
            let parts = line.split(separator: " ", maxSplits: 1).map { $0.trimmingCharacters(in: CharacterSet(charactersIn: " *")) }
            guard parts.count == 2, parts[0].count == 64, parts[0].allSatisfy(\.isHexDigit) else {
                throw JSONLError(file: file, line: i + 1, reason: "expected `SHA256  relative/path`, got \"\(line.prefix(80))\"")
            }
            let path = parts[1]
            guard !path.hasPrefix("/"), !path.split(separator: "/").contains("..") else {
                throw JSONLError(file: file, line: i + 1, reason: "member path \(path) leaves the list's directory")
            }
            out.append(MemberFile(path: path, sha256: parts[0].lowercased(), url: base.appendingPathComponent(path)))
        }
        return out
    }

    /// The members of a dataset's member-list file, after checking the list itself against the catalog.
    public func members(_ id: Benchmark) throws -> (list: ResolvedFile, files: [MemberFile]) {
        let resolved = try locate(id)
        try verify(resolved)
        let text = String(decoding: try ByteSource.readAll(path: resolved.url.path), as: UTF8.self)
        let files = try Self.parseMemberList(text, file: resolved.url.path, base: resolved.url.deletingLastPathComponent())
        guard files.count == resolved.file.records else {
            throw DatasetError("\(resolved.url.path): expected \(resolved.file.records) members, found \(files.count)")
        }
        return (resolved, files)
    }

    /// A member's bytes, refused unless they hash to the list's entry.
    public func memberBytes(_ m: MemberFile) throws -> [UInt8] {
        guard FileManager.default.fileExists(atPath: m.url.path) else {
            throw DatasetError("""
                \(m.url.path): missing (named by its member list). Fix: run `codeeval datasets fetch`, or complete the \
                directory by hand.
                """)
        }
        let bytes = try ByteSource.readAll(path: m.url.path)
        let sha = SHA256Hasher.hex(bytes)
        guard sha == m.sha256 else {
            throw DatasetError("\(m.url.path): checksum mismatch (expected sha256 \(m.sha256), got \(sha))")
        }
        return bytes
    }
}
