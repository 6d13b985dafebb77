import Datasets
import Engine
import Foundation
import Models
import Prompting
import Support

/// What a user asks a §3 run to be (the CLI's options, or a service request).
public struct Section3Request: Sendable {
    public var benchmark: Benchmark
    /// Registry model name or GGUF path.
    public var model: String = ModelRegistry.defaultModel
    /// Shots in the prompt; nil = the paper's (0, or 5 for MMLU).
    public var shots: Int?
    public var limit: Int?
    public var taskIDs: [String]?

    public init(benchmark: Benchmark) { self.benchmark = benchmark }
}

/// Everything needed to (re)start a §3 run.
public struct PreparedSection3Run: Sendable {
    public let manifest: RunManifest
    public let items: [Section3Item]
    public let unconditionalContext: String?
    public let stops: [String]
    public let maxTokens: Int
    public let model: any Section3Model
}

/// Plans likelihood and exact-match runs the way `RunPlanner` plans code and math runs: the request is checked,
/// the prompts built and the manifest written before anything is stored, and a resume refuses a changed prompt,
/// dataset or kernel level.
public struct Section3Planner: Sendable {
    public let datasets: DatasetStore
    public let codeVersion: String
    /// Loads a model file (the engine by default; tests substitute their own).
    public let load: @Sendable (String) throws -> any Section3Model

    public init(datasets: DatasetStore, codeVersion: String,
                load: @escaping @Sendable (String) throws -> any Section3Model = { try EngineSection3Model(path: $0) }) {
        self.datasets = datasets
        self.codeVersion = codeVersion
        self.load = load
    }

    public func plan(_ r: Section3Request) throws -> PreparedSection3Run {
        guard r.benchmark.isLikelihood else { throw PlanError("\(r.benchmark.rawValue) is not a likelihood or exact-match benchmark") }
        let set: Section3PromptSet
        do { set = try Section3Prompts.build(r.benchmark, shots: r.shots, store: datasets) } catch let e as PromptingError {
            throw PlanError(e.message)
        }
        // Grouped by subject: a limited MMLU run takes questions round-robin over the 57 subjects.
        let items = try RunPlanner.select(set.items, taskID: \.taskID, group: \.subject, ids: r.taskIDs, limit: r.limit,
                                          benchmark: r.benchmark)
        let path = try ModelRegistry.resolve(r.model)
        let model = try load(path)
        let sha = try ModelRegistry.entry(named: r.model)?.sha256 ?? SHA256Hasher.hex(ofFile: URL(fileURLWithPath: path))
        let params = (try? GGUFFile(path: path)).map { ParameterCount.of($0).count }
        var manifest = RunManifest(
            benchmark: r.benchmark.rawValue, profile: "llama1", model: r.model, modelSHA256: sha, modelPath: path,
            parameterCount: params, source: "local", endpoint: nil, ks: [1], n: 1, temperature: 0, topP: 1, topK: 0,
            maxTokens: set.maxTokens, stops: set.stops, seed: 0, promptTemplateHash: set.templateHash,
            datasetSHA256: try datasets.sha256(of: r.benchmark), taskIDs: items.map(\.taskID), codeVersion: codeVersion,
            greedy: true, kernels: KernelLevel.name)
        manifest.shots = set.shots
        return PreparedSection3Run(manifest: manifest, items: items, unconditionalContext: set.unconditionalContext,
                                   stops: set.stops, maxTokens: set.maxTokens, model: model)
    }

    /// Rebuilds a stored §3 run's inputs; refuses if its prompts, data or kernel level changed since it started.
    public func resume(_ info: RunInfo) throws -> PreparedSection3Run {
        let m = info.manifest
        let b = try Benchmark.parse(m.benchmark)
        let set = try Section3Prompts.build(b, shots: m.shots, store: datasets)
        guard set.templateHash == m.promptTemplateHash else { throw PlanError("run \(info.id): prompt template changed since the run started") }
        guard try datasets.sha256(of: b) == m.datasetSHA256 else { throw PlanError("run \(info.id): dataset changed since the run started") }
        if let k = m.kernels, k != KernelLevel.name {
            throw PlanError("run \(info.id) was scored with the \(k) kernels and this process uses \(KernelLevel.name); resume it with CODEEVAL_KERNELS=\(k)")
        }
        guard let path = m.modelPath else { throw PlanError("run \(info.id) has no model path") }
        let byID = Dictionary(set.items.map { ($0.taskID, $0) }, uniquingKeysWith: { a, _ in a })
        let items = try m.taskIDs.map { id -> Section3Item in
            guard let t = byID[id] else { throw PlanError("run \(info.id): task \(id) no longer exists") }
            return t
        }
        return PreparedSection3Run(manifest: m, items: items, unconditionalContext: set.unconditionalContext,
                                   stops: set.stops, maxTokens: set.maxTokens, model: try load(path))
    }

    /// Every model × benchmark at its default shots (the compare command): a completed run with the same manifest is
    /// reused, an unfinished one resumed, otherwise a new one is scored (`progress` sees each item). Every model name
    /// is resolved before the first run starts.
    public func compare(models: [String], benchmarks: [Benchmark], limit: Int?, store: any RunStore,
                        progress: (RunProgress) -> Void) async throws -> [Section3Results] {
        for m in models { _ = try ModelRegistry.resolve(m) }
        var out: [Section3Results] = []
        for model in models {
            for b in benchmarks {
                var r = Section3Request(benchmark: b)
                (r.model, r.limit) = (model, limit)
                let p = try plan(r)
                var id = try await store.completedRuns(matching: p.manifest).first?.id
                if id == nil {
                    var runID = try await store.runs().last { $0.status != "complete" && $0.manifest == p.manifest }?.id
                    if runID == nil { runID = try await store.createRun(manifest: p.manifest) }
                    try await Section3Runner(store: store, runID: runID!, prepared: p).run(progress: progress)
                    id = runID
                }
                out.append(try await Section3Results.load(store, runID: id!))
            }
        }
        return out
    }
}
