import Foundation
import GRDB
import Store

/// SQLite (WAL) store of runs, samples and verdicts. Every sample and verdict is its own committed transaction,
/// so a run killed at any moment keeps everything it finished; (run, task, index) keys make repeats impossible.
/// Writers are serialised by SQLite itself, so a claim is atomic without row locks: several processes on one host
/// may share the file (workers of a detached run), workers on several hosts need the PostgreSQL store.
public final class SQLiteRunStore: RunStore {
    public let path: String
    let pool: DatabasePool
    public var location: String { path }

    /// `~/.cache/codeeval/runs.sqlite` (honours `XDG_CACHE_HOME`).
    public static func defaultPath(environment: [String: String] = ProcessInfo.processInfo.environment) -> String {
        let cache = environment["XDG_CACHE_HOME"].map { URL(fileURLWithPath: $0) }
            ?? FileManager.default.homeDirectoryForCurrentUser.appendingPathComponent(".cache")
        return cache.appendingPathComponent("codeeval/runs.sqlite").path
    }

    public init(path: String) throws {
        self.path = path
        let dir = URL(fileURLWithPath: path).deletingLastPathComponent()
        do {
            try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
            var config = Configuration()
            config.busyMode = .timeout(10)
            pool = try DatabasePool(path: path, configuration: config)
            // The service's job store keeps its own migrations under the same names in the same GRDB table: one
            // file cannot hold both, and migrating a job file as a run file would corrupt neither loudly.
            let jobFile = try pool.read { db in (try db.tableExists("job"), try db.tableExists("runs")) }
            if jobFile == (true, false) {
                throw RunStoreError("it is a job store (codeeval serve's); give runs their own file")
            }
            // Processes opening a new file together race on the first migration; the loser's transaction rolls back
            // and its retry finds the migration applied.
            for attempt in 1... {
                do { try Self.migrator.migrate(pool); break } catch where attempt < 5 { Thread.sleep(forTimeInterval: 0.05) }
            }
        } catch {
            throw RunStoreError("cannot open run store \(path): \(error)")
        }
    }

    static var migrator: DatabaseMigrator {
        var m = DatabaseMigrator()
        m.registerMigration("v1") { db in
            try db.execute(sql: """
                CREATE TABLE runs (
                    id TEXT PRIMARY KEY,
                    created_at TEXT NOT NULL,
                    status TEXT NOT NULL,
                    benchmark TEXT NOT NULL,
                    model TEXT NOT NULL,
                    profile TEXT NOT NULL,
                    manifest TEXT NOT NULL,
                    wall_seconds REAL NOT NULL DEFAULT 0
                );
                CREATE TABLE samples (
                    run_id TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
                    task_id TEXT NOT NULL,
                    sample_index INTEGER NOT NULL,
                    completion TEXT NOT NULL,
                    raw_text TEXT NOT NULL,
                    finish_reason TEXT NOT NULL,
                    tokens INTEGER NOT NULL,
                    prompt_tokens INTEGER NOT NULL,
                    prompt_ms REAL NOT NULL,
                    decode_ms REAL NOT NULL,
                    seed TEXT NOT NULL,
                    created_at TEXT NOT NULL,
                    PRIMARY KEY (run_id, task_id, sample_index)
                );
                CREATE TABLE verdicts (
                    run_id TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
                    task_id TEXT NOT NULL,
                    sample_index INTEGER NOT NULL,
                    status TEXT NOT NULL,
                    passed INTEGER NOT NULL,
                    detail TEXT NOT NULL,
                    duration_ms REAL NOT NULL,
                    PRIMARY KEY (run_id, task_id, sample_index)
                );
                """)
        }
        // The API key that started a run over HTTP (nil for the CLI): the service shows a run to its owner only.
        m.registerMigration("v2-owner") { db in
            try db.execute(sql: "ALTER TABLE runs ADD COLUMN owner TEXT")
        }
        // Detached runs: one unit per sample, leased on the database clock to the worker generating or judging it;
        // who stored each result; why a run failed.
        m.registerMigration("v3-units") { db in
            try db.execute(sql: """
                ALTER TABLE runs ADD COLUMN generator TEXT;
                ALTER TABLE runs ADD COLUMN error TEXT;
                ALTER TABLE runs ADD COLUMN finalized_by TEXT;
                ALTER TABLE samples ADD COLUMN generated_by TEXT;
                ALTER TABLE verdicts ADD COLUMN judged_by TEXT;
                CREATE TABLE run_units (
                    run_id TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
                    ord INTEGER NOT NULL,
                    task_id TEXT NOT NULL,
                    sample_index INTEGER NOT NULL,
                    stage TEXT NOT NULL,
                    lease_owner TEXT,
                    lease_until REAL,
                    attempts INTEGER NOT NULL DEFAULT 0,
                    last_error TEXT,
                    PRIMARY KEY (run_id, ord),
                    UNIQUE (run_id, task_id, sample_index)
                );
                CREATE INDEX run_units_todo ON run_units (stage, run_id, ord) WHERE stage <> 'done';
                """)
        }
        return m
    }

