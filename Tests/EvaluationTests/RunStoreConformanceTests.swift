import Foundation
import Store
import Testing
@testable import Evaluation

/// The run stores under test: SQLite always, PostgreSQL when `CODEEVAL_TEST_POSTGRES_URL` names a server
/// (`scripts/store/postgres.sh` starts a private one); each test gets a fresh file or schema.
enum RunBackend: String, Sendable, CustomTestStringConvertible {
    case sqlite, postgres

    static let postgresURL = ProcessInfo.processInfo.environment["CODEEVAL_TEST_POSTGRES_URL"].flatMap { $0.isEmpty ? nil : $0 }
    static var available: [RunBackend] { postgresURL == nil ? [.sqlite] : [.sqlite, .postgres] }
    var testDescription: String { rawValue }

    func location() throws -> StoreLocation {
        switch self {
        case .sqlite: return .sqlite(path: tempDBPath())
        case .postgres:
            let url = try #require(Self.postgresURL)
            let schema = "r_" + UUID().uuidString.prefix(12).lowercased().replacingOccurrences(of: "-", with: "")
            return try StoreLocation.parse(url + (url.contains("?") ? "&" : "?") + "schema=\(schema)")
        }
    }

    func open() async throws -> any RunStore { try await location().openRuns() }
}

/// Reports the PostgreSQL half as skipped, with its reason, when no server was given (rather than passing silently).
@Suite struct RunStorePostgresAvailability {
    @Test(.enabled(if: RunBackend.postgresURL != nil, "CODEEVAL_TEST_POSTGRES_URL is not set: the PostgreSQL run store tests did not run"))
    func postgresRunStoreOpens() async throws {
        let store = try await RunBackend.postgres.open()
        #expect(try await store.runs().isEmpty)
    }
}

func storedSample(_ task: String, _ index: Int, _ text: String = "c", seed: UInt64 = 7) -> StoredSample {
    StoredSample(taskID: task, index: index, completion: text, rawText: text + "\ndef", finishReason: "stop", tokens: 3,
                 promptTokens: 5, promptMs: 1.5, decodeMs: 2.5, seed: seed)
}

func storedVerdict(_ task: String, _ index: Int, _ passed: Bool) -> StoredVerdict {
    StoredVerdict(taskID: task, index: index, status: passed ? "passed" : "failed", passed: passed,
                  detail: passed ? "passed" : "failed: x", durationMs: 4)
}

/// The one-process reference: `m` generated and judged by the orchestrator into a SQLite store.
func referenceRun(_ m: RunManifest) async throws -> (SQLiteRunStore, String) {
    let ref = try SQLiteRunStore(path: tempDBPath())
    let id = try await ref.createRun(manifest: m)
    try await RunOrchestrator(store: ref, runID: id, manifest: m, tasks: fakeTasks(m), source: FakeSource(),
                              judge: FakeJudge(), workers: 2).run()
    return (ref, id)
}

/// What makes two samples the same sample (timings aside), sorted.
func sampleKeys(_ s: [StoredSample]) -> [String] {
    s.map { "\($0.taskID)#\($0.index)#\($0.seed)#\($0.tokens)#\($0.finishReason)#\($0.completion)#\($0.rawText)" }.sorted()
}

