import ArgumentParser
import Datasets
import Evaluation
import Foundation
import Scoring

struct BenchScoring: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "scoring",
        abstract: "Time scoring MATH (5 000 × 16 answers) and GSM8k (1 319 × 16) against a string-equality baseline.",
        discussion: """
        Each problem gets 16 completions: its gold solution and 15 variants with a different, reformatted or
        invalid final answer. The baseline is Minerva normalisation + string equality on the same answers, timed in
        the same process; the ratio is full checker time / baseline time. Use a release build.
        Example:
          codeeval bench scoring --repeats 3
        """)

    @OptionGroup var data: DataOptions
    @Option(help: "Answers per problem.") var perProblem = 16
    @Option(help: "Timed repetitions; the median is reported.") var repeats = 3

    func run() throws {
        let store = data.store
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
        func median(_ f: () -> Void) -> Double {
            var times: [Double] = []
            for _ in 0..<max(1, repeats) {
                let t0 = DispatchTime.now().uptimeNanoseconds
                f()
                times.append(Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9)
            }
            return times.sorted()[times.count / 2]
        }
        var sink = 0
        let mathFull = median {
            for (gold, c) in mathSamples where MathChecker.isEquivalent(gold: gold, answer: MathExtraction.extract(c)) { sink += 1 }
        }
        let mathBase = median {
            for (gold, c) in mathSamples where MinervaNormalizer.normalize(MathExtraction.extract(c)) == MinervaNormalizer.normalize(gold) { sink += 1 }
        }
        let gsmFull = median {
            for (gold, c) in gsmSamples where GSM8kChecker.check(completion: c, gold: gold, mode: .default).correct { sink += 1 }
        }
        let gsmBase = median {
            for (gold, c) in gsmSamples where GSM8kChecker.lmEvalNormalize(GSM8kChecker.strictExtract(c)) == GSM8kChecker.lmEvalNormalize(gold) { sink += 1 }
        }
        func line(_ name: String, _ problems: Int, _ full: Double, _ base: Double) -> String {
            String(format: "%@: %d problems × %d answers: default checker %.3f s (%.0f problems/s), baseline %.3f s (%.0f problems/s), ratio %.2f×",
                   name, problems, perProblem, full, Double(problems) / full, base, Double(problems) / base, full / base)
        }
        print(line("MATH", math.count, mathFull, mathBase))
        print(line("GSM8k", gsm.count, gsmFull, gsmBase))
        if sink < 0 { print(sink) }
    }
}
