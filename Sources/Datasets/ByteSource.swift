import CZlib
import Foundation

/// Errors from reading a file's bytes (before any JSON is looked at).
public struct FileReadError: Error, CustomStringConvertible, Sendable {
    public let path: String
    public let reason: String
    public var description: String { "\(path): \(reason)" }
}

/// Reads a file in chunks, transparently inflating gzip (by magic bytes, not by name) with the system zlib.
/// Memory stays bounded by the chunk size whatever the file size.
final class ByteSource {
    private let handle: FileHandle
    private let path: String
    private var stream = z_stream()
    private var gzip = false
    private var inputDone = false
    private var streamEnded = false
    private var pendingInput: [UInt8] = []
    private var pendingPlain: [UInt8]? = nil
    private static let chunkSize = 1 << 16

    init(path: String) throws {
        self.path = path
        var isDir: ObjCBool = false
        // Linux opens a directory for reading without complaint; only the first read fails, obscurely.
        if FileManager.default.fileExists(atPath: path, isDirectory: &isDir), isDir.boolValue {
            throw FileReadError(path: path, reason: "is a directory")
        }
        guard let handle = FileHandle(forReadingAtPath: path) else {
            if FileManager.default.fileExists(atPath: path, isDirectory: &isDir) {
                throw FileReadError(path: path, reason: isDir.boolValue ? "is a directory" : "cannot be opened (permission denied?)")
            }
            throw FileReadError(path: path, reason: "no such file")
        }
        self.handle = handle
        let head = try Self.read(handle, path: path, count: Self.chunkSize)
        if head.count >= 2 && head[0] == 0x1F && head[1] == 0x8B {
            gzip = true
            pendingInput = head
            // 15 + 32: zlib window with automatic gzip/zlib header detection.
            let rc = czlib_inflate_init2(&stream, 15 + 32)
            guard rc == Z_OK else { throw FileReadError(path: path, reason: "zlib init failed (\(rc))") }
        } else {
            pendingPlain = head
            if head.isEmpty { inputDone = true }
        }
    }

    deinit {
        if gzip { inflateEnd(&stream) }
        try? handle.close()
    }

    private static func read(_ handle: FileHandle, path: String, count: Int) throws -> [UInt8] {
        do {
            return [UInt8](try handle.read(upToCount: count) ?? Data())
        } catch {
            throw FileReadError(path: path, reason: "read failed: \(error.localizedDescription)")
        }
    }

    /// The next chunk of (decompressed) bytes, or nil at the end of the file.
    func next() throws -> [UInt8]? {
        if !gzip {
            if let p = pendingPlain { pendingPlain = nil; return p.isEmpty ? nil : p }
            let d = try Self.read(handle, path: path, count: Self.chunkSize)
            return d.isEmpty ? nil : d
        }
        if streamEnded { return nil }
        var output = [UInt8](repeating: 0, count: Self.chunkSize)
        while true {
            if pendingInput.isEmpty && !inputDone {
                pendingInput = try Self.read(handle, path: path, count: Self.chunkSize)
                if pendingInput.isEmpty { inputDone = true }
            }
            if pendingInput.isEmpty && inputDone {
                throw FileReadError(path: path, reason: "truncated gzip stream (compressed data ends early)")
            }
            let consumedBefore = pendingInput.count
            var produced = 0
            let rc: Int32 = pendingInput.withUnsafeMutableBufferPointer { inBuf in
                output.withUnsafeMutableBufferPointer { outBuf in
                    stream.next_in = inBuf.baseAddress
                    stream.avail_in = uInt(inBuf.count)
                    stream.next_out = outBuf.baseAddress
                    stream.avail_out = uInt(outBuf.count)
                    let rc = inflate(&stream, Z_NO_FLUSH)
                    produced = outBuf.count - Int(stream.avail_out)
                    return rc
                }
            }
            let consumed = consumedBefore - Int(stream.avail_in)
            pendingInput.removeFirst(consumed)
            switch rc {
            case Z_STREAM_END:
                // Concatenated gzip members are legal (gzip -c a b); continue with the next member.
                if pendingInput.isEmpty {
                    pendingInput = try Self.read(handle, path: path, count: Self.chunkSize)
                    if pendingInput.isEmpty { inputDone = true }
                }
                if pendingInput.isEmpty {
                    streamEnded = true
                } else {
                    inflateReset(&stream)
                }
                if produced > 0 { return Array(output[0..<produced]) }
                if streamEnded { return nil }
            case Z_OK, Z_BUF_ERROR:
                if produced > 0 { return Array(output[0..<produced]) }
            default:
                let msg = stream.msg.map { String(cString: $0) } ?? "code \(rc)"
                throw FileReadError(path: path, reason: "corrupt gzip data: \(msg)")
            }
        }
    }

    /// Reads the whole (decompressed) file.
    static func readAll(path: String) throws -> [UInt8] {
        let source = try ByteSource(path: path)
        var all: [UInt8] = []
        while let chunk = try source.next() { all.append(contentsOf: chunk) }
        return all
    }
}

/// Splits a byte stream into lines (`\n`, with a trailing `\r` removed), numbering them from 1.
struct LineReader {
    private let source: ByteSource
    private var buffer: [UInt8] = []
    private var start = 0
    private var eof = false
    /// Where the newline search resumes: bytes before it (from `start`) are known to hold no `\n`, so a line
    /// spanning many chunks (EvalPlus lines reach megabytes) is scanned once, not once per chunk.
    private var scanned = 0
    private(set) var lineNumber = 0

    init(source: ByteSource) { self.source = source }

    mutating func nextLine() throws -> [UInt8]? {
        while true {
            if let nl = buffer[max(start, scanned)...].firstIndex(of: 0x0A) {
                var end = nl
                if end > start && buffer[end - 1] == 0x0D { end -= 1 }
                let line = Array(buffer[start..<end])
                start = nl + 1
                scanned = start
                lineNumber += 1
                return line
            }
            scanned = buffer.count
            if eof {
                guard start < buffer.count else { return nil }
                var end = buffer.count
                if buffer[end - 1] == 0x0D { end -= 1 }
                let line = Array(buffer[start..<end])
                start = buffer.count
                lineNumber += 1
                return line
            }
            if start > 0 {
                buffer.removeFirst(start)
                scanned -= start
                start = 0
            }
            if let chunk = try source.next() { buffer.append(contentsOf: chunk) } else { eof = true }
        }
    }
}
