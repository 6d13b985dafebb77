import Foundation
import Logging
import PostgresNIO
import Store

/// Runs, samples, verdicts and the work queue of detached runs in PostgreSQL, shared by any number of workers and
/// CLI processes. Units are leased with `FOR UPDATE SKIP LOCKED` inside one `UPDATE` (the row locks last for that
/// statement; ownership is the lease column, compared with the server's `now()`), so a dead worker's units come back
/// when its leases expire. Results are inserted with `ON CONFLICT DO NOTHING`: the first committed one wins.
public final class PostgresRunStore: RunStore {
    let db: PostgresStore
    public let location: String

    public init(_ location: PostgresLocation, deadline: Duration = .seconds(10)) async throws {
        db = try await PostgresStore.open(location, deadline: deadline, migrations: Self.migrations)
        self.location = "postgresql database \(location.database) (schema \(location.schema))"
    }

    public func close() { db.close() }

    /// Recorded in `schema_migrations` beside the job tables' versions, under their own names.
    static let migrations: [(version: String, sql: [String])] = [
        ("runs-1", [
            """
            CREATE TABLE run (
              id text PRIMARY KEY, seq bigserial UNIQUE, created_at timestamptz NOT NULL DEFAULT now(),
              status text NOT NULL, benchmark text NOT NULL, model text NOT NULL, profile text NOT NULL,
              manifest text NOT NULL, wall_seconds float8 NOT NULL DEFAULT 0, owner text, generator text, error text,
              finalized_by text)
            """,
            """
            CREATE TABLE run_sample (
              seq bigserial, run_id text NOT NULL REFERENCES run(id) ON DELETE CASCADE, task_id text NOT NULL,
              sample_index int NOT NULL, completion text NOT NULL, raw_text text NOT NULL, finish_reason text NOT NULL,
              tokens int NOT NULL, prompt_tokens int NOT NULL, prompt_ms float8 NOT NULL, decode_ms float8 NOT NULL,
              seed text NOT NULL, created_at timestamptz NOT NULL DEFAULT now(), generated_by text,
              PRIMARY KEY (run_id, task_id, sample_index))
            """,
            """
            CREATE TABLE run_verdict (
              seq bigserial, run_id text NOT NULL REFERENCES run(id) ON DELETE CASCADE, task_id text NOT NULL,
              sample_index int NOT NULL, status text NOT NULL, passed boolean NOT NULL, detail text NOT NULL,
              duration_ms float8 NOT NULL, judged_by text, PRIMARY KEY (run_id, task_id, sample_index))
            """,
            """
            CREATE TABLE run_unit (
              run_id text NOT NULL REFERENCES run(id) ON DELETE CASCADE, run_seq bigint NOT NULL, ord int NOT NULL,
              task_id text NOT NULL, sample_index int NOT NULL,
              stage text NOT NULL CHECK (stage IN ('generate', 'judge', 'done')),
              lease_owner text, lease_until timestamptz, attempts int NOT NULL DEFAULT 0, last_error text,
              PRIMARY KEY (run_id, ord), UNIQUE (run_id, task_id, sample_index))
            """,
            // The claim walks this index in FIFO order; finished units leave it.
            "CREATE INDEX run_unit_todo ON run_unit (stage, run_seq, ord) WHERE stage <> 'done'",
            "ALTER TABLE run_unit SET (autovacuum_vacuum_scale_factor = 0.01, autovacuum_vacuum_threshold = 1000)",
        ]),
    ]

    public func appliedMigrations() async throws -> [String] { try await db.appliedMigrations() }