/// One contract, every backend: the rules `RunStore` promises, checked against SQLite and PostgreSQL alike.
@Suite struct RunStoreConformanceTests {
    @Test(arguments: RunBackend.available)
    func aRunReadsBackAsWritten(_ backend: RunBackend) async throws {
        let store = try await backend.open()
        let m = fakeManifest()
        let id = try await store.createRun(manifest: m, owner: "alice")
        let info = try await store.run(id)
        #expect(info.manifest == m && info.status == "running" && info.owner == "alice" && info.error == nil)
        #expect(info.createdAt.count == 20 && info.createdAt.hasSuffix("Z"), "ISO 8601 UTC: \(info.createdAt)")
        // Samples read back in the order they were stored, whole (a 64-bit seed included).
        let stored = [storedSample("T/1", 0, seed: .max), storedSample("T/0", 1), storedSample("T/0", 0, "x")]
        for s in stored { #expect(try await store.insertSample(runID: id, s)) }
        #expect(try await store.samples(id) == stored)
        #expect(try await store.insertVerdict(runID: id, storedVerdict("T/0", 1, true)))
        #expect(try await store.verdicts(id) == [storedVerdict("T/0", 1, true)])
        #expect(try await store.counts(id) == RunCounts(samples: 3, verdicts: 1, passed: 1))
        try await store.setStatus(id, status: "complete", addWallSeconds: 2.5)
        try await store.setStatus(id, status: "complete", addWallSeconds: 1)
        #expect(try await store.run(id).wallSeconds == 3.5)
        let other = try await store.createRun(manifest: fakeManifest(seed: 9))
        #expect(try await store.runs().map(\.id) == [id, other])
        #expect(try await store.completedRuns(matching: m).map(\.id) == [id])
        await #expect(throws: RunStoreError.self) { try await store.run("no-such-run") }
    }

    @Test(arguments: RunBackend.available)
    func theFirstCommittedSampleAndVerdictWin(_ backend: RunBackend) async throws {
        let store = try await backend.open()
        let id = try await store.createRun(manifest: fakeManifest())
        let outcomes = try await withThrowingTaskGroup(of: Bool.self) { group in
            for w in 0..<6 {
                group.addTask { try await store.insertSample(runID: id, storedSample("T/0", 0, "w\(w)"), by: "w\(w)") }
                group.addTask { try await store.insertVerdict(runID: id, storedVerdict("T/0", 0, w % 2 == 0), by: "w\(w)") }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        #expect(outcomes.filter { $0 }.count == 2, "one sample and one verdict stored: \(outcomes)")
        #expect(try await store.samples(id).count == 1)
        #expect(try await store.verdicts(id).count == 1)
        try await store.insertScored(runID: id, storedSample("T/1", 0), storedVerdict("T/1", 0, true))
        #expect(try await store.counts(id) == RunCounts(samples: 2, verdicts: 2, passed: try await store.verdicts(id).filter(\.passed).count))
    }

    @Test(arguments: RunBackend.available)
    func unitsAreClaimedOnceStageByStageForTheirGeneratorOnly(_ backend: RunBackend) async throws {
        let store = try await backend.open()
        let m = fakeManifest(n: 2, tasks: ["T/0", "T/1", "T/2"])
        let id = try await store.createRun(id: RunIDs.new(), manifest: m, owner: nil, detached: true)
        #expect(try await store.run(id).status == "queued")
        let policy = LeasePolicy(leaseSeconds: 30)
        #expect(try await store.claimUnits(worker: "x", stage: .generate, generator: "local:other:avx2", limit: 9, policy: policy).isEmpty,
                "another model's worker gets nothing")
        #expect(try await store.claimUnits(worker: "x", stage: .judge, generator: nil, limit: 9, policy: policy).isEmpty,
                "nothing to judge before a sample exists")
        let claims = try await withThrowingTaskGroup(of: [RunUnit].self) { group in
            for w in 0..<4 {
                group.addTask { try await store.claimUnits(worker: "w\(w)", stage: .generate, generator: m.generatorKey, limit: 2, policy: policy) }
            }
            return try await group.reduce(into: []) { $0 += $1 }
        }
        #expect(claims.count == 6 && Set(claims.map { "\($0.taskID)#\($0.index)" }).count == 6, "each unit leased once")
        #expect(claims.allSatisfy { $0.attempts == 1 && $0.runID == id && $0.stage == .generate })
        #expect(try await store.run(id).status == "running")
        #expect(try await store.claimUnits(worker: "late", stage: .generate, generator: nil, limit: 9, policy: policy).isEmpty)
        #expect(try await store.insertSample(runID: id, storedSample("T/0", 1), by: "w0"))
        let judge = try await store.claimUnits(worker: "j", stage: .judge, generator: nil, limit: 9, policy: policy)
        #expect(judge.map { "\($0.taskID)#\($0.index)#\($0.stage.rawValue)#\($0.attempts)" } == ["T/0#1#judge#1"])
        #expect(try await store.finishRuns(worker: "j").isEmpty, "units left")
    }

    @Test(arguments: RunBackend.available)
    func anExpiredLeaseIsClaimedAgainAndALateResultStillCountsOnce(_ backend: RunBackend) async throws {
        let store = try await backend.open()
        let m = fakeManifest(n: 1, tasks: ["T/0"])
        let id = try await store.createRun(id: RunIDs.new(), manifest: m, owner: nil, detached: true)
        let short = LeasePolicy(leaseSeconds: 0.4)
        let first = try #require(try await store.claimUnits(worker: "zombie", stage: .generate, generator: nil, limit: 1, policy: short).first)
        #expect(try await store.renewUnits(worker: "zombie", policy: short) == 1)
        try await Task.sleep(for: .milliseconds(700))
        let again = try #require(try await store.claimUnits(worker: "b", stage: .generate, generator: nil, limit: 1, policy: short).first)
        #expect(again.taskID == first.taskID && again.index == first.index && again.attempts == 2)
        // The paused worker wakes and commits first: its sample is as valid as the retry's, and only one is stored.
        #expect(try await store.insertSample(runID: id, storedSample("T/0", 0, "zombie"), by: "zombie"))
        #expect(try await store.insertSample(runID: id, storedSample("T/0", 0, "b"), by: "b") == false)
        #expect(try await store.samples(id).map(\.completion) == ["zombie"])
        #expect(try await store.renewUnits(worker: "b", policy: short) == 0, "the unit moved on: nothing to renew")
        let j = try #require(try await store.claimUnits(worker: "b", stage: .judge, generator: nil, limit: 1, policy: short).first)
        #expect(j.attempts == 1, "attempts count per stage")
        #expect(try await store.insertVerdict(runID: id, storedVerdict("T/0", 0, true), by: "b"))
        #expect(try await store.claimUnits(worker: "c", stage: .judge, generator: nil, limit: 1, policy: short).isEmpty)
    }

    @Test(arguments: RunBackend.available)
    func aReleasedUnitIsRetriedAndAnExhaustedOneFailsItsRunByName(_ backend: RunBackend) async throws {
        let store = try await backend.open()
        let m = fakeManifest(n: 1, tasks: ["T/0", "T/1"])
        let id = try await store.createRun(id: RunIDs.new(), manifest: m, owner: nil, detached: true)
        let policy = LeasePolicy(leaseSeconds: 30, maxAttempts: 2)
        for attempt in 1...2 {
            let u = try #require(try await store.claimUnits(worker: "w", stage: .generate, generator: nil, limit: 1, policy: policy).first)
            #expect(u.taskID == "T/0" && u.attempts == attempt)
            try await store.releaseUnit(u, worker: "w", error: "model crashed \(attempt)")
        }
        // T/0 is exhausted: the next short claim parks it and fails the run with a message naming it.
        let rest = try await store.claimUnits(worker: "w", stage: .generate, generator: nil, limit: 5, policy: policy)
        #expect(rest.map(\.taskID) == ["T/1"])
        let info = try await store.run(id)
        #expect(info.status == "failed")
        #expect(info.error?.contains("poison_unit: sample 0 of T/0") == true && info.error?.contains("model crashed 2") == true,
                "\(info.error ?? "no error")")
        #expect(try await store.claimUnits(worker: "w", stage: .generate, generator: nil, limit: 5, policy: policy).isEmpty,
                "a failed run hands out nothing")
    }

    @Test(arguments: RunBackend.available)
    func aDetachedRunIsFinishedOnceWhenEveryUnitIsDone(_ backend: RunBackend) async throws {
        let store = try await backend.open()
        let m = fakeManifest(n: 2, tasks: ["T/0"])
        let id = try await store.createRun(id: RunIDs.new(), manifest: m, owner: nil, detached: true)
        let inProcess = try await store.createRun(manifest: m)
        for i in 0..<2 {
            try await store.insertSample(runID: id, storedSample("T/0", i))
            #expect(try await store.finishRuns(worker: "f").isEmpty)
            try await store.insertVerdict(runID: id, storedVerdict("T/0", i, i == 0))
        }
        let winners = try await withThrowingTaskGroup(of: [String].self) { group in
            for w in 0..<4 { group.addTask { try await store.finishRuns(worker: "f\(w)") } }
            return try await group.reduce(into: []) { $0 += $1 }
        }
        #expect(winners == [id], "finished by exactly one caller; a run worked in one process is never finished here")
        let info = try await store.run(id)
        #expect(info.status == "complete" && info.wallSeconds >= 0 && info.wallSeconds < 600)
        #expect(try await store.run(inProcess).status == "running")
    }

    @Test(arguments: RunBackend.available)
    func aCancelledRunHandsOutNothingAndIsNeverFinished(_ backend: RunBackend) async throws {
        let store = try await backend.open()
        let m = fakeManifest(n: 1, tasks: ["T/0", "T/1"])
        let id = try await store.createRun(id: RunIDs.new(), manifest: m, owner: nil, detached: true)
        let policy = LeasePolicy(leaseSeconds: 30)
        let held = try #require(try await store.claimUnits(worker: "w", stage: .generate, generator: nil, limit: 1, policy: policy).first)
        #expect(try await store.cancelRun(id))
        #expect(try await store.run(id).status == "cancelled")
        #expect(try await store.claimUnits(worker: "v", stage: .generate, generator: nil, limit: 9, policy: policy).isEmpty)
        #expect(try await store.renewUnits(worker: "w", policy: policy) == 0, "a lease on a cancelled run is not renewed")
        // The unit in flight may still finish: stored, but nothing more is handed out and the run stays cancelled.
        #expect(try await store.insertSample(runID: id, storedSample(held.taskID, held.index), by: "w"))
        #expect(try await store.claimUnits(worker: "v", stage: .judge, generator: nil, limit: 9, policy: policy).isEmpty)
        #expect(try await store.finishRuns(worker: "f").isEmpty)
        #expect(try await store.run(id).status == "cancelled")
        #expect(try await store.cancelRun(id) == false, "already cancelled")
        let done = try await store.createRun(manifest: m)
        try await store.setStatus(done, status: "complete")
        #expect(try await store.cancelRun(done) == false, "a complete run stays complete")
        #expect(try await store.run(done).status == "complete")
        let interrupted = try await store.createRun(manifest: m)
        try await store.setStatus(interrupted, status: "interrupted")
        #expect(try await store.cancelRun(interrupted))
    }

    @Test(arguments: RunBackend.available)
    func anOrchestratedRunMatchesTheSQLiteReference(_ backend: RunBackend) async throws {
        let m = fakeManifest(n: 3)
        let (ref, refID) = try await referenceRun(m)
        let store = try await backend.open()
        let id = try await store.createRun(manifest: m)
        try await RunOrchestrator(store: store, runID: id, manifest: m, tasks: fakeTasks(m), source: FakeSource(maxConcurrency: 3),
                                  judge: FakeJudge(), workers: 3).run()
        #expect(try await store.run(id).status == "complete")
        let a = try await RunResults.load(store, runID: id), b = try await RunResults.load(ref, runID: refID)
        #expect(a.passAtK == b.passAtK && a.tasks == b.tasks && a.samples == 12)
        #expect(sampleKeys(try await store.samples(id)) == sampleKeys(try await ref.samples(refID)))
    }
}

