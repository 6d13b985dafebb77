import Datasets
import Engine
import Foundation
import Models
import Prompting
import Sandbox
import Support

/// What a user asks a run to be: the CLI's options or a service request, before any default is resolved.
public struct RunRequest: Sendable {
    public var benchmark: Benchmark
    /// Registry model name or GGUF path (local runs).
    public var model: String = ModelRegistry.defaultModel
    public var ks: [Int] = [1]
    /// Samples per task; `nil` = the profile's default for the largest k.
    public var n: Int?
    public var temperature: Double?
    public var topP: Double?
    public var maxTokens: Int?
    public var seed: UInt64 = 1234
    /// Only the first `limit` tasks.
    public var limit: Int?
    /// Only these task ids.
    public var taskIDs: [String]?
    public var profile: String = "llama1"
    /// Sandbox programs run at once.
    public var workers: Int = ProcessInfo.processInfo.activeProcessorCount
    /// Samples the local engine decodes at once (any value gives the same samples).
    public var batchSize: Int = ContinuousBatcher.defaultBatchSize
    /// OpenAI-compatible servers of one model instead of the local engine (empty: the local engine), used in turn.
    public var endpoints: [String] = []
    public var remoteModel: String?
    /// The OpenAI API spoken with the endpoints.
    public var api: RemoteAPI = .completions
    /// Requests in flight to the endpoints, all together.
    public var concurrency: Int = 4

    public init(benchmark: Benchmark) { self.benchmark = benchmark }
}

/// A request that cannot become a run; the message says which input and why.
public struct PlanError: Error, CustomStringConvertible, Sendable {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// Everything needed to (re)start a run.
public struct PreparedRun: Sendable {
    public let manifest: RunManifest
    public let tasks: [PromptedTask]
    public let source: any CompletionSource
    public let judge: any SampleJudge

    /// Generates what `runID` still lacks and judges what is unjudged, recording each result as it completes.
    public func execute(in store: any RunStore, runID: String, workers: Int,
                        progress: @escaping @Sendable (RunProgress) -> Void = { _ in }) async throws {
        try await RunOrchestrator(store: store, runID: runID, manifest: manifest, tasks: tasks, source: source, judge: judge,
                                  workers: workers).run(progress: progress)
    }
}

/// How a planned run relates to the store: a completed run with the same manifest is reused, an interrupted one
/// resumed, otherwise a new one is created.
public enum RunStart: Sendable, Equatable {
    case reuse(String)
    case resume(String)
    case new(String)

    public var runID: String {
        switch self { case let .reuse(id), let .resume(id), let .new(id): return id }
    }
}

/// Turns a request into a run: resolves the profile's defaults, selects tasks, picks the judge and the completion
/// source, and writes the manifest that makes the run reproducible and resumable. The CLI and the service both
/// plan through this type, so a run means the same thing whichever door it came in by.
public struct RunPlanner: Sendable {
    public let datasets: DatasetStore
    /// Builds the sandbox pool of a code judge with the given width.
    public let makePool: @Sendable (Int) throws -> RunnerPool
    public let codeVersion: String

    public init(datasets: DatasetStore, codeVersion: String,
                makePool: @escaping @Sendable (Int) throws -> RunnerPool = { RunnerPool(width: $0, zygote: nil) }) {
        self.datasets = datasets
        self.codeVersion = codeVersion
        self.makePool = makePool
    }

