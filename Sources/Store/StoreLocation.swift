import Foundation

/// Where jobs and runs live: `sqlite:PATH` (one host; the default) or a PostgreSQL URL shared by any number of replicas.
/// PostgreSQL URLs follow libpq's form, `postgres://USER[:PASSWORD]@HOST[:PORT]/DATABASE`, plus two query items:
/// `host=/socket/dir` for a Unix socket (the server's `.s.PGSQL.PORT` in that folder) and `schema=NAME` to keep
/// codeeval's tables in their own schema (created by the migration).
public enum StoreLocation: Sendable, Equatable {
    case sqlite(path: String)
    case postgres(PostgresLocation)

    public static func parse(_ text: String) throws -> StoreLocation {
        if text.hasPrefix("sqlite:") {
            let path = String(text.dropFirst("sqlite:".count))
            guard !path.isEmpty else { throw StoreError("--store sqlite:PATH needs a path") }
            return .sqlite(path: path)
        }
        if text.hasPrefix("postgres://") || text.hasPrefix("postgresql://") {
            return .postgres(try PostgresLocation(url: text))
        }
        throw StoreError("--store \(redacted(text)): expected sqlite:PATH or postgres://USER@HOST[:PORT]/DATABASE")
    }

    /// The store text with any password replaced, for messages and logs.
    public static func redacted(_ text: String) -> String {
        guard var c = URLComponents(string: text), c.password != nil else { return text }
        c.password = "***"
        return c.string ?? text
    }
}

public struct PostgresLocation: Sendable, Equatable {
    public var host: String?
    public var socketPath: String?
    public var port: Int
    public var user: String
    public var password: String?
    public var database: String
    public var schema: String

    public init(url: String) throws {
        guard let c = URLComponents(string: url), let scheme = c.scheme, scheme == "postgres" || scheme == "postgresql" else {
            throw StoreError("--store \(StoreLocation.redacted(url)): not a postgres:// URL")
        }
        let items = Dictionary((c.queryItems ?? []).map { ($0.name, $0.value ?? "") }, uniquingKeysWith: { $1 })
        if let unknown = items.keys.sorted().first(where: { $0 != "host" && $0 != "schema" }) {
            throw StoreError("--store \(StoreLocation.redacted(url)): unknown parameter '\(unknown)' (known: host, schema)")
        }
        port = c.port ?? 5432
        user = c.user ?? "postgres"
        password = c.password
        let db = String(c.path.drop { $0 == "/" })
        database = db.isEmpty ? user : db
        schema = items["schema"] ?? "public"
        guard schema.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" }), !schema.isEmpty else {
            throw StoreError("--store \(StoreLocation.redacted(url)): schema '\(schema)' must be letters, digits and _")
        }
        if let dir = items["host"], dir.hasPrefix("/") {
            socketPath = "\(dir)/.s.PGSQL.\(port)"
            host = nil
        } else if let h = c.host, !h.isEmpty {
            host = h
            socketPath = nil
        } else {
            throw StoreError("--store \(StoreLocation.redacted(url)): no host (postgres://USER@HOST/DB or ?host=/socket/dir)")
        }
    }
}
