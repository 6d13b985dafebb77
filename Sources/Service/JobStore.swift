import Datasets
import Foundation
import GRDB

/// Lifecycle of an evaluation job.
public enum JobStatus: String, Sendable, Codable {
    case queued, running, done, cancelled, failed
    var isFinal: Bool { self == .done || self == .cancelled || self == .failed }
}

public struct JobRecord: Sendable, Equatable {
    public var id: String
    public var benchmark: String
    public var ks: [Int]
    public var timeoutSeconds: Double
    public var status: JobStatus
    public var createdAt: Double
    public var finishedAt: Double?
    public var total: Int
    public var finished: Int
    public var passed: Int
    public var passAtK: [Int: Double]
    public var error: String?
    /// The API key that submitted the job (nil without keys); only that key sees it.
    public var owner: String? = nil
}

/// One submitted sample: its original JSON object is kept so results keep the input's fields and order.
public struct SampleRow: Sendable, Equatable {
    public var index: Int
    public var taskID: String
    public var completion: String
    public var fields: JSONObject
    public var result: String?
    public var passed: Bool?
}

public struct StoreError: Error, CustomStringConvertible {
    public let description: String
}

/// Jobs, samples and finished executions in SQLite (WAL). Everything is written in a transaction *before*
/// the client or the job runner treats it as done, so a `kill -9` loses at most work in flight.
public final class JobStore: Sendable {
    public let pool: DatabasePool

    public init(path: String) throws {
        var config = Configuration()
        config.busyMode = .timeout(10)
        // WAL + synchronous=FULL: a committed transaction survives a process kill and a power cut.
        config.prepareDatabase { db in try db.execute(sql: "PRAGMA synchronous = FULL") }
        pool = try DatabasePool(path: path, configuration: config)
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
        try migrator.migrate(pool)
    }

    /// Retention: deletes executions recorded before `cutoff` (seconds since 1970) and jobs that finished before it,
    /// with their samples. Queued and running jobs stay whatever their age.
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

    public func journalMode() throws -> String {
        try pool.read { db in try String.fetchOne(db, sql: "PRAGMA journal_mode") ?? "?" }
    }

    // MARK: jobs

    public func createJob(id: String, benchmark: String, ks: [Int], timeoutSeconds: Double, owner: String?,
                          samples: [(taskID: String, completion: String, fields: JSONObject)]) async throws {
        let now = Date().timeIntervalSince1970
        try await pool.write { db in
            try db.execute(
                sql: "INSERT INTO job (id, benchmark, ks, timeout_s, status, created_at, total, owner) VALUES (?,?,?,?,?,?,?,?)",
                arguments: [id, benchmark, ks.map(String.init).joined(separator: ","), timeoutSeconds,
                            JobStatus.queued.rawValue, now, samples.count, owner])
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
            return Self.decodeJob(row, finished: counts?[0] ?? 0, passed: counts?[1] ?? 0)
        }
    }

    static func decodeJob(_ row: Row, finished: Int, passed: Int) -> JobRecord {
        let ksText: String = row["ks"]
        let pakText: String? = row["pass_at_k"]
        var pak: [Int: Double] = [:]
        for part in (pakText ?? "").split(separator: ",") {
            let kv = part.split(separator: "=")
            if kv.count == 2, let k = Int(kv[0]), let v = Double(kv[1]) { pak[k] = v }
        }
        let statusText: String = row["status"]
        return JobRecord(
            id: row["id"], benchmark: row["benchmark"], ks: ksText.split(separator: ",").compactMap { Int($0) },
            timeoutSeconds: row["timeout_s"], status: JobStatus(rawValue: statusText) ?? .failed,
            createdAt: row["created_at"], finishedAt: row["finished_at"], total: row["total"],
            finished: finished, passed: passed, passAtK: pak, error: row["error"], owner: row["owner"])
    }

    /// Jobs the runner must (re)start, oldest first: after a restart this resumes interrupted jobs.
    public func unfinishedJobIDs() async throws -> [String] {
        try await pool.read { db in
            try String.fetchAll(
                db, sql: "SELECT id FROM job WHERE status IN ('queued', 'running') ORDER BY created_at, rowid")
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

    public func pendingSamples(jobID: String) async throws -> [SampleRow] {
        try await pool.read { db in
            try Row.fetchAll(
                db, sql: "SELECT idx, task_id, completion FROM sample WHERE job_id = ? AND result IS NULL ORDER BY idx",
                arguments: [jobID]
            ).map { SampleRow(index: $0[0], taskID: $0[1], completion: $0[2], fields: JSONObject(), result: nil, passed: nil) }
        }
    }

    public func setStatus(_ id: String, _ status: JobStatus, error: String? = nil, passAtK: [Int: Double]? = nil)
        async throws
    {
        let finishedAt: Double? = status.isFinal ? Date().timeIntervalSince1970 : nil
        let pak = passAtK.map { $0.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ",") }
        try await pool.write { db in
            // A cancelled job stays cancelled even if the runner finishes its last sample concurrently.
            try db.execute(
                sql: """
                    UPDATE job SET status = ?, error = COALESCE(?, error), pass_at_k = COALESCE(?, pass_at_k),
                    finished_at = COALESCE(?, finished_at) WHERE id = ? AND status NOT IN ('done', 'cancelled', 'failed')
                    """,
                arguments: [status.rawValue, error, pak, finishedAt, id])
        }
    }

    /// Records a sample's verdict once; a second write for the same sample is ignored (returns false).
    @discardableResult
    public func recordResult(jobID: String, index: Int, verdict: SampleVerdict) async throws -> Bool {
        try await pool.write { db in
            try db.execute(
                sql: "UPDATE sample SET result = ?, passed = ?, finished_at = ? WHERE job_id = ? AND idx = ? AND result IS NULL",
                arguments: [verdict.result, verdict.passed, Date().timeIntervalSince1970, jobID, index])
            return db.changesCount == 1
        }
    }

    /// Per task: (n, c) over finished samples.
    public func taskCounts(jobID: String) async throws -> [(n: Int, c: Int)] {
        try await pool.read { db in
            try Row.fetchAll(
                db,
                sql: "SELECT COUNT(*), SUM(passed) FROM sample WHERE job_id = ? AND result IS NOT NULL GROUP BY task_id",
                arguments: [jobID]
            ).map { (n: $0[0], c: $0[1]) }
        }
    }

    /// Finished samples in submission order, `limit` at a time (for streaming results).
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
                let text: String = row[3]
                let fields = (try? JSONParser.parse(text))?.objectValue ?? JSONObject()
                return SampleRow(index: row[0], taskID: row[1], completion: row[2], fields: fields,
                                 result: row[4], passed: row[5])
            }
        }
    }

    // MARK: executions

    @discardableResult
    public func recordExecution(owner: String?, outcome: ExecutionOutcome) async throws -> Int64 {
        try await pool.write { db in
            try db.execute(
                sql: "INSERT INTO execution (created_at, owner, status, wall_s, execution) VALUES (?,?,?,?,?)",
                arguments: [Date().timeIntervalSince1970, owner, outcome.status, outcome.wallSeconds,
                            outcome.execution.serialized()])
            return db.lastInsertedRowID
        }
    }

    public func executionCount() async throws -> Int {
        try await pool.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM execution") ?? 0 }
    }
}