    public func plan(_ r: RunRequest) async throws -> PreparedRun {
        let profile = try Profile.named(r.profile)
        let benchmark = r.benchmark
        guard profile.supports(benchmark) else {
            throw PlanError("profile '\(profile.name.rawValue)' has no \(benchmark.rawValue) protocol")
        }
        guard !r.ks.isEmpty, r.ks.allSatisfy({ $0 >= 1 }) else { throw PlanError("--k needs values ≥ 1") }
        let n = r.n ?? profile.defaultSamples(ks: r.ks, benchmark: benchmark)
        guard n >= 1 else { throw PlanError("--n must be ≥ 1") }
        if let bad = r.ks.first(where: { $0 > n }) { throw PlanError("k = \(bad) needs n ≥ \(bad) samples per task (n = \(n))") }
        if profile.greedy && n > 1 { throw PlanError("profile '\(profile.name.rawValue)' decodes greedily: n must be 1") }
        let set = try PromptSet.build(benchmark, profile: profile, store: datasets)
        let tasks = try Self.select(set.tasks, taskID: \.taskID, ids: r.taskIDs, limit: r.limit, benchmark: benchmark)
        let maxTokens = r.maxTokens ?? profile.maxTokens(for: benchmark)
        let judge = try judge(benchmark, workers: r.workers, profile: profile)
        let remote = !r.endpoints.isEmpty
        if profile.name == .instruct, remote, r.api != .chat {
            throw PlanError("profile 'instruct' sends each task as a chat message: use --api chat with --endpoint")
        }
        let source: any CompletionSource
        var modelSHA: String? = nil, modelPath: String? = nil, params: Int? = nil, modelName = r.model
        var served: [String] = []
        if remote {
            guard let rm = r.remoteModel else { throw PlanError("--endpoint needs --remote-model NAME") }
            guard (1...1024).contains(r.concurrency) else { throw PlanError("--concurrency must be in 1...1024") }
            // Probe every endpoint once, so an unreachable one fails before anything is written.
            served = try await RemoteCompletionSource(endpoints: r.endpoints, model: rm, api: r.api, maxConcurrency: r.concurrency,
                                                      maxAttempts: 2, baseDelay: 0.2).probe()
            source = try RemoteCompletionSource(endpoints: r.endpoints, model: rm, api: r.api, maxConcurrency: r.concurrency)
            modelName = rm
        } else {
            let path = try ModelRegistry.resolve(r.model)
            let local = try localSource(modelPath: path, tasks: tasks, maxTokens: maxTokens, batchSize: r.batchSize)
            source = local
            modelPath = path
            params = ParameterCount.of(local.generator.model.file).count
            modelSHA = try Self.modelSHA256(r.model, path: path)
        }
        var manifest = RunManifest(
            benchmark: benchmark.rawValue, profile: profile.name.rawValue, model: modelName, modelSHA256: modelSHA,
            modelPath: modelPath, parameterCount: params, source: remote ? "remote" : "local", endpoint: r.endpoints.first,
            ks: r.ks, n: n, temperature: r.temperature ?? profile.temperature(for: benchmark, ks: r.ks),
            topP: r.topP ?? profile.topP, topK: 0, maxTokens: maxTokens, stops: profile.stops(for: benchmark), seed: r.seed,
            promptTemplateHash: set.templateHash, datasetSHA256: try datasets.sha256(of: benchmark),
            taskIDs: tasks.map(\.taskID), codeVersion: codeVersion, greedy: profile.greedy,
            kernels: remote ? nil : KernelLevel.name)
        if remote {
            manifest.api = r.api.rawValue
            manifest.endpoints = r.endpoints.count > 1 ? r.endpoints : nil
            manifest.servedModels = Array(Set(served)).sorted()
            manifest.bitReproducible = false
        }
        return PreparedRun(manifest: manifest, tasks: tasks, source: source, judge: judge)
    }

    /// The model file's SHA-256 (the registry's when it has the model, so a registry model is not hashed again).
    public static func modelSHA256(_ model: String, path: String) throws -> String {
        try ModelRegistry.entry(named: model)?.sha256 ?? SHA256Hasher.hex(ofFile: URL(fileURLWithPath: path))
    }

