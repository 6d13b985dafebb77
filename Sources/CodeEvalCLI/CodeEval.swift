import ArgumentParser
import Logging
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
            ServeCommand.self,
        ]
    )
}

enum CodeEvalVersion {
    static let string = "0.1.0"
}
