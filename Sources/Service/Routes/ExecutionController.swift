import Datasets
import Foundation
import Hummingbird

/// `POST /v1/execute`: one program through the sandbox, bounded by the execution gate.
struct ExecutionController: Sendable {
    let deps: ServiceDependencies
    let handle: ServiceHandle
    let body: RequestBodyReader
    var config: ServiceConfig { deps.config }

    func register(on group: RouterGroup<ServiceContext>) {
        group.post("execute") { request, context in try await execute(request, context) }
    }

    func execute(_ request: Request, _ context: ServiceContext) async throws -> Response {
        let exec = try RequestParsing.execute(try await body.read(request), config: config)
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
}