/// A generation source that fails every request (a worker whose model or endpoint is broken).
struct BrokenSource: CompletionSource {
    var maxConcurrency: Int { 2 }
    func complete(_ request: CompletionRequest) async throws -> CompletionResult { throw RunStoreError("backend down") }
}

@Suite struct RunWorkerTests {
    func worker(_ store: any RunStore, _ m: RunManifest, source: any CompletionSource, judges: Bool, id: String,
                lease: Double = 30) -> RunWorker {
        RunWorker(store: store, attach: { _, width in (fakeTasks(m), width.map { _ in FakeJudge() }) },
                  generation: WorkerGeneration(source: source, key: m.generatorKey), judgeWidth: judges ? 2 : nil,
                  policy: LeasePolicy(leaseSeconds: lease, maxAttempts: 50), idlePoll: .milliseconds(50), id: id, log: { _ in })
    }

    /// Workers sharing a detached run (one of them failing every generation) store exactly the samples and verdicts
    /// one process stores, each once, and the run is completed once.
    @Test(arguments: RunBackend.available)
    func detachedRunOverWorkersEqualsOneProcess(_ backend: RunBackend) async throws {
        let m = fakeManifest(n: 5)
        let (ref, refID) = try await referenceRun(m)

        let store = try await backend.open()
        let id = try await store.createRun(id: RunIDs.new(), manifest: m, owner: nil, detached: true)
        let workers = [worker(store, m, source: FakeSource(maxConcurrency: 3), judges: true, id: "a"),
                       worker(store, m, source: BrokenSource(), judges: false, id: "broken"),
                       worker(store, m, source: FakeSource(maxConcurrency: 2), judges: false, id: "b")]
        try await withThrowingTaskGroup(of: Void.self) { group in
            for w in workers { group.addTask { try await w.run(untilIdle: true) } }
            try await group.waitForAll()
        }
        let info = try await store.run(id)
        #expect(info.status == "complete", "\(info.error ?? "")")
        #expect(sampleKeys(try await store.samples(id)) == sampleKeys(try await ref.samples(refID)))
        func vkey(_ v: [StoredVerdict]) -> [String] { v.map { "\($0.taskID)#\($0.index)#\($0.passed)#\($0.detail)" }.sorted() }
        #expect(vkey(try await store.verdicts(id)) == vkey(try await ref.verdicts(refID)))
        let a = try await RunResults.load(store, runID: id), b = try await RunResults.load(ref, runID: refID)
        #expect(a.passAtK == b.passAtK && a.samples == 20 && a.verdicts == 20)
    }
}