    public func createRun(id: String, manifest: RunManifest, owner: String?, detached: Bool) async throws -> String {
        let json = try manifest.json(), status = detached ? "queued" : "running", generator = manifest.generatorKey
        let units = detached ? manifest.units : []
        let tasks = units.map { $0.taskID }, indices = units.map { $0.index }, ords = Array(units.indices)
        try await db.transaction { conn, logger in
            var seq = 0
            for try await s in try await conn.query("""
                INSERT INTO run (id, status, benchmark, model, profile, manifest, owner, generator)
                VALUES (\(id), \(status), \(manifest.benchmark), \(manifest.model), \(manifest.profile), \(json), \(owner), \(generator))
                RETURNING seq
                """, logger: logger).decode(Int.self) { seq = s }
            guard detached else { return }
            try await conn.query("""
                INSERT INTO run_unit (run_id, run_seq, ord, task_id, sample_index, stage)
                SELECT \(id), \(seq), o, t, i, 'generate' FROM unnest(\(ords)::int8[], \(tasks)::text[], \(indices)::int8[]) AS u(o, t, i)
                """, logger: logger)
        }
        return id
    }

    public func setStatus(_ id: String, status: String, addWallSeconds: Double) async throws {
        try await db.run("UPDATE run SET status = \(status), wall_seconds = wall_seconds + \(addWallSeconds) WHERE id = \(id)")
    }

    public func cancelRun(_ id: String) async throws -> Bool {
        try await !db.fetch("""
            UPDATE run SET status = 'cancelled' WHERE id = \(id) AND status IN ('queued', 'running', 'interrupted') RETURNING id
            """).isEmpty
    }

    public func insertSample(runID: String, _ s: StoredSample, by worker: String?) async throws -> Bool {
        try await db.transaction { conn, logger in try await Self.insert(s, runID: runID, by: worker, conn, logger) }
    }

    public func insertVerdict(runID: String, _ v: StoredVerdict, by worker: String?) async throws -> Bool {
        try await db.transaction { conn, logger in try await Self.insert(v, runID: runID, by: worker, conn, logger) }
    }

    public func insertScored(runID: String, _ s: StoredSample, _ v: StoredVerdict) async throws {
        try await db.transaction { conn, logger in
            _ = try await Self.insert(s, runID: runID, by: nil, conn, logger)
            _ = try await Self.insert(v, runID: runID, by: nil, conn, logger)
        }
    }

    static func insert(_ s: StoredSample, runID: String, by worker: String?, _ conn: PostgresConnection, _ logger: Logger) async throws -> Bool {
        let seed = String(s.seed)
        let inserted = try await conn.query("""
            INSERT INTO run_sample (run_id, task_id, sample_index, completion, raw_text, finish_reason, tokens, prompt_tokens,
              prompt_ms, decode_ms, seed, generated_by)
            VALUES (\(runID), \(s.taskID), \(s.index), \(s.completion), \(s.rawText), \(s.finishReason), \(s.tokens),
              \(s.promptTokens), \(s.promptMs), \(s.decodeMs), \(seed), \(worker))
            ON CONFLICT DO NOTHING RETURNING 1
            """, logger: logger).collect().count == 1
        try await conn.query("""
            UPDATE run_unit SET stage = 'judge', lease_owner = NULL, lease_until = NULL, attempts = 0, last_error = NULL
            WHERE run_id = \(runID) AND task_id = \(s.taskID) AND sample_index = \(s.index) AND stage = 'generate'
            """, logger: logger)
        return inserted
    }

    static func insert(_ v: StoredVerdict, runID: String, by worker: String?, _ conn: PostgresConnection, _ logger: Logger) async throws -> Bool {
        let inserted = try await conn.query("""
            INSERT INTO run_verdict (run_id, task_id, sample_index, status, passed, detail, duration_ms, judged_by)
            VALUES (\(runID), \(v.taskID), \(v.index), \(v.status), \(v.passed), \(v.detail), \(v.durationMs), \(worker))
            ON CONFLICT DO NOTHING RETURNING 1
            """, logger: logger).collect().count == 1
        try await conn.query("""
            UPDATE run_unit SET stage = 'done', lease_owner = NULL, lease_until = NULL, last_error = NULL
            WHERE run_id = \(runID) AND task_id = \(v.taskID) AND sample_index = \(v.index) AND stage <> 'done'
            """, logger: logger)
        return inserted
    }

