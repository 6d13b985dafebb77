import CZlib
import Foundation
import Testing
@testable import Engine
import Models
import Datasets
import DatasetsTestSupport

/// Where the model files and fixtures are, and small readers the tokenizer and llama.cpp
/// comparison tests share.
enum TestModels {
    static let names = ["smollm2-135m", "gemma3-270m", "qwen2.5-coder-0.5b", "qwen2.5-coder-1.5b"]

    static var directory: URL { ModelRegistry.cacheDirectory() }

    static func path(_ name: String) -> URL { directory.appendingPathComponent("\(name).gguf") }

    /// CI models (smollm2, gemma3): on unless CODEEVAL_SKIP_MODEL_TESTS=1.
    static var smallEnabled: Bool { ProcessInfo.processInfo.environment["CODEEVAL_SKIP_MODEL_TESTS"] != "1" }
    /// Qwen models: only with CODEEVAL_MODEL_TESTS=all (and not CODEEVAL_SKIP_MODEL_TESTS=1).
    static var qwenEnabled: Bool { smallEnabled && ProcessInfo.processInfo.environment["CODEEVAL_MODEL_TESTS"] == "all" }
    static let small = ["smollm2-135m", "gemma3-270m"]
    static let qwen = ["qwen2.5-coder-0.5b", "qwen2.5-coder-1.5b"]
    static let smallSkip: Comment = "model tests off: CODEEVAL_SKIP_MODEL_TESTS=1"
    static let qwenSkip: Comment = "qwen model tests run only with CODEEVAL_MODEL_TESTS=all (and without CODEEVAL_SKIP_MODEL_TESTS=1)"

    /// The model file, or a test failure saying how to get it.
    static func require(_ name: String, sourceLocation: SourceLocation = #_sourceLocation) throws -> URL {
        let url = path(name)
        guard FileManager.default.fileExists(atPath: url.path) else {
            Issue.record("""
                model file \(url.path) is missing: run `codeeval models fetch \(name)`, or set CODEEVAL_SKIP_MODEL_TESTS=1 to skip model tests
                """, sourceLocation: sourceLocation)
            throw MissingModel()
        }
        return url
    }
    struct MissingModel: Error {}

    static let fixtureRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures")

    static func fixture(_ model: String, _ file: String) throws -> [String: Any] {
        let url = fixtureRoot.appendingPathComponent(model).appendingPathComponent(file)
        let data = try gunzip(Data(contentsOf: url))
        guard let object = try JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            throw FixtureError("\(url.path): not a JSON object")
        }
        return object
    }

    static func hasFixture(_ model: String, _ file: String) -> Bool {
        FileManager.default.fileExists(atPath: fixtureRoot.appendingPathComponent(model).appendingPathComponent(file).path)
    }

    /// Cached tokenizers (loading Gemma's 262k-token vocabulary takes a moment in debug builds).
    nonisolated(unsafe) private static var tokenizers: [String: Tokenizer] = [:]
    private static let lock = NSLock()

    static func tokenizer(_ name: String) throws -> Tokenizer {
        lock.lock()
        defer { lock.unlock() }
        if let t = tokenizers[name] { return t }
        let t = try Tokenizer(gguf: GGUFFile(path: try require(name).path))
        tokenizers[name] = t
        return t
    }
}

struct FixtureError: Error, CustomStringConvertible {
    let description: String
    init(_ d: String) { description = d }
}

func gunzip(_ data: Data) throws -> Data {
    var stream = z_stream()
    guard inflateInit2_(&stream, 16 + MAX_WBITS, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
        throw FixtureError("inflateInit2 failed")
    }
    defer { inflateEnd(&stream) }
    var out = Data()
    var buffer = [UInt8](repeating: 0, count: 1 << 16)
    var input = [UInt8](data)
    let status: Int32 = input.withUnsafeMutableBufferPointer { inBuf in
        stream.next_in = inBuf.baseAddress
        stream.avail_in = uInt(inBuf.count)
        var status: Int32 = Z_OK
        while status == Z_OK {
            buffer.withUnsafeMutableBufferPointer { outBuf in
                stream.next_out = outBuf.baseAddress
                stream.avail_out = uInt(outBuf.count)
                status = inflate(&stream, Z_NO_FLUSH)
                out.append(outBuf.baseAddress!, count: outBuf.count - Int(stream.avail_out))
            }
        }
        return status
    }
    guard status == Z_STREAM_END else { throw FixtureError("gzip data is corrupt (zlib status \(status))") }
    return out
}

/// The benchmark texts named in the fixtures, read from $CODEEVAL_DATA.
enum TestCorpus {
    /// The dataset files, resolved as the CLI resolves them (`CODEEVAL_DATA`, then the user cache that
    /// `codeeval datasets fetch` fills).
    static func file(_ b: Benchmark, sourceLocation: SourceLocation = #_sourceLocation) throws -> URL {
        try resolvedDatasets(sourceLocation: sourceLocation).locate(b).url
    }

    static func jsonl(_ url: URL) throws -> [[String: Any]] {
        var data = try Data(contentsOf: url)
        if data.starts(with: [0x1f, 0x8b]) { data = try gunzip(data) }
        return try data.split(separator: UInt8(ascii: "\n")).filter { !$0.isEmpty }.map {
            guard let o = try JSONSerialization.jsonObject(with: Data($0)) as? [String: Any] else {
                throw FixtureError("\(url.path): a line is not a JSON object")
            }
            return o
        }
    }

    /// (source, id) -> text for HumanEval prompts, MBPP text/code and GSM8k questions.
    static func texts() throws -> [String: String] {
        var out: [String: String] = [:]
        for p in try jsonl(file(.humaneval)) {
            out["humaneval/\(p["task_id"] as? String ?? "?")"] = p["prompt"] as? String
        }
        for p in try jsonl(file(.mbpp)).prefix(50) {
            let id = (p["task_id"] as? NSNumber)?.intValue ?? -1
            out["mbpp-text/\(id)"] = p["text"] as? String
            out["mbpp-code/\(id)"] = p["code"] as? String
        }
        for (i, p) in try jsonl(file(.gsm8k)).prefix(50).enumerated() {
            out["gsm8k/\(i)"] = p["question"] as? String
        }
        return out
    }
}

func fnv1a64(_ bytes: some Sequence<UInt8>) -> String {
    var h: UInt64 = 0xCBF2_9CE4_8422_2325
    for b in bytes { h = (h ^ UInt64(b)) &* 0x0000_0100_0000_01B3 }
    let s = String(h, radix: 16)
    return String(repeating: "0", count: 16 - s.count) + s
}

func hexBytes(_ hex: String) -> [UInt8] {
    var out: [UInt8] = []
    var it = hex.utf8.makeIterator()
    while let a = it.next(), let b = it.next() {
        out.append(UInt8(String(decoding: [a, b], as: UTF8.self), radix: 16) ?? 0)
    }
    return out
}

func int32s(_ any: Any?) -> [Int32] {
    (any as? [Any] ?? []).compactMap { ($0 as? NSNumber)?.int32Value }
}