    static func now() -> String { ISO8601DateFormatter().string(from: Date()) }

    public func createRun(id: String, manifest: RunManifest, owner: String?, detached: Bool) async throws -> String {
        let json = try manifest.json()
        try await pool.write { db in
            try db.execute(sql: """
                INSERT INTO runs (id, created_at, status, benchmark, model, profile, manifest, owner, generator)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                """, arguments: [id, Self.now(), detached ? "queued" : "running", manifest.benchmark, manifest.model,
                                 manifest.profile, json, owner, manifest.generatorKey])
            guard detached else { return }
            let stmt = try db.makeStatement(sql: "INSERT INTO run_units (run_id, ord, task_id, sample_index, stage) VALUES (?, ?, ?, ?, 'generate')")
            for (ord, unit) in manifest.units.enumerated() { try stmt.execute(arguments: [id, ord, unit.taskID, unit.index]) }
        }
        return id
    }

    public func setStatus(_ id: String, status: String, addWallSeconds: Double) async throws {
        try await pool.write { db in
            try db.execute(sql: "UPDATE runs SET status = ?, wall_seconds = wall_seconds + ? WHERE id = ?",
                           arguments: [status, addWallSeconds, id])
        }
    }

    public func cancelRun(_ id: String) async throws -> Bool {
        try await pool.write { db in
            try db.execute(sql: "UPDATE runs SET status = 'cancelled' WHERE id = ? AND status IN ('queued', 'running', 'interrupted')",
                           arguments: [id])
            return db.changesCount == 1
        }
    }

    public func insertSample(runID: String, _ s: StoredSample, by worker: String?) async throws -> Bool {
        try await pool.write { db in try Self.insert(s, runID: runID, by: worker, db) }
    }

    public func insertScored(runID: String, _ s: StoredSample, _ v: StoredVerdict) async throws {
        try await pool.write { db in
            try Self.insert(s, runID: runID, by: nil, db)
            try Self.insert(v, runID: runID, by: nil, db)
        }
    }

    @discardableResult
    static func insert(_ s: StoredSample, runID: String, by worker: String?, _ db: Database) throws -> Bool {
        try db.execute(sql: """
            INSERT OR IGNORE INTO samples (run_id, task_id, sample_index, completion, raw_text, finish_reason, tokens,
                prompt_tokens, prompt_ms, decode_ms, seed, created_at, generated_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """, arguments: [runID, s.taskID, s.index, s.completion, s.rawText, s.finishReason, s.tokens,
                             s.promptTokens, s.promptMs, s.decodeMs, String(s.seed), Self.now(), worker])
        let inserted = db.changesCount > 0
        try db.execute(sql: """
            UPDATE run_units SET stage = 'judge', lease_owner = NULL, lease_until = NULL, attempts = 0, last_error = NULL
            WHERE run_id = ? AND task_id = ? AND sample_index = ? AND stage = 'generate'
            """, arguments: [runID, s.taskID, s.index])
        return inserted
    }

