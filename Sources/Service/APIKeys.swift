import Datasets
import Foundation
import Support

/// One API key as configured: only the SHA-256 of the secret is kept.
public struct APIKey: Sendable, Equatable {
    public var name: String
    public var sha256: [UInt8]
    /// Requests of this key in flight at once.
    public var maxConcurrent: Int
    /// Sustained requests per second (token bucket, burst = 2 × rate, at least 1).
    public var ratePerSecond: Double

    public init(name: String, sha256: [UInt8], maxConcurrent: Int = 8, ratePerSecond: Double = 50) {
        self.name = name
        self.sha256 = sha256
        self.maxConcurrent = maxConcurrent
        self.ratePerSecond = ratePerSecond
    }

    public static func hash(_ secret: String) -> [UInt8] {
        var h = SHA256Hasher()
        h.update(Array(secret.utf8))
        return hexBytes(h.finalizeHex()) ?? []
    }

    static func hexBytes(_ hex: String) -> [UInt8]? {
        let chars = Array(hex.utf8)
        guard chars.count % 2 == 0 else { return nil }
        var out: [UInt8] = []
        out.reserveCapacity(chars.count / 2)
        var i = 0
        while i < chars.count {
            guard let b = UInt8(String(decoding: chars[i..<i + 2], as: UTF8.self), radix: 16) else { return nil }
            out.append(b)
            i += 2
        }
        return out
    }
}

public struct APIKeyFileError: Error, CustomStringConvertible {
    public let description: String
}

/// The keys file: one key per line, `name sha256-hex [max_concurrent [requests_per_second]]`; `#` comments.
/// Make a line with `printf %s "$SECRET" | sha256sum`.
public enum APIKeyFile {
    public static func load(_ url: URL) throws -> [APIKey] {
        let text: String
        do { text = try String(contentsOf: url, encoding: .utf8) } catch {
            throw APIKeyFileError(description: "\(url.path): cannot read API keys file (\(error.localizedDescription))")
        }
        return try parse(text, file: url.path)
    }

    public static func parse(_ text: String, file: String = "<keys>") throws -> [APIKey] {
        var keys: [APIKey] = []
        for (i, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = raw.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""
            let parts = line.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
            if parts.isEmpty { continue }
            func fail(_ why: String) -> APIKeyFileError { APIKeyFileError(description: "\(file):\(i + 1): \(why)") }
            guard parts.count >= 2, parts.count <= 4 else {
                throw fail("expected `name sha256-hex [max_concurrent [requests_per_second]]`")
            }
            guard parts[1].count == 64, let digest = APIKey.hexBytes(parts[1].lowercased()) else {
                throw fail("second column must be the 64-hex-digit SHA-256 of the key")
            }
            var key = APIKey(name: parts[0], sha256: digest)
            if parts.count >= 3 {
                guard let c = Int(parts[2]), c > 0 else { throw fail("max_concurrent must be a positive integer") }
                key.maxConcurrent = c
            }
            if parts.count == 4 {
                guard let r = Double(parts[3]), r > 0, r.isFinite else { throw fail("requests_per_second must be > 0") }
                key.ratePerSecond = r
            }
            if keys.contains(where: { $0.name == key.name }) { throw fail("duplicate key name \(key.name)") }
            keys.append(key)
        }
        if keys.isEmpty { throw APIKeyFileError(description: "\(file): no keys") }
        return keys
    }
}

/// Per-key limits kept in a store every replica shares (PostgreSQL), so that N replicas do not give a key N times
/// its limits.
public protocol SharedKeyLimits: Sendable {
    /// Takes a token from the key's bucket and one of its `maxConcurrent` slots, or says which limit was hit. The
    /// slot is held until `release`, or for `holdSeconds` if its replica dies first.
    func admit(key: String, ratePerSecond: Double, maxConcurrent: Int, holdSeconds: Double) async throws -> KeyLimiter.Admission
    func release(slot: String) async throws
}

/// Authentication (constant-time digest compare) plus per-key concurrency and rate limits: in this process's memory,
/// or in `shared` when replicas share a store.
public actor KeyLimiter {
    private let keys: [APIKey]
    private let shared: (any SharedKeyLimits)?
    /// How long a shared slot outlives a replica that died holding it: longer than any request may take.
    private let holdSeconds: Double
    private var inFlight: [String: Int] = [:]
    private var buckets: [String: (tokens: Double, at: ContinuousClock.Instant)] = [:]

    public init(keys: [APIKey], shared: (any SharedKeyLimits)? = nil, holdSeconds: Double = 600) {
        self.keys = keys
        self.shared = shared
        self.holdSeconds = holdSeconds
    }

    /// A full bucket: two seconds of the key's rate (at least one request).
    public static func burst(_ ratePerSecond: Double) -> Double { max(1, 2 * ratePerSecond) }

    /// Finds the key whose digest equals SHA-256(secret). Compares every key fully so timing does not
    /// depend on where or whether a match is found.
    public nonisolated func authenticate(_ secret: String) -> APIKey? {
        let digest = APIKey.hash(secret)
        var found: APIKey?
        for key in keys {
            var diff: UInt8 = key.sha256.count == digest.count ? 0 : 1
            for (a, b) in zip(key.sha256, digest) { diff |= a ^ b }
            if diff == 0 { found = key }
        }
        return found
    }

    /// `ok` carries the shared slot to release, if any.
    public enum Admission: Equatable, Sendable { case ok(slot: String?), tooManyConcurrent, rateLimited(retryAfter: Int) }

    public func admit(_ key: APIKey) async throws -> Admission {
        if let shared {
            return try await shared.admit(key: key.name, ratePerSecond: key.ratePerSecond, maxConcurrent: key.maxConcurrent,
                                          holdSeconds: holdSeconds)
        }
        let now = ContinuousClock.now
        let burst = Self.burst(key.ratePerSecond)
        var bucket = buckets[key.name] ?? (burst, now)
        let elapsed = now - bucket.at
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        bucket.tokens = min(burst, bucket.tokens + seconds * key.ratePerSecond)
        bucket.at = now
        if bucket.tokens < 1 {
            buckets[key.name] = bucket
            return .rateLimited(retryAfter: max(1, Int(((1 - bucket.tokens) / key.ratePerSecond).rounded(.up))))
        }
        if inFlight[key.name, default: 0] >= key.maxConcurrent {
            buckets[key.name] = bucket
            return .tooManyConcurrent
        }
        bucket.tokens -= 1
        buckets[key.name] = bucket
        inFlight[key.name, default: 0] += 1
        return .ok(slot: nil)
    }

    public func finish(_ key: APIKey, slot: String?) async {
        guard let slot, let shared else {
            inFlight[key.name, default: 1] -= 1
            return
        }
        // A slot that cannot be released now (store down) expires after `holdSeconds`.
        try? await shared.release(slot: slot)
    }
}
