import Foundation
import GRDB

public struct RunStoreError: Error, CustomStringConvertible, Sendable {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// SQLite (WAL) store of runs, samples and verdicts. Every sample and verdict is its own committed transaction,
/// so a run killed at any moment keeps everything it finished; (run, task, index) keys make repeats impossible.
public final class RunStore: Sendable {
    public let path: String
    let pool: DatabasePool

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
            try Self.migrator.migrate(pool)
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
        return m
    }

    static func now() -> String { ISO8601DateFormatter().string(from: Date()) }

    /// A new run id: UTC timestamp plus random hex (sortable, unique without coordination).
    public static func newRunID() -> String {
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.timeZone = TimeZone(identifier: "UTC")
        f.dateFormat = "yyyyMMdd-HHmmss"
        return "r\(f.string(from: Date()))-\(String(UInt32.random(in: 0...UInt32.max), radix: 16))"
    }

    public func createRun(id: String = RunStore.newRunID(), manifest: RunManifest, owner: String? = nil) throws -> String {
        let json = try manifest.json()
        try pool.write { db in
            try db.execute(sql: "INSERT INTO runs (id, created_at, status, benchmark, model, profile, manifest, owner) VALUES (?, ?, 'running', ?, ?, ?, ?, ?)",
                           arguments: [id, Self.now(), manifest.benchmark, manifest.model, manifest.profile, json, owner])
        }
        return id
    }

    public func setStatus(_ id: String, status: String, addWallSeconds: Double = 0) throws {
        try pool.write { db in
            try db.execute(sql: "UPDATE runs SET status = ?, wall_seconds = wall_seconds + ? WHERE id = ?",
                           arguments: [status, addWallSeconds, id])
        }
    }

    /// Insert a sample; returns false (and changes nothing) if that (task, index) is already stored.
    @discardableResult
    public func insertSample(runID: String, _ s: StoredSample) throws -> Bool {
        try pool.write { db in
            try Self.insert(s, runID: runID, db)
            return db.changesCount > 0
        }
    }

    /// A sample and its verdict in one transaction: a scored §3 item is stored whole or not at all.
    public func insertScored(runID: String, _ s: StoredSample, _ v: StoredVerdict) throws {
        try pool.write { db in
            try Self.insert(s, runID: runID, db)
            try Self.insert(v, runID: runID, db)
        }
    }

    static func insert(_ s: StoredSample, runID: String, _ db: Database) throws {
        try db.execute(sql: """
            INSERT OR IGNORE INTO samples (run_id, task_id, sample_index, completion, raw_text, finish_reason, tokens,
                prompt_tokens, prompt_ms, decode_ms, seed, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """, arguments: [runID, s.taskID, s.index, s.completion, s.rawText, s.finishReason, s.tokens,
                             s.promptTokens, s.promptMs, s.decodeMs, String(s.seed), Self.now()])
    }

    static func insert(_ v: StoredVerdict, runID: String, _ db: Database) throws {
        try db.execute(sql: """
            INSERT OR IGNORE INTO verdicts (run_id, task_id, sample_index, status, passed, detail, duration_ms)
            VALUES (?, ?, ?, ?, ?, ?, ?)
            """, arguments: [runID, v.taskID, v.index, v.status, v.passed ? 1 : 0, v.detail, v.durationMs])
    }

    @discardableResult
    public func insertVerdict(runID: String, _ v: StoredVerdict) throws -> Bool {
        try pool.write { db in
            try Self.insert(v, runID: runID, db)
            return db.changesCount > 0
        }
    }

    public func run(_ id: String) throws -> RunInfo {
        let found = try pool.read { db in try Row.fetchOne(db, sql: "SELECT * FROM runs WHERE id = ?", arguments: [id]) }
        guard let row = found else { throw RunStoreError("no run '\(id)' in \(path) (see `codeeval runs list`)") }
        return try Self.info(row)
    }

    public func runs() throws -> [RunInfo] {
        try pool.read { db in try Row.fetchAll(db, sql: "SELECT * FROM runs ORDER BY created_at, id") }.map(Self.info)
    }

    static func info(_ row: Row) throws -> RunInfo {
        let json: String = row["manifest"]
        let id: String = row["id"]
        let manifest: RunManifest
        do { manifest = try JSONDecoder().decode(RunManifest.self, from: Data(json.utf8)) } catch {
            throw RunStoreError("run \(id): unreadable manifest: \(error)")
        }
        return RunInfo(id: id, createdAt: row["created_at"], status: row["status"], manifest: manifest,
                       wallSeconds: row["wall_seconds"], owner: row["owner"])
    }

    public func samples(_ runID: String) throws -> [StoredSample] {
        try pool.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM samples WHERE run_id = ? ORDER BY rowid", arguments: [runID])
        }.map { r in
            let seedText: String = r["seed"]
            return StoredSample(taskID: r["task_id"], index: r["sample_index"], completion: r["completion"],
                                rawText: r["raw_text"], finishReason: r["finish_reason"], tokens: r["tokens"],
                                promptTokens: r["prompt_tokens"], promptMs: r["prompt_ms"], decodeMs: r["decode_ms"],
                                seed: UInt64(seedText) ?? 0)
        }
    }

    public func verdicts(_ runID: String) throws -> [StoredVerdict] {
        try pool.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM verdicts WHERE run_id = ? ORDER BY rowid", arguments: [runID])
        }.map { r in
            StoredVerdict(taskID: r["task_id"], index: r["sample_index"], status: r["status"],
                          passed: (r["passed"] as Int) != 0, detail: r["detail"], durationMs: r["duration_ms"])
        }
    }

    /// Runs whose manifest equals `manifest` except for the fields a reuse may ignore (none today), newest first.
    public func completedRuns(matching manifest: RunManifest) throws -> [RunInfo] {
        try runs().filter { $0.status == "complete" && $0.manifest == manifest }.reversed()
    }
}
