import Datasets
import Foundation
import Logging
import PostgresNIO
import Store

/// The job store and work queue in PostgreSQL, shared by any number of replicas. Claims lease rows with
/// `FOR UPDATE SKIP LOCKED` inside one `UPDATE` (the row locks last for that statement only; ownership is the lease
/// column, compared with the server's `now()`), so no connection is pinned while a program runs and a dead
/// worker's samples come back when its leases expire. Every call has a deadline: an unreachable server surfaces
/// as `StoreUnavailable` (HTTP 503), never as a hang.
public final class PostgresJobStore: JobQueueStore {
    public var backend: String { "postgresql" }
    let db: PostgresStore
    static let workChannel = "codeeval_work"

    public init(_ location: PostgresLocation, deadline: Duration = .seconds(5)) async throws {
        db = try await PostgresStore.open(location, deadline: deadline, migrations: Self.migrations)
    }

    public func close() { db.close() }

    // MARK: migrations

    /// Versioned steps, each applied once and recorded in `schema_migrations`. They run in one transaction under a
    /// transaction-scoped advisory lock, so replicas that start together apply them once and the others wait.
    static let migrations: [(version: String, sql: [String])] = [
        ("1-jobs-queue", [
            """
            CREATE TABLE job (
              id text PRIMARY KEY, seq bigserial UNIQUE, benchmark text NOT NULL, ks text NOT NULL,
              timeout_s float8 NOT NULL, status text NOT NULL
                CHECK (status IN ('queued', 'running', 'done', 'cancelled', 'failed')),
              created_at timestamptz NOT NULL DEFAULT now(), finished_at timestamptz, total int NOT NULL,
              pass_at_k text, error text, owner text, finalized_by text)
            """,
            "CREATE INDEX job_active ON job (seq) WHERE status IN ('queued', 'running')",
            """
            CREATE TABLE sample (
              job_id text NOT NULL REFERENCES job(id) ON DELETE CASCADE, job_seq bigint NOT NULL, idx int NOT NULL,
              task_id text NOT NULL, completion text NOT NULL, fields text NOT NULL,
              lease_owner text, lease_until timestamptz, attempts int NOT NULL DEFAULT 0, last_error text,
              result text, passed boolean, verdict_by text, finished_at timestamptz,
              PRIMARY KEY (job_id, idx))
            """,
            // The claim walks this index in FIFO order; finished rows leave it.
            "CREATE INDEX sample_todo ON sample (job_seq, idx) WHERE result IS NULL",
            "CREATE INDEX sample_lease ON sample (lease_owner) WHERE result IS NULL",
            // A queue table is updated constantly: vacuum it early so the claim index stays small.
            "ALTER TABLE sample SET (autovacuum_vacuum_scale_factor = 0.01, autovacuum_vacuum_threshold = 1000)",
            """
            CREATE TABLE execution (
              id bigserial PRIMARY KEY, created_at timestamptz NOT NULL DEFAULT now(), owner text,
              status text NOT NULL, wall_s float8 NOT NULL, execution text NOT NULL)
            """,
        ]),
        // Per-key limits every replica shares: a token bucket per key, and one row per request in flight (with an
        // expiry, so a replica that dies does not hold its slots for ever).
        ("2-key-limits", [
            "CREATE TABLE key_bucket (key text PRIMARY KEY, tokens float8 NOT NULL, at timestamptz NOT NULL)",
            "CREATE TABLE key_slot (slot text PRIMARY KEY, key text NOT NULL, until timestamptz NOT NULL)",
            "CREATE INDEX key_slot_key ON key_slot (key, until)",
        ]),
    ]

    public func appliedMigrations() async throws -> [String] { try await db.appliedMigrations() }

    func run(_ query: PostgresQuery) async throws { try await db.run(query) }
    func fetch(_ query: PostgresQuery) async throws -> [PostgresRow] { try await db.fetch(query) }
    func transaction<T: Sendable>(_ body: @escaping @Sendable (PostgresConnection, Logger) async throws -> T) async throws -> T {
        try await db.transaction(body)
    }

    public func ping() async throws { try await db.ping() }

    // MARK: jobs

