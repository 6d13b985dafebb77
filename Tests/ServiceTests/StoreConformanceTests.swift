import Datasets
import Foundation
import Store
import Testing
@testable import Service

/// One contract, every backend: the rules `JobQueueStore` promises, checked against SQLite and PostgreSQL alike.
@Suite struct StoreConformanceTests {
    static let samples: [(taskID: String, completion: String, fields: JSONObject)] = (0..<5).map {
        ("T/\($0 % 2)", "c\($0)", JSONObject([("task_id", .string("T/\($0 % 2)")), ("completion", .string("c\($0)"))]))
    }

    func newJob(_ store: any JobQueueStore, id: String = UUID().uuidString, samples n: Int = 5, owner: String? = nil) async throws -> String {
        try await store.createJob(id: id, benchmark: "humaneval", ks: [1, 2], timeoutSeconds: 3, owner: owner,
                                  samples: Array(Self.samples.prefix(n)))
        return id
    }

    func verdict(_ passed: Bool) -> SampleVerdict { SampleVerdict(passed: passed, result: passed ? "passed" : "failed: x") }

    @Test(arguments: StoreBackend.available)
    func aJobReadsBackAsWritten(_ backend: StoreBackend) async throws {
        let store = try await backend.open()
        let id = try await newJob(store, owner: "alice")
        let job = try #require(try await store.job(id))
        #expect(job.benchmark == "humaneval" && job.ks == [1, 2] && job.timeoutSeconds == 3 && job.owner == "alice")
        #expect(job.status == .queued && job.total == 5 && job.finished == 0 && job.passAtK.isEmpty && job.finishedAt == nil)
        #expect(abs(job.createdAt - Date().timeIntervalSince1970) < 60)
        #expect(try await store.pendingSampleCount() == 5)
        #expect(try await store.results(jobID: id, after: -1, limit: 10).isEmpty)
        #expect(try await store.job("no-such-job") == nil)
    }

    @Test(arguments: StoreBackend.available)
    func concurrentClaimsNeverShareASample(_ backend: StoreBackend) async throws {
        let store = try await backend.open()
        let id = try await newJob(store)
        let policy = LeasePolicy(leaseSeconds: 30)
        let claims = try await withThrowingTaskGroup(of: [ClaimedSample].self) { group in
            for w in 0..<4 { group.addTask { try await store.claim(worker: "w\(w)", limit: 2, policy: policy) } }
            return try await group.reduce(into: []) { $0 += $1 }
        }
        #expect(claims.count == 5)
        #expect(Set(claims.map(\.index)) == Set(0..<5), "each sample leased once")
        #expect(claims.allSatisfy { $0.attempts == 1 && $0.jobID == id && $0.benchmark == "humaneval" && $0.timeoutSeconds == 3 })
        #expect(try await store.claim(worker: "late", limit: 5, policy: policy).isEmpty, "everything is leased")
        #expect(try await store.job(id)?.status == .running)
    }

