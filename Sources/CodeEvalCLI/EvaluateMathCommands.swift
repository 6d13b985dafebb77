import ArgumentParser
import Datasets
import Evaluation
import Foundation
import Reports

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

struct EvaluateGSM8k: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gsm8k", abstract: "Score GSM8k samples (task ids gsm8k/<i>).",
        discussion: "Example:\n  codeeval evaluate gsm8k --samples gsm8k_samples.jsonl --maj --json")
    @OptionGroup var options: MathEvaluateOptions
    func run() throws { try options.run(.gsm8k) }
}

struct EvaluateMATH: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "math", abstract: "Score MATH samples (task ids math/<i> or math/<unique_id>).",
        discussion: "Example:\n  codeeval evaluate math --samples math_samples.jsonl --mode compat")
    @OptionGroup var options: MathEvaluateOptions
    func run() throws { try options.run(.math) }
}

struct EvaluateMATH500: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "math500", abstract: "Score MATH-500 samples (task ids math500/<i> or math500/<unique_id>).",
        discussion: "Example:\n  codeeval evaluate math500 --samples math500_samples.jsonl")
    @OptionGroup var options: MathEvaluateOptions
    func run() throws { try options.run(.math500) }
}
