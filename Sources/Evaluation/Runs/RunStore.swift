import Foundation
import Store

public struct RunStoreError: Error, CustomStringConvertible, Sendable {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// The stage a unit of a run's work is in: its sample is to be generated, then judged, then it is done.
public enum RunStage: String, Sendable, Codable {
    case generate, judge, done
}

/// One sample of a detached run, leased to one worker for one stage until the database clock passes the lease.
public struct RunUnit: Sendable, Equatable, Hashable {
    public var runID: String
    public var taskID: String
    public var index: Int
    public var stage: RunStage
    /// Claims of this unit in its current stage, this one included.
    public var attempts: Int

    public init(runID: String, taskID: String, index: Int, stage: RunStage, attempts: Int) {
        self.runID = runID
        self.taskID = taskID
        self.index = index
        self.stage = stage
        self.attempts = attempts
    }
}

/// How far a run is: stored samples and verdicts (for `runs watch` without reading every sample).
public struct RunCounts: Sendable, Equatable {
    public var samples: Int
    public var verdicts: Int
    public var passed: Int
    public init(samples: Int, verdicts: Int, passed: Int) {
        self.samples = samples
        self.verdicts = verdicts
        self.passed = passed
    }
}

/// Runs, their samples and verdicts, and the work queue of detached runs: one contract, two backends (SQLite, one
/// host; PostgreSQL, shared by any number of workers). The rules every backend keeps, checked by one conformance
/// suite:
/// - a sample and a verdict are stored once per (run, task, index): the first committed wins, a late duplicate
///   returns false and changes nothing;
/// - storing a sample moves its unit to `judge`, storing a verdict moves it to `done`, whoever stored it (so a run
///   resumed in one process and its workers never disagree about what is left);
/// - a claim never hands out a unit that is in another stage, leased (unexpired), of a run that is not queued or
///   running, or exhausted; `finishRuns` completes a run once, when every unit is done.
public protocol RunStore: Sendable {
    /// The file or the (password-redacted) URL, for messages.
    var location: String { get }

    /// Stores a run as `running` (worked on by the calling process), or, `detached`, as `queued` with one unit per
    /// (task, sample index) for workers to claim.
    func createRun(id: String, manifest: RunManifest, owner: String?, detached: Bool) async throws -> String
    func setStatus(_ id: String, status: String, addWallSeconds: Double) async throws
    /// Marks a queued, running or interrupted run `cancelled` and returns true; false if it had already ended
    /// (complete, failed, cancelled). Claims, lease renewals and `finishRuns` skip a cancelled run from then on.
    func cancelRun(_ id: String) async throws -> Bool
    /// Inserts a sample; false (and nothing changes) if that (task, index) is already stored.
    func insertSample(runID: String, _ s: StoredSample, by worker: String?) async throws -> Bool
    func insertVerdict(runID: String, _ v: StoredVerdict, by worker: String?) async throws -> Bool
    /// A sample and its verdict in one transaction: a scored §3 item is stored whole or not at all.
    func insertScored(runID: String, _ s: StoredSample, _ v: StoredVerdict) async throws
    func run(_ id: String) async throws -> RunInfo
    /// Every run, oldest first.
    func runs() async throws -> [RunInfo]
    /// Samples in the order they were stored.
    func samples(_ runID: String) async throws -> [StoredSample]
    func verdicts(_ runID: String) async throws -> [StoredVerdict]
    /// One stored sample, or nil.
    func sample(_ runID: String, taskID: String, index: Int) async throws -> StoredSample?
    func counts(_ runID: String) async throws -> RunCounts

    /// Leases up to `limit` units in `stage` (oldest run first, then task order) to `worker`. `generator` restricts
    /// generation units to runs whose samples that worker can reproduce (`RunManifest.generatorKey`). When fewer
    /// are left, it also fails runs with an exhausted unit (so does `renewUnits`).
    func claimUnits(worker: String, stage: RunStage, generator: String?, limit: Int, policy: LeasePolicy) async throws -> [RunUnit]
    /// Extends every lease `worker` holds on a unit still in the stage it was claimed for; returns how many.
    @discardableResult func renewUnits(worker: String, policy: LeasePolicy) async throws -> Int
    /// Gives a lease back after an error so another claim retries it; `error` is kept for the failure message.
    func releaseUnit(_ unit: RunUnit, worker: String, error: String) async throws
    /// Completes every queued or running run whose units are all done (its wall time: creation to now on the
    /// database clock); returns the runs this call completed. A run is completed by exactly one caller.
    func finishRuns(worker: String) async throws -> [String]
}

extension RunStore {
    @discardableResult
    public func createRun(id: String = RunIDs.new(), manifest: RunManifest, owner: String? = nil) async throws -> String {
        try await createRun(id: id, manifest: manifest, owner: owner, detached: false)
    }

    public func setStatus(_ id: String, status: String) async throws {
        try await setStatus(id, status: status, addWallSeconds: 0)
    }

    @discardableResult
    public func insertSample(runID: String, _ s: StoredSample) async throws -> Bool {
        try await insertSample(runID: runID, s, by: nil)
    }

    @discardableResult
    public func insertVerdict(runID: String, _ v: StoredVerdict) async throws -> Bool {
        try await insertVerdict(runID: runID, v, by: nil)
    }

    /// Runs whose manifest equals `manifest` (the fields a reuse may ignore: none today), newest first.
    public func completedRuns(matching manifest: RunManifest) async throws -> [RunInfo] {
        try await runs().filter { $0.status == "complete" && $0.manifest == manifest }.reversed()
    }

    func unknownRun(_ id: String) -> RunStoreError {
        RunStoreError("no run '\(id)' in \(location) (see `codeeval runs list`)")
    }
}

public enum RunIDs {
    /// A new run id: UTC timestamp plus random hex (sortable, unique without coordination).
    public static func new() -> String {
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.timeZone = TimeZone(identifier: "UTC")
        f.dateFormat = "yyyyMMdd-HHmmss"
        return "r\(f.string(from: Date()))-\(String(UInt32.random(in: 0...UInt32.max), radix: 16))"
    }

    /// The message a run fails with when one of its units is parked.
    static func parkedMessage(taskID: String, index: Int, stage: String, attempts: Int, lastError: String?) -> String {
        "poison_unit: sample \(index) of \(taskID) was claimed \(attempts) times to \(stage) without a result; last error: \(lastError ?? "worker lost")"
    }
}

extension StoreLocation {
    /// Where runs are kept: `--store` (sqlite:PATH or postgres://…), else `--db PATH`, else `$CODEEVAL_STORE`, else
    /// `~/.cache/codeeval/runs.sqlite`.
    public static func forRuns(store: String?, db: String?,
                               environment: [String: String] = ProcessInfo.processInfo.environment) throws -> StoreLocation {
        if let store { return try parse(store) }
        if let db { return .sqlite(path: db) }
        if let text = environment["CODEEVAL_STORE"], !text.isEmpty { return try parse(text) }
        return .sqlite(path: SQLiteRunStore.defaultPath(environment: environment))
    }

    /// Opens the run store here, applying any pending migration.
    public func openRuns() async throws -> any RunStore {
        switch self {
        case .sqlite(let path): return try SQLiteRunStore(path: path)
        case .postgres(let location): return try await PostgresRunStore(location)
        }
    }
}