    @Test(arguments: StoreBackend.available)
    func theFirstCommittedVerdictWins(_ backend: StoreBackend) async throws {
        let store = try await backend.open()
        let id = try await newJob(store, samples: 1)
        let sample = try #require(try await store.claim(worker: "a", limit: 1, policy: LeasePolicy()).first)
        let outcomes = try await withThrowingTaskGroup(of: Bool.self) { group in
            for w in 0..<6 { group.addTask { try await store.record(sample, verdict: self.verdict(w % 2 == 0), worker: "w\(w)") } }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        #expect(outcomes.filter { $0 }.count == 1, "one verdict recorded: \(outcomes)")
        let rows = try await store.results(jobID: id, after: -1, limit: 10)
        #expect(rows.count == 1 && rows[0].fields["completion"] == .string("c0"))
        #expect(try await store.pendingSampleCount() == 0)
    }

    @Test(arguments: StoreBackend.available)
    func anExpiredLeaseIsClaimedAgainAndALateVerdictStillCountsOnce(_ backend: StoreBackend) async throws {
        let store = try await backend.open()
        _ = try await newJob(store, samples: 1)
        let short = LeasePolicy(leaseSeconds: 0.4)
        let first = try #require(try await store.claim(worker: "zombie", limit: 1, policy: short).first)
        #expect(try await store.claim(worker: "b", limit: 1, policy: short).isEmpty, "leased")
        try await Task.sleep(for: .milliseconds(700))
        let again = try #require(try await store.claim(worker: "b", limit: 1, policy: short).first)
        #expect(again.index == first.index && again.attempts == 2)
        // The paused worker wakes up and commits first: its verdict is as valid as the retry's, and only one counts.
        #expect(try await store.record(first, verdict: verdict(true), worker: "zombie"))
        #expect(try await store.record(again, verdict: verdict(false), worker: "b") == false)
        #expect(try await store.renew(worker: "b", policy: short) == 0, "a finished sample has no lease to renew")
    }

    @Test(arguments: StoreBackend.available)
    func renewalKeepsALeaseAlive(_ backend: StoreBackend) async throws {
        let store = try await backend.open()
        _ = try await newJob(store, samples: 1)
        let short = LeasePolicy(leaseSeconds: 0.6)
        _ = try #require(try await store.claim(worker: "a", limit: 1, policy: short).first)
        for _ in 0..<4 {
            try await Task.sleep(for: .milliseconds(250))
            #expect(try await store.renew(worker: "a", policy: short) == 1)
            #expect(try await store.claim(worker: "b", limit: 1, policy: short).isEmpty, "renewed lease still held")
        }
        try await Task.sleep(for: .milliseconds(900))
        #expect(try await store.claim(worker: "b", limit: 1, policy: short).count == 1, "claimed once renewals stop")
    }

    @Test(arguments: StoreBackend.available)
    func aJobIsFinalisedExactlyOnce(_ backend: StoreBackend) async throws {
        let store = try await backend.open()
        let id = try await newJob(store)
        #expect(try await store.finalizable(jobID: nil).isEmpty)
        for s in try await store.claim(worker: "a", limit: 5, policy: LeasePolicy()) {
            #expect(try await store.finish(jobID: id, passAtK: [1: 0], worker: "early") == false, "samples still pending")
            try await store.record(s, verdict: verdict(s.index != 1), worker: "a")
        }
        #expect(try await store.finalizable(jobID: nil).map(\.id) == [id])
        #expect(try await store.finalizable(jobID: id).first?.ks == [1, 2])
        let counts = try await store.taskCounts(jobID: id)
        #expect(counts.map(\.n) == [3, 2] && counts.map(\.c) == [3, 1])
        let wins = try await withThrowingTaskGroup(of: Bool.self) { group in
            for w in 0..<8 { group.addTask { try await store.finish(jobID: id, passAtK: [1: 0.75, 2: 1], worker: "w\(w)") } }
            return try await group.reduce(into: 0) { $0 += $1 ? 1 : 0 }
        }
        #expect(wins == 1)
        let job = try #require(try await store.job(id))
        #expect(job.status == .done && job.passAtK == [1: 0.75, 2: 1] && job.finished == 5 && job.passed == 4 && job.finishedAt != nil)
        #expect(try await store.finalizable(jobID: nil).isEmpty)
    }

    @Test(arguments: StoreBackend.available)
    func infrastructureErrorsAreRetriedThenTheSampleIsParked(_ backend: StoreBackend) async throws {
        let store = try await backend.open()
        let id = try await newJob(store, samples: 2)
        let policy = LeasePolicy(leaseSeconds: 30, maxAttempts: 2)
        var claims = try await store.claim(worker: "a", limit: 2, policy: policy)
        try await store.record(claims[0], verdict: verdict(true), worker: "a")
        try await store.release(claims[1], worker: "a", error: "sandbox launcher crashed")
        claims = try await store.claim(worker: "b", limit: 2, policy: policy)
        #expect(claims.map(\.index) == [1] && claims[0].attempts == 2, "released sample retried at once")
        try await store.release(claims[0], worker: "b", error: "sandbox launcher crashed again")
        #expect(try await store.claim(worker: "c", limit: 2, policy: policy).isEmpty, "parked")
        let job = try #require(try await store.job(id))
        #expect(job.status == .failed)
        #expect(job.error == "poison_sample: sample 1 (T/1) was claimed 2 times without a verdict; last error: sandbox launcher crashed again")
        #expect(job.finished == 1, "the parked sample is not scored as the program's failure")
    }

    @Test(arguments: StoreBackend.available)
    func aSampleWhoseWorkersKeepDyingIsParked(_ backend: StoreBackend) async throws {
        let store = try await backend.open()
        let id = try await newJob(store, samples: 1)
        let policy = LeasePolicy(leaseSeconds: 0.2, maxAttempts: 2)
        for w in 0..<2 {
            #expect(try await store.claim(worker: "dies\(w)", limit: 1, policy: policy).count == 1)
            try await Task.sleep(for: .milliseconds(400))
        }
        #expect(try await store.claim(worker: "c", limit: 1, policy: policy).isEmpty)
        #expect(try await store.job(id)?.error?.hasSuffix("last error: worker lost") == true)
    }

    @Test(arguments: StoreBackend.available)
    func aCancelledJobIsNeitherClaimedNorRenewedNorFinished(_ backend: StoreBackend) async throws {
        let store = try await backend.open()
        let id = try await newJob(store, samples: 3)
        let held = try await store.claim(worker: "a", limit: 1, policy: LeasePolicy())
        #expect(try await store.cancel(id))
        #expect(try await store.cancel(id) == false, "already ended")
        #expect(try await store.claim(worker: "b", limit: 3, policy: LeasePolicy()).isEmpty)
        #expect(try await store.renew(worker: "a", policy: LeasePolicy()) == 0)
        #expect(try await store.pendingSampleCount() == 0)
        // The sample already running finishes and is recorded; the job stays cancelled.
        #expect(try await store.record(held[0], verdict: verdict(true), worker: "a"))
        #expect(try await store.finish(jobID: id, passAtK: [:], worker: "a") == false)
        #expect(try await store.job(id)?.status == .cancelled)
    }

    @Test(arguments: StoreBackend.available)
    func claimsTakeTheOldestJobFirst(_ backend: StoreBackend) async throws {
        let store = try await backend.open()
        let older = try await newJob(store, id: "z-older", samples: 2)
        let newer = try await newJob(store, id: "a-newer", samples: 2)
        let claims = try await store.claim(worker: "a", limit: 3, policy: LeasePolicy())
        #expect(claims.filter { $0.jobID == older }.count == 2 && claims.filter { $0.jobID == newer }.count == 1)
    }

    @Test(arguments: StoreBackend.available)
    func resultsPageInSubmissionOrder(_ backend: StoreBackend) async throws {
        let store = try await backend.open()
        let id = try await newJob(store)
        for s in try await store.claim(worker: "a", limit: 5, policy: LeasePolicy()).reversed() {
            try await store.record(s, verdict: verdict(true), worker: "a")
        }
        let first = try await store.results(jobID: id, after: -1, limit: 2)
        let rest = try await store.results(jobID: id, after: first.last?.index ?? 0, limit: 10)
        #expect((first + rest).map(\.index) == [0, 1, 2, 3, 4])
        #expect(rest.last?.fields["task_id"] == .string("T/0") && rest.last?.passed == true && rest.last?.result == "passed")
    }

    @Test(arguments: StoreBackend.available)
    func executionsAreCountedAndPruned(_ backend: StoreBackend) async throws {
        let store = try await backend.open()
        let outcome = ExecutionOutcome(status: "passed", execution: JSONObject([("status", .string("passed"))]), wallSeconds: 0.01)
        try await store.recordExecution(owner: "alice", outcome: outcome)
        try await store.recordExecution(owner: nil, outcome: outcome)
        #expect(try await store.executionCount() == 2)
        let done = try await newJob(store, samples: 1)
        let live = try await newJob(store, samples: 1)
        for s in try await store.claim(worker: "a", limit: 1, policy: LeasePolicy()) {
            try await store.record(s, verdict: verdict(true), worker: "a")
        }
        #expect(try await store.finish(jobID: done, passAtK: [1: 1], worker: "a"))
        let pruned = try await store.prune(before: Date().timeIntervalSince1970 + 60)
        #expect(pruned.executions == 2 && pruned.jobs == 1)
        #expect(try await store.job(done) == nil)
        #expect(try await store.job(live) != nil, "an active job stays whatever its age")
    }

    @Test(arguments: StoreBackend.available)
    func replicasStartingTogetherMigrateOnce(_ backend: StoreBackend) async throws {
        let location = try backend.freshLocation()
        let versions = try await withThrowingTaskGroup(of: [String].self) { group in
            for _ in 0..<4 { group.addTask { try await location.migrate() } }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        #expect(Set(versions).count == 1 && !(versions.first ?? []).isEmpty, "\(versions)")
        let store = try await location.open()
        #expect(try await store.pendingSampleCount() == 0)
    }
}