    /// A stored run's tasks as this host prompts them; refuses if the prompts or the dataset changed since it started.
    func storedTasks(_ info: RunInfo) throws -> (benchmark: Benchmark, profile: Profile, tasks: [PromptedTask]) {
        let m = info.manifest
        let benchmark = try Benchmark.parse(m.benchmark)
        let set = try PromptSet.build(benchmark, profile: try Profile.named(m.profile), store: datasets)
        guard set.templateHash == m.promptTemplateHash else { throw PlanError("run \(info.id): prompt template changed since the run started") }
        guard try datasets.sha256(of: benchmark) == m.datasetSHA256 else { throw PlanError("run \(info.id): dataset changed since the run started") }
        let byID = Dictionary(set.tasks.map { ($0.taskID, $0) }, uniquingKeysWith: { a, _ in a })
        let tasks = try m.taskIDs.map { id -> PromptedTask in
            guard let t = byID[id] else { throw PlanError("run \(info.id): task \(id) no longer exists") }
            return t
        }
        return (benchmark, set.profile, tasks)
    }

    /// What a worker needs to work on a stored run: its tasks and, to judge, a judge `workers` wide.
    public func attach(_ info: RunInfo, judgeWorkers: Int?) throws -> (tasks: [PromptedTask], judge: (any SampleJudge)?) {
        let (benchmark, profile, tasks) = try storedTasks(info)
        return (tasks, try judgeWorkers.map { try judge(benchmark, workers: $0, profile: profile) })
    }

    /// Rebuilds a stored run's inputs; refuses if the prompts, the dataset or the kernel level changed since it started.
    public func resume(_ info: RunInfo, workers: Int, concurrency: Int, batchSize: Int) async throws -> PreparedRun {
        let m = info.manifest
        let (benchmark, profile, tasks) = try storedTasks(info)
        if m.source == "local", let k = m.kernels, k != KernelLevel.name {
            throw PlanError("run \(info.id) was generated with the \(k) kernels and this process uses \(KernelLevel.name): "
                + "its logits would differ at rounding level, so the finished samples could not be reproduced; resume it "
                + "on a machine with \(k) or with CODEEVAL_KERNELS=\(k)")
        }
        let source: any CompletionSource
        if let endpoint = m.endpoint {
            let endpoints = m.endpoints ?? [endpoint]
            let api = try m.api.map { name -> RemoteAPI in
                guard let a = RemoteAPI(rawValue: name) else { throw PlanError("run \(info.id): unknown API '\(name)' in its manifest") }
                return a
            } ?? .completions
            source = try RemoteCompletionSource(endpoints: endpoints, model: m.model, api: api, maxConcurrency: concurrency)
        } else {
            guard let path = m.modelPath else { throw PlanError("run \(info.id) has no model path") }
            source = try localSource(modelPath: path, tasks: tasks, maxTokens: m.maxTokens, batchSize: batchSize)
        }
        return PreparedRun(manifest: m, tasks: tasks, source: source,
                           judge: try judge(benchmark, workers: workers, profile: profile))
    }

    /// Where a planned run goes in the store: reuse a completed run of the same manifest, resume an interrupted
    /// one (Ctrl-C, kill -9), or create a new one.
    /// `detached`: the run is queued for workers (`codeeval worker --roles generate,judge`) instead of this process.
    public static func start(_ p: PreparedRun, in store: any RunStore, reuse: Bool, owner: String? = nil,
                             detached: Bool = false) async throws -> RunStart {
        if reuse {
            if let done = try await store.completedRuns(matching: p.manifest).first { return .reuse(done.id) }
            // A cancelled run stays cancelled: the same request again starts a new one.
            if let open = try await store.runs().last(where: { !["complete", "cancelled"].contains($0.status) && $0.manifest == p.manifest }) {
                return .resume(open.id)
            }
        }
        return .new(try await store.createRun(id: RunIDs.new(), manifest: p.manifest, owner: owner, detached: detached))
    }

