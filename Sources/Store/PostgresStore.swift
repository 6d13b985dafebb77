import Foundation
import Logging
import PostgresNIO
import Synchronization

/// One PostgreSQL connection pool with what every codeeval table set needs on top of it: versioned migrations
/// applied once under an advisory lock, a deadline on every call, and connection failures told apart from query
/// errors (`StoreUnavailable` versus `StoreError`). The job store and the run store each own one.
public final class PostgresStore: Sendable {
    public let client: PostgresClient
    let runTask: Task<Void, Never>
    public let logger = Logger(label: "codeeval.store.postgres")
    /// Longest a store call may take before the caller is told the store is unavailable.
    let deadline: Duration

    public init(_ location: PostgresLocation, deadline: Duration = .seconds(5)) {
        var config: PostgresClient.Configuration
        if let socket = location.socketPath {
            config = .init(unixSocketPath: socket, username: location.user, password: location.password,
                           database: location.database)
        } else {
            config = .init(host: location.host ?? "localhost", port: location.port, username: location.user,
                           password: location.password, database: location.database, tls: .disable)
        }
        config.options.additionalStartupParameters = [("search_path", location.schema)]
        config.options.connectTimeout = .seconds(3)
        client = PostgresClient(configuration: config)
        let client = client
        runTask = Task { await client.run() }
        self.deadline = deadline
    }

    /// Connects and applies `migrations` (see `migrate`); closes the pool again if they fail.
    public static func open(_ location: PostgresLocation, deadline: Duration,
                            migrations: [(version: String, sql: [String])]) async throws -> PostgresStore {
        let db = PostgresStore(location, deadline: deadline)
        do {
            try await db.migrate(schema: location.schema, migrations)
        } catch {
            db.close()
            throw error
        }
        return db
    }

    public func close() { runTask.cancel() }
    deinit { runTask.cancel() }

    /// Applies the steps not yet recorded in `schema_migrations`, in one transaction under a transaction-scoped
    /// advisory lock, so replicas that start together apply them once and the others wait. Job and run tables
    /// record their versions in the same table under distinct names.
    public func migrate(schema: String, _ migrations: [(version: String, sql: [String])]) async throws {
        try await withDeadline(.seconds(60)) { [client, logger] in
            try await client.withTransaction(logger: logger) { conn in
                try await conn.query("SELECT pg_advisory_xact_lock(hashtext('codeeval-migrate'))", logger: logger)
                try await conn.query(PostgresQuery(unsafeSQL: "CREATE SCHEMA IF NOT EXISTS \"\(schema)\""), logger: logger)
                try await conn.query(
                    "CREATE TABLE IF NOT EXISTS schema_migrations (version text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())",
                    logger: logger)
                var applied = Set<String>()
                for try await v in try await conn.query("SELECT version FROM schema_migrations", logger: logger).decode(String.self) {
                    applied.insert(v)
                }
                for m in migrations where !applied.contains(m.version) {
                    for statement in m.sql { try await conn.query(PostgresQuery(unsafeSQL: statement), logger: logger) }
                    try await conn.query("INSERT INTO schema_migrations (version) VALUES (\(m.version))", logger: logger)
                }
            }
        }
    }

    public func appliedMigrations() async throws -> [String] {
        try await fetch("SELECT version FROM schema_migrations ORDER BY version").map { try $0.decode(String.self) }
    }

    /// Runs `body` with the store's deadline; connection-level failures become `StoreUnavailable`.
    public func withDeadline<T: Sendable>(_ limit: Duration? = nil, _ body: @escaping @Sendable () async throws -> T) async throws -> T {
        let limit = limit ?? deadline
        let settled = Once()
        // Unstructured on purpose: a query stuck on a dead connection must not hold the caller past the deadline.
        return try await withCheckedThrowingContinuation { (k: CheckedContinuation<T, any Error>) in
            let work = Task {
                let outcome: Result<T, any Error>
                do { outcome = .success(try await body()) } catch { outcome = .failure(Self.classify(error)) }
                if settled.claim() { k.resume(with: outcome) }
            }
            Task {
                try? await Task.sleep(for: limit)
                if settled.claim() {
                    work.cancel()
                    k.resume(throwing: StoreUnavailable("PostgreSQL did not answer within \(limit)"))
                }
            }
        }
    }

    public static func classify(_ error: any Error) -> any Error {
        guard let e = error as? PSQLError else { return error }
        if e.code == .server {
            // Class 08 (connection exception) and 57P (operator intervention: shutdown, crash recovery).
            let state = e.serverInfo?[.sqlState] ?? ""
            if state.hasPrefix("08") || state.hasPrefix("57P") { return StoreUnavailable("PostgreSQL: \(e.serverInfo?[.message] ?? state)") }
            return StoreError("PostgreSQL: \(e.serverInfo?[.message] ?? "error") (SQLSTATE \(state))")
        }
        return StoreUnavailable("PostgreSQL unreachable: \(e.code)")
    }

    public func run(_ query: PostgresQuery) async throws {
        try await withDeadline { [client, logger] in _ = try await client.query(query, logger: logger).collect() }
    }

    public func fetch(_ query: PostgresQuery) async throws -> [PostgresRow] {
        try await withDeadline { [client, logger] in try await client.query(query, logger: logger).collect() }
    }

    public func transaction<T: Sendable>(_ body: @escaping @Sendable (PostgresConnection, Logger) async throws -> T) async throws -> T {
        try await withDeadline { [client, logger] in
            try await client.withTransaction(logger: logger) { conn in try await body(conn, logger) }
        }
    }

    /// Readiness answers within 2 s: a load balancer's health check must not wait for the full call deadline.
    public func ping() async throws {
        try await withDeadline(.seconds(2)) { [client, logger] in _ = try await client.query("SELECT 1", logger: logger).collect() }
    }

    /// Calls `wake` on every notification on `channel`, until cancelled (a lost connection is re-opened; callers
    /// poll as well, which covers the gap).
    public func listen(on channel: String, _ wake: @escaping @Sendable () async -> Void) async {
        while !Task.isCancelled {
            do {
                try await client.withConnection { conn in
                    try await conn.listen(on: channel) { notifications in
                        for try await _ in notifications { await wake() }
                    }
                }
            } catch {
                try? await Task.sleep(for: .seconds(1))
            }
        }
    }
}

/// True for the first caller only: whichever of the work and its deadline settles first answers the caller.
public final class Once: Sendable {
    private let done = Mutex(false)
    public init() {}
    public func claim() -> Bool { done.withLock { let first = !$0; $0 = true; return first } }
}
