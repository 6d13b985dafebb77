import Datasets
import Foundation
import Service
import Store

/// The job queue's own ceiling: claim + record throughput with a no-op executor (every verdict is ready at once),
/// so the figure is the store's cost per sample, not the sandbox's. SQLite (a temporary file) is always measured as
/// the baseline in the same process; PostgreSQL when a URL is given (its tables go in the `codeeval_bench` schema,
/// and the job is pruned afterwards).
public struct StoreBench: Sendable {
    public var postgres: String?
    public var samples = 20_000
    /// Concurrent claim loops, as replicas' runners would be.
    public var workers = 4
    /// Samples per claim (a runner claims as many as it has free slots).
    public var batch = 16

    public init(postgres: String?) { self.postgres = postgres }

    public func run(_ emit: (String) -> Void) async throws {
        guard samples > 0, workers > 0, batch > 0 else { throw StoreError("--samples, --workers and --batch must be positive") }
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("codeeval-bench-store-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        var targets: [(String, StoreLocation)] = [("sqlite", .sqlite(path: dir.appendingPathComponent("jobs.sqlite").path))]
        if let postgres {
            targets.append(("postgresql", try StoreLocation.parse(postgres + (postgres.contains("?") ? "&" : "?") + "schema=codeeval_bench")))
        }
        emit("claim + record, no-op executor: \(samples) samples, \(workers) claim loops, \(batch) per claim")
        var rates: [String: Double] = [:]
        for (name, location) in targets {
            let store = try await location.open()
            let r = try await measure(store)
            rates[name] = r.rate
            emit("  " + name.padding(toLength: 11, withPad: " ", startingAt: 0) + String(
                format: "submit %6.0f samples/s   claim+record %6.0f samples/s   (%d recorded, finished once: %@)",
                Double(samples) / r.submit, r.rate, r.recorded, r.finishedOnce ? "yes" : "NO"))
            if let pg = store as? PostgresJobStore { pg.close() }
        }
        if let pg = rates["postgresql"], let lite = rates["sqlite"] {
            emit(String(format: "  postgresql / sqlite: %.2f×", pg / lite))
        }
    }

    func measure(_ store: any JobQueueStore) async throws -> (submit: Double, rate: Double, recorded: Int, finishedOnce: Bool) {
        let id = UUID().uuidString
        let rows = (0..<samples).map { (taskID: "T/\($0 % 164)", completion: "pass", fields: JSONObject()) }
        var t0 = now()
        try await store.createJob(id: id, benchmark: "humaneval", ks: [1], timeoutSeconds: 1, owner: nil, samples: rows)
        let submit = now() - t0
        let verdict = SampleVerdict(passed: true, result: "passed")
        let policy = LeasePolicy()
        t0 = now()
        let recorded = try await withThrowingTaskGroup(of: Int.self) { group in
            for w in 0..<workers {
                group.addTask {
                    var n = 0
                    while true {
                        let claimed = try await store.claim(worker: "bench-\(w)", limit: batch, policy: policy)
                        if claimed.isEmpty { return n }
                        for c in claimed where try await store.record(c, verdict: verdict, worker: "bench-\(w)") { n += 1 }
                    }
                }
            }
            return try await group.reduce(0, +)
        }
        let work = now() - t0
        var wins = 0
        for w in 0..<2 where try await store.finish(jobID: id, passAtK: [1: 1], worker: "bench-\(w)") { wins += 1 }
        try await store.prune(before: Date().timeIntervalSince1970 + 3600)
        return (submit, Double(recorded) / work, recorded, wins == 1)
    }
}