    public func createJob(id: String, benchmark: String, ks: [Int], timeoutSeconds: Double, owner: String?,
                          samples: [(taskID: String, completion: String, fields: JSONObject)]) async throws {
        let idx = Array(samples.indices), tasks = samples.map(\.taskID), completions = samples.map(\.completion)
        let fields = samples.map { $0.fields.serialized() }
        let ksText = JobColumns.ks(ks)
        try await transaction { conn, logger in
            var seq: Int = 0
            for try await s in try await conn.query("""
                INSERT INTO job (id, benchmark, ks, timeout_s, status, total, owner)
                VALUES (\(id), \(benchmark), \(ksText), \(timeoutSeconds), 'queued', \(samples.count), \(owner)) RETURNING seq
                """, logger: logger).decode(Int.self) { seq = s }
            try await conn.query("""
                INSERT INTO sample (job_id, job_seq, idx, task_id, completion, fields)
                SELECT \(id), \(seq), i, t, c, f FROM unnest(\(idx)::int8[], \(tasks)::text[], \(completions)::text[], \(fields)::text[]) AS u(i, t, c, f)
                """, logger: logger)
            // Delivered at commit: idle workers on every replica claim at once instead of at their next poll.
            try await conn.query("SELECT pg_notify(\(Self.workChannel), \(id))", logger: logger)
        }
    }

    public func job(_ id: String) async throws -> JobRecord? {
        typealias Row = (String, String, String, Double, String, Double, Double?, Int, String?, String?, String?, Int, Int)
        let rows = try await fetch("""
            SELECT j.id, j.benchmark, j.ks, j.timeout_s, j.status, extract(epoch FROM j.created_at)::float8,
              extract(epoch FROM j.finished_at)::float8, j.total, j.pass_at_k, j.error, j.owner,
              (SELECT count(result)::int8 FROM sample WHERE job_id = j.id),
              (SELECT count(*)::int8 FROM sample WHERE job_id = j.id AND passed)
            FROM job j WHERE j.id = \(id)
            """).map { try $0.decode(Row.self) }
        return rows.first.map { r in
            JobRecord(id: r.0, benchmark: r.1, ks: JobColumns.ks(r.2), timeoutSeconds: r.3,
                      status: JobStatus(rawValue: r.4) ?? .failed, createdAt: r.5, finishedAt: r.6, total: r.7,
                      finished: r.11, passed: r.12, passAtK: JobColumns.passAtK(r.8), error: r.9, owner: r.10)
        }
    }

    public func pendingSampleCount() async throws -> Int {
        try await fetch("""
            SELECT count(*)::int8 FROM sample s JOIN job j ON j.id = s.job_id
            WHERE s.result IS NULL AND j.status IN ('queued', 'running')
            """).map { try $0.decode(Int.self) }.first ?? 0
    }

    @discardableResult
    public func cancel(_ id: String) async throws -> Bool {
        try await fetch("""
            UPDATE job SET status = 'cancelled', finished_at = now() WHERE id = \(id) AND status IN ('queued', 'running')
            RETURNING id
            """).map { try $0.decode(String.self) }.count == 1
    }

    public func results(jobID: String, after index: Int, limit: Int) async throws -> [SampleRow] {
        try await fetch("""
            SELECT idx::int8, task_id, completion, fields, result, passed FROM sample
            WHERE job_id = \(jobID) AND idx > \(index) AND result IS NOT NULL ORDER BY idx LIMIT \(limit)
            """).map { try $0.decode((Int, String, String, String, String?, Bool?).self) }.map {
            SampleRow(index: $0.0, taskID: $0.1, completion: $0.2, fields: JobColumns.fields($0.3), result: $0.4, passed: $0.5)
        }
    }

    // MARK: the work queue

    public func claim(worker: String, limit: Int, policy: LeasePolicy) async throws -> [ClaimedSample] {
        guard limit > 0 else { return [] }
        // One statement (so one round trip and no explicit transaction): pick, lease, and mark the jobs running.
        let claimed = try await fetch("""
            WITH picked AS (
              SELECT s.job_id, s.idx FROM sample s JOIN job j ON j.id = s.job_id
              WHERE s.result IS NULL AND j.status IN ('queued', 'running')
                AND (s.lease_until IS NULL OR s.lease_until <= now()) AND s.attempts < \(policy.maxAttempts)
              ORDER BY s.job_seq, s.idx LIMIT \(limit)
              FOR UPDATE OF s SKIP LOCKED),
            leased AS (
              UPDATE sample s SET lease_owner = \(worker), lease_until = now() + make_interval(secs => \(policy.leaseSeconds)),
                attempts = s.attempts + 1
              FROM picked, job j WHERE s.job_id = picked.job_id AND s.idx = picked.idx AND j.id = s.job_id
              RETURNING s.job_id, s.idx, s.task_id, s.completion, j.benchmark, j.timeout_s, s.attempts),
            started AS (
              UPDATE job SET status = 'running' WHERE status = 'queued' AND id IN (SELECT job_id FROM leased))
            SELECT job_id, idx::int8, task_id, completion, benchmark, timeout_s, attempts::int8 FROM leased
            ORDER BY job_id, idx
            """).map { row in
            let r = try row.decode((String, Int, String, String, String, Double, Int).self)
            return ClaimedSample(jobID: r.0, index: r.1, taskID: r.2, completion: r.3, benchmark: r.4,
                                 timeoutSeconds: r.5, attempts: r.6)
        }
        // Parking scans for exhausted samples: only worth it when the queue ran short, not on every full claim.
        if claimed.count < limit { try await parkPoison(maxAttempts: policy.maxAttempts) }
        return claimed
    }

