import ArgumentParser
import Datasets
import Engine
import Models
import Evaluation
import Foundation
import Prompting
import Reports
import Sandbox
import Support

/// Options shared by `codeeval humaneval|mbpp|gsm8k|math|math500|humaneval-plus|mbpp-plus`.
struct BenchmarkRunOptions: ParsableArguments {
    @Option(help: "Registry model name or GGUF path (default: qwen2.5-coder-0.5b).") var model: String = ModelRegistry.defaultModel
    @Option(help: "Comma-separated k values (pass@k for code, maj1@k for math).") var k: String = "1"
    @Option(help: "Samples per task (default: profile's n for the largest k; see the README).") var n: Int?
    @Option(help: "Sampling temperature (default: from the profile and k).") var temperature: Double?
    @Option(name: .customLong("top-p"), help: "Nucleus top-p (default: from the profile).") var topP: Double?
    @Option(name: .customLong("max-tokens"), help: "Maximum new tokens per sample (default: from the profile).") var maxTokens: Int?
    @Option(help: "Run seed; per-sample seeds derive from it, the task id and the sample index.") var seed: UInt64 = 1234
    @Option(help: "Only the first L tasks.") var limit: Int?
    @Option(help: "Only these comma-separated task ids.") var tasks: String?
    @Option(help: "Run store (default: ~/.cache/codeeval/runs.sqlite).") var db: String?
    @Option(help: "Protocol profile: llama1, greedy, lm-eval, bigcode.") var profile: String = "llama1"
    @Option(help: "Sandbox programs run at once.") var workers: Int = ProcessInfo.processInfo.activeProcessorCount
    @Option(name: .customLong("batch-size"), help: "Samples the local engine decodes at once (any value gives the same samples).")
    var batchSize: Int = ContinuousBatcher.defaultBatchSize
    @Option(help: "OpenAI-compatible server (http://host:port[/v1]) instead of the local engine.") var endpoint: String?
    @Option(name: .customLong("remote-model"), help: "Model name sent to --endpoint.") var remoteModel: String?
    @Option(help: "Requests in flight to --endpoint.") var concurrency: Int = 4
    @Flag(help: "Make the last line of stdout a JSON summary.") var json = false
    @OptionGroup var data: DataOptions
}

extension BenchmarkRunOptions {
    func parsedKs() throws -> [Int] {
        let ks = try k.split(separator: ",").map { s -> Int in
            guard let v = Int(s.trimmingCharacters(in: .whitespaces)), v >= 1 else { throw ValidationError("bad --k value '\(s)'") }
            return v
        }
        guard !ks.isEmpty else { throw ValidationError("--k needs at least one value") }
        return ks
    }
}

func openRunStore(_ path: String?) throws -> RunStore {
    try RunStore(path: path ?? RunStore.defaultPath())
}

/// Everything needed to (re)start a run.
struct PreparedRun {
    let manifest: RunManifest
    let tasks: [PromptedTask]
    let source: any CompletionSource
    let judge: any SampleJudge
}

enum RunSetup {
    static func datasetID(_ b: Benchmark) throws -> DatasetID {
        guard let id = DatasetID(rawValue: b.rawValue) else { throw ValidationError("no dataset for \(b.rawValue)") }
        return id
    }

    static func judge(_ b: Benchmark, store: DatasetStore, workers: Int) throws -> any SampleJudge {
        switch b {
        case .humaneval: return try CodeJudge(benchmark: .humaneval, store: store, pool: SandboxPoolSetup.pool(width: workers, zygote: nil))
        case .mbpp: return try CodeJudge(benchmark: .mbpp, store: store, pool: SandboxPoolSetup.pool(width: workers, zygote: nil))
        case .gsm8k: return try MathJudge(benchmark: .gsm8k, store: store)
        case .math: return try MathJudge(benchmark: .math, store: store)
        case .math500: return try MathJudge(benchmark: .math500, store: store)
        case .humanevalPlus, .mbppPlus:
            throw ValidationError("\(b.rawValue): EvalPlus execution is not wired into runs yet; use `codeeval humaneval|mbpp`")
        }
    }

