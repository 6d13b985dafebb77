import Foundation
import Testing
@testable import Evaluation
import Prompting

/// Deterministic fake generation: text depends only on prompt and seed; can fail on demand.
struct FakeSource: CompletionSource {
    var maxConcurrency: Int = 1
    var failAfter: Int? = nil
    let calls = CallCounter()

    func complete(_ r: CompletionRequest) async throws -> CompletionResult {
        let count = await calls.increment()
        if let failAfter, count > failAfter { throw RunStoreError("fake backend down") }
        // Odd seeds "solve" the task; the trailing stop must be cut locally.
        let body = r.seed % 2 == 1 ? "    return True\n" : "    return False\n"
        return CompletionResult(text: body + "\ndef junk():\n", tokens: 7, promptTokens: r.prompt.count,
                                finishReason: "length", promptMs: 1, decodeMs: 2)
    }
}

actor CallCounter {
    var value = 0
    func increment() -> Int { value += 1; return value }
}

struct FakeJudge: SampleJudge {
    func judge(taskID: String, index: Int, completion: String) async throws -> StoredVerdict {
        let ok = completion.contains("True")
        return StoredVerdict(taskID: taskID, index: index, status: ok ? "passed" : "failed", passed: ok,
                             detail: ok ? "passed" : "failed: AssertionError", durationMs: 1)
    }
}

func tempDBPath() -> String {
    FileManager.default.temporaryDirectory.appendingPathComponent("codeeval-runs-\(UUID().uuidString)/runs.sqlite").path
}

func fakeManifest(n: Int = 3, tasks: [String] = ["T/0", "T/1", "T/2", "T/3"], seed: UInt64 = 42) -> RunManifest {
    RunManifest(benchmark: "humaneval", profile: "llama1", model: "fake", modelSHA256: nil, modelPath: nil,
                parameterCount: nil, source: "local", endpoint: nil, ks: [1], n: n, temperature: 0.1, topP: 0.95,
                topK: 0, maxTokens: 32, stops: StopSequences.codex, seed: seed, promptTemplateHash: "h",
                datasetSHA256: "d", taskIDs: tasks, codeVersion: "test", greedy: false)
}

func fakeTasks(_ m: RunManifest) -> [PromptedTask] {
    m.taskIDs.map { PromptedTask(taskID: $0, prompt: "def f_\($0)():\n", stops: StopSequences.codex) }
}

@Suite struct RunStoreTests {
    @Test func storesManifestSamplesVerdictsInWAL() async throws {
        let store = try SQLiteRunStore(path: tempDBPath())
        let m = fakeManifest()
        let id = try await store.createRun(manifest: m)
        #expect(try await store.run(id).manifest == m)
        #expect(try await store.run(id).status == "running")
        let s = StoredSample(taskID: "T/0", index: 0, completion: "c", rawText: "c\ndef", finishReason: "stop",
                             tokens: 3, promptTokens: 5, promptMs: 1, decodeMs: 2, seed: UInt64.max)
        #expect(try await store.insertSample(runID: id, s))
        #expect(try await !store.insertSample(runID: id, s), "a repeated (task, index) is refused")
        #expect(try await store.samples(id) == [s])
        let v = StoredVerdict(taskID: "T/0", index: 0, status: "passed", passed: true, detail: "passed", durationMs: 3)
        #expect(try await store.insertVerdict(runID: id, v))
        #expect(try await store.verdicts(id) == [v])
        let mode = try await store.pool.read { db in try String.fetchOne(db, sql: "PRAGMA journal_mode") }
        #expect(mode == "wal")
    }

