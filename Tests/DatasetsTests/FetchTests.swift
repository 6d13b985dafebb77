import Foundation
import Testing
import LoopbackHTTP
import Support
@testable import Datasets

/// The URL-download path of `codeeval datasets fetch`, against a loopback HTTP server (no internet needed).
@Suite("Dataset fetch over HTTP")
struct FetchTests {
    func mirrorBytes(_ path: String, sourceLocation: SourceLocation = #_sourceLocation) throws -> [UInt8] {
        let store = try sharedStore(sourceLocation: sourceLocation)
        let found = store.searchPath.map { $0.dir.appendingPathComponent(path) }.first { FileManager.default.fileExists(atPath: $0.path) }
        return [UInt8](try Data(contentsOf: try #require(found, "\(path) is on no dataset search path", sourceLocation: sourceLocation)))
    }

    func fetcher(_ server: LoopbackHTTPServer, home: TempDir) -> DatasetFetcher {
        DatasetFetcher(store: DatasetStore(environment: ["HOME": home.url.path]), python: "/nonexistent-python") {
            server.url($0.path)
        }
    }

    @Test func downloadsVerifiesCachesAndDoesNotRefetch() async throws {
        let server = try LoopbackHTTPServer(routes: ["mbpp/mbpp.jsonl": try mirrorBytes("mbpp/mbpp.jsonl")])
        defer { server.stop() }
        let home = TempDir()
        let f = fetcher(server, home: home)
        let paths = try await f.fetch(.mbpp)
        #expect(paths.map(\.path) == [home.url.appendingPathComponent(".cache/codeeval/datasets/mbpp/mbpp.jsonl").path])
        let resolved = try f.store.locate(.mbpp)
        #expect(resolved.origin == "cache")
        try f.store.verify(resolved)
        #expect(try f.store.mbpp().count == 974)
        // A verified cached file is not downloaded again.
        try await f.fetch(.mbpp)
        #expect(server.requests == ["mbpp/mbpp.jsonl"])
    }

    @Test func everyFileOfAMultiFileDatasetIsFetchedGzipOrNot() async throws {
        let server = try LoopbackHTTPServer(routes: [
            "gsm8k/test.jsonl": try mirrorBytes("gsm8k/test.jsonl"),
            // Upstream serves train.jsonl plain; a gzipped body verifies too, because the content hash is compared.
            "gsm8k/train.jsonl.gz": try mirrorBytes("gsm8k/train.jsonl.gz"),
        ])
        defer { server.stop() }
        let home = TempDir()
        let f = fetcher(server, home: home)
        let paths = try await f.fetch(.gsm8k)
        #expect(paths.count == 2)
        #expect(Set(server.requests) == ["gsm8k/test.jsonl", "gsm8k/train.jsonl.gz"])
        // install() verified both; they now resolve from the cache.
        #expect(try f.store.locate(.gsm8k, role: "train").origin == "cache")
        #expect(try f.store.locate(.gsm8k, role: "test").origin == "cache")
    }

    @Test func aMirrorIsTriedFirstAndNamedByTheEnvironment() async throws {
        let server = try LoopbackHTTPServer(routes: ["data/mbpp/mbpp.jsonl": try mirrorBytes("mbpp/mbpp.jsonl")])
        defer { server.stop() }
        let home = TempDir()
        // The upstream URL is unreachable: only the mirror can succeed.
        let store = DatasetStore(environment: ["HOME": home.url.path, "CODEEVAL_DATASETS_URL": server.url("data").absoluteString])
        let f = DatasetFetcher(store: store, python: "/nonexistent-python") { _ in URL(string: "http://127.0.0.1:9/none")! }
        try await f.fetch(.mbpp)
        #expect(server.requests == ["data/mbpp/mbpp.jsonl"])
        #expect(try f.store.locate(.mbpp).origin == "cache")
        #expect(try f.store.mbpp().count == 974)
    }

    @Test func aBrokenMirrorFallsBackToUpstreamAndBothAreNamed() async throws {
        let server = try LoopbackHTTPServer(routes: ["up/mbpp.jsonl": try mirrorBytes("mbpp/mbpp.jsonl")])
        defer { server.stop() }
        let home = TempDir()
        let f = DatasetFetcher(store: DatasetStore(environment: ["HOME": home.url.path]), python: "/nonexistent-python",
                               mirror: server.url("empty/")) { _ in server.url("up/mbpp.jsonl") }
        try await f.fetch(.mbpp)
        #expect(server.requests == ["empty/mbpp/mbpp.jsonl", "up/mbpp.jsonl"])
    }

    @Test func http404SaysWhatWasTriedAndHowToFix() async throws {
        let server = try LoopbackHTTPServer(routes: [:])
        defer { server.stop() }
        let home = TempDir()
        do {
            try await fetcher(server, home: home).fetch(.math500)
            Issue.record("expected an error")
        } catch {
            let text = "\(error)"
            #expect(text.contains("HTTP 404"), "\(text)")
            #expect(text.contains(server.url("math/math500_test.jsonl").absoluteString), "\(text)")
            #expect(text.contains("CODEEVAL_DATA"), "\(text)")
        }
        #expect(!FileManager.default.fileExists(atPath: home.url.appendingPathComponent(".cache/codeeval/datasets/math/math500_test.jsonl").path))
    }

    @Test func checksumMismatchNamesExpectedAndActual() async throws {
        let wrong = Array("{\"text\": \"not mbpp\"}\n".utf8)
        let server = try LoopbackHTTPServer(routes: ["mbpp/mbpp.jsonl": wrong])
        defer { server.stop() }
        let home = TempDir()
        do {
            try await fetcher(server, home: home).fetch(.mbpp)
            Issue.record("expected an error")
        } catch {
            let text = "\(error)"
            #expect(text.contains("expected \(Catalog.info(.mbpp).files[0].contentSHA256)"), "\(text)")
            #expect(text.contains("got \(SHA256Hasher.hex(wrong))"), "\(text)")
        }
    }

    @Test func aCorruptCachedFileIsReplaced() async throws {
        let server = try LoopbackHTTPServer(routes: ["math/math500_test.jsonl": try mirrorBytes("math/math500_test.jsonl")])
        defer { server.stop() }
        let home = TempDir()
        let cached = home.file(".cache/codeeval/datasets/math/math500_test.jsonl", "{\"problem\": \"stale\"}\n")
        let f = fetcher(server, home: home)
        #expect(throws: DatasetError.self) { try f.store.verify(f.store.locate(.math500)) }
        try await f.fetch(.math500)
        #expect(server.requests == ["math/math500_test.jsonl"])
        try f.store.verify(f.store.locate(.math500))
        #expect(try f.store.math500().count == 500)
        #expect(FileManager.default.fileExists(atPath: cached.path))
    }
}