    static func localSource(modelPath: String, tasks: [PromptedTask], maxTokens: Int, batchSize: Int) throws -> (EngineCompletionSource, Int) {
        guard batchSize >= 1 else { throw ValidationError("--batch-size must be ≥ 1") }
        let generator = try Generator(path: modelPath)
        // Refuse up front if the longest prompt plus the generation budget does not fit the context.
        if let longest = tasks.max(by: { $0.prompt.utf8.count < $1.prompt.utf8.count }) {
            let needed = generator.tokenizer.encode(longest.prompt, addSpecial: true).count + maxTokens
            guard needed <= generator.contextLength else {
                throw ValidationError("context too short: task \(longest.taskID) needs \(needed) tokens (prompt + --max-tokens), "
                    + "the model context is \(generator.contextLength); lower --max-tokens or use a model with a longer context")
            }
        }
        return (EngineCompletionSource(generator: generator, batchSize: batchSize), EngineCompletionSource.parameterCount(generator.model.file))
    }

    static func prepare(_ benchmark: Benchmark, _ o: BenchmarkRunOptions) async throws -> PreparedRun {
        let profile = try Profile.named(o.profile)
        guard profile.supports(benchmark) else {
            throw ValidationError("profile '\(profile.name.rawValue)' has no \(benchmark.rawValue) protocol")
        }
        let ks = try o.parsedKs()
        let n = o.n ?? profile.defaultSamples(ks: ks, benchmark: benchmark)
        guard n >= 1 else { throw ValidationError("--n must be ≥ 1") }
        if let bad = ks.first(where: { $0 > n }) { throw ValidationError("k = \(bad) needs n ≥ \(bad) samples per task (n = \(n))") }
        if profile.greedy && n > 1 { throw ValidationError("profile '\(profile.name.rawValue)' decodes greedily: n must be 1") }
        let store = o.data.store
        let set = try PromptSet.build(benchmark, profile: profile, store: store)
        var tasks = set.tasks
        if let list = o.tasks {
            let wanted = list.split(separator: ",").map { String($0).trimmingCharacters(in: .whitespaces) }
            let known = Set(tasks.map(\.taskID))
            let unknown = wanted.filter { !known.contains($0) }
            guard unknown.isEmpty else { throw ValidationError("unknown task ids for \(benchmark.rawValue): \(unknown.joined(separator: ", "))") }
            let w = Set(wanted)
            tasks = tasks.filter { w.contains($0.taskID) }
        }
        if let limit = o.limit {
            guard limit >= 1 else { throw ValidationError("--limit must be ≥ 1") }
            tasks = Array(tasks.prefix(limit))
        }
        let maxTokens = o.maxTokens ?? profile.maxTokens(for: benchmark)
        let judge = try judge(benchmark, store: store, workers: o.workers)
        let source: any CompletionSource
        var modelSHA: String? = nil, modelPath: String? = nil, params: Int? = nil, modelName = o.model
        if let endpoint = o.endpoint {
            guard let rm = o.remoteModel else { throw ValidationError("--endpoint needs --remote-model NAME") }
            let remote = try RemoteCompletionSource(endpoint: endpoint, model: rm, maxConcurrency: o.concurrency, maxAttempts: 2, baseDelay: 0.2)
            // Probe once so an unreachable endpoint fails before anything is written.
            _ = try await remote.complete(CompletionRequest(prompt: "Hello", stops: [], maxTokens: 1, temperature: 0, topP: 1, topK: 0, seed: 0))
            source = try RemoteCompletionSource(endpoint: endpoint, model: rm, maxConcurrency: o.concurrency)
            modelName = rm
        } else {
            let path = try ModelRegistry.resolve(o.model)
            let (local, count) = try localSource(modelPath: path, tasks: tasks, maxTokens: maxTokens, batchSize: o.batchSize)
            source = local
            modelPath = path
            params = count
            modelSHA = try ModelRegistry.entry(named: o.model)?.sha256 ?? SHA256Hasher.hex(ofFile: URL(fileURLWithPath: path))
        }
        let manifest = RunManifest(
            benchmark: benchmark.rawValue, profile: profile.name.rawValue, model: modelName, modelSHA256: modelSHA,
            modelPath: modelPath, parameterCount: params, source: o.endpoint == nil ? "local" : "remote", endpoint: o.endpoint,
            ks: ks, n: n, temperature: o.temperature ?? profile.temperature(for: benchmark, ks: ks),
            topP: o.topP ?? profile.topP, topK: 0, maxTokens: maxTokens, stops: profile.stops(for: benchmark), seed: o.seed,
            promptTemplateHash: set.templateHash, datasetSHA256: try store.sha256(of: datasetID(benchmark)),
            taskIDs: tasks.map(\.taskID), codeVersion: CodeEvalVersion.string, greedy: profile.greedy,
            kernels: o.endpoint == nil ? KernelLevel.name : nil)
        return PreparedRun(manifest: manifest, tasks: tasks, source: source, judge: judge)
    }