    func parkPoison(maxAttempts: Int) async throws {
        try await transaction { conn, logger in try await Self.parkPoison(conn, logger: logger, maxAttempts: maxAttempts) }
    }

    static func parkPoison(_ conn: PostgresConnection, logger: Logger, maxAttempts: Int) async throws {
        var parked: [(String, String)] = []
        let rows = try await conn.query("""
            SELECT DISTINCT ON (s.job_id) s.job_id, s.idx::int8, s.task_id, s.attempts::int8, s.last_error
            FROM sample s JOIN job j ON j.id = s.job_id
            WHERE s.result IS NULL AND s.attempts >= \(maxAttempts) AND j.status IN ('queued', 'running')
              AND (s.lease_until IS NULL OR s.lease_until <= now())
            ORDER BY s.job_id, s.idx
            """, logger: logger)
        for try await r in rows.decode((String, Int, String, Int, String?).self) {
            parked.append((r.0, JobColumns.parkedMessage(index: r.1, taskID: r.2, attempts: r.3, lastError: r.4)))
        }
        for (id, message) in parked {
            try await conn.query("""
                UPDATE job SET status = 'failed', error = \(message), finished_at = now()
                WHERE id = \(id) AND status IN ('queued', 'running')
                """, logger: logger)
        }
    }

    @discardableResult
    public func renew(worker: String, policy: LeasePolicy) async throws -> Int {
        // Renewal runs every lease / 3 on every runner: it also parks poison samples while the queue stays full.
        try await parkPoison(maxAttempts: policy.maxAttempts)
        return try await fetch("""
            UPDATE sample SET lease_until = now() + make_interval(secs => \(policy.leaseSeconds))
            WHERE lease_owner = \(worker) AND result IS NULL
              AND job_id IN (SELECT id FROM job WHERE status IN ('queued', 'running'))
            RETURNING idx::int8
            """).map { try $0.decode(Int.self) }.count
    }

    @discardableResult
    public func record(_ sample: ClaimedSample, verdict: SampleVerdict, worker: String) async throws -> Bool {
        try await fetch("""
            UPDATE sample SET result = \(verdict.result), passed = \(verdict.passed), verdict_by = \(worker),
              finished_at = now(), lease_owner = NULL, lease_until = NULL
            WHERE job_id = \(sample.jobID) AND idx = \(sample.index) AND result IS NULL
            RETURNING idx::int8
            """).map { try $0.decode(Int.self) }.count == 1
    }

    public func release(_ sample: ClaimedSample, worker: String, error: String) async throws {
        try await run("""
            UPDATE sample SET lease_owner = NULL, lease_until = NULL, last_error = \(error)
            WHERE job_id = \(sample.jobID) AND idx = \(sample.index) AND result IS NULL AND lease_owner = \(worker)
            """)
    }

    public func finalizable(jobID: String?) async throws -> [(id: String, ks: [Int])] {
        try await fetch("""
            SELECT id, ks FROM job j WHERE status IN ('queued', 'running') AND (\(jobID)::text IS NULL OR id = \(jobID))
              AND NOT EXISTS (SELECT 1 FROM sample s WHERE s.job_id = j.id AND s.result IS NULL)
            ORDER BY seq
            """).map { try $0.decode((String, String).self) }.map { (id: $0.0, ks: JobColumns.ks($0.1)) }
    }

    public func taskCounts(jobID: String) async throws -> [(n: Int, c: Int)] {
        try await fetch("""
            SELECT count(*)::int8, count(*) FILTER (WHERE passed)::int8 FROM sample
            WHERE job_id = \(jobID) AND result IS NOT NULL GROUP BY task_id ORDER BY task_id
            """).map { try $0.decode((Int, Int).self) }.map { (n: $0.0, c: $0.1) }
    }

