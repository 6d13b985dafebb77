import Foundation
import Prompting
import Support

/// Live counters of a run, reported after every sample and verdict.
public struct RunProgress: Sendable, Equatable {
    public var tasksTotal: Int
    /// Tasks whose every sample has a verdict.
    public var tasksDone: Int
    public var samplesTotal: Int
    public var samplesGenerated: Int
    /// Samples generated in this process (for rates; resumed samples are excluded).
    public var samplesGeneratedNow: Int
    public var verdicts: Int
    public var passed: Int
    public var tokensNow: Int
    public var elapsed: Double

    public init(tasksTotal: Int, tasksDone: Int, samplesTotal: Int, samplesGenerated: Int, samplesGeneratedNow: Int,
                verdicts: Int, passed: Int, tokensNow: Int, elapsed: Double) {
        self.tasksTotal = tasksTotal
        self.tasksDone = tasksDone
        self.samplesTotal = samplesTotal
        self.samplesGenerated = samplesGenerated
        self.samplesGeneratedNow = samplesGeneratedNow
        self.verdicts = verdicts
        self.passed = passed
        self.tokensNow = tokensNow
        self.elapsed = elapsed
    }
}

/// Generates the missing samples of a run and judges the unjudged ones, overlapping the two:
/// every sample goes to the judge pool as soon as it is stored; generation never waits for judging.
public struct RunOrchestrator: Sendable {
    public let store: any RunStore
    public let runID: String
    public let manifest: RunManifest
    public let tasks: [PromptedTask]
    public let source: any CompletionSource
    public let judge: any SampleJudge
    public let workers: Int

    public init(store: any RunStore, runID: String, manifest: RunManifest, tasks: [PromptedTask],
                source: any CompletionSource, judge: any SampleJudge, workers: Int) {
        self.store = store
        self.runID = runID
        self.manifest = manifest
        self.tasks = tasks
        self.source = source
        self.judge = judge
        self.workers = max(1, workers)
    }