    /// The requested tasks (`--tasks`, then `--limit`), in dataset order; unknown ids are an error. With `group`
    /// (MMLU's subject), `--limit` takes tasks round-robin over the groups (the first of each, then the second, ...)
    /// so that a limited run still covers every group; tasks without a group form one, which is a plain prefix.
    static func select<T>(_ all: [T], taskID: KeyPath<T, String>, group: KeyPath<T, String?>? = nil, ids: [String]?,
                          limit: Int?, benchmark: Benchmark) throws -> [T] {
        var tasks = all
        if let ids {
            let known = Set(tasks.map { $0[keyPath: taskID] })
            let unknown = ids.filter { !known.contains($0) }
            guard unknown.isEmpty else { throw PlanError("unknown task ids for \(benchmark.rawValue): \(unknown.joined(separator: ", "))") }
            let wanted = Set(ids)
            tasks = tasks.filter { wanted.contains($0[keyPath: taskID]) }
        }
        if let limit {
            guard limit >= 1 else { throw PlanError("--limit must be ≥ 1") }
            if let group {
                var seen: [String?: Int] = [:]
                let round = tasks.map { t in defer { seen[t[keyPath: group], default: 0] += 1 }; return seen[t[keyPath: group], default: 0] }
                let first = tasks.indices.sorted { (round[$0], $0) < (round[$1], $1) }.prefix(limit)
                tasks = first.sorted().map { tasks[$0] }
            } else {
                tasks = Array(tasks.prefix(limit))
            }
        }
        return tasks
    }

    func judge(_ b: Benchmark, workers: Int, profile: Profile) throws -> any SampleJudge {
        switch b.scoring {
        case .execution:
            return try CodeJudge(benchmark: b, store: datasets, pool: makePool(workers), selfContained: profile.name == .instruct)
        case .answer: return try MathJudge(benchmark: b, store: datasets)
        case .differential: throw PlanError("\(b.rawValue): runs do not judge EvalPlus yet; score samples with `codeeval evaluate \(b.rawValue)`")
        case .likelihood, .exactMatch: throw PlanError("\(b.rawValue) is planned by Section3Planner (`codeeval \(b.rawValue)`)")
        }
    }

    func localSource(modelPath: String, tasks: [PromptedTask], maxTokens: Int, batchSize: Int) throws -> EngineCompletionSource {
        guard batchSize >= 1 else { throw PlanError("--batch-size must be ≥ 1") }
        let source = EngineCompletionSource(generator: try Generator(path: modelPath), batchSize: batchSize)
        let generator = source.generator
        // Refuse up front if the longest prompt plus the generation budget does not fit the context (and a chat task
        // on a model without a chat format at all).
        if let longest = tasks.max(by: { $0.prompt.utf8.count < $1.prompt.utf8.count }) {
            let text: String
            do {
                text = try source.promptText(CompletionRequest(prompt: longest.prompt, stops: [], maxTokens: 0, temperature: 0,
                                                               topP: 1, topK: 0, seed: 0, replyPrefix: longest.replyPrefix))
            } catch { throw PlanError("\(modelPath): \(error)") }
            let needed = generator.tokenizer.encode(text, addSpecial: true).count + maxTokens
            guard needed <= generator.contextLength else {
                throw PlanError("context too short: task \(longest.taskID) needs \(needed) tokens (prompt + --max-tokens), "
                    + "the model context is \(generator.contextLength); lower --max-tokens or use a model with a longer context")
            }
        }
        return source
    }

    /// Every model × benchmark of a comparison, each run reused, resumed or started (`run` executes one, reporting
    /// `start` first), in model-major order. Every model name is resolved before the first run starts, so a typo
    /// cannot strand a half-done comparison.
    public func compare(models: [String], benchmarks: [Benchmark], base: RunRequest, store: any RunStore,
                        run: (_ model: String, _ benchmark: Benchmark, _ prepared: PreparedRun, _ start: RunStart) async throws -> Void)
        async throws -> [RunResults] {
        for m in models { _ = try ModelRegistry.resolve(m) }
        var results: [RunResults] = []
        for model in models {
            for b in benchmarks {
                var r = base
                r.model = model
                r.benchmark = b
                let prepared = try await plan(r)
                let start = try await Self.start(prepared, in: store, reuse: true)
                try await run(model, b, prepared, start)
                results.append(try await RunResults.load(store, runID: start.runID))
            }
        }
        return results
    }
}