    /// Rebuild a stored run's inputs; refuses if the prompts or dataset changed since it started.
    static func prepareResume(_ info: RunInfo, data: DataOptions, workers: Int, concurrency: Int, batchSize: Int) async throws -> PreparedRun {
        let m = info.manifest
        let benchmark = try Benchmark.parse(m.benchmark)
        let profile = try Profile.named(m.profile)
        let store = data.store
        let set = try PromptSet.build(benchmark, profile: profile, store: store)
        guard set.templateHash == m.promptTemplateHash else { throw ValidationError("run \(info.id): prompt template changed since the run started") }
        guard try store.sha256(of: datasetID(benchmark)) == m.datasetSHA256 else { throw ValidationError("run \(info.id): dataset changed since the run started") }
        let byID = Dictionary(set.tasks.map { ($0.taskID, $0) }, uniquingKeysWith: { a, _ in a })
        let tasks = try m.taskIDs.map { id -> PromptedTask in
            guard let t = byID[id] else { throw ValidationError("run \(info.id): task \(id) no longer exists") }
            return t
        }
        if m.source == "local", let k = m.kernels, k != KernelLevel.name {
            throw ValidationError("run \(info.id) was generated with the \(k) kernels and this process uses \(KernelLevel.name): "
                + "its logits would differ at rounding level, so the finished samples could not be reproduced; resume it "
                + "on a machine with \(k) or with CODEEVAL_KERNELS=\(k)")
        }
        let source: any CompletionSource
        if let endpoint = m.endpoint {
            source = try RemoteCompletionSource(endpoint: endpoint, model: m.model, maxConcurrency: concurrency)
        } else {
            guard let path = m.modelPath else { throw ValidationError("run \(info.id) has no model path") }
            source = try localSource(modelPath: path, tasks: tasks, maxTokens: m.maxTokens, batchSize: batchSize).0
        }
        return PreparedRun(manifest: m, tasks: tasks, source: source, judge: try judge(benchmark, store: store, workers: workers))
    }

    /// `quiet`: no report on stdout (the caller prints its own), only the progress on stderr.
    static func execute(_ p: PreparedRun, runID: String, store: RunStore, workers: Int, json: Bool, quiet: Bool = false) async throws {
        FileHandle.standardError.write(Data("run \(runID) (\(p.manifest.model), \(p.manifest.benchmark), \(p.tasks.count) tasks × n=\(p.manifest.n)); resume with: codeeval resume \(runID)\n".utf8))
        let line = RunProgressLine()
        try await RunOrchestrator(store: store, runID: runID, manifest: p.manifest, tasks: p.tasks, source: p.source,
                                  judge: p.judge, workers: workers).run { line.update($0) }
        line.finish()
        if quiet { return }
        let results = try RunResults.load(store, runID: runID)
        print(RunReport.text(results))
        if json { print(RunReport.jsonSummary(results)) }
    }

