import Datasets
import Foundation
import GRDB
import Store

/// Jobs, samples and finished executions in SQLite (WAL). Everything is written in a transaction *before*
/// the client or the job runner treats it as done, so a `kill -9` loses at most work in flight. Writers are
/// serialised by SQLite itself, so a claim is atomic without row locks; several processes on one host may share
/// the file, replicas on several hosts need the PostgreSQL store.
public final class SQLiteJobStore: JobQueueStore {
    public let pool: DatabasePool
    public var backend: String { "sqlite" }

    /// The database clock (seconds since 1970, sub-second): leases compare against it, never a process's clock.
    static let now = "((julianday('now') - 2440587.5) * 86400.0)"

    public init(path: String) throws {
        var config = Configuration()
        config.busyMode = .timeout(10)
        // WAL + synchronous=FULL: a committed transaction survives a process kill and a power cut.
        config.prepareDatabase { db in try db.execute(sql: "PRAGMA synchronous = FULL") }
        pool = try DatabasePool(path: path, configuration: config)
        // Processes opening a new file together race on the first migration; the loser's transaction rolls back
        // (table exists, or a stale snapshot) and its retry finds the migration applied.
        for attempt in 1... {
            do { try Self.migrator.migrate(pool); break } catch where attempt < 5 { Thread.sleep(forTimeInterval: 0.05) }
        }
    }

