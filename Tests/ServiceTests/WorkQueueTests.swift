import Datasets
import Foundation
import Logging
import Store
import Testing
@testable import Service

/// A backend whose programs pass after sleeping `delay`, counting runs per (task, completion); `failFirst`
/// completions throw an infrastructure error on their first run (a crashed sandbox, not the program's verdict).
actor ProgramLog {
    var runs: [String: Int] = [:]
    func add(_ key: String) -> Int {
        runs[key, default: 0] += 1
        return runs[key]!
    }
}

struct SleepingBackend: EvaluationBackend {
    let log = ProgramLog()
    var delay: Duration = .milliseconds(20)
    var failFirst: Set<String> = []
    var benchmarks: [String] { ["humaneval"] }
    func taskIDs(benchmark: String) throws -> Set<String> { ["T/0", "T/1"] }
    func evaluate(benchmark: String, taskID: String, completion: String, timeoutSeconds: Double) async throws -> SampleVerdict {
        let n = await log.add(completion)
        try await Task.sleep(for: delay)
        if failFirst.contains(completion) && n == 1 { throw StoreError("sandbox launcher crashed") }
        return SampleVerdict(passed: !completion.hasPrefix("FAIL"), result: completion.hasPrefix("FAIL") ? "failed: x" : "passed")
    }
}

/// The runner over each backend: replicas sharing one store, a dead worker's leases, retries, cancellation.
@Suite struct WorkQueueTests {
    func runner(_ store: any JobQueueStore, _ backend: SleepingBackend, slots: Int = 2,
                policy: LeasePolicy = LeasePolicy(leaseSeconds: 2)) -> JobRunner {
        var logger = Logger(label: "work-queue-test")
        logger.logLevel = .critical
        return JobRunner(store: store, backend: backend, gate: ExecutionGate(slots: slots, maxWaiting: 0),
                         metrics: ServiceMetrics(), logger: logger, policy: policy, pollInterval: .milliseconds(100))
    }

    func submit(_ store: any JobQueueStore, _ completions: [String]) async throws -> String {
        let id = UUID().uuidString
        try await store.createJob(id: id, benchmark: "humaneval", ks: [1], timeoutSeconds: 5, owner: nil,
                                  samples: completions.enumerated().map { ("T/\($0.offset % 2)", $0.element, JSONObject()) })
        return id
    }

    func waitUntilEnded(_ store: any JobQueueStore, _ id: String, timeout: Double = 30) async throws -> JobRecord {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if let job = try await store.job(id), job.status.isFinal { return job }
            try await Task.sleep(for: .milliseconds(50))
        }
        throw StoreError("job \(id) did not end within \(timeout) s")
    }

    @Test(arguments: StoreBackend.available)
    func threeReplicasShareOneJobAndRecordEachSampleOnce(_ backend: StoreBackend) async throws {
        let store = try await backend.open()
        let programs = (0..<40).map { $0 % 5 == 0 ? "FAIL \($0)" : "ok \($0)" }
        let id = try await submit(store, programs)
        let backends = (0..<3).map { _ in SleepingBackend() }
        let runners = backends.map { runner(store, $0) }
        for r in runners { await r.start() }
        let job = try await waitUntilEnded(store, id)
        for r in runners { await r.stop() }
        #expect(job.status == .done && job.finished == 40 && job.passed == 32)
        #expect(abs((job.passAtK[1] ?? 0) - 0.8) < 1e-9, "\(job.passAtK)")
        var total = 0
        for (i, b) in backends.enumerated() {
            let runs = await b.log.runs
            #expect(!runs.isEmpty, "replica \(i) took part")
            total += runs.values.reduce(0, +)
        }
        #expect(total == 40, "no lease expired, so no program ran twice")
        #expect(try await store.results(jobID: id, after: -1, limit: 100).map(\.index) == Array(0..<40))
    }

    @Test(arguments: StoreBackend.available)
    func aDeadWorkersSamplesAreClaimedAfterTheirLease(_ backend: StoreBackend) async throws {
        let store = try await backend.open()
        let id = try await submit(store, (0..<6).map { "ok \($0)" })
        let policy = LeasePolicy(leaseSeconds: 0.5)
        // A worker claims three samples and dies (kill -9: no release, no renewal).
        #expect(try await store.claim(worker: "killed", limit: 3, policy: policy).count == 3)
        let survivor = SleepingBackend()
        let r = runner(store, survivor, policy: policy)
        await r.start()
        let job = try await waitUntilEnded(store, id)
        await r.stop()
        #expect(job.status == .done && job.finished == 6)
        #expect(await survivor.log.runs.count == 6)
    }

    @Test(arguments: StoreBackend.available)
    func anInfrastructureErrorIsRetriedNotScored(_ backend: StoreBackend) async throws {
        let store = try await backend.open()
        let id = try await submit(store, ["ok 0", "flaky", "ok 2"])
        let b = SleepingBackend(failFirst: ["flaky"])
        let r = runner(store, b)
        await r.start()
        let job = try await waitUntilEnded(store, id)
        await r.stop()
        #expect(job.status == .done && job.passed == 3, "the retry's verdict is recorded")
        #expect(await b.log.runs["flaky"] == 2)
    }

    @Test(arguments: StoreBackend.available)
    func aCancelStopsEveryReplicaFromClaiming(_ backend: StoreBackend) async throws {
        let store = try await backend.open()
        let id = try await submit(store, (0..<30).map { "ok \($0)" })
        let backends = [SleepingBackend(delay: .milliseconds(200)), SleepingBackend(delay: .milliseconds(200))]
        let runners = backends.map { runner(store, $0) }
        for r in runners { await r.start() }
        while (try await store.job(id)?.finished ?? 0) < 1 { try await Task.sleep(for: .milliseconds(20)) }
        #expect(try await store.cancel(id))
        let runsAtCancel = await backends[0].log.runs.count + backends[1].log.runs.count
        try await Task.sleep(for: .milliseconds(800))
        let runsLater = await backends[0].log.runs.count + backends[1].log.runs.count
        for r in runners { await r.stop() }
        // Only samples already running when the cancel committed may finish (two slots per replica).
        #expect(runsLater - runsAtCancel <= 4, "\(runsAtCancel) → \(runsLater)")
        #expect(runsLater < 30)
        #expect(try await store.job(id)?.status == .cancelled)
    }

    @Test(arguments: StoreBackend.available)
    func aStoppedRunnerHandsItsSamplesBackAtOnce(_ backend: StoreBackend) async throws {
        let store = try await backend.open()
        let id = try await submit(store, (0..<4).map { "ok \($0)" })
        let slow = SleepingBackend(delay: .seconds(30))
        let first = runner(store, slow, policy: LeasePolicy(leaseSeconds: 60))
        await first.start()
        while await slow.log.runs.count < 2 { try await Task.sleep(for: .milliseconds(20)) }
        await first.stop()
        let next = runner(store, SleepingBackend())
        await next.start()
        let job = try await waitUntilEnded(store, id, timeout: 20)
        await next.stop()
        #expect(job.status == .done && job.finished == 4, "finished without waiting for the 60 s lease")
    }
}
