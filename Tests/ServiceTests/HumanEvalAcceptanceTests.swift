import Datasets
import Evaluation
import Foundation
import Testing
@testable import Service

@Suite struct HumanEvalAcceptanceTests {
    /// Acceptance: the canonical solutions submitted through POST /v1/evaluations give pass@1 = 1.0.
    @Test
    func canonicalSolutionsPassAtOne() async throws {
        let problems = try DatasetStore().humanEval()  // fails clearly when CODEEVAL_DATA is missing
        #expect(problems.count == 164)
        // Through the real sandbox (launcher built next to the test bundle by `swift build --build-tests`).
        let executor = await SandboxExecutor.probe()
        #expect(executor.layerAvailability()["sandbox"] == true, "sandbox probe failed: \(executor.layerAvailability())")
        let backend = CodeTaskBackend(load: { $0 == .humaneval ? CodeTasks.humanEval(problems) : [] }, executor: executor)
        let lines = problems.map {
            JSONObject([("task_id", .string($0.taskID)), ("completion", .string($0.canonicalSolution))]).serialized() + "\n"
        }.joined()
        try await withServer(config: testConfig { $0.workers = 2 }, executor: executor, evaluator: backend) { port, _ in
            let (_, done) = try await evaluateNDJSON(port: port, query: "benchmark=humaneval&k=1", lines, timeout: 240)
            #expect(done["pass_at_k"]?.objectValue?["pass@1"]?.doubleValue == 1.0, "\(done.serialized())")
        }
    }
}
