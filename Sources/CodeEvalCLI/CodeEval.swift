import ArgumentParser
import Benchmarking
import Foundation

@main
struct CodeEval: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "codeeval",
        abstract: "Sandboxed code-generation and math evaluation (HumanEval, MBPP, GSM8k, MATH).",
        discussion: """
        Examples:
          codeeval humaneval --k 1
          codeeval evaluate humaneval --samples samples.jsonl
          codeeval equiv --checker default '\\dfrac{1}{2}' 0.5
        """,
        version: CodeEvalVersion.string,
        subcommands: [
            DatasetsCommand.self,
            EvaluateCommand.self,
            EquivCommand.self,
            ExecCommand.self,
            ModelsCommand.self,
            GenerateCommand.self,
            TokenizeCommand.self,
            BenchCommand.self,
            BenchmarkRunCommand<HumanEvalRun>.self, BenchmarkRunCommand<MBPPRun>.self, BenchmarkRunCommand<GSM8kRun>.self,
            BenchmarkRunCommand<MATHRun>.self, BenchmarkRunCommand<MATH500Run>.self, RunsCommand.self, ResumeCommand.self, ReportCommand.self, CompareCommand.self,
            ServeCommand.self, WorkerCommand.self, MigrateCommand.self,
        ] + section3Commands
    )
}

extension CodeEval {
    /// Runs the command like ArgumentParser's default `main`, but with our exit codes: 2 for usage errors
    /// (ArgumentParser's default is 64), 1 for a failed run, 0 on success. Errors print as one line on stderr.
    static func main() async {
        do {
            var command = try parseAsRoot()
            if var asyncCommand = command as? AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch {
            let error = usageError(error)
            let code = exitCode(for: error)
            if code == .success { exit(withError: error) }
            let message = fullMessage(for: error)
            if !message.isEmpty { printError(message) }
            if code.rawValue == 64 { Foundation.exit(2) }
            Foundation.exit(code.rawValue)
        }
    }
}

enum CodeEvalVersion {
    static let string = "0.1.0"
}
