import Foundation

/// Reads a tar archive (plain or gzipped, by magic bytes) as a stream, handing each regular file's name and bytes
/// to the caller, which keeps the members it needs. Memory holds one kept member at a time, so a multi-gigabyte
/// archive of which a few megabytes are wanted costs the time to inflate it, not its size.
///
/// Understands ustar (`prefix` + `name`), GNU long names (`L` entries) and pax extended headers (`path=`), which is
/// what GNU tar, bsdtar and Python's tarfile write; every other entry type (directories, links, devices) is
/// skipped. A header whose checksum does not add up, or an archive that ends inside a member, is an error naming
/// the byte offset.
public enum TarReader {
    /// Calls `keep` with every regular member's path (a leading `./` removed); when it returns true, `body` gets the
    /// member's bytes. Returns how many members were kept.
    @discardableResult
    public static func read(archive path: String, keep: (String) -> Bool,
                            body: (String, [UInt8]) throws -> Void) throws -> Int {
        let source = try ByteSource(path: path)
        var buffer: [UInt8] = []
        var offset = 0  // of buffer[0] in the uncompressed archive
        var ended = false
        /// Ensures `n` bytes are buffered; false at the end of the archive.
        func fill(_ n: Int) throws -> Bool {
            while buffer.count < n && !ended {
                if let chunk = try source.next() { buffer.append(contentsOf: chunk) } else { ended = true }
            }
            return buffer.count >= n
        }
        func take(_ n: Int) -> [UInt8] {
            let out = Array(buffer[0..<n])
            buffer.removeFirst(n)
            offset += n
            return out
        }
        /// Discards `n` bytes without holding them all.
        func skip(_ n: Int, member: String) throws {
            var left = n
            while left > 0 {
                guard try fill(1) else { throw truncated(path, member: member, at: offset) }
                let k = min(left, buffer.count)
                buffer.removeFirst(k)
                offset += k
                left -= k
            }
        }
        var kept = 0
        var longName: String? = nil
        while true {
            guard try fill(512) else {
                if buffer.isEmpty { return kept }  // some writers omit the two zero blocks
                throw truncated(path, member: "a header", at: offset)
            }
            let headerOffset = offset
            let header = take(512)
            if header.allSatisfy({ $0 == 0 }) { return kept }
            guard let size = octal(header[124..<136]) else {
                throw DatasetError("\(path): tar header at byte \(headerOffset): the size field is not an octal number")
            }
            let stored = octal(header[148..<156])
            let sum = header.enumerated().reduce(0) { $0 + (148..<156 ~= $1.offset ? 0x20 : Int($1.element)) }
            guard stored == sum else {
                throw DatasetError("\(path): tar header at byte \(headerOffset): checksum \(stored.map(String.init) ?? "unreadable"), computed \(sum): not a tar archive, or a corrupt one")
            }
            let padded = (size + 511) / 512 * 512
            let type = header[156]
            var name = longName ?? headerName(header)
            longName = nil
            switch type {
            case UInt8(ascii: "L"), UInt8(ascii: "x"):
                // GNU long name, pax extended header: both name the next entry.
                guard try fill(padded) else { throw truncated(path, member: name, at: offset) }
                let data = Array(take(padded)[0..<size])
                longName = type == UInt8(ascii: "L") ? cString(data[...]) : paxPath(data)
                continue
            case 0, UInt8(ascii: "0"), UInt8(ascii: "7"):
                if name.hasPrefix("./") { name.removeFirst(2) }
                if keep(name) {
                    guard try fill(padded) else { throw truncated(path, member: name, at: offset) }
                    try body(name, Array(take(padded)[0..<size]))
                    kept += 1
                } else {
                    try skip(padded, member: name)
                }
            default:
                try skip(padded, member: name)
            }
        }
    }

    static func truncated(_ path: String, member: String, at offset: Int) -> DatasetError {
        DatasetError("\(path): the archive ends inside \(member) (byte \(offset) of its uncompressed stream): truncated download?")
    }

    static func headerName(_ h: [UInt8]) -> String {
        let name = cString(h[0..<100])
        // POSIX ustar ("ustar\0"; GNU's "ustar  " keeps other fields there): a non-empty prefix is the directory.
        guard h[257..<263].elementsEqual("ustar\0".utf8) else { return name }
        let prefix = cString(h[345..<500])
        return prefix.isEmpty ? name : prefix + "/" + name
    }

    static func cString(_ bytes: ArraySlice<UInt8>) -> String {
        String(decoding: bytes.prefix { $0 != 0 }, as: UTF8.self)
    }

    static func octal(_ field: ArraySlice<UInt8>) -> Int? {
        let digits = field.drop { $0 == 0x20 }.prefix { $0 != 0 && $0 != 0x20 }
        guard !digits.isEmpty else { return field.allSatisfy { $0 == 0 || $0 == 0x20 } ? 0 : nil }
        var v = 0
        for d in digits {
            guard (0x30...0x37).contains(d) else { return nil }
            v = v * 8 + Int(d - 0x30)
        }
        return v
    }

    /// The `path` record of a pax header (`LEN path=VALUE\n` records).
    static func paxPath(_ data: [UInt8]) -> String? {
        var i = 0
        while i < data.count {
            guard let space = data[i...].firstIndex(of: 0x20), let len = Int(String(decoding: data[i..<space], as: UTF8.self)),
                  len > 0, i + len <= data.count else { return nil }
            let record = data[(space + 1)..<(i + len - 1)]
            if record.starts(with: "path=".utf8) { return String(decoding: record.dropFirst(5), as: UTF8.self) }
            i += len
        }
        return nil
    }
}