    /// EvalPlus's sample files: an instruct run's whole programs go out as `solution` (run as they are), a completion
    /// run's as `completion` (the prompt goes in front); `results` adds the verdicts.
    @Test func exportFormats() async throws {
        let store = try SQLiteRunStore(path: tempDBPath())
        var ids: [String: String] = [:]
        for profile in ["llama1", "instruct"] {
            var m = fakeManifest(n: 1, tasks: ["T/0"])
            m.profile = profile
            let id = try await store.createRun(manifest: m)
            #expect(try await store.insertSample(runID: id, StoredSample(taskID: "T/0", index: 0, completion: "def f(): pass",
                                                                   rawText: "x", finishReason: "stop", tokens: 1,
                                                                   promptTokens: 1, promptMs: 0, decodeMs: 0, seed: 1)))
            ids[profile] = id
        }
        func line(_ profile: String, _ format: RunExport.Format) async throws -> String {
            try await RunExport.lines(store, runID: ids[profile]!, format: format).map { $0.serialized() }.joined()
        }
        #expect(try await line("instruct", .evalplus) == #"{"task_id": "T/0", "solution": "def f(): pass"}"#)
        #expect(try await line("llama1", .evalplus) == #"{"task_id": "T/0", "completion": "def f(): pass"}"#)
        #expect(try await line("instruct", .humanEval) == #"{"task_id": "T/0", "completion": "def f(): pass"}"#)
    }

    @Test func unknownRunIsAClearError() async throws {
        let store = try SQLiteRunStore(path: tempDBPath())
        await #expect(throws: RunStoreError.self) { try await store.run("nope") }
    }

    @Test func sampleSeedsAreDerivedNotSequential() {
        let a = RunManifest.sampleSeed(runSeed: 1, taskID: "HumanEval/0", index: 0)
        #expect(a == RunManifest.sampleSeed(runSeed: 1, taskID: "HumanEval/0", index: 0))
        #expect(a != RunManifest.sampleSeed(runSeed: 1, taskID: "HumanEval/0", index: 1))
        #expect(a != RunManifest.sampleSeed(runSeed: 1, taskID: "HumanEval/1", index: 0))
        #expect(a != RunManifest.sampleSeed(runSeed: 2, taskID: "HumanEval/0", index: 0))
    }
}

@Suite struct RunOrchestratorTests {
    @Test func generatesJudgesAndCompletes() async throws {
        let store = try SQLiteRunStore(path: tempDBPath())
        let m = fakeManifest()
        let id = try await store.createRun(manifest: m)
        let o = RunOrchestrator(store: store, runID: id, manifest: m, tasks: fakeTasks(m), source: FakeSource(),
                                judge: FakeJudge(), workers: 2)
        let last = LastProgress()
        try await o.run { p in Task { await last.set(p) } }
        let samples = try await store.samples(id)
        #expect(samples.count == 12)
        #expect(samples.allSatisfy { !$0.completion.contains("def junk") }, "stops re-applied locally")
        #expect(samples.allSatisfy { $0.finishReason == "stop" })
        #expect(try await store.verdicts(id).count == 12)
        #expect(try await store.run(id).status == "complete")
    }

    @Test func resumeAfterFailureRepeatsNothingAndMatchesUninterrupted() async throws {
        let m = fakeManifest(n: 4)
        // Uninterrupted reference.
        let ref = try SQLiteRunStore(path: tempDBPath())
        let refID = try await ref.createRun(manifest: m)
        try await RunOrchestrator(store: ref, runID: refID, manifest: m, tasks: fakeTasks(m), source: FakeSource(),
                                  judge: FakeJudge(), workers: 3).run()

        let store = try SQLiteRunStore(path: tempDBPath())
        let id = try await store.createRun(manifest: m)
        let failing = FakeSource(failAfter: 5)
        await #expect(throws: RunStoreError.self) {
            try await RunOrchestrator(store: store, runID: id, manifest: m, tasks: fakeTasks(m), source: failing,
                                      judge: FakeJudge(), workers: 3).run()
        }
        #expect(try await store.run(id).status == "interrupted")
        #expect(try await store.samples(id).count == 5)
        let resumedSource = FakeSource()
        try await RunOrchestrator(store: store, runID: id, manifest: m, tasks: fakeTasks(m), source: resumedSource,
                                  judge: FakeJudge(), workers: 3).run()
        #expect(await resumedSource.calls.value == 16 - 5, "only missing samples are generated")
        func key(_ s: [StoredSample]) -> [String] { s.map { "\($0.taskID)#\($0.index)#\($0.seed)#\($0.completion)" }.sorted() }
        #expect(key(try await store.samples(id)) == key(try await ref.samples(refID)))
        func vkey(_ v: [StoredVerdict]) -> [String] { v.map { "\($0.taskID)#\($0.index)#\($0.passed)" }.sorted() }
        #expect(vkey(try await store.verdicts(id)) == vkey(try await ref.verdicts(refID)))
    }

    @Test func concurrentRemoteStyleSourceStoresEverySampleOnce() async throws {
        let store = try SQLiteRunStore(path: tempDBPath())
        let m = fakeManifest(n: 5)
        let id = try await store.createRun(manifest: m)
        try await RunOrchestrator(store: store, runID: id, manifest: m, tasks: fakeTasks(m),
                                  source: FakeSource(maxConcurrency: 4), judge: FakeJudge(), workers: 2).run()
        let keys = try await store.samples(id).map { "\($0.taskID)#\($0.index)" }
        #expect(keys.count == 20 && Set(keys).count == 20)
    }
}

actor LastProgress {
    var value: RunProgress?
    func set(_ p: RunProgress) { value = p }
}
