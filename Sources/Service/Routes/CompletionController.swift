import Datasets
import Foundation
import Hummingbird
import NIOCore
import Prompting

/// The OpenAI-compatible routes over the local engine, when the server was started with a model:
/// `POST /v1/completions`, `POST /v1/chat/completions` (both optionally streamed as server-sent events).
struct CompletionController: Sendable {
    let backend: any CompletionBackend
    let body: RequestBodyReader
    /// The served model's chat format, or the error every chat request gets.
    let chat: Result<ChatTemplate, ServiceError>

    init(backend: any CompletionBackend, body: RequestBodyReader) {
        self.backend = backend
        self.body = body
        let model = backend.models.joined(separator: ", ")
        if let source = backend.chatTemplate, let template = ChatTemplate(source: source) {
            chat = .success(template)
        } else if backend.chatTemplate != nil {
            chat = .failure(.badRequest("the chat template of model \"\(model)\" is not one this server renders "
                                        + "(ChatML, Gemma, Llama 3); use /v1/completions with the prompt already formatted"))
        } else {
            chat = .failure(.badRequest("model \"\(model)\" has no chat template (GGUF tokenizer.chat_template); "
                                        + "use /v1/completions with the prompt already formatted"))
        }
    }

    func register(on group: RouterGroup<ServiceContext>) {
        group.post("completions") { request, context in try await complete(request, context) }
        group.post("chat/completions") { request, context in try await chatComplete(request, context) }
    }

    /// `GET /v1/models` in OpenAI's list format: the served model, or none.
    static func registerModels(on group: RouterGroup<ServiceContext>, models: [String]) {
        let created = CompletionParsing.now()
        group.get("models") { _, _ in
            JSONBody.response(JSONObject([
                ("object", .string("list")),
                ("data", .array(models.map { name in
                    .object(JSONObject([("id", .string(name)), ("object", .string("model")), ("created", .int(created)),
                                        ("owned_by", .string("codeeval"))]))
                })),
            ]))
        }
    }

    func complete(_ request: Request, _ context: ServiceContext) async throws -> Response {
        try await cancellingOnDisconnect(request) { bytes in
            try await answer(try CompletionParsing.parse(bytes, models: backend.models), chat: false)
        }
    }

    func chatComplete(_ request: Request, _ context: ServiceContext) async throws -> Response {
        try await cancellingOnDisconnect(request) { bytes in
            var (call, messages) = try CompletionParsing.parseChat(bytes, models: backend.models)
            let template = try chat.get()
            call.request.prompts = [.text(try Self.rendered(messages, with: template))]
            call.request.stop.append(template.endOfTurn)
            return try await answer(call, chat: true)
        }
    }

    /// Runs a request so that a client closing its connection cancels it, and the batcher drops its sequences at the
    /// next step instead of generating for nobody. Hummingbird watches the connection for that by reading it, which
    /// rules out a next request on it: the response says `Connection: close`. Once a stream has started, a failed
    /// write is what tells us the client has gone (`stream`).
    private func cancellingOnDisconnect(_ request: Request, _ operation: ([UInt8]) async throws -> Response) async throws
        -> Response
    {
        let headers = request.headers
        var response = try await request.body.consumeWithCancellationOnInboundClose { requestBody in
            try await operation(try await body.read(requestBody, headers: headers))
        }
        response.headers[.connection] = "close"
        return response
    }

    /// A conversation the template cannot render is the client's error (400), with the template's reason.
    static func rendered(_ messages: [ChatMessage], with template: ChatTemplate) throws(ServiceError) -> String {
        do { return try template.render(messages) } catch { throw .badRequest(error.message) }
    }

    func answer(_ call: CompletionCall, chat: Bool) async throws -> Response {
        let r = call.request
        if call.stream { return try await stream(call, chat: chat) }
        let choices = try await backend.complete(r, events: nil)
        return JSONBody.response(chat ? CompletionParsing.chatResponse(r, choices) : CompletionParsing.response(r, choices))
    }

    private enum StreamItem: Sendable {
        case event(CompletionEvent)
        case done([CompletionChoice])
        case failed(Error)
    }

