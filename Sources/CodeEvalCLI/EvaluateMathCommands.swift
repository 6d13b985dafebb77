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
