import Datasets
import Evaluation
import Foundation
import Hummingbird
import Logging
import ServiceLifecycle
@testable import Service
import Store
import Testing

/// A fake sandbox: the "program" text decides the verdict (`FAIL` → failed, `SLEEP <s>` → sleeps), and every
/// run is counted per program so tests can prove nothing ran twice.
actor RunCounter {
    private(set) var runs: [String: Int] = [:]
    func add(_ code: String) { runs[code, default: 0] += 1 }
    var total: Int { runs.values.reduce(0, +) }
}

struct FakeExecutor: Executor {
    let counter = RunCounter()
    var layers: [String: Bool] = ["user_namespace": true, "seccomp": true]

    func execute(_ request: ExecutionRequest) async throws -> ExecutionOutcome {
        await counter.add(request.code)
        if let r = request.code.range(of: "SLEEP ") {
            let secs = Double(request.code[r.upperBound...].prefix(while: { $0 == "." || $0.isNumber })) ?? 0
            try await Task.sleep(for: .milliseconds(Int(secs * 1000)))
        }
        let failed = request.code.contains("FAIL")
        let status = failed ? "failed" : "passed"
        let execution = JSONObject([
            ("status", .string(status)), ("exit_code", .int(failed ? 1 : 0)), ("stdout", .string("")),
            ("stderr", .string(failed ? "Traceback\nAssertionError" : "")), ("wall_s", .double(0.001)),
        ])
        return ExecutionOutcome(status: status, execution: execution, wallSeconds: 0.001)
    }

    func layerAvailability() -> [String: Bool] { layers }
}

/// Problems whose "test" decides the outcome with the fake executor.
func fakeProblems(_ n: Int) -> [HumanEvalProblem] {
    (0..<n).map { HumanEvalProblem(taskID: "T/\($0)", prompt: "def f\($0)():\n", canonicalSolution: "    return 1\n",
                                   test: "# test \($0)\n", entryPoint: "f\($0)") }
}

/// One directory per test process for the job stores (each with its -wal and -shm files), removed when the
/// process exits, so test runs leave nothing in the temporary directory.
private func serviceTestDirectoryPath() -> String {
    FileManager.default.temporaryDirectory.appendingPathComponent("codeeval-service-tests-\(getpid())").path
}

private let serviceTestDirectory: String = {
    try? FileManager.default.createDirectory(atPath: serviceTestDirectoryPath(), withIntermediateDirectories: true)
    atexit { try? FileManager.default.removeItem(atPath: serviceTestDirectoryPath()) }
    return serviceTestDirectoryPath()
}()

func tempDBPath() -> String {
    serviceTestDirectory + "/svc-\(UUID().uuidString).sqlite"
}

func testConfig(_ edit: (inout ServiceConfig) -> Void = { _ in }) -> ServiceConfig {
    var c = ServiceConfig()
    c.port = 0
    c.workers = 2
    c.bodyReadTimeoutSeconds = 2
    c.idleTimeoutSeconds = 3
    edit(&c)
    return c
}

/// Starts a real server on an ephemeral loopback port, runs `body`, then shuts it down gracefully.
func withServer(
    config: ServiceConfig = testConfig(), store: (any JobQueueStore)? = nil, executor: any Executor = FakeExecutor(),
    evaluator: (any EvaluationBackend)? = nil, completions: (any CompletionBackend)? = nil, keys: [APIKey]? = nil,
    _ body: @Sendable (_ port: Int, _ handle: ServiceHandle) async throws -> Void
) async throws {
    var logger = Logger(label: "service-test")
    logger.logLevel = .warning
    let store = try store ?? SQLiteJobStore(path: tempDBPath())
    let evaluator = evaluator ?? CodeTaskBackend(load: { $0 == .humaneval ? CodeTasks.humanEval(fakeProblems(4)) : [] }, executor: executor)
    let deps = ServiceDependencies(config: config, store: store, executor: executor, evaluator: evaluator,
                                   completions: completions, keys: keys)
    let (ports, cont) = AsyncStream.makeStream(of: Int.self)
    let (app, handle) = try await ServiceApp.application(deps, logger: logger) { cont.yield($0) }
    let services = ServiceGroup(configuration: .init(services: [app], logger: logger))
    try await withThrowingTaskGroup(of: Void.self) { group in
        group.addTask { try await services.run() }
        var it = ports.makeAsyncIterator()
        guard let port = await it.next() else { throw StoreError("server did not start") }
        do {
            try await body(port, handle)
        } catch {
            await handle.runner.stop()
            await services.triggerGracefulShutdown()
            throw error
        }
        await handle.runner.stop()
        await services.triggerGracefulShutdown()
        try await group.waitForAll()
    }
}

func jsonObject(_ r: RawResponse?) -> JSONObject? {
    guard let r else { return nil }
    return (try? JSONParser.parse(r.body))?.objectValue
}

/// Submits NDJSON samples to `POST /v1/evaluations?QUERY` (202 expected) and waits for the job to end: its id and
/// its final status.
func evaluateNDJSON(port: Int, query: String, _ body: String, timeout: Double = 60) async throws -> (id: String, status: JSONObject) {
    let r = try #require(await RawHTTP.request(port: port, method: "POST", path: "/v1/evaluations?" + query,
                                               headers: ["Content-Type": "application/x-ndjson"], body: Array(body.utf8)))
    #expect(r.status == 202, "\(r.text)")
    let id = try #require(jsonObject(r)?["id"]?.stringValue)
    return (id, try await waitForJob(port: port, id: id, timeout: timeout))
}

/// Polls an evaluation until it reaches a final status.
func waitForJob(port: Int, id: String, headers: [String: String] = [:], timeout: Double = 60) async throws -> JSONObject {
    let deadline = Date().addingTimeInterval(timeout)
    while Date() < deadline {
        if let o = jsonObject(await RawHTTP.request(port: port, method: "GET", path: "/v1/evaluations/\(id)", headers: headers)),
           let s = o["status"]?.stringValue, ["done", "cancelled", "failed"].contains(s) {
            return o
        }
        try await Task.sleep(for: .milliseconds(50))
    }
    throw StoreError("job \(id) did not finish in \(timeout) s")
}

/// The `data:` payloads of a server-sent-events body, in order.
func sseEvents(_ r: RawResponse?) -> [String] {
    (r?.text ?? "").components(separatedBy: "\n\n").compactMap { block in
        block.hasPrefix("data: ") ? String(block.dropFirst(6)) : nil
    }
}