    /// Applied in order, each once (GRDB records them in `grdb_migrations`); a file from an older version upgrades.
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1") { db in
            try db.execute(sql: """
                CREATE TABLE job (
                  id TEXT PRIMARY KEY, benchmark TEXT NOT NULL, ks TEXT NOT NULL, timeout_s REAL NOT NULL,
                  status TEXT NOT NULL, created_at REAL NOT NULL, finished_at REAL, total INTEGER NOT NULL,
                  pass_at_k TEXT, error TEXT, owner TEXT);
                CREATE TABLE sample (
                  job_id TEXT NOT NULL REFERENCES job(id) ON DELETE CASCADE, idx INTEGER NOT NULL,
                  task_id TEXT NOT NULL, completion TEXT NOT NULL, fields TEXT NOT NULL,
                  result TEXT, passed INTEGER, finished_at REAL,
                  PRIMARY KEY (job_id, idx));
                CREATE INDEX sample_pending ON sample(job_id, idx) WHERE result IS NULL;
                CREATE TABLE execution (
                  id INTEGER PRIMARY KEY AUTOINCREMENT, created_at REAL NOT NULL, owner TEXT,
                  status TEXT NOT NULL, wall_s REAL NOT NULL, execution TEXT NOT NULL);
                """)
        }
        // Samples become leased work units: who holds one, until when (database clock), how often it was claimed.
        migrator.registerMigration("v2-leases") { db in
            try db.execute(sql: """
                ALTER TABLE sample ADD COLUMN lease_owner TEXT;
                ALTER TABLE sample ADD COLUMN lease_until REAL;
                ALTER TABLE sample ADD COLUMN attempts INTEGER NOT NULL DEFAULT 0;
                ALTER TABLE sample ADD COLUMN last_error TEXT;
                ALTER TABLE sample ADD COLUMN verdict_by TEXT;
                ALTER TABLE job ADD COLUMN finalized_by TEXT;
                """)
        }
        return migrator
    }

    /// The migrations applied to the file at `path` (creating it if needed), in order.
    public static func migrate(path: String) throws -> [String] {
        let store = try SQLiteJobStore(path: path)
        return try store.pool.read { db in try migrator.appliedIdentifiers(db).sorted() }
    }

    public func ping() async throws {
        let mode = try await pool.read { db in try String.fetchOne(db, sql: "PRAGMA journal_mode") }
        guard mode == "wal" else { throw StoreUnavailable("SQLite journal mode is \(mode ?? "?"), not wal") }
    }

    @discardableResult
    public func prune(before cutoff: Double) async throws -> (executions: Int, jobs: Int) {
        try await pool.write { db in
            try db.execute(sql: "DELETE FROM execution WHERE created_at < ?", arguments: [cutoff])
            let executions = db.changesCount
            try db.execute(sql: "DELETE FROM job WHERE status IN ('done', 'cancelled', 'failed') AND finished_at < ?",
                           arguments: [cutoff])
            return (executions, db.changesCount)
        }
    }

    // MARK: jobs

    public func createJob(id: String, benchmark: String, ks: [Int], timeoutSeconds: Double, owner: String?,
                          samples: [(taskID: String, completion: String, fields: JSONObject)]) async throws {
        try await pool.write { db in
            try db.execute(
                sql: "INSERT INTO job (id, benchmark, ks, timeout_s, status, created_at, total, owner) VALUES (?,?,?,?,?,\(Self.now),?,?)",
                arguments: [id, benchmark, JobColumns.ks(ks), timeoutSeconds, JobStatus.queued.rawValue, samples.count, owner])
            let stmt = try db.makeStatement(
                sql: "INSERT INTO sample (job_id, idx, task_id, completion, fields) VALUES (?,?,?,?,?)")
            for (i, s) in samples.enumerated() {
                try stmt.execute(arguments: [id, i, s.taskID, s.completion, s.fields.serialized()])
            }
        }
    }

    public func job(_ id: String) async throws -> JobRecord? {
        try await pool.read { db in
            guard let row = try Row.fetchOne(db, sql: "SELECT * FROM job WHERE id = ?", arguments: [id]) else {
                return nil
            }
            let counts = try Row.fetchOne(
                db,
                sql: "SELECT COUNT(result), COALESCE(SUM(passed), 0) FROM sample WHERE job_id = ?",
                arguments: [id])
            let statusText: String = row["status"]
            return JobRecord(
                id: row["id"], benchmark: row["benchmark"], ks: JobColumns.ks(row["ks"]),
                timeoutSeconds: row["timeout_s"], status: JobStatus(rawValue: statusText) ?? .failed,
                createdAt: row["created_at"], finishedAt: row["finished_at"], total: row["total"],
                finished: counts?[0] ?? 0, passed: counts?[1] ?? 0, passAtK: JobColumns.passAtK(row["pass_at_k"]),
                error: row["error"], owner: row["owner"])
        }
    }

    public func pendingSampleCount() async throws -> Int {
        try await pool.read { db in
            try Int.fetchOne(
                db,
                sql: """
                    SELECT COUNT(*) FROM sample JOIN job ON job.id = sample.job_id
                    WHERE sample.result IS NULL AND job.status IN ('queued', 'running')
                    """) ?? 0
        }
    }

    @discardableResult
    public func cancel(_ id: String) async throws -> Bool {
        try await pool.write { db in
            try db.execute(
                sql: "UPDATE job SET status = 'cancelled', finished_at = \(Self.now) WHERE id = ? AND status IN ('queued', 'running')",
                arguments: [id])
            return db.changesCount == 1
        }
    }

    public func results(jobID: String, after index: Int, limit: Int) async throws -> [SampleRow] {
        try await pool.read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT idx, task_id, completion, fields, result, passed FROM sample
                    WHERE job_id = ? AND idx > ? AND result IS NOT NULL ORDER BY idx LIMIT ?
                    """,
                arguments: [jobID, index, limit]
            ).map { row in
                SampleRow(index: row[0], taskID: row[1], completion: row[2], fields: JobColumns.fields(row[3]),
                          result: row[4], passed: row[5])
            }
        }
    }

    // MARK: the work queue

    public func claim(worker: String, limit: Int, policy: LeasePolicy) async throws -> [ClaimedSample] {
        guard limit > 0 else { return [] }
        return try await pool.write { db in
            let claimed = try Row.fetchAll(
                db,
                sql: """
                    UPDATE sample SET lease_owner = ?, lease_until = \(Self.now) + ?, attempts = attempts + 1
                    WHERE rowid IN (
                      SELECT sample.rowid FROM sample JOIN job ON job.id = sample.job_id
                      WHERE sample.result IS NULL AND job.status IN ('queued', 'running')
                        AND (sample.lease_until IS NULL OR sample.lease_until <= \(Self.now))
                        AND sample.attempts < ?
                      ORDER BY job.created_at, job.rowid, sample.idx LIMIT ?)
                    RETURNING job_id, idx, task_id, completion, attempts
                    """,
                arguments: [worker, policy.leaseSeconds, policy.maxAttempts, limit])
            var jobs: [String: (benchmark: String, timeout: Double)] = [:]
            for id in Set(claimed.map { $0[0] as String }) {
                try db.execute(sql: "UPDATE job SET status = 'running' WHERE id = ? AND status = 'queued'", arguments: [id])
                if let row = try Row.fetchOne(db, sql: "SELECT benchmark, timeout_s FROM job WHERE id = ?", arguments: [id]) {
                    jobs[id] = (row[0], row[1])
                }
            }
            // Parking scans for exhausted samples: only worth it when the queue ran short, not on every full claim.
            if claimed.count < limit { try Self.parkPoison(db, maxAttempts: policy.maxAttempts) }
            return claimed.compactMap { r in
                guard let job = jobs[r[0]] else { return nil }
                return ClaimedSample(jobID: r[0], index: r[1], taskID: r[2], completion: r[3], benchmark: job.benchmark,
                                     timeoutSeconds: job.timeout, attempts: r[4])
            }.sorted { ($0.jobID, $0.index) < ($1.jobID, $1.index) }
        }
    }

    /// Fails every active job holding a sample that used up its claims without a verdict and whose last lease is over
    /// (its worker died or gave it back), naming the sample.
    static func parkPoison(_ db: Database, maxAttempts: Int) throws {
        let poisoned = try Row.fetchAll(
            db,
            sql: """
                SELECT sample.job_id, sample.idx, sample.task_id, sample.attempts, sample.last_error
                FROM sample JOIN job ON job.id = sample.job_id
                WHERE sample.result IS NULL AND sample.attempts >= ? AND job.status IN ('queued', 'running')
                  AND (sample.lease_until IS NULL OR sample.lease_until <= \(now))
                ORDER BY sample.job_id, sample.idx
                """,
            arguments: [maxAttempts])
        for r in poisoned {
            try db.execute(
                sql: """
                    UPDATE job SET status = 'failed', error = ?, finished_at = \(now)
                    WHERE id = ? AND status IN ('queued', 'running')
                    """,
                arguments: [JobColumns.parkedMessage(index: r[1], taskID: r[2], attempts: r[3], lastError: r[4]), r[0] as String])
        }
    }

    @discardableResult
    public func renew(worker: String, policy: LeasePolicy) async throws -> Int {
        try await pool.write { db in
            // Renewal runs every lease / 3 on every runner: it also parks poison samples while the queue stays full.
            try Self.parkPoison(db, maxAttempts: policy.maxAttempts)
            try db.execute(
                sql: """
                    UPDATE sample SET lease_until = \(Self.now) + ?
                    WHERE lease_owner = ? AND result IS NULL
                      AND job_id IN (SELECT id FROM job WHERE status IN ('queued', 'running'))
                    """,
                arguments: [policy.leaseSeconds, worker])
            return db.changesCount
        }
    }

    @discardableResult
    public func record(_ sample: ClaimedSample, verdict: SampleVerdict, worker: String) async throws -> Bool {
        try await pool.write { db in
            try db.execute(
                sql: """
                    UPDATE sample SET result = ?, passed = ?, finished_at = \(Self.now), verdict_by = ?,
                      lease_owner = NULL, lease_until = NULL
                    WHERE job_id = ? AND idx = ? AND result IS NULL
                    """,
                arguments: [verdict.result, verdict.passed, worker, sample.jobID, sample.index])
            return db.changesCount == 1
        }
    }

    public func release(_ sample: ClaimedSample, worker: String, error: String) async throws {
        try await pool.write { db in
            try db.execute(
                sql: """
                    UPDATE sample SET lease_until = NULL, lease_owner = NULL, last_error = ?
                    WHERE job_id = ? AND idx = ? AND result IS NULL AND lease_owner = ?
                    """,
                arguments: [error, sample.jobID, sample.index, worker])
        }
    }

    public func finalizable(jobID: String?) async throws -> [(id: String, ks: [Int])] {
        try await pool.read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT id, ks FROM job WHERE status IN ('queued', 'running') AND (? IS NULL OR id = ?)
                      AND NOT EXISTS (SELECT 1 FROM sample WHERE sample.job_id = job.id AND sample.result IS NULL)
                    ORDER BY created_at, rowid
                    """,
                arguments: [jobID, jobID]
            ).map { (id: $0[0], ks: JobColumns.ks($0[1])) }
        }
    }

    public func taskCounts(jobID: String) async throws -> [(n: Int, c: Int)] {
        try await pool.read { db in
            try Row.fetchAll(
                db,
                sql: "SELECT COUNT(*), SUM(passed) FROM sample WHERE job_id = ? AND result IS NOT NULL GROUP BY task_id ORDER BY task_id",
                arguments: [jobID]
            ).map { (n: $0[0], c: $0[1]) }
        }
    }

    public func finish(jobID: String, passAtK: [Int: Double], worker: String) async throws -> Bool {
        try await pool.write { db in
            try db.execute(
                sql: """
                    UPDATE job SET status = 'done', pass_at_k = ?, finalized_by = ?, finished_at = \(Self.now)
                    WHERE id = ? AND status IN ('queued', 'running')
                      AND NOT EXISTS (SELECT 1 FROM sample WHERE sample.job_id = job.id AND sample.result IS NULL)
                    """,
                arguments: [JobColumns.passAtK(passAtK), worker, jobID])
            return db.changesCount == 1
        }
    }

    // MARK: executions

    @discardableResult
    public func recordExecution(owner: String?, outcome: ExecutionOutcome) async throws -> Int64 {
        try await pool.write { db in
            try db.execute(
                sql: "INSERT INTO execution (created_at, owner, status, wall_s, execution) VALUES (\(Self.now),?,?,?,?)",
                arguments: [owner, outcome.status, outcome.wallSeconds, outcome.execution.serialized()])
            return db.lastInsertedRowID
        }
    }

    public func executionCount() async throws -> Int {
        try await pool.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM execution") ?? 0 }
    }
}
