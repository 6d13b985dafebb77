import Datasets
import Evaluation
import Foundation
import Scoring

/// Scoring speed: MATH (5 000 × 16 answers) and GSM8k (1 319 × 16) through the default checkers, against Minerva
/// normalisation + string equality on the same answers, timed in the same process.
///
/// Each problem gets `perProblem` completions: its gold solution and variants with a different, reformatted or
/// invalid final answer. The ratio is full checker time / baseline time.
public struct ScoringBench: Sendable {
    public var perProblem = 16
    public var repeats = 3
    public var datasets: DatasetStore

    public init(datasets: DatasetStore) { self.datasets = datasets }

    public func run(report: (String) -> Void) throws {
        let store = datasets
        let math = try store.math()
        let gsm = try store.gsm8k()
        let variants = ["\\frac{1}{2}", "0.5", "(1, 2)", "[0,1)", "x^2+1", "2\\sqrt{3}", "\\text{(C)}", "17", "-3",
                        "\\{1,2\\}", "3\\pi", "10\\%", "[invalidanswer]", "1,000", "\\dfrac{3}{4}"]
        func mathCompletions(_ p: MATHProblem) -> [String] {
            var out = [p.solution]
            for v in variants.prefix(perProblem - 1) { out.append("so the answer is $\\boxed{\(v)}$.") }
            return out
        }
        let mathSamples = math.flatMap { p in mathCompletions(p).map { (p.answer ?? "", $0) } }
        let gsmSamples = gsm.flatMap { p -> [(String, String)] in
            let gold = GSM8kChecker.gold(fromSolution: p.answer)
            return (0..<perProblem).map { i in (gold, i == 0 ? p.answer : "The answer is \(i * 7 - 3).") }
        }
        func timedMedian(_ f: () -> Void) -> Double {
            median((0..<max(1, repeats)).map { _ in
                let t0 = now()
                f()
                return now() - t0
            })
        }
        var sink = 0
        let mathFull = timedMedian {
            for (gold, c) in mathSamples where MathChecker.isEquivalent(gold: gold, answer: MathExtraction.extract(c)) { sink += 1 }
        }
        let mathBase = timedMedian {
            for (gold, c) in mathSamples where MinervaNormalizer.normalize(MathExtraction.extract(c)) == MinervaNormalizer.normalize(gold) { sink += 1 }
        }
        let gsmFull = timedMedian {
            for (gold, c) in gsmSamples where GSM8kChecker.check(completion: c, gold: gold, mode: .default).correct { sink += 1 }
        }
        let gsmBase = timedMedian {
            for (gold, c) in gsmSamples where GSM8kChecker.lmEvalNormalize(GSM8kChecker.strictExtract(c)) == GSM8kChecker.lmEvalNormalize(gold) { sink += 1 }
        }
        func line(_ name: String, _ problems: Int, _ full: Double, _ base: Double) -> String {
            String(format: "%@: %d problems × %d answers: default checker %.3f s (%.0f problems/s), baseline %.3f s (%.0f problems/s), ratio %.2f×",
                   name, problems, perProblem, full, Double(problems) / full, base, Double(problems) / base, full / base)
        }
        report(line("MATH", math.count, mathFull, mathBase))
        report(line("GSM8k", gsm.count, gsmFull, gsmBase))
        if sink < 0 { report(String(sink)) }  // keeps the checks from being optimised away
    }
}