    /// Server-sent events as OpenAI streams them: `data: <chunk>` per piece of text and per finished choice, the usage
    /// chunk when asked for, then `data: [DONE]`. The response starts once the prompt has been admitted, so a request
    /// the engine refuses (prompt longer than the context) still gets its 400 rather than an error inside a 200.
    /// With `logprobs` (or `echo`) a choice's text comes in one chunk with its log-probabilities when the choice is
    /// finished: they are scored after generation by the same scorer as without streaming, so both give the same
    /// values; meanwhile an SSE comment per generated piece keeps the connection checked. A write that fails (the
    /// client has gone) cancels the generation.
    private func stream(_ call: CompletionCall, chat: Bool) async throws -> Response {
        let r = call.request, backend = self.backend
        let held = r.logprobs != nil || r.echo
        let (items, sink) = AsyncStream.makeStream(of: StreamItem.self)
        let (started, start) = AsyncStream.makeStream(of: Error?.self)
        let generation = Task {
            do {
                let choices = try await backend.complete(r) { e in
                    start.yield(nil)
                    sink.yield(.event(e))
                }
                start.yield(nil)
                sink.yield(.done(choices))
            } catch {
                start.yield(error)
                sink.yield(.failed(error))
            }
            start.finish()
            sink.finish()
        }
        try await withTaskCancellationHandler {
            for await first in started {
                if let first { throw first }
                break
            }
        } onCancel: {
            generation.cancel()
        }
        let id = CompletionParsing.newID(chat ? "chatcmpl-" : "cmpl-"), created = CompletionParsing.now()
        let object = chat ? "chat.completion.chunk" : "text_completion"
        @Sendable func event(_ choices: [JSONValue], usage: JSONValue? = nil) -> ByteBuffer {
            let o = CompletionParsing.envelope(id: id, object: object, created: created, model: r.model, choices: choices, usage: usage)
            return ByteBuffer(string: "data: \(o.serialized())\n\n")
        }
        let top = r.logprobs ?? 0
        @Sendable func write(_ item: StreamItem, to writer: inout any ResponseBodyWriter) async throws {
            switch item {
            case .event(.text(let i, let text)):
                guard !held else { return try await writer.write(ByteBuffer(string: ":\n\n")) }
                try await writer.write(event([chat ? CompletionParsing.chatDelta(i, [("content", .string(text))], finish: nil)
                                                   : CompletionParsing.textChoice(i, text: text, finish: nil)]))
            case .event(.finished(let i, let c)):
                if held {
                    let logprobs = c.logprobs.map { CompletionParsing.chatLogprobsObject($0, top: top) } ?? .null
                    try await writer.write(event([chat ? CompletionParsing.chatDelta(i, [("content", .string(c.text))], finish: nil, logprobs: logprobs)
                                                       : CompletionParsing.textChoice(i, text: c.text, finish: nil, logprobs: c.logprobs)]))
                }
                try await writer.write(event([chat ? CompletionParsing.chatDelta(i, [], finish: c.finishReason)
                                                   : CompletionParsing.textChoice(i, text: "", finish: c.finishReason)]))
            case .done(let choices):
                if call.includeUsage { try await writer.write(event([], usage: CompletionParsing.usage(r, choices))) }
            case .failed(let error):
                // Headers are gone: the error travels as an event, as vLLM sends it.
                let e = error as? ServiceError ?? ServiceError(.internalServerError, "internal_error", "generation failed")
                let o = JSONObject([("error", .object(JSONObject([("code", .string(e.code)), ("message", .string(e.message))])))])
                try await writer.write(ByteBuffer(string: "data: \(o.serialized())\n\n"))
            }
        }
        let body = ResponseBody { writer in
            do {
                if chat {
                    for i in 0..<(r.prompts.count * r.n) {
                        try await writer.write(event([CompletionParsing.chatDelta(i, [("role", .string("assistant")), ("content", .string(""))], finish: nil)]))
                    }
                }
                for await item in items { try await write(item, to: &writer) }
                try await writer.write(ByteBuffer(string: "data: [DONE]\n\n"))
                try await writer.finish(nil)
            } catch {
                // The client has gone: stop generating for it.
                generation.cancel()
                throw error
            }
        }
        return Response(status: .ok, headers: [.contentType: "text/event-stream", .cacheControl: "no-cache"], body: body)
    }
}
