import Datasets
import Foundation
import Store

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

/// A sample leased to one worker until the database clock passes the lease. The lease is the only ownership: no
/// lock is held while the program runs, and another worker re-claims the sample once the lease has expired.
public struct ClaimedSample: Sendable, Equatable {
    public var jobID: String
    public var index: Int
    public var taskID: String
    public var completion: String
    public var benchmark: String
    public var timeoutSeconds: Double
    /// Claims of this sample so far, this one included.
    public var attempts: Int
}

/// Jobs, their samples as a work queue, and recorded executions: one contract, two backends (SQLite for one host,
/// PostgreSQL for replicas that share it). The rules every backend keeps, checked by one conformance suite:
/// - a verdict is recorded once (the first committed wins; a late duplicate returns false and changes nothing);
/// - a job is finalised once (`finish` returns true for exactly one caller);
/// - a claim never hands out a sample that is finished, leased (unexpired), of an inactive job, or parked.
public protocol JobQueueStore: Sendable {
    /// `sqlite` or `postgresql`, for logs and `/readyz`.
    var backend: String { get }
    /// Throws when the store cannot answer a trivial query (readiness).
    func ping() async throws

    func createJob(id: String, benchmark: String, ks: [Int], timeoutSeconds: Double, owner: String?,
                   samples: [(taskID: String, completion: String, fields: JSONObject)]) async throws
    func job(_ id: String) async throws -> JobRecord?
    /// Samples without a verdict over all active jobs (admission control and the metrics gauge).
    func pendingSampleCount() async throws -> Int
    /// Marks an active job cancelled; false when it had already ended. Claims stop at once on every replica.
    @discardableResult func cancel(_ id: String) async throws -> Bool
    /// Finished samples in submission order, `limit` at a time (for streaming results).
    func results(jobID: String, after index: Int, limit: Int) async throws -> [SampleRow]

    /// Leases up to `limit` claimable samples (oldest job first) to `worker`. When fewer are left, it also parks poison
    /// samples (so does `renew`).
    func claim(worker: String, limit: Int, policy: LeasePolicy) async throws -> [ClaimedSample]
    /// Extends every lease `worker` still holds on an active job; returns how many. Also parks poison samples.
    @discardableResult func renew(worker: String, policy: LeasePolicy) async throws -> Int
    /// Records a verdict unless one is already committed (returns false then).
    @discardableResult func record(_ sample: ClaimedSample, verdict: SampleVerdict, worker: String) async throws -> Bool
    /// Gives a lease back after an infrastructure error so another claim retries it; `error` is kept for parking.
    func release(_ sample: ClaimedSample, worker: String, error: String) async throws
    /// Active jobs (all, or just `jobID`) with no sample left without a verdict: ready to be finalised. Asking for
    /// all also finds a job whose finaliser died between its last verdict and the update.
    func finalizable(jobID: String?) async throws -> [(id: String, ks: [Int])]
    /// Per task: (n, c) over finished samples.
    func taskCounts(jobID: String) async throws -> [(n: Int, c: Int)]
    /// Ends an active job with no pending sample as done; true for the one caller whose update took effect.
    func finish(jobID: String, passAtK: [Int: Double], worker: String) async throws -> Bool

    /// Calls `wake` when work is submitted through another process, until the task is cancelled. Backends without a
    /// notification channel return at once; the runner's poll is the fallback either way.
    func listenForWork(_ wake: @escaping @Sendable () async -> Void) async

    @discardableResult func recordExecution(owner: String?, outcome: ExecutionOutcome) async throws -> Int64
    func executionCount() async throws -> Int
    /// Retention: deletes executions recorded before `cutoff` (seconds since 1970) and jobs that finished before it,
    /// with their samples. Active jobs stay whatever their age.
    @discardableResult func prune(before cutoff: Double) async throws -> (executions: Int, jobs: Int)
}

extension JobQueueStore {
    public func listenForWork(_ wake: @escaping @Sendable () async -> Void) async {}
}

/// The text forms both backends store `ks` and pass@k in (one decoder, so a job reads the same from either).
enum JobColumns {
    static func ks(_ ks: [Int]) -> String { ks.map(String.init).joined(separator: ",") }
    static func ks(_ text: String) -> [Int] { text.split(separator: ",").compactMap { Int($0) } }

    static func passAtK(_ pak: [Int: Double]) -> String {
        pak.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ",")
    }

    static func passAtK(_ text: String?) -> [Int: Double] {
        var pak: [Int: Double] = [:]
        for part in (text ?? "").split(separator: ",") {
            let kv = part.split(separator: "=")
            if kv.count == 2, let k = Int(kv[0]), let v = Double(kv[1]) { pak[k] = v }
        }
        return pak
    }

    static func fields(_ text: String) -> JSONObject { (try? JSONParser.parse(text))?.objectValue ?? JSONObject() }

    /// The named error a job fails with when one of its samples is parked.
    static func parkedMessage(index: Int, taskID: String, attempts: Int, lastError: String?) -> String {
        "poison_sample: sample \(index) (\(taskID)) was claimed \(attempts) times without a verdict; last error: \(lastError ?? "worker lost")"
    }
}