    /// `created_at` in the SQLite store's form (ISO 8601, UTC, seconds).
    static let runColumns = """
        id, to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'), status, manifest, wall_seconds, owner, error
        """

    static func info(_ row: PostgresRow) throws -> RunInfo {
        let r = try row.decode((String, String, String, String, Double, String?, String?).self)
        return try RunInfo(id: r.0, createdAt: r.1, status: r.2, manifestJSON: r.3, wallSeconds: r.4, owner: r.5, error: r.6)
    }

    public func run(_ id: String) async throws -> RunInfo {
        guard let row = try await db.fetch("SELECT \(unescaped: Self.runColumns) FROM run WHERE id = \(id)").first else {
            throw unknownRun(id)
        }
        return try Self.info(row)
    }

    public func runs() async throws -> [RunInfo] {
        try await db.fetch("SELECT \(unescaped: Self.runColumns) FROM run ORDER BY seq").map(Self.info)
    }

    static let sampleColumns = """
        task_id, sample_index::int8, completion, raw_text, finish_reason, tokens::int8, prompt_tokens::int8, prompt_ms,
        decode_ms, seed
        """

    static func sample(_ row: PostgresRow) throws -> StoredSample {
        let r = try row.decode((String, Int, String, String, String, Int, Int, Double, Double, String).self)
        return StoredSample(taskID: r.0, index: r.1, completion: r.2, rawText: r.3, finishReason: r.4, tokens: r.5,
                            promptTokens: r.6, promptMs: r.7, decodeMs: r.8, seedText: r.9)
    }

    public func samples(_ runID: String) async throws -> [StoredSample] {
        try await db.fetch("SELECT \(unescaped: Self.sampleColumns) FROM run_sample WHERE run_id = \(runID) ORDER BY seq").map(Self.sample)
    }

    public func sample(_ runID: String, taskID: String, index: Int) async throws -> StoredSample? {
        try await db.fetch("""
            SELECT \(unescaped: Self.sampleColumns) FROM run_sample
            WHERE run_id = \(runID) AND task_id = \(taskID) AND sample_index = \(index)
            """).first.map(Self.sample)
    }

    public func verdicts(_ runID: String) async throws -> [StoredVerdict] {
        try await db.fetch("""
            SELECT task_id, sample_index::int8, status, passed, detail, duration_ms FROM run_verdict
            WHERE run_id = \(runID) ORDER BY seq
            """).map { row in
            let r = try row.decode((String, Int, String, Bool, String, Double).self)
            return StoredVerdict(taskID: r.0, index: r.1, status: r.2, passed: r.3, detail: r.4, durationMs: r.5)
        }
    }

    public func counts(_ runID: String) async throws -> RunCounts {
        let r = try await db.fetch("""
            SELECT (SELECT count(*) FROM run_sample WHERE run_id = \(runID))::int8,
              (SELECT count(*) FROM run_verdict WHERE run_id = \(runID))::int8,
              (SELECT count(*) FROM run_verdict WHERE run_id = \(runID) AND passed)::int8
            """).first.map { try $0.decode((Int, Int, Int).self) }
        return RunCounts(samples: r?.0 ?? 0, verdicts: r?.1 ?? 0, passed: r?.2 ?? 0)
    }

    // MARK: the work queue of detached runs

