import Datasets
import Foundation
import Testing
@testable import Service

/// Runs a program with the host's `python3 -I -S`, *without* a sandbox. Test-only, for trusted inputs (the
/// HumanEval canonical solutions), so the service's evaluation path can be checked end to end without the
/// sandbox module; the service itself never ships an unsandboxed executor.
struct TrustedPythonExecutor: Executor {
    func execute(_ request: ExecutionRequest) async throws -> ExecutionOutcome {
        try await withCheckedThrowingContinuation { cont in
            Thread {
                do { cont.resume(returning: try Self.run(request)) } catch { cont.resume(throwing: error) }
            }.start()
        }
    }

    static func run(_ request: ExecutionRequest) throws -> ExecutionOutcome {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
        p.arguments = ["-I", "-S", "-c", request.code]
        let err = Pipe()
        p.standardError = err
        p.standardOutput = FileHandle.nullDevice
        let start = Date()
        try p.run()
        let deadline = start.addingTimeInterval(request.timeoutSeconds)
        while p.isRunning && Date() < deadline { usleep(2000) }
        let timedOut = p.isRunning
        if timedOut { p.terminate() }
        p.waitUntilExit()
        let stderr = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        let status = timedOut ? "timeout" : (p.terminationStatus == 0 ? "passed" : "failed")
        let wall = Date().timeIntervalSince(start)
        return ExecutionOutcome(
            status: status, execution: JSONObject([("status", .string(status)), ("stderr", .string(stderr))]), wallSeconds: wall)
    }

    func layerAvailability() -> [String: Bool] { ["none": false] }
}

@Suite struct HumanEvalAcceptanceTests {
    /// Acceptance: the canonical solutions submitted through POST /v1/evaluations give pass@1 = 1.0.
    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/python3")))
    func canonicalSolutionsPassAtOne() async throws {
        let problems = try DatasetStore().humanEval()  // fails clearly when CODEEVAL_DATA is missing
        #expect(problems.count == 164)
        let executor = TrustedPythonExecutor()
        let backend = HumanEvalBackend(problems: problems, executor: executor)
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
