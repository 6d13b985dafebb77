import ArgumentParser
import Scoring

extension AnswerChecker: ExpressibleByArgument {}

struct EquivCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "equiv",
        abstract: "Decide whether an answer equals a gold answer; prints true or false (exit 0 / 1).",
        discussion: """
        Checkers: default (ours), minerva (lm-eval minerva_math), hendrycks (original MATH is_equiv),
        gsm8k (numeric), gsm8k-lmeval (lm-eval exact match after its normalisation).
        Examples:
          codeeval equiv --checker default '\\dfrac{1}{2}' 0.5
          codeeval equiv --checker default '[2,5)' '(2,5]'
        """
    )

    @Option(help: "Checker: \(AnswerChecker.allCases.map(\.rawValue).joined(separator: ", ")).") var checker: AnswerChecker = .default
    @Argument(help: "The gold answer.") var gold: String
    @Argument(help: "The answer to check.") var answer: String

    func run() throws {
        let equal = checker.isEquivalent(gold: gold, answer: answer)
        print(equal ? "true" : "false")
        if !equal { throw ExitCode(1) }
    }
}