    public func claimUnits(worker: String, stage: RunStage, generator: String?, limit: Int, policy: LeasePolicy) async throws -> [RunUnit] {
        guard limit > 0 else { return [] }
        // One statement (one round trip, no explicit transaction): pick, lease, and mark the runs running.
        let claimed = try await db.fetch("""
            WITH picked AS (
              SELECT u.run_id, u.ord FROM run_unit u JOIN run r ON r.id = u.run_id
              WHERE u.stage = \(stage.rawValue) AND r.status IN ('queued', 'running')
                AND (\(generator)::text IS NULL OR r.generator = \(generator))
                AND (u.lease_until IS NULL OR u.lease_until <= now()) AND u.attempts < \(policy.maxAttempts)
              ORDER BY u.run_seq, u.ord LIMIT \(limit)
              FOR UPDATE OF u SKIP LOCKED),
            leased AS (
              UPDATE run_unit u SET lease_owner = \(worker), lease_until = now() + make_interval(secs => \(policy.leaseSeconds)),
                attempts = u.attempts + 1
              FROM picked WHERE u.run_id = picked.run_id AND u.ord = picked.ord
              RETURNING u.run_id, u.ord, u.task_id, u.sample_index, u.attempts),
            started AS (
              UPDATE run SET status = 'running' WHERE status = 'queued' AND id IN (SELECT run_id FROM leased))
            SELECT run_id, task_id, sample_index::int8, attempts::int8 FROM leased ORDER BY run_id, ord
            """).map { row in
            let r = try row.decode((String, String, Int, Int).self)
            return RunUnit(runID: r.0, taskID: r.1, index: r.2, stage: stage, attempts: r.3)
        }
        if claimed.count < limit { try await parkExhausted(policy: policy) }
        return claimed
    }

    func parkExhausted(policy: LeasePolicy) async throws {
        try await db.transaction { conn, logger in
            var parked: [(String, String)] = []
            let rows = try await conn.query("""
                SELECT DISTINCT ON (u.run_id) u.run_id, u.task_id, u.sample_index::int8, u.stage, u.attempts::int8, u.last_error
                FROM run_unit u JOIN run r ON r.id = u.run_id
                WHERE u.stage <> 'done' AND u.attempts >= \(policy.maxAttempts) AND r.status IN ('queued', 'running')
                  AND (u.lease_until IS NULL OR u.lease_until <= now())
                ORDER BY u.run_id, u.ord
                """, logger: logger)
            for try await r in rows.decode((String, String, Int, String, Int, String?).self) {
                parked.append((r.0, RunIDs.parkedMessage(taskID: r.1, index: r.2, stage: r.3, attempts: r.4, lastError: r.5)))
            }
            for (id, message) in parked {
                try await conn.query("UPDATE run SET status = 'failed', error = \(message) WHERE id = \(id) AND status IN ('queued', 'running')",
                                     logger: logger)
            }
        }
    }

    @discardableResult
    public func renewUnits(worker: String, policy: LeasePolicy) async throws -> Int {
        try await parkExhausted(policy: policy)
        return try await db.fetch("""
            UPDATE run_unit SET lease_until = now() + make_interval(secs => \(policy.leaseSeconds))
            WHERE lease_owner = \(worker) AND stage <> 'done'
              AND run_id IN (SELECT id FROM run WHERE status IN ('queued', 'running'))
            RETURNING ord
            """).count
    }

    public func releaseUnit(_ unit: RunUnit, worker: String, error: String) async throws {
        try await db.run("""
            UPDATE run_unit SET lease_owner = NULL, lease_until = NULL, last_error = \(error)
            WHERE run_id = \(unit.runID) AND task_id = \(unit.taskID) AND sample_index = \(unit.index)
              AND stage = \(unit.stage.rawValue) AND lease_owner = \(worker)
            """)
    }

    public func finishRuns(worker: String) async throws -> [String] {
        // Concurrent finishers queue on the row lock; the later one re-reads the status and updates nothing.
        try await db.fetch("""
            UPDATE run r SET status = 'complete', finalized_by = \(worker),
              wall_seconds = extract(epoch FROM now() - r.created_at)::float8
            WHERE status IN ('queued', 'running')
              AND EXISTS (SELECT 1 FROM run_unit u WHERE u.run_id = r.id)
              AND NOT EXISTS (SELECT 1 FROM run_unit u WHERE u.run_id = r.id AND u.stage <> 'done')
            RETURNING id
            """).map { try $0.decode(String.self) }
    }
}
