import ArgumentParser
import Service
import Benchmarking
import Datasets
import Engine
import Evaluation
import Foundation
import Models
import Reports
import Sandbox
import Store

/// How a run samples and judges: shared by the run commands and `compare`.
struct RunOptions: ParsableArguments {
    @Option(help: "Comma-separated k values (pass@k for code, maj1@k for math).") var k: String = "1"
    @Option(help: "Samples per task (default: the profile's n for the largest k; see docs/protocol.md).") var n: Int?
    @Option(help: "Sampling temperature (default: from the profile and k).") var temperature: Double?
    @Option(name: .customLong("top-p"), help: "Nucleus top-p (default: from the profile).") var topP: Double?
    @Option(name: .customLong("max-tokens"), help: "Maximum new tokens per sample (default: from the profile).") var maxTokens: Int?
    @Option(help: "Run seed; per-sample seeds derive from it, the task id and the sample index.") var seed: UInt64 = 1234
    @Option(help: "Only the first L tasks.") var limit: Int?
    @Option(help: "Only these comma-separated task ids.") var tasks: String?
    @OptionGroup var store: StoreOptions
    @Option(help: "Protocol profile: llama1, greedy, lm-eval, bigcode, instruct.") var profile: String = "llama1"
    @Option(help: "Sandbox programs run at once.") var workers: Int = ProcessInfo.processInfo.activeProcessorCount
    @Option(name: .customLong("batch-size"), help: "Samples the local engine decodes at once (any value gives the same samples).")
    var batchSize: Int = ContinuousBatcher.defaultBatchSize
    @OptionGroup var data: DataOptions

    func request(_ benchmark: Benchmark, model: String) throws -> RunRequest {
        var r = RunRequest(benchmark: benchmark)
        (r.model, r.ks, r.n, r.temperature, r.topP, r.maxTokens) = (model, try parseKList(k), n, temperature, topP, maxTokens)
        (r.seed, r.limit, r.profile, r.workers, r.batchSize) = (seed, limit, profile, workers, batchSize)
        r.taskIDs = tasks.map { $0.split(separator: ",").map { String($0).trimmingCharacters(in: .whitespaces) } }
        return r
    }
}

/// Options of `codeeval humaneval|mbpp|gsm8k|math|math500`.
struct BenchmarkRunOptions: ParsableArguments {
    @Option(help: "Registry model name or GGUF path (default: qwen2.5-coder-0.5b).") var model: String = ModelRegistry.defaultModel
    @OptionGroup var run: RunOptions
    @Option(help: "OpenAI-compatible server (http://host:port[/v1]) instead of the local engine; repeat to spread requests over several.")
    var endpoint: [String] = []
    @Option(name: .customLong("remote-model"), help: "Model name sent to --endpoint.") var remoteModel: String?
    @Option(help: "API of --endpoint: completions (the prompt as text) or chat (the prompt as one user message).") var api: String = "completions"
    @Option(help: "Requests in flight to the endpoints, all together.") var concurrency: Int = 4
    @Flag(help: "Make the last line of stdout a JSON summary.") var json = false
    @Flag(help: "Queue the run for workers (codeeval worker --roles generate,judge) and print its id; follow it with runs watch.") var detach = false

    func request(_ benchmark: Benchmark) throws -> RunRequest {
        var r = try run.request(benchmark, model: model)
        (r.endpoints, r.remoteModel, r.concurrency) = (endpoint, remoteModel, concurrency)
        guard let a = RemoteAPI(rawValue: api) else { throw ValidationError("--api must be completions or chat") }
        r.api = a
        return r
    }
}

/// Where runs are stored: every command that starts, resumes or reads runs takes this.
struct StoreOptions: ParsableArguments {
    @Option(help: "Run store file (default: $CODEEVAL_STORE, else ~/.cache/codeeval/runs.sqlite).") var db: String?
    @Option(help: "Run store shared by workers: sqlite:PATH or postgres://USER@HOST[:PORT]/DB (overrides --db).") var store: String?
    func open() async throws -> any RunStore { try await StoreLocation.forRuns(store: store, db: db).openRuns() }
}

