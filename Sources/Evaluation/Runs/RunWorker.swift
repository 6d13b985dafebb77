import Engine
import Foundation
import Models
import Prompting
import Store

/// What a worker generates with, and so which runs it may generate for: only runs whose samples it reproduces
/// exactly (the same model file and kernel family; for a remote run, the same served model name).
public struct WorkerGeneration: Sendable {
    public let source: any CompletionSource
    /// Compared with `RunManifest.generatorKey` by the claim.
    public let key: String

    public init(source: any CompletionSource, key: String) {
        self.source = source
        self.key = key
    }

    /// The local engine with a registry model or GGUF file.
    public static func local(model: String, batchSize: Int) throws -> WorkerGeneration {
        guard batchSize >= 1 else { throw PlanError("--batch-size must be ≥ 1") }
        return try local(model: model, batcher: ContinuousBatcher(generator: try Generator(path: try ModelRegistry.resolve(model)),
                                                                  batchSize: batchSize))
    }

    /// The local engine through a batcher already loaded with `model` (a server's, shared with its completions).
    public static func local(model: String, batcher: ContinuousBatcher) throws -> WorkerGeneration {
        let sha = try RunPlanner.modelSHA256(model, path: try ModelRegistry.resolve(model))
        return WorkerGeneration(source: EngineCompletionSource(batcher: batcher),
                                key: RunManifest.localGeneratorKey(modelSHA256: sha, kernels: KernelLevel.name))
    }

    /// OpenAI-compatible servers of `model`.
    public static func remote(endpoints: [String], model: String, api: RemoteAPI, concurrency: Int) throws -> WorkerGeneration {
        guard (1...1024).contains(concurrency) else { throw PlanError("--concurrency must be in 1...1024") }
        return WorkerGeneration(source: try RemoteCompletionSource(endpoints: endpoints, model: model, api: api, maxConcurrency: concurrency),
                                key: RunManifest.remoteGeneratorKey(model: model))
    }
}

/// A worker of detached runs (`codeeval humaneval … --detach`): it claims generation units it can reproduce and
/// judging units, each under a lease it renews while it works, and stores each result as it completes. Any number of
/// workers share a store; one that dies loses only its leases, which expire and are claimed again. A sample depends
/// only on the run's manifest, its task and its index (never on which worker or batch produced it), so the stored
/// samples equal a single-process run's, and the first one committed is the one kept.
public final class RunWorker: Sendable {
    public let id: String
    let store: any RunStore
    /// A stored run's tasks as this host prompts them, and a judge of the given width (`RunPlanner.attach`).
    let attach: @Sendable (RunInfo, Int?) throws -> (tasks: [PromptedTask], judge: (any SampleJudge)?)
    let generation: WorkerGeneration?
    /// Sandbox programs at once when judging; nil: this worker does not judge.
    let judgeWidth: Int?
    let policy: LeasePolicy
    let idlePoll: Duration
    let log: @Sendable (String) -> Void
    let assignments = Assignments()
    let inFlight = InFlightUnits()

    public convenience init(store: any RunStore, planner: RunPlanner, generation: WorkerGeneration?, judgeWidth: Int?,
                            policy: LeasePolicy = LeasePolicy(), id: String = RunWorker.defaultID(),
                            log: @escaping @Sendable (String) -> Void = { _ in }) {
        self.init(store: store, attach: { try planner.attach($0, judgeWorkers: $1) }, generation: generation,
                  judgeWidth: judgeWidth, policy: policy, id: id, log: log)
    }

    init(store: any RunStore, attach: @escaping @Sendable (RunInfo, Int?) throws -> (tasks: [PromptedTask], judge: (any SampleJudge)?),
         generation: WorkerGeneration?, judgeWidth: Int?, policy: LeasePolicy, idlePoll: Duration = .milliseconds(500),
         id: String, log: @escaping @Sendable (String) -> Void) {
        self.store = store
        self.attach = attach
        self.generation = generation
        self.judgeWidth = judgeWidth.map { max(1, $0) }
        self.policy = policy
        self.idlePoll = idlePoll
        self.id = id
        self.log = log
    }

    /// `host-pid-random`: unique per process, and the PID says which process holds a lease.
    public static func defaultID() -> String {
        "\(ProcessInfo.processInfo.hostName)-\(getpid())-\(UUID().uuidString.prefix(8).lowercased())"
    }

    /// Works until the task is cancelled (units in flight are handed back) or, with `untilIdle`, until no unit it
    /// could take is left.
    public func run(untilIdle: Bool = false) async throws {
        try await withThrowingTaskGroup(of: Void.self) { group in
            let renew = Task { await self.renewLeases() }
            let watch = Task { await self.stopCancelledRuns() }
            defer { renew.cancel(); watch.cancel() }
            if let generation { group.addTask { try await self.work(.generate, width: generation.source.maxConcurrency, untilIdle: untilIdle) } }
            if let judgeWidth { group.addTask { try await self.work(.judge, width: judgeWidth, untilIdle: untilIdle) } }
            try await group.waitForAll()
        }
    }

    func renewLeases() async {
        while !Task.isCancelled {
            try? await Task.sleep(for: .seconds(policy.leaseSeconds / 3))
            do { try await store.renewUnits(worker: id, policy: policy) } catch { log("lease renewal failed: \(error)") }
        }
    }

    /// Every 2 s, stops the units in flight of runs that were cancelled (or failed) meanwhile: a batch being generated
    /// for a cancelled run is dropped rather than finished.
    func stopCancelledRuns() async {
        while !Task.isCancelled {
            try? await Task.sleep(for: .seconds(2))
            for runID in await inFlight.runs() {
                guard let status = try? await store.run(runID).status, status != "queued" && status != "running" else { continue }
                log("run \(runID) is \(status): stopping its units in flight")
                await inFlight.cancel(runID)
            }
        }
    }