    @discardableResult
    static func insert(_ v: StoredVerdict, runID: String, by worker: String?, _ db: Database) throws -> Bool {
        try db.execute(sql: """
            INSERT OR IGNORE INTO verdicts (run_id, task_id, sample_index, status, passed, detail, duration_ms, judged_by)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?)
            """, arguments: [runID, v.taskID, v.index, v.status, v.passed ? 1 : 0, v.detail, v.durationMs, worker])
        let inserted = db.changesCount > 0
        try db.execute(sql: """
            UPDATE run_units SET stage = 'done', lease_owner = NULL, lease_until = NULL, last_error = NULL
            WHERE run_id = ? AND task_id = ? AND sample_index = ? AND stage <> 'done'
            """, arguments: [runID, v.taskID, v.index])
        return inserted
    }

    public func insertVerdict(runID: String, _ v: StoredVerdict, by worker: String?) async throws -> Bool {
        try await pool.write { db in try Self.insert(v, runID: runID, by: worker, db) }
    }

    public func run(_ id: String) async throws -> RunInfo {
        let found = try await pool.read { db in
            try Row.fetchOne(db, sql: "SELECT * FROM runs WHERE id = ?", arguments: [id]).map(SQLiteRunStore.info)
        }
        guard let info = found else { throw unknownRun(id) }
        return info
    }

    public func runs() async throws -> [RunInfo] {
        try await pool.read { db in try Row.fetchAll(db, sql: "SELECT * FROM runs ORDER BY rowid").map(SQLiteRunStore.info) }
    }

    static func info(_ row: Row) throws -> RunInfo {
        try RunInfo(id: row["id"], createdAt: row["created_at"], status: row["status"], manifestJSON: row["manifest"],
                    wallSeconds: row["wall_seconds"], owner: row["owner"], error: row["error"])
    }

