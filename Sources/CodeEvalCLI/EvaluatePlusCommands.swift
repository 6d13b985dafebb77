import ArgumentParser
import Datasets
import Evaluation
import Foundation
import Reports
import Sandbox

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
        both phases pass.
        Examples:
          codeeval evaluate humaneval-plus --samples samples.jsonl --k 1,10
          codeeval evaluate humaneval-plus --canonical --mini
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
        (a docstring) followed by its completion.
        Examples:
          codeeval evaluate mbpp-plus --samples samples.jsonl --k 1
          codeeval evaluate mbpp-plus --canonical
        """)
    @OptionGroup var options: PlusEvaluateOptions
    func run() async throws {
        try await options.run(PlusTasks.load(.mbppPlus, store: options.file.data.store), benchmark: "mbpp-plus")
    }
}