    /// Keeps up to `width` units of one stage in flight, claiming more as each completes. After a failed unit it
    /// waits before claiming again (longer the more fail in a row), so a worker whose model or sandbox is broken
    /// does not burn through every unit's attempts while healthy workers do the work.
    func work(_ stage: RunStage, width: Int, untilIdle: Bool) async throws {
        try await withThrowingTaskGroup(of: Bool.self) { group in
            var inFlight = 0, idleRounds = 0, failures = 0
            while !Task.isCancelled {
                var units: [RunUnit] = []
                if inFlight < width {
                    do {
                        units = try await store.claimUnits(worker: id, stage: stage, generator: stage == .generate ? generation?.key : nil,
                                                           limit: width - inFlight, policy: policy)
                    } catch { log("claim failed (retrying): \(error)") }
                }
                for u in units {
                    inFlight += 1
                    group.addTask { await self.perform(u) }
                }
                if !units.isEmpty { idleRounds = 0; continue }
                if inFlight > 0 {
                    let ok = try await group.next() ?? true
                    inFlight -= 1
                    failures = ok ? 0 : failures + 1
                    if failures > 0 { try await Task.sleep(for: idlePoll * min(failures, 10)) }
                    continue
                }
                // Nothing claimable and nothing in flight: complete what is done (also a run whose last verdict's
                // worker died before completing it), then wait. Other stages may still produce work for this one.
                if let done = try? await store.finishRuns(worker: id) { for r in done { log("run \(r) complete") } }
                idleRounds += 1
                if untilIdle, idleRounds >= 3, try await nothingLeft() { return }
                try await Task.sleep(for: idlePoll)
            }
        }
    }

    /// True when no queued or running run is left at all (the `untilIdle` exit).
    func nothingLeft() async throws -> Bool {
        try await store.runs().allSatisfy { $0.status != "queued" && $0.status != "running" }
    }

    /// Works on one unit; false when it failed (and was handed back).
    func perform(_ u: RunUnit) async -> Bool {
        // Unstructured, so that `stopCancelledRuns` can cancel this unit alone.
        let work = Task { try await self.execute(u) }
        let key = await inFlight.add(u.runID, work)
        let outcome = await withTaskCancellationHandler { await work.result } onCancel: { work.cancel() }
        await inFlight.remove(u.runID, key)
        guard case .failure(let error) = outcome else { return true }
        log("\(u.stage.rawValue) \(u.taskID)#\(u.index) of run \(u.runID) failed: \(error)")
        // Unstructured, so a stopping worker (a cancelled task) still hands the lease back.
        let (runs, worker, reason) = (self.store, self.id, Task.isCancelled ? "worker stopped" : "\(error)")
        await Task { try? await runs.releaseUnit(u, worker: worker, error: reason) }.value
        return false
    }

    func execute(_ u: RunUnit) async throws {
        let a = try await assignments.get(u.runID) { try await self.assignment(u.runID) }
        switch u.stage {
        case .generate:
            guard let generation, let task = a.tasks[u.taskID] else { throw RunStoreError("run \(u.runID) has no task \(u.taskID)") }
            let s = try await RunOrchestrator.generate(task, index: u.index, manifest: a.manifest, source: generation.source)
            _ = try await store.insertSample(runID: u.runID, s, by: id)
        case .judge:
            guard let judge = a.judge else { throw RunStoreError("this worker does not judge") }
            guard let s = try await store.sample(u.runID, taskID: u.taskID, index: u.index) else {
                throw RunStoreError("run \(u.runID): no sample \(u.index) of \(u.taskID) to judge")
            }
            _ = try await store.insertVerdict(runID: u.runID, try await judge.judge(taskID: s.taskID, index: s.index, completion: s.completion), by: id)
        case .done:
            break
        }
    }

    func assignment(_ runID: String) async throws -> Assignment {
        let info = try await store.run(runID)
        let (tasks, judge) = try attach(info, judgeWidth)
        return Assignment(manifest: info.manifest, tasks: Dictionary(tasks.map { ($0.taskID, $0) }, uniquingKeysWith: { a, _ in a }),
                          judge: judge)
    }
}

/// A run as one worker works on it: its manifest, its tasks as this host prompts them, and its judge.
struct Assignment: Sendable {
    let manifest: RunManifest
    let tasks: [String: PromptedTask]
    let judge: (any SampleJudge)?
}

/// The units a worker is working on, by run, so that a cancelled run's can be stopped.
actor InFlightUnits {
    private var tasks: [String: [Int: Task<Void, any Error>]] = [:]
    private var next = 0

    func add(_ runID: String, _ task: Task<Void, any Error>) -> Int {
        next += 1
        tasks[runID, default: [:]][next] = task
        return next
    }

    func remove(_ runID: String, _ key: Int) {
        tasks[runID]?[key] = nil
        if tasks[runID]?.isEmpty == true { tasks[runID] = nil }
    }

    func runs() -> [String] { Array(tasks.keys) }

    func cancel(_ runID: String) {
        tasks[runID]?.values.forEach { $0.cancel() }
    }
}

/// Each run is prepared once per worker, however many of its units arrive together.
actor Assignments {
    var prepared: [String: Task<Assignment, any Error>] = [:]

    func get(_ runID: String, make: @escaping @Sendable () async throws -> Assignment) async throws -> Assignment {
        if let t = prepared[runID] { return try await t.value }
        let t = Task { try await make() }
        prepared[runID] = t
        do { return try await t.value } catch {
            prepared[runID] = nil  // a failure (say, the store was briefly unavailable) is retried with the next unit
            throw error
        }
    }
}
