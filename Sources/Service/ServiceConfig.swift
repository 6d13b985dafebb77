import Foundation
import Store

/// Server limits and knobs. Every request-supplied limit is capped by these (never raised by a client).
public struct ServiceConfig: Sendable {
    public var host = "127.0.0.1"
    public var port = 8080
    /// SQLite file for jobs and executions (WAL mode). `nil` = a temporary file (tests).
    public var databasePath: String?
    /// Programs run at the same time (shared by `/v1/execute` and evaluation jobs).
    public var workers = max(1, ProcessInfo.processInfo.activeProcessorCount)
    /// `/v1/execute` requests allowed to wait for a worker; one more gets `429`.
    public var maxWaiting = 64
    /// Samples allowed to be pending over all evaluation jobs; a submission that would exceed it gets `429`.
    public var maxQueuedSamples = 100_000
    public var maxBodyBytes = 10 * 1024 * 1024
    public var maxCodeBytes = 1024 * 1024
    public var maxStdinBytes = 1024 * 1024
    public var defaultTimeoutSeconds = 10.0
    public var maxTimeoutSeconds = 60.0
    public var defaultMemoryMB = 512
    public var maxMemoryMB = 4096
    /// A request body must arrive completely within this time (slowloris defence); then `408`.
    public var bodyReadTimeoutSeconds = 30.0
    /// Idle keep-alive connections are closed after this.
    public var idleTimeoutSeconds = 60.0
    /// Seconds a client is told to wait in `Retry-After` when the queue is full.
    public var retryAfterSeconds = 1
    /// Finished jobs and recorded executions older than this are deleted (0 keeps them forever).
    public var retentionSeconds: Double = 30 * 86_400
    /// How long a claimed sample stays leased without renewal, and how many claims a sample gets before it is parked.
    public var lease = LeasePolicy()
    /// Keys that see every tenant's jobs and runs (operators); every other key sees its own only.
    public var operatorKeys: Set<String> = []

    /// Whether the caller may see a job or run created by `owner`: its own, or any for an operator key. Without keys
    /// (loopback) both sides are nil and everything is visible.
    func canSee(owner: String?, caller: APIKey?) -> Bool {
        owner == caller?.name || caller.map { operatorKeys.contains($0.name) } == true
    }

    public init() {}

    /// True when `host` only accepts connections from this machine.
    public var isLoopback: Bool {
        host == "127.0.0.1" || host == "::1" || host == "localhost" || host.hasPrefix("127.")
    }
}