/// The planner with the CLI's sandbox pool (which says on stderr when it cannot use a zygote).
func runPlanner(_ data: DataOptions) -> RunPlanner {
    RunPlanner(datasets: data.store, codeVersion: CodeEvalVersion.string) { try SandboxPoolSetup.pool(width: $0, zygote: nil) }
}

/// Errors about what the user asked for (a model, a benchmark, an option value, a run that cannot be planned or
/// measured here, a store that cannot be used): exit 2 with the library's message, as ArgumentParser's own validation
/// does. Any other error keeps its own exit status.
func usageError(_ error: Error) -> Error {
    switch error {
    case is PlanError, is StoreError, is ModelError, is BenchError, is ServiceSetupError, is GGUFError, is EngineError, is SandboxStartError:
        return ValidationError("\(error)")
    default:
        return error
    }
}

enum RunCommand {
    /// `quiet`: no report on stdout (the caller prints its own), only the progress on stderr.
    static func execute(_ p: PreparedRun, runID: String, store: any RunStore, workers: Int, json: Bool, quiet: Bool = false) async throws {
        printError("run \(runID) (\(p.manifest.model), \(p.manifest.benchmark), \(p.tasks.count) tasks × n=\(p.manifest.n)); resume with: codeeval resume \(runID)")
        let line = RunProgressLine()
        try await p.execute(in: store, runID: runID, workers: workers) { line.update($0) }
        line.finish()
        if quiet { return }
        let results = try await RunResults.load(store, runID: runID)
        print(RunReport.text(results))
        if json { print(RunReport.jsonSummary(results)) }
    }

    static func start(_ benchmark: Benchmark, _ o: BenchmarkRunOptions) async throws {
        let prepared = try await runPlanner(o.run.data).plan(try o.request(benchmark))
        let store = try await o.run.store.open()
        let id = try await RunPlanner.start(prepared, in: store, reuse: false, detached: o.detach).runID
        if o.detach { return print(id) }
        try await execute(prepared, runID: id, store: store, workers: o.run.workers, json: o.json)
    }
}

/// `codeeval humaneval|mbpp|gsm8k|math|math500`: one command type per benchmark, told apart by `B`.
protocol RunnableBenchmark { static var benchmark: Benchmark { get }; static var abstract: String { get } }

struct BenchmarkRunCommand<B: RunnableBenchmark>: AsyncParsableCommand {
    static var configuration: CommandConfiguration {
        let name = B.benchmark.rawValue
        return CommandConfiguration(commandName: name, abstract: B.abstract, discussion: """
            Example:
              codeeval \(name) --k 1 --limit 10
              codeeval \(name) --model qwen2.5-coder-1.5b --k 1,10 --n 20 --db runs.sqlite
            """)
    }
    @OptionGroup var options: BenchmarkRunOptions
    func run() async throws { try await RunCommand.start(B.benchmark, options) }
}

enum HumanEvalRun: RunnableBenchmark { static let benchmark = Benchmark.humaneval, abstract = "Generate and score HumanEval (pass@k)." }
enum MBPPRun: RunnableBenchmark { static let benchmark = Benchmark.mbpp, abstract = "Generate and score MBPP tasks 11–510 (3-shot, pass@k)." }
enum GSM8kRun: RunnableBenchmark { static let benchmark = Benchmark.gsm8k, abstract = "Generate and score GSM8k (8-shot CoT; accuracy, maj1@k)." }
enum MATHRun: RunnableBenchmark { static let benchmark = Benchmark.math, abstract = "Generate and score MATH (4-shot Minerva; accuracy, maj1@k)." }
enum MATH500Run: RunnableBenchmark { static let benchmark = Benchmark.math500, abstract = "Generate and score MATH-500 (4-shot Minerva)." }