    public func finish(jobID: String, passAtK: [Int: Double], worker: String) async throws -> Bool {
        // Concurrent finishers queue on the row lock; the later one re-reads the status and updates nothing.
        try await fetch("""
            UPDATE job j SET status = 'done', pass_at_k = \(JobColumns.passAtK(passAtK)), finalized_by = \(worker),
              finished_at = now()
            WHERE id = \(jobID) AND status IN ('queued', 'running')
              AND NOT EXISTS (SELECT 1 FROM sample s WHERE s.job_id = j.id AND s.result IS NULL)
            RETURNING id
            """).map { try $0.decode(String.self) }.count == 1
    }

    /// Calls `wake` whenever a job is submitted anywhere, until cancelled (the runner's poll covers any gap).
    public func listenForWork(_ wake: @escaping @Sendable () async -> Void) async {
        await db.listen(on: Self.workChannel, wake)
    }

    // MARK: executions

    @discardableResult
    public func recordExecution(owner: String?, outcome: ExecutionOutcome) async throws -> Int64 {
        let status = outcome.status, wall = outcome.wallSeconds, text = outcome.execution.serialized()
        return Int64(try await fetch("""
            INSERT INTO execution (owner, status, wall_s, execution) VALUES (\(owner), \(status), \(wall), \(text))
            RETURNING id
            """).map { try $0.decode(Int.self) }.first ?? 0)
    }

    public func executionCount() async throws -> Int {
        try await fetch("SELECT count(*)::int8 FROM execution").map { try $0.decode(Int.self) }.first ?? 0
    }

    @discardableResult
    public func prune(before cutoff: Double) async throws -> (executions: Int, jobs: Int) {
        try await transaction { conn, logger in
            var e = 0, j = 0
            for try await n in try await conn.query("""
                WITH d AS (DELETE FROM execution WHERE created_at < to_timestamp(\(cutoff)) RETURNING 1) SELECT count(*)::int8 FROM d
                """, logger: logger).decode(Int.self) { e = n }
            for try await n in try await conn.query("""
                WITH d AS (DELETE FROM job WHERE status IN ('done', 'cancelled', 'failed') AND finished_at < to_timestamp(\(cutoff))
                  RETURNING 1) SELECT count(*)::int8 FROM d
                """, logger: logger).decode(Int.self) { j = n }
            return (e, j)
        }
    }
}

extension PostgresJobStore: SharedKeyLimits {
    /// Three statements in one transaction, every request on `/v1`: the bucket refilled by the time passed on the
    /// database clock (the upsert locks the key's row, so concurrent admissions of one key queue here), the slots
    /// still in flight counted (expired ones removed), then a token and a slot taken, or the answer says which limit
    /// was hit.
    public func admit(key: String, ratePerSecond: Double, maxConcurrent: Int, holdSeconds: Double) async throws -> KeyLimiter.Admission {
        let burst = KeyLimiter.burst(ratePerSecond)
        let slot = UUID().uuidString
        return try await transaction { conn, logger in
            var tokens = burst
            for try await t in try await conn.query("""
                INSERT INTO key_bucket (key, tokens, at) VALUES (\(key), \(burst), now())
                ON CONFLICT (key) DO UPDATE SET
                  tokens = LEAST(\(burst), key_bucket.tokens + extract(epoch FROM now() - key_bucket.at)::float8 * \(ratePerSecond)),
                  at = now()
                RETURNING tokens
                """, logger: logger).decode(Double.self) { tokens = t }
            if tokens < 1 { return .rateLimited(retryAfter: max(1, Int(((1 - tokens) / ratePerSecond).rounded(.up)))) }
            var inFlight = 0
            for try await n in try await conn.query("""
                WITH expired AS (DELETE FROM key_slot WHERE key = \(key) AND until <= now())
                SELECT count(*)::int8 FROM key_slot WHERE key = \(key) AND until > now()
                """, logger: logger).decode(Int.self) { inFlight = n }
            if inFlight >= maxConcurrent { return .tooManyConcurrent }
            try await conn.query("""
                WITH taken AS (UPDATE key_bucket SET tokens = tokens - 1 WHERE key = \(key))
                INSERT INTO key_slot (slot, key, until) VALUES (\(slot), \(key), now() + make_interval(secs => \(holdSeconds)))
                """, logger: logger)
            return .ok(slot: slot)
        }
    }

    public func release(slot: String) async throws {
        try await run("DELETE FROM key_slot WHERE slot = \(slot)")
    }
}
