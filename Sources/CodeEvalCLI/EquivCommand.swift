import ArgumentParser
import Scoring

struct EquivCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "equiv",
        abstract: "Decide whether an answer equals a gold answer; prints true or false (exit 0 / 1).",
        discussion: """
        Checkers: default (ours), minerva (lm-eval minerva_math), hendrycks (original MATH is_equiv),
        gsm8k (numeric), gsm8k-lmeval (lm-eval exact match after its normalisation).
        Examples:
          codeeval equiv --checker default '\\dfrac{1}{2}' 0.5
          codeeval equiv --checker hendrycks 5 5.0
          codeeval equiv --checker default '[2,5)' '(2,5]'
        """
    )

    enum Kind: String, ExpressibleByArgument, CaseIterable {
        case `default`, minerva, hendrycks, gsm8k
        case gsm8kLmEval = "gsm8k-lmeval"
    }

    @Option(help: "Checker: \(Kind.allCases.map(\.rawValue).joined(separator: ", ")).") var checker: Kind = .default
    @Argument(help: "The gold answer.") var gold: String
    @Argument(help: "The answer to check.") var answer: String

    func run() throws {
        let equal: Bool
        switch checker {
        case .default: equal = MathChecker.isEquivalent(gold: gold, answer: answer, checker: .default)
        case .minerva: equal = MathChecker.isEquivalent(gold: gold, answer: answer, checker: .minerva)
        case .hendrycks: equal = MathChecker.isEquivalent(gold: gold, answer: answer, checker: .hendrycks)
        case .gsm8k: equal = GSM8kChecker.isCorrect(extracted: answer, gold: gold, mode: .default)
        case .gsm8kLmEval: equal = GSM8kChecker.isCorrect(extracted: answer, gold: gold, mode: .lmEval)
        }
        print(equal ? "true" : "false")
        if !equal { throw ExitCode(1) }
    }
}
