import Datasets
import Foundation
import Testing
@testable import Service

@Suite struct AuthTests {
    static let secret = "s3cret-key"

    @Test func keysFileParsesAndRejectsBadLines() throws {
        let digest = SHA256Hasher.hex(Array(Self.secret.utf8))
        let keys = try APIKeyFile.parse("# comment\nalice \(digest) 3 10\n\nbob \(String(repeating: "a", count: 64))\n")
        #expect(keys.map(\.name) == ["alice", "bob"])
        #expect(keys[0].maxConcurrent == 3 && keys[0].ratePerSecond == 10)
        #expect(keys[0].sha256 == APIKey.hash(Self.secret))
        #expect(throws: APIKeyFileError.self) { try APIKeyFile.parse("alice not-hex\n") }
        #expect(throws: APIKeyFileError.self) { try APIKeyFile.parse("alice \(digest) 0\n") }
        #expect(throws: APIKeyFileError.self) { try APIKeyFile.parse("# nothing\n") }
    }

    @Test func bearerKeysRateAndConcurrencyLimits() async throws {
        let key = APIKey(name: "ci", sha256: APIKey.hash(Self.secret), maxConcurrent: 1, ratePerSecond: 2)
        try await withServer(keys: [key]) { port, _ in
            let body = #"{"code":"print(1)"}"#
            #expect(await RawHTTP.json(port: port, path: "/v1/execute", body)?.status == 401)
            #expect(await RawHTTP.json(port: port, path: "/v1/execute", body, headers: ["Authorization": "Bearer nope"])?.status == 401)
            // Probes stay open (for orchestrators) while /v1 needs a key.
            #expect(await RawHTTP.request(port: port, method: "GET", path: "/healthz")?.status == 200)
            let auth = ["Authorization": "Bearer \(Self.secret)"]
            #expect(await RawHTTP.json(port: port, path: "/v1/execute", body, headers: auth)?.status == 200)
            // Concurrency 1: a second request while one sleeps is refused.
            async let slow = RawHTTP.json(port: port, path: "/v1/execute", #"{"code":"SLEEP 0.6"}"#, headers: auth)
            try await Task.sleep(for: .milliseconds(200))
            let second = await RawHTTP.json(port: port, path: "/v1/execute", body, headers: auth)
            #expect(second?.status == 429)
            #expect(await slow?.status == 200)
            // Burst of 4 at 2/s: the bucket runs dry.
            var statuses: [Int] = []
            for _ in 0..<6 { statuses.append(await RawHTTP.json(port: port, path: "/v1/execute", body, headers: auth)?.status ?? -1) }
            #expect(statuses.contains(429))
        }
    }

    @Test func authenticateIsExactMatch() {
        let limiter = KeyLimiter(keys: [APIKey(name: "a", sha256: APIKey.hash("abc"))])
        #expect(limiter.authenticate("abc")?.name == "a")
        #expect(limiter.authenticate("abd") == nil)
        #expect(limiter.authenticate("") == nil)
    }
}
