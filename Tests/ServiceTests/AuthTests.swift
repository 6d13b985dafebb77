import Datasets
import Foundation
import Support
import GRDB
import Testing
@testable import Service

@Suite struct AuthTests {
    static let secret = "s3cret-key"

    @Test func keysFileParsesAndRejectsBadLines() throws {
        let digest = SHA256Hasher.hex(Array(Self.secret.utf8))
        let keys = try APIKeyFile.parse("# comment\nalice \(digest) 3 10\n\nbob \(String(repeating: "a", count: 64))\n")
        #expect(keys.map(\.name) == ["alice", "bob"])
        #expect(keys[0].maxConcurrent == 3 && keys[0].ratePerSecond == 10)
        #expect(keys[0].sha256 == APIKey.hash(Self.secret))
        #expect(throws: APIKeyFileError.self) { try APIKeyFile.parse("alice not-hex\n") }
        #expect(throws: APIKeyFileError.self) { try APIKeyFile.parse("alice \(digest) 0\n") }
        #expect(throws: APIKeyFileError.self) { try APIKeyFile.parse("# nothing\n") }
    }

    @Test func bearerKeysRateAndConcurrencyLimits() async throws {
        let key = APIKey(name: "ci", sha256: APIKey.hash(Self.secret), maxConcurrent: 1, ratePerSecond: 50)
        // A bucket that refills once every 20 s: the second request is limited however slow the machine is.
        let slowKey = APIKey(name: "slow", sha256: APIKey.hash("slow-key"), maxConcurrent: 4, ratePerSecond: 0.05)
        try await withServer(keys: [key, slowKey]) { port, _ in
            let body = #"{"code":"print(1)"}"#
            #expect(await RawHTTP.json(port: port, path: "/v1/execute", body)?.status == 401)
            #expect(await RawHTTP.json(port: port, path: "/v1/execute", body, headers: ["Authorization": "Bearer nope"])?.status == 401)
            // Probes stay open (for orchestrators) while /v1 needs a key.
            #expect(await RawHTTP.request(port: port, method: "GET", path: "/healthz")?.status == 200)
            let auth = ["Authorization": "Bearer \(Self.secret)"]
            #expect(await RawHTTP.json(port: port, path: "/v1/execute", body, headers: auth)?.status == 200)
            // Concurrency 1: a second request while one sleeps is refused.
            async let slow = RawHTTP.json(port: port, path: "/v1/execute", #"{"code":"SLEEP 3"}"#, headers: auth)
            try await Task.sleep(for: .milliseconds(700))
            let second = await RawHTTP.json(port: port, path: "/v1/execute", body, headers: auth)
            #expect(second?.status == 429)
            #expect(await slow?.status == 200)
            // Rate: one token, no refill within the test.
            let slowAuth = ["Authorization": "Bearer slow-key"]
            var statuses: [Int] = []
            for _ in 0..<3 { statuses.append(await RawHTTP.json(port: port, path: "/v1/execute", body, headers: slowAuth)?.status ?? -1) }
            #expect(statuses.first == 200)
            #expect(statuses.dropFirst().allSatisfy { $0 == 429 }, "\(statuses)")
        }
    }

    /// On PostgreSQL the limits are the store's, not each replica's: two replicas together admit a key's limits once.
    @Test(.enabled(if: StoreBackend.postgresURL != nil, StoreBackend.skipReason))
    func limitsHoldAcrossReplicasSharingAStore() async throws {
        let one = APIKey(name: "one", sha256: APIKey.hash("one-key"), maxConcurrent: 1, ratePerSecond: 50)
        let slow = APIKey(name: "slow", sha256: APIKey.hash("slow-key"), maxConcurrent: 4, ratePerSecond: 0.05)
        let location = try StoreBackend.postgres.freshLocation()
        try await withServer(store: try await location.open(), keys: [one, slow]) { portA, _ in
            try await withServer(store: try await location.open(), keys: [one, slow]) { portB, _ in
                let body = #"{"code":"print(1)"}"#
                let asOne = ["Authorization": "Bearer one-key"], asSlow = ["Authorization": "Bearer slow-key"]
                // Concurrency 1: a request in flight on one replica refuses the key's next one on the other.
                async let sleeping = RawHTTP.json(port: portA, path: "/v1/execute", #"{"code":"SLEEP 3"}"#, headers: asOne)
                try await Task.sleep(for: .milliseconds(700))
                let other = await RawHTTP.json(port: portB, path: "/v1/execute", body, headers: asOne)
                #expect(other?.status == 429 && other?.text.contains("too_many_concurrent") == true, "\(other?.text ?? "-")")
                #expect(await sleeping?.status == 200)
                // Its slot is released: the next request on the other replica goes through.
                #expect(await RawHTTP.json(port: portB, path: "/v1/execute", body, headers: asOne)?.status == 200)
                // A bucket of one that refills once every 20 s: alternating replicas does not double it.
                var statuses: [Int] = []
                for port in [portA, portB, portA, portB] {
                    statuses.append(await RawHTTP.json(port: port, path: "/v1/execute", body, headers: asSlow)?.status ?? -1)
                }
                #expect(statuses.first == 200 && statuses.dropFirst().allSatisfy { $0 == 429 }, "\(statuses)")
            }
        }
    }

    @Test(arguments: StoreBackend.available)
    func aJobIsVisibleToTheKeyThatSubmittedItOnly(_ backend: StoreBackend) async throws {
        let alice = APIKey(name: "alice", sha256: APIKey.hash("alice-key"))
        let bob = APIKey(name: "bob", sha256: APIKey.hash("bob-key"))
        try await withServer(store: try await backend.open(), keys: [alice, bob]) { port, _ in
            let asAlice = ["Authorization": "Bearer alice-key"], asBob = ["Authorization": "Bearer bob-key"]
            let body = #"{"benchmark":"humaneval","samples":[{"task_id":"T/0","completion":"SLEEP 2"}]}"#
            let submitted = try #require(await RawHTTP.json(port: port, path: "/v1/evaluations", body, headers: asAlice))
            #expect(submitted.status == 202)
            guard case let .string(id)? = jsonObject(submitted)?["id"] else { Issue.record("no id"); return }
            // Every route of another key's job answers as for a job that does not exist, and cancelling does nothing.
            for (method, path) in [("GET", "/v1/evaluations/\(id)"), ("GET", "/v1/evaluations/\(id)/results"),
                                   ("DELETE", "/v1/evaluations/\(id)")] {
                #expect(await RawHTTP.request(port: port, method: method, path: path, headers: asBob)?.status == 404, "\(method) \(path)")
                #expect(await RawHTTP.request(port: port, method: method, path: "/v1/evaluations/no-such-id", headers: asBob)?.status == 404)
            }
            let mine = try #require(await RawHTTP.request(port: port, method: "GET", path: "/v1/evaluations/\(id)", headers: asAlice))
            #expect(mine.status == 200)
            #expect(jsonObject(mine)?["status"] != .string("cancelled"))
        }
    }

    @Test(arguments: StoreBackend.available)
    func anOperatorKeySeesEveryTenant(_ backend: StoreBackend) async throws {
        let alice = APIKey(name: "alice", sha256: APIKey.hash("alice-key"))
        let ops = APIKey(name: "ops", sha256: APIKey.hash("ops-key"))
        try await withServer(config: testConfig { $0.operatorKeys = ["ops"] }, store: try await backend.open(), keys: [alice, ops]) { port, _ in
            let body = #"{"benchmark":"humaneval","samples":[{"task_id":"T/0","completion":"x"}]}"#
            let submitted = try #require(await RawHTTP.json(port: port, path: "/v1/evaluations", body, headers: ["Authorization": "Bearer alice-key"]))
            guard case let .string(id)? = jsonObject(submitted)?["id"] else { Issue.record("no id"); return }
            #expect(await RawHTTP.request(port: port, method: "GET", path: "/v1/evaluations/\(id)", headers: ["Authorization": "Bearer ops-key"])?.status == 200)
        }
    }

    /// Two replicas on one store: a job submitted through one is seen, finished and cancelled through the other by
    /// its key only; another key gets 404 on every replica.
    @Test(arguments: StoreBackend.available)
    func keysSeeTheirOwnJobsOnEveryReplica(_ backend: StoreBackend) async throws {
        let alice = APIKey(name: "alice", sha256: APIKey.hash("alice-key"))
        let bob = APIKey(name: "bob", sha256: APIKey.hash("bob-key"))
        let location = try backend.freshLocation()
        let asAlice = ["Authorization": "Bearer alice-key"], asBob = ["Authorization": "Bearer bob-key"]
        try await withServer(store: try await location.open(), keys: [alice, bob]) { portA, _ in
            try await withServer(store: try await location.open(), keys: [alice, bob]) { portB, _ in
                let quick = #"{"benchmark":"humaneval","samples":[{"task_id":"T/0","completion":"x"},{"task_id":"T/1","completion":"FAIL"}]}"#
                let done = try #require(await RawHTTP.json(port: portA, path: "/v1/evaluations", quick, headers: asAlice))
                let doneID = try #require(jsonObject(done)?["id"]?.stringValue)
                let finished = try await waitForJob(port: portB, id: doneID, headers: asAlice)
                #expect(finished["status"] == .string("done"))
                #expect(finished["pass_at_k"]?.objectValue?["pass@1"] == .double(0.5))
                let slow = #"{"benchmark":"humaneval","samples":[{"task_id":"T/0","completion":"SLEEP 5"},{"task_id":"T/1","completion":"SLEEP 5"},{"task_id":"T/2","completion":"SLEEP 5"},{"task_id":"T/3","completion":"SLEEP 5"},{"task_id":"T/0","completion":"SLEEP 5"}]}"#
                let live = try #require(await RawHTTP.json(port: portB, path: "/v1/evaluations", slow, headers: asAlice))
                let liveID = try #require(jsonObject(live)?["id"]?.stringValue)
                for port in [portA, portB] {
                    for id in [doneID, liveID] {
                        for (method, path) in [("GET", "/v1/evaluations/\(id)"), ("GET", "/v1/evaluations/\(id)/results"),
                                               ("DELETE", "/v1/evaluations/\(id)")] {
                            #expect(await RawHTTP.request(port: port, method: method, path: path, headers: asBob)?.status == 404,
                                    "\(method) \(path) on \(port)")
                        }
                        #expect(await RawHTTP.request(port: port, method: "GET", path: "/v1/evaluations/\(id)", headers: asAlice)?.status == 200)
                    }
                }
                let cancelled = await RawHTTP.request(port: portA, method: "DELETE", path: "/v1/evaluations/\(liveID)", headers: asAlice)
                #expect(cancelled?.status == 200)
                let seen = jsonObject(await RawHTTP.request(port: portB, method: "GET", path: "/v1/evaluations/\(liveID)", headers: asAlice))
                #expect(seen?["status"] == .string("cancelled"), "a cancel through one replica is seen through the other")
            }
        }
    }

    @Test func retentionDeletesOldExecutionsAndFinishedJobsOnly() async throws {
        let store = try SQLiteJobStore(path: tempDBPath())
        let old = Date().timeIntervalSince1970 - 40 * 86_400
        let outcome = ExecutionOutcome(status: "passed", execution: JSONObject(), wallSeconds: 0.01)
        try await store.recordExecution(owner: nil, outcome: outcome)
        try await store.createJob(id: "old-done", benchmark: "humaneval", ks: [1], timeoutSeconds: 1, owner: nil,
                                  samples: [("T/0", "x", JSONObject())])
        try await store.createJob(id: "old-queued", benchmark: "humaneval", ks: [1], timeoutSeconds: 1, owner: nil,
                                  samples: [("T/0", "x", JSONObject())])
        try await store.createJob(id: "new-done", benchmark: "humaneval", ks: [1], timeoutSeconds: 1, owner: nil,
                                  samples: [("T/0", "x", JSONObject())])
        try await store.pool.write { db in
            try db.execute(sql: "UPDATE execution SET created_at = ?", arguments: [old])
            try db.execute(sql: "UPDATE job SET created_at = ?", arguments: [old])
            try db.execute(sql: "UPDATE job SET status = 'done', finished_at = ? WHERE id = 'old-done'", arguments: [old])
            try db.execute(sql: "UPDATE job SET status = 'done', finished_at = ? WHERE id = 'new-done'",
                           arguments: [Date().timeIntervalSince1970])
        }
        try await store.recordExecution(owner: nil, outcome: outcome)
        let pruned = try await store.prune(before: Date().timeIntervalSince1970 - 30 * 86_400)
        #expect(pruned.executions == 1 && pruned.jobs == 1)
        #expect(try await store.job("old-done") == nil)
        #expect(try await store.job("old-queued") != nil, "a live job stays whatever its age")
        #expect(try await store.job("new-done") != nil)
        #expect(try await store.executionCount() == 1)
        let orphans = try await store.pool.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM sample WHERE job_id = 'old-done'") }
        #expect(orphans == 0, "samples go with their job")
    }

    @Test func authenticateIsExactMatch() {
        let limiter = KeyLimiter(keys: [APIKey(name: "a", sha256: APIKey.hash("abc"))])
        #expect(limiter.authenticate("abc")?.name == "a")
        #expect(limiter.authenticate("abd") == nil)
        #expect(limiter.authenticate("") == nil)
    }
}

/// `--unsafe-no-sandbox` still judges through the proof-of-pass channel: an early exit is not a pass.
@Suite struct UnsandboxedProofTests {
    @Test func passesOnlyWhenTheProgramReturns() async throws {
        let executor = UnsandboxedPythonExecutor()
        let ok = try await executor.execute(ExecutionRequest(code: "print(1)", timeoutSeconds: 10, memoryMB: 256, requireProof: true))
        #expect(ok.status == "passed")
        let early = try await executor.execute(ExecutionRequest(code: "import sys\nsys.exit(0)\nassert False", timeoutSeconds: 10,
                                                                memoryMB: 256, requireProof: true))
        #expect(early.status == "failed")
        let plain = try await executor.execute(ExecutionRequest(code: "import sys\nsys.exit(0)", timeoutSeconds: 10, memoryMB: 256))
        #expect(plain.status == "passed", "without requireProof the exit status decides")
    }

    /// Input a program never reads (it exits at once, or runs on) neither crashes the server nor blocks the run.
    @Test func unreadInputIsNoError() async throws {
        let executor = UnsandboxedPythonExecutor()
        let big = String(repeating: "x", count: 1 << 20)
        let exits = try await executor.execute(ExecutionRequest(code: "print(1)", stdin: big, timeoutSeconds: 10, memoryMB: 256))
        #expect(exits.status == "passed" && exits.execution["stdout"]?.stringValue == "1\n", "\(exits.execution)")
        let chatty = try await executor.execute(ExecutionRequest(code: "print('y' * 200_000)", stdin: big, timeoutSeconds: 10,
                                                                 memoryMB: 256))
        #expect(chatty.status == "passed" && chatty.execution["stdout"]?.stringValue?.count == 200_001, "\(chatty.status)")
    }
}
