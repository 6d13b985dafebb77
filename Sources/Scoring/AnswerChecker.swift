/// Every answer checker by the name users pick it with (`codeeval equiv --checker NAME`): the MATH checkers and
/// the two GSM8k comparisons.
public enum AnswerChecker: String, Sendable, CaseIterable {
    case `default`, minerva, hendrycks, gsm8k
    case gsm8kLmEval = "gsm8k-lmeval"

    /// Whether `answer` counts as equal to `gold` under this checker.
    public func isEquivalent(gold: String, answer: String) -> Bool {
        switch self {
        case .default: MathChecker.isEquivalent(gold: gold, answer: answer, checker: .default)
        case .minerva: MathChecker.isEquivalent(gold: gold, answer: answer, checker: .minerva)
        case .hendrycks: MathChecker.isEquivalent(gold: gold, answer: answer, checker: .hendrycks)
        case .gsm8k: GSM8kChecker.isCorrect(extracted: answer, gold: gold, mode: .default)
        case .gsm8kLmEval: GSM8kChecker.isCorrect(extracted: answer, gold: gold, mode: .lmEval)
        }
    }
}
