import Datasets
import Foundation
import Hummingbird

/// `POST /v1/completions` (OpenAI-compatible) over the local engine, when the server was started with a model.
struct CompletionController: Sendable {
    let backend: any CompletionBackend
    let body: RequestBodyReader

    func register(on group: RouterGroup<ServiceContext>) {
        group.post("completions") { request, context in try await complete(request, context) }
    }

    func complete(_ request: Request, _ context: ServiceContext) async throws -> Response {
        let req = try CompletionParsing.parse(try await body.read(request), models: backend.models)
        let choices = try await backend.complete(req)
        return JSONBody.response(CompletionParsing.response(req, choices))
    }
}
