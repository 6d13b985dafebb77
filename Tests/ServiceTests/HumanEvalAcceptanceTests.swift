import Datasets
import Foundation
import Testing
@testable import Service

@Suite struct HumanEvalAcceptanceTests {
    /// Acceptance: the canonical solutions submitted through POST /v1/evaluations give pass@1 = 1.0.
    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/python3")))
    func canonicalSolutionsPassAtOne() async throws {
        let problems = try DatasetStore().humanEval()  // fails clearly when CODEEVAL_DATA is missing
        #expect(problems.count == 164)
        // Canonical solutions are trusted code; the sandboxed executor is exercised by the Sandbox tests.
        let executor = UnsandboxedPythonExecutor()
        let backend = HumanEvalBackend(problems: { problems }, executor: executor)
        var lines = ""
        for p in problems {
            lines += JSONObject([("task_id", .string(p.taskID)), ("completion", .string(p.canonicalSolution))]).serialized() + "\n"
        }
        let body = Array(lines.utf8)
        try await withServer(config: testConfig { $0.workers = 2 }, executor: executor, evaluator: backend) { port, _ in
            let r = try #require(await RawHTTP.request(
                port: port, method: "POST", path: "/v1/evaluations?benchmark=humaneval&k=1",
                headers: ["Content-Type": "application/x-ndjson"], body: body))
            #expect(r.status == 202, "\(r.text)")
            let id = try #require(jsonObject(r)?["id"]?.stringValue)
            let done = try await waitForJob(port: port, id: id, timeout: 240)
            #expect(done["pass_at_k"]?.objectValue?["pass@1"]?.doubleValue == 1.0, "\(done.serialized())")
        }
    }
}