    public func samples(_ runID: String) async throws -> [StoredSample] {
        try await pool.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM samples WHERE run_id = ? ORDER BY rowid", arguments: [runID]).map(SQLiteRunStore.sample)
        }
    }

    public func sample(_ runID: String, taskID: String, index: Int) async throws -> StoredSample? {
        try await pool.read { db in
            try Row.fetchOne(db, sql: "SELECT * FROM samples WHERE run_id = ? AND task_id = ? AND sample_index = ?",
                             arguments: [runID, taskID, index]).map(SQLiteRunStore.sample)
        }
    }

    static func sample(_ r: Row) -> StoredSample {
        StoredSample(taskID: r["task_id"], index: r["sample_index"], completion: r["completion"], rawText: r["raw_text"],
                     finishReason: r["finish_reason"], tokens: r["tokens"], promptTokens: r["prompt_tokens"],
                     promptMs: r["prompt_ms"], decodeMs: r["decode_ms"], seedText: r["seed"])
    }

    public func verdicts(_ runID: String) async throws -> [StoredVerdict] {
        try await pool.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM verdicts WHERE run_id = ? ORDER BY rowid", arguments: [runID]).map { r in
                StoredVerdict(taskID: r["task_id"], index: r["sample_index"], status: r["status"],
                              passed: (r["passed"] as Int) != 0, detail: r["detail"], durationMs: r["duration_ms"])
            }
        }
    }

    public func counts(_ runID: String) async throws -> RunCounts {
        try await pool.read { db in
            let s = try Int.fetchOne(db, sql: "SELECT count(*) FROM samples WHERE run_id = ?", arguments: [runID]) ?? 0
            let v = try Row.fetchOne(db, sql: "SELECT count(*), coalesce(sum(passed), 0) FROM verdicts WHERE run_id = ?",
                                     arguments: [runID])
            return RunCounts(samples: s, verdicts: v?[0] ?? 0, passed: v?[1] ?? 0)
        }
    }

    // MARK: the work queue of detached runs

    /// The database clock (seconds since 1970, sub-second): leases compare against it, never a process's clock.
    static let clock = "((julianday('now') - 2440587.5) * 86400.0)"

    public func claimUnits(worker: String, stage: RunStage, generator: String?, limit: Int, policy: LeasePolicy) async throws -> [RunUnit] {
        guard limit > 0 else { return [] }
        let claimed = try await pool.write { db -> [RunUnit] in
            let rows = try Row.fetchAll(db, sql: """
                SELECT u.run_id, u.ord, u.task_id, u.sample_index, u.attempts FROM run_units u JOIN runs r ON r.id = u.run_id
                WHERE u.stage = ? AND r.status IN ('queued', 'running') AND (? IS NULL OR r.generator = ?)
                  AND (u.lease_until IS NULL OR u.lease_until <= \(Self.clock)) AND u.attempts < ?
                ORDER BY r.created_at, r.id, u.ord LIMIT ?
                """, arguments: [stage.rawValue, generator, generator, policy.maxAttempts, limit])
            var units: [RunUnit] = []
            for row in rows {
                let runID: String = row["run_id"], ord: Int = row["ord"]
                try db.execute(sql: """
                    UPDATE run_units SET lease_owner = ?, lease_until = \(Self.clock) + ?, attempts = attempts + 1
                    WHERE run_id = ? AND ord = ?
                    """, arguments: [worker, policy.leaseSeconds, runID, ord])
                try db.execute(sql: "UPDATE runs SET status = 'running' WHERE id = ? AND status = 'queued'", arguments: [runID])
                units.append(RunUnit(runID: runID, taskID: row["task_id"], index: row["sample_index"], stage: stage,
                                     attempts: (row["attempts"] as Int) + 1))
            }
            return units
        }
        if claimed.count < limit { try await parkExhausted(policy: policy) }
        return claimed
    }

    func parkExhausted(policy: LeasePolicy) async throws {
        try await pool.write { db in
            let rows = try Row.fetchAll(db, sql: """
                SELECT u.run_id, u.task_id, u.sample_index, u.stage, u.attempts, u.last_error
                FROM run_units u JOIN runs r ON r.id = u.run_id
                WHERE u.stage <> 'done' AND u.attempts >= ? AND r.status IN ('queued', 'running')
                  AND (u.lease_until IS NULL OR u.lease_until <= \(Self.clock))
                ORDER BY u.run_id, u.ord
                """, arguments: [policy.maxAttempts])
            for r in rows {
                let message = RunIDs.parkedMessage(taskID: r["task_id"], index: r["sample_index"], stage: r["stage"],
                                                   attempts: r["attempts"], lastError: r["last_error"])
                try db.execute(sql: "UPDATE runs SET status = 'failed', error = ? WHERE id = ? AND status IN ('queued', 'running')",
                               arguments: [message, r["run_id"] as String])
            }
        }
    }

    @discardableResult
    public func renewUnits(worker: String, policy: LeasePolicy) async throws -> Int {
        try await parkExhausted(policy: policy)
        return try await pool.write { db in
            try db.execute(sql: """
                UPDATE run_units SET lease_until = \(Self.clock) + ?
                WHERE lease_owner = ? AND stage <> 'done'
                  AND run_id IN (SELECT id FROM runs WHERE status IN ('queued', 'running'))
                """, arguments: [policy.leaseSeconds, worker])
            return db.changesCount
        }
    }

    public func releaseUnit(_ unit: RunUnit, worker: String, error: String) async throws {
        try await pool.write { db in
            try db.execute(sql: """
                UPDATE run_units SET lease_owner = NULL, lease_until = NULL, last_error = ?
                WHERE run_id = ? AND task_id = ? AND sample_index = ? AND stage = ? AND lease_owner = ?
                """, arguments: [error, unit.runID, unit.taskID, unit.index, unit.stage.rawValue, worker])
        }
    }

    public func finishRuns(worker: String) async throws -> [String] {
        try await pool.write { db in
            let ids = try String.fetchAll(db, sql: """
                SELECT id FROM runs r WHERE status IN ('queued', 'running')
                  AND EXISTS (SELECT 1 FROM run_units u WHERE u.run_id = r.id)
                  AND NOT EXISTS (SELECT 1 FROM run_units u WHERE u.run_id = r.id AND u.stage <> 'done')
                """)
            for id in ids {
                // created_at is ISO 8601 to the second; julianday reads it as UTC.
                try db.execute(sql: """
                    UPDATE runs SET status = 'complete', finalized_by = ?,
                      wall_seconds = max(0, (julianday('now') - julianday(created_at)) * 86400.0)
                    WHERE id = ?
                    """, arguments: [worker, id])
            }
            return ids
        }
    }
}
