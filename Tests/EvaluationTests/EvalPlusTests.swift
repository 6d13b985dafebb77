import Datasets
import Foundation
import Sandbox
import Testing
@testable import Evaluation

/// HumanEval+/MBPP+ (EvalPlus) evaluation. Kept fast: HumanEval+ Mini and task subsets; the full canonical runs
/// are recorded in README.md.
@Suite("EvalPlus evaluation", .serialized)
struct EvalPlusTests {
    static let humanEvalSubset: Set<String> = ["HumanEval/0", "HumanEval/2", "HumanEval/4", "HumanEval/13", "HumanEval/32",
                                                "HumanEval/53", "HumanEval/96", "HumanEval/115", "HumanEval/162"]
    /// Tasks with special oracles, not-None outputs and every kind of input conversion.
    static let mbppSubset: Set<String> = ["Mbpp/2", "Mbpp/63", "Mbpp/75", "Mbpp/106", "Mbpp/115", "Mbpp/124", "Mbpp/164",
                                           "Mbpp/250", "Mbpp/252", "Mbpp/259", "Mbpp/278", "Mbpp/295", "Mbpp/307",
                                           "Mbpp/558", "Mbpp/580", "Mbpp/581", "Mbpp/722", "Mbpp/793"]

    func humanEvalTasks() throws -> [PlusTask] {
        try PlusTasks.load(.humanevalPlusMini, store: mirrorStore()).filter { Self.humanEvalSubset.contains($0.taskID) }
    }

    func mbppTasks() throws -> [PlusTask] {
        try PlusTasks.load(.mbppPlus, store: mirrorStore()).filter { Self.mbppSubset.contains($0.taskID) }
    }

    func solutionSample(_ line: Int, _ taskID: String, solution: String) -> Sample {
        Sample(line: line, taskID: taskID, completion: "",
               fields: JSONObject([("task_id", .string(taskID)), ("solution", .string(solution))]))
    }

    @Test("typed loaders: HumanEval+ 164 tasks (Mini too), MBPP+ 378 with converted ids")
    func loaders() throws {
        let store = try mirrorStore()
        #expect(try PlusTasks.load(.humanevalPlus, store: store).count == 164)
        #expect(try PlusTasks.load(.humanevalPlusMini, store: store).count == 164)
        let mbpp = try PlusTasks.load(.mbppPlus, store: store)
        #expect(mbpp.count == 378)
        #expect(mbpp[0].taskID == "Mbpp/2" && mbpp[0].aliases == ["mbpp/2", "2"] && mbpp[0].number == 2)
    }

