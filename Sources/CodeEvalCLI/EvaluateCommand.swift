import ArgumentParser

struct EvaluateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "evaluate",
        abstract: "Score a samples file (task_id, completion) against a benchmark.",
        discussion: """
        Examples:
          codeeval evaluate humaneval --samples samples.jsonl --k 1,10
          codeeval evaluate gsm8k --samples gsm8k_samples.jsonl --maj
        """,
        subcommands: [
            EvaluateHumanEval.self, EvaluateMBPP.self, EvaluateHumanEvalPlus.self, EvaluateMBPPPlus.self,
            EvaluateMath<GSM8kRun>.self, EvaluateMath<MATHRun>.self, EvaluateMath<MATH500Run>.self,
        ]
    )
}

struct BenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Benchmarks of the hot paths, printed as ratios against a baseline run in the same process.",
        discussion: """
        Examples:
          codeeval bench scoring
          codeeval bench sandbox
          codeeval bench engine --model gemma3-270m
        """,
        subcommands: [BenchScoring.self, BenchSandbox.self, BenchEngine.self, BenchLikelihood.self]
    )
}
