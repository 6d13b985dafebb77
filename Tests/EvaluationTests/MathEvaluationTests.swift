import Datasets
import Foundation
import Scoring
import DatasetsTestSupport
import Testing
@testable import Evaluation

func mirrorStore(sourceLocation: SourceLocation = #_sourceLocation) throws -> DatasetStore {
    try resolvedDatasets(sourceLocation: sourceLocation)
}

func sample(_ line: Int, _ taskID: String, _ completion: String) -> Sample {
    Sample(line: line, taskID: taskID, completion: completion,
           fields: JSONObject([("task_id", .string(taskID)), ("completion", .string(completion))]))
}

@Suite("Math evaluation on the real datasets")
struct MathEvaluationTests {
    @Test("MATH gold solutions score ≥ 99.9 % with the default checker")
    func mathGold() throws {
        let store = try mirrorStore()
        let problems = try store.math()
        let samples = problems.enumerated().map { i, p in sample(i + 1, "math/\(p.index)", p.solution) }
        let (results, summary) = try MathEvaluation.evaluate(samples: samples, benchmark: .math, mode: .default,
                                                             store: store, majority: false)
        let failures = results.filter { $0["correct"] == .bool(false) }.map { "\($0["task_id"]!): \($0["extracted"]!)" }
        #expect(summary.accuracy >= 0.999, "failures: \(failures.prefix(20))")
        #expect(summary.samples == 5000)
    }

    @Test("MATH-500 gold solutions score ≥ 99.9 % with the default checker")
    func math500Gold() throws {
        let store = try mirrorStore()
        let samples = try store.math500().map { sample($0.index + 1, "math500/\($0.uniqueID!)", $0.solution) }
        let (_, summary) = try MathEvaluation.evaluate(samples: samples, benchmark: .math500, mode: .default,
                                                       store: store, majority: false)
        #expect(summary.accuracy >= 0.999)
    }

    @Test("GSM8k gold answers score 100 % in both modes")
    func gsm8kGold() throws {
        let store = try mirrorStore()
        let samples = try store.gsm8k().map { sample($0.index + 1, $0.taskID, $0.answer) }
        for mode in MathScoringMode.allCases where mode == .default {
            let (_, summary) = try MathEvaluation.evaluate(samples: samples, benchmark: .gsm8k, mode: mode,
                                                           store: store, majority: false)
            #expect(summary.accuracy == 1.0)
        }
        // lm-eval's strict pattern needs "The answer is N."; with that sentence every gold answer passes too.
        let cot = try store.gsm8k().map { sample($0.index + 1, $0.taskID, "The answer is \(GSM8kChecker.gold(fromSolution: $0.answer)).") }
        let (_, compat) = try MathEvaluation.evaluate(samples: cot, benchmark: .gsm8k, mode: .compat, store: store, majority: false)
        #expect(compat.accuracy == 1.0)
    }

    @Test func unknownTaskIDsAreRejectedByName() throws {
        let store = try mirrorStore()
        #expect(throws: DatasetError.self) {
            try MathEvaluation.evaluate(samples: [sample(1, "gsm8k/99999", "1")], benchmark: .gsm8k, mode: .default,
                                        store: store, majority: false)
        }
    }

    @Test func majorityVoteOverSamples() throws {
        let store = try mirrorStore()
        let gold = GSM8kChecker.gold(fromSolution: try store.gsm8k()[0].answer)
        let samples = [sample(1, "gsm8k/0", "The answer is \(gold)."), sample(2, "gsm8k/0", "The answer is 1."),
                       sample(3, "gsm8k/0", "#### \(gold)"), sample(4, "gsm8k/1", "nothing")]
        let (results, summary) = try MathEvaluation.evaluate(samples: samples, benchmark: .gsm8k, mode: .default,
                                                             store: store, majority: true)
        #expect(results.count == 4)
        #expect(results[0].keys == ["task_id", "completion", "extracted", "correct"])
        #expect(summary.majorityAccuracy == 0.5)
        #expect(summary.minSamplesPerTask == 1)
    }
}