    static func start(_ benchmark: Benchmark, _ o: BenchmarkRunOptions) async throws {
        let prepared = try await prepare(benchmark, o)
        let store = try openRunStore(o.db)
        let id = try store.createRun(manifest: prepared.manifest)
        try await execute(prepared, runID: id, store: store, workers: o.workers, json: o.json)
    }
}

/// Progress on stderr: one live line on a TTY (every 0.2 s), otherwise a plain line every 10 s (CI logs);
/// `finish` always prints what this process did (`session: generated N samples …`).
final class RunProgressLine: @unchecked Sendable {
    private let tty = isatty(STDERR_FILENO) != 0
    private let lock = NSLock()
    private var last = Date()
    private var shown = false
    private var latest: RunProgress?

    func update(_ p: RunProgress) {
        lock.lock(); defer { lock.unlock() }
        latest = p
        let now = Date()
        guard now.timeIntervalSince(last) > (tty ? 0.2 : 10) else { return }
        last = now
        FileHandle.standardError.write(Data((tty ? "\r " + RunReport.progressLine(p) + " " : RunReport.progressLine(p) + "\n").utf8))
        shown = tty
    }

    func finish() {
        lock.lock(); defer { lock.unlock() }
        var s = shown ? "\n" : ""
        if let p = latest {
            s += RunReport.progressLine(p) + "\n" + RunReport.sessionLine(p) + "\n"
        } else {
            s += "session: generated 0 samples (0 tokens), nothing left to do\n"
        }
        FileHandle.standardError.write(Data(s.utf8))
    }
}

private func benchmarkDiscussion(_ name: String, _ extra: String = "") -> String {
    "Example:\n  codeeval \(name) --k 1 --limit 10\n  codeeval \(name) --model qwen2.5-coder-1.5b --k 1,10 --n 20 --db runs.sqlite\(extra)"
}

struct HumanEvalRunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "humaneval", abstract: "Generate and score HumanEval (pass@k).",
                                                    discussion: benchmarkDiscussion("humaneval"))
    @OptionGroup var options: BenchmarkRunOptions
    func run() async throws { try await RunSetup.start(.humaneval, options) }
}

struct MBPPRunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "mbpp", abstract: "Generate and score MBPP tasks 11–510 (3-shot, pass@k).",
                                                    discussion: benchmarkDiscussion("mbpp"))
    @OptionGroup var options: BenchmarkRunOptions
    func run() async throws { try await RunSetup.start(.mbpp, options) }
}

struct GSM8kRunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "gsm8k", abstract: "Generate and score GSM8k (8-shot CoT; accuracy, maj1@k).",
                                                    discussion: benchmarkDiscussion("gsm8k"))
    @OptionGroup var options: BenchmarkRunOptions
    func run() async throws { try await RunSetup.start(.gsm8k, options) }
}

struct MATHRunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "math", abstract: "Generate and score MATH (4-shot Minerva; accuracy, maj1@k).",
                                                    discussion: benchmarkDiscussion("math"))
    @OptionGroup var options: BenchmarkRunOptions
    func run() async throws { try await RunSetup.start(.math, options) }
}

struct MATH500RunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "math500", abstract: "Generate and score MATH-500 (4-shot Minerva).",
                                                    discussion: benchmarkDiscussion("math500"))
    @OptionGroup var options: BenchmarkRunOptions
    func run() async throws { try await RunSetup.start(.math500, options) }
}

struct HumanEvalPlusRunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "humaneval-plus", abstract: "HumanEval+ (not wired yet: exits with an error).",
                                                    discussion: benchmarkDiscussion("humaneval-plus"))
    @OptionGroup var options: BenchmarkRunOptions
    func run() async throws { try await RunSetup.start(.humanevalPlus, options) }
}

struct MBPPPlusRunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "mbpp-plus", abstract: "MBPP+ (not wired yet: exits with an error).",
                                                    discussion: benchmarkDiscussion("mbpp-plus"))
    @OptionGroup var options: BenchmarkRunOptions
    func run() async throws { try await RunSetup.start(.mbppPlus, options) }
}
