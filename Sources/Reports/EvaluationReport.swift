import Evaluation
import Foundation

/// The text summary `codeeval evaluate` prints after scoring a samples file.
public enum EvaluationReport {
    public static func code(_ s: CodeEvaluationSummary) -> [String] {
        [
            "\(s.benchmark): " + scores(s.passAtK) + "  (\(s.passed)/\(s.samples) samples passed, \(s.tasks) tasks)",
            "verdicts: " + counts(s.statusCounts),
        ]
    }

    public static func plus(_ s: PlusEvaluationSummary, benchmark: String) -> [String] {
        PlusPhase.allCases.map { phase in
            (phase == .base ? "\(benchmark) base tests: " : "\(benchmark) base + plus tests: ") + scores(s.passAtK[phase] ?? [:])
        } + PlusPhase.allCases.map { "\($0.rawValue) statuses: " + counts(s.statusCounts[$0] ?? [:]) } + [
            String(format: "ground truth %.1f s, total %.1f s, %d samples, %d tasks", s.groundTruthSeconds, s.wallSeconds,
                   s.samples, s.tasks),
        ]
    }

    public static func math(_ s: MathEvaluationSummary) -> [String] {
        ["\(s.benchmark.rawValue) (\(s.mode.rawValue)): accuracy \(String(format: "%.4f", s.accuracy)) "
            + "(\(s.correct)/\(s.samples) samples, \(s.tasks) tasks)"]
            + (s.majorityAccuracy.map { ["maj1@\(s.minSamplesPerTask): \(String(format: "%.4f", $0))"] } ?? [])
    }

    static func scores(_ passAtK: [Int: Double]) -> String {
        passAtK.isEmpty ? "no k ≤ the samples per task"
            : passAtK.keys.sorted().map { String(format: "pass@%d: %.4f", $0, passAtK[$0]!) }.joined(separator: "  ")
    }

    static func counts(_ c: [String: Int]) -> String { c.keys.sorted().map { "\($0) \(c[$0]!)" }.joined(separator: ", ") }
}