    /// Also through zygotes (`zygote: true`): ground truth and candidates, the pool replacing its zygotes between
    /// the two (the ground truth runs with more memory).
    @Test("canonical solutions pass base and plus (pass@1 = 1.0); empty completions score 0", arguments: [false, true])
    func canonicalAndEmpty(zygote: Bool) async throws {
        let pool = RunnerPool(width: 2, zygote: zygote)
        for (tasks, name) in [(try humanEvalTasks(), "humaneval-plus-mini"), (try mbppTasks(), "mbpp-plus")] {
            #expect(tasks.count > 5)
            let truth = try await EvalPlus.groundTruth(tasks: tasks, pool: pool, settings: PlusSettings())
            let (_, outcomes, canonical) = try await EvalPlus.evaluate(
                samples: EvalPlus.canonicalSamples(tasks), tasks: tasks, benchmark: name, ks: [1], pool: pool, groundTruth: truth)
            let failing = zip(tasks, outcomes).filter { $0.1.values.contains { $0.status != "pass" } }
                .map { "\($0.0.taskID): \($0.1.mapValues(\.errors))" }
            #expect(canonical.passAtK[.base]?[1] == 1.0, "\(failing)")
            #expect(canonical.passAtK[.plus]?[1] == 1.0, "\(failing)")
            let empty = tasks.enumerated().map { i, t in sample(i + 1, t.taskID, "") }
            let (results, _, none) = try await EvalPlus.evaluate(
                samples: empty, tasks: tasks, benchmark: name, ks: [1], pool: pool, groundTruth: truth)
            #expect(none.passAtK[.base]?[1] == 0.0)
            #expect(none.passAtK[.plus]?[1] == 0.0)
            #expect(results[0].keys == ["task_id", "completion", "base_status", "base_fail_tests", "base_errors",
                                        "plus_status", "plus_fail_tests", "plus_errors"])
        }
    }

    @Test("a solution right on the base inputs but wrong on the others is base-pass, plus-fail")
    func basePassPlusFail() async throws {
        let task = try humanEvalTasks().first { $0.taskID == "HumanEval/0" }!
        let baseJSON = ProofOfPass.pythonStringLiteral(JSONValue.array(task.baseInputs).serialized())
        // The canonical solution, wrapped so that it answers wrongly on any input not among the base inputs.
        let solution = task.prompt + task.canonicalSolution + """

        import json as _json
        _known = _json.loads(\(baseJSON))
        _right = \(task.entryPoint)
        def \(task.entryPoint)(*args):
            return _right(*args) if list(args) in _known else "wrong"
        """
        let samples = [solutionSample(1, task.taskID, solution: solution)]
        let (results, outcomes, summary) = try await EvalPlus.evaluate(
            samples: samples, tasks: [task], benchmark: "t", ks: [1], pool: RunnerPool(width: 2))
        #expect(outcomes[0][.base]?.status == "pass")
        #expect(outcomes[0][.plus]?.status == "fail")
        #expect(outcomes[0][.plus]?.failed == [0])
        #expect(outcomes[0][.plus]?.errors == ["wrong output"])
        #expect(results[0]["plus_fail_tests"] == .array([task.plusInputs[0]]))
        #expect(summary.passAtK[.base]?[1] == 1.0)
        #expect(summary.passAtK[.plus]?[1] == 0.0)
    }

    @Test("floats: within atol passes, beyond fails; per-input time limit fails the input; a disarmed timer is a sandbox timeout")
    func floatsAndTime() async throws {
        let task = try humanEvalTasks().first { $0.taskID == "HumanEval/2" }!  // truncate_number, atol 1e-6
        #expect(task.atol == 1e-6)
        let pool = RunnerPool(width: 2)
        var settings = PlusSettings()
        settings.minTimeLimit = 0.3
        settings.gtTimeLimitFactor = 1
        settings.perTaskCap = 2
        let truth = try await EvalPlus.groundTruth(tasks: [task], pool: pool, settings: settings)
        let completions = [
            "    return number % 1.0 + 1e-9\n",
            "    return number % 1.0 + 1e-3\n",
            "    import time\n    time.sleep(2)\n    return number % 1.0\n",
            // Disarms the per-input timer: only the sandbox's wall limit ends it.
            "    import signal\n    signal.signal(signal.SIGALRM, signal.SIG_IGN)\n    while True: pass\n",
            "    import os\n    os._exit(0)\n",
        ]
        let samples = completions.enumerated().map { i, c in sample(i + 1, task.taskID, c) }
        let (_, outcomes, _) = try await EvalPlus.evaluate(
            samples: samples, tasks: [task], benchmark: "t", ks: [1], pool: pool, settings: settings, groundTruth: truth)
        let base = outcomes.map { $0[.base]! }
        #expect(base[0].status == "pass")
        #expect(base[1].status == "fail" && base[1].errors == ["wrong output"])
        #expect(base[2].status == "fail" && base[2].errors.first?.hasPrefix("time limit") == true, "\(base[2])")
        #expect(base[3].status == "timeout", "\(base[3])")
        #expect(base[4].status == "fail" && base[4].verdict == .failed, "\(base[4])")
    }

    @Test("outputs too large to embed are recomputed in the candidate's run, under the candidate's memory limit")
    func inlineExpectedOutputs() async throws {
        let task = try humanEvalTasks().first { $0.taskID == "HumanEval/0" }!
        var settings = PlusSettings()
        settings.inlineAbove = 0
        settings.limits = Limits(memoryBytes: 512 << 20)
        let pool = RunnerPool(width: 2)
        let truth = try await EvalPlus.groundTruth(tasks: [task], pool: pool, settings: settings)
        #expect(truth[0].inline == [.base, .plus] && truth[0].expected.isEmpty)
        let samples = [
            sample(1, task.taskID, task.canonicalSolution),
            sample(2, task.taskID, "    return True\n"),
            sample(3, task.taskID, "    x = bytearray(1 << 30)\n" + task.canonicalSolution),
        ]
        let (_, outcomes, _) = try await EvalPlus.evaluate(
            samples: samples, tasks: [task], benchmark: "t", ks: [1], pool: pool, settings: settings, groundTruth: truth)
        #expect(outcomes.map { $0[.base]!.status } == ["pass", "fail", "fail"])
        #expect(outcomes.map { $0[.plus]!.status } == ["pass", "fail", "fail"])
        #expect(outcomes[2][.base]!.errors.first?.hasPrefix("MemoryError") == true, "\(outcomes[2])")
    }

    @Test("naive forgeries fail: a fake report line, a patched json.dumps, exiting early, catching the timer")
    func forgeries() async throws {
        let task = try humanEvalTasks().first { $0.taskID == "HumanEval/0" }!
        let fake = #"{"status": "pass", "done": 0, "failed": [], "errors": []}"#
        let solutions = [
            "import os\nos.write(1, b'\(fake)\\n')\nos._exit(0)\n",
            "import json\njson.dumps = lambda o: '\(fake)'\ndef has_close_elements(numbers, threshold):\n    return None\n",
            "import sys\ndef has_close_elements(numbers, threshold):\n    print('\(fake)')\n    sys.exit(0)\n",
            "def has_close_elements(numbers, threshold):\n    raise SystemExit(0)\n",
        ]
        let samples = solutions.enumerated().map { i, code in solutionSample(i + 1, task.taskID, solution: code) }
        let (_, outcomes, summary) = try await EvalPlus.evaluate(
            samples: samples, tasks: [task], benchmark: "t", ks: [1], pool: RunnerPool(width: 2))
        #expect(outcomes.map { $0[.base]!.status } == ["fail", "fail", "fail", "fail"], "\(outcomes.map { $0[.base]! })")
        #expect(summary.passAtK[.base]?[1] == 0.0)
    }

    @Test("MBPP+: a self-contained solution field is used as is; prompt + completion otherwise")
    func mbppSolutionField() async throws {
        let task = try mbppTasks().first { $0.taskID == "Mbpp/2" }!
        // Set comparison (a special oracle): any order of the shared elements is right.
        let solution = "def similar_elements(a, b):\n    return tuple(sorted(set(a) & set(b), reverse=True))\n"
        let samples = [solutionSample(1, "mbpp/2", solution: solution), sample(2, "2", "\n" + solution), sample(3, "Mbpp/2", "def f(): pass")]
        let (_, outcomes, _) = try await EvalPlus.evaluate(
            samples: samples, tasks: [task], benchmark: "t", ks: [1], pool: RunnerPool(width: 2))
        #expect(outcomes.map { $0[.base]!.status } == ["pass", "pass", "fail"])
        #expect(outcomes.map { $0[.plus]!.status } == ["pass", "pass", "fail"])
    }

    @Test("per-input limits follow max(min, factor × ground-truth time); the phase bound is capped")
    func limits() {
        var s = PlusSettings()
        #expect(s.inputLimits([0.001, 2.0]) == [4.0, 8.0])
        #expect(s.phaseWallSeconds([4, 8]) == 12 + 1 + 1)
        #expect(s.phaseWallSeconds([Double](repeating: 4, count: 100)) == 60 + 1 + 1)
        s.fastCheck = false
        #expect(s.phaseWallSeconds([4]) == 4 + 2 + 1)
    }
}