    public func run(progress: @escaping @Sendable (RunProgress) -> Void = { _ in }) async throws {
        let start = Date()
        let existingSamples = try await store.samples(runID)
        let existingVerdicts = try await store.verdicts(runID)
        let judged = Set(existingVerdicts.map { Key($0.taskID, $0.index) })
        let generated = Set(existingSamples.map { Key($0.taskID, $0.index) })
        let counter = ProgressCounter(
            RunProgress(tasksTotal: tasks.count, tasksDone: 0, samplesTotal: tasks.count * manifest.n,
                        samplesGenerated: existingSamples.count, samplesGeneratedNow: 0,
                        verdicts: existingVerdicts.count, passed: existingVerdicts.filter(\.passed).count,
                        tokensNow: 0, elapsed: 0),
            n: manifest.n, verdicts: existingVerdicts, start: start)

        let (stream, continuation) = AsyncStream<StoredSample>.makeStream()
        for s in existingSamples where !judged.contains(Key(s.taskID, s.index)) { continuation.yield(s) }

        do {
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await judgeAll(stream, counter: counter, progress: progress) }
                group.addTask {
                    defer { continuation.finish() }
                    try await generateMissing(skip: generated, counter: counter, progress: progress) { continuation.yield($0) }
                }
                try await group.waitForAll()
            }
        } catch {
            try? await store.setStatus(runID, status: "interrupted", addWallSeconds: Date().timeIntervalSince(start))
            throw error
        }
        let counts = try await store.counts(runID)
        let (samples, verdicts) = (counts.samples, counts.verdicts)
        guard samples == tasks.count * manifest.n, verdicts == samples else {
            throw RunStoreError("run \(runID) ended with \(samples) samples and \(verdicts) verdicts of \(tasks.count * manifest.n)")
        }
        try await store.setStatus(runID, status: "complete", addWallSeconds: Date().timeIntervalSince(start))
    }

    func generateOne(_ task: PromptedTask, index: Int) async throws -> StoredSample {
        try await Self.generate(task, index: index, manifest: manifest, source: source)
    }

    static func request(_ task: PromptedTask, index: Int, manifest: RunManifest) -> CompletionRequest {
        CompletionRequest(prompt: task.prompt, stops: task.stops, maxTokens: manifest.maxTokens,
                          temperature: manifest.temperature, topP: manifest.topP, topK: manifest.topK,
                          seed: RunManifest.sampleSeed(runSeed: manifest.seed, taskID: task.taskID, index: index),
                          replyPrefix: task.replyPrefix)
    }

    /// One sample, as any process generates it: the request depends only on the manifest, the task and the index,
    /// so whichever worker generates it stores the same sample.
    static func generate(_ task: PromptedTask, index: Int, manifest: RunManifest, source: any CompletionSource) async throws -> StoredSample {
        let req = request(task, index: index, manifest: manifest)
        let r = try await source.complete(req)
        // Stops are re-applied locally: a backend may accept fewer stops than we need.
        let cut = StopSequences.truncate(r.text, at: task.stops)
        // A chat reply is judged by the code in it; the whole reply stays in rawText.
        let completion = task.replyPrefix == nil ? cut.text : InstructPrompt.code(fromReply: cut.text)
        return StoredSample(taskID: task.taskID, index: index, completion: completion, rawText: r.text,
                            finishReason: cut.stop != nil ? "stop" : r.finishReason, tokens: r.tokens,
                            promptTokens: r.promptTokens, promptMs: r.promptMs, decodeMs: r.decodeMs, seed: req.seed)
    }

    func generateMissing(skip: Set<Key>, counter: ProgressCounter, progress: @escaping @Sendable (RunProgress) -> Void,
                         emit: @escaping @Sendable (StoredSample) -> Void) async throws {
        let todo = tasks.flatMap { t in (0..<manifest.n).filter { !skip.contains(Key(t.taskID, $0)) }.map { (t, $0) } }
        try await forEachConcurrently(count: todo.count, width: max(1, source.maxConcurrency), {
            try await generateOne(todo[$0].0, index: todo[$0].1)
        }) { _, s in
            if try await store.insertSample(runID: runID, s) { emit(s) }
            progress(await counter.generated(tokens: s.tokens))
        }
    }

    func judgeAll(_ stream: AsyncStream<StoredSample>, counter: ProgressCounter,
                  progress: @escaping @Sendable (RunProgress) -> Void) async throws {
        try await withThrowingTaskGroup(of: StoredVerdict.self) { group in
            var running = 0
            func record(_ v: StoredVerdict) async throws {
                try await store.insertVerdict(runID: runID, v)
                progress(await counter.judged(v))
            }
            for await s in stream {
                if running >= workers, let v = try await group.next() {
                    running -= 1
                    try await record(v)
                }
                group.addTask { try await judge.judge(taskID: s.taskID, index: s.index, completion: s.completion) }
                running += 1
            }
            for try await v in group { try await record(v) }
        }
    }
}

struct Key: Hashable, Sendable {
    let task: String
    let index: Int
    init(_ task: String, _ index: Int) { self.task = task; self.index = index }
}

actor ProgressCounter {
    var state: RunProgress
    var judgedPerTask: [String: Int] = [:]
    let n: Int
    let start: Date

    init(_ state: RunProgress, n: Int, verdicts: [StoredVerdict], start: Date) {
        self.state = state
        self.n = n
        self.start = start
        for v in verdicts { judgedPerTask[v.taskID, default: 0] += 1 }
        self.state.tasksDone = judgedPerTask.values.filter { $0 >= n }.count
    }

    func generated(tokens: Int) -> RunProgress {
        state.samplesGenerated += 1
        state.samplesGeneratedNow += 1
        state.tokensNow += tokens
        state.elapsed = Date().timeIntervalSince(start)
        return state
    }

    func judged(_ v: StoredVerdict) -> RunProgress {
        state.verdicts += 1
        if v.passed { state.passed += 1 }
        judgedPerTask[v.taskID, default: 0] += 1
        if judgedPerTask[v.taskID] == n { state.tasksDone += 1 }
        state.elapsed = Date().timeIntervalSince(start)
        return state
    }
}
