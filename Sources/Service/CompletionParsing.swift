import Datasets
import Foundation
import Prompting

/// A parsed `/v1/completions` or `/v1/chat/completions` request: what to generate and how to answer.
struct CompletionCall: Sendable {
    var request: CompletionRequest
    var stream = false
    /// `stream_options.include_usage`: a last chunk with the usage and no choices.
    var includeUsage = false
}

/// OpenAI `/v1/completions` and `/v1/chat/completions` request/response shapes (the subset our engine serves).
/// OpenAI clients send fields we have no use for (`user`, the penalties, an empty `logit_bias`, `best_of` = n):
/// they are type-checked and ignored, so such clients work unchanged. A feature we cannot serve (suffix, a non-empty
/// logit bias, best_of ≠ n) is refused with a 400 naming it rather than silently dropped, and any other field is
/// unknown and refused, as everywhere in this service.
enum CompletionParsing {
    /// Both endpoints; `top_k` and `min_p` are vLLM's and llama.cpp's sampling extensions.
    static let sharedFields: Set<String> = [
        "model", "max_tokens", "temperature", "top_p", "top_k", "min_p", "n", "stop", "seed", "stream", "stream_options",
        "logprobs", "frequency_penalty", "presence_penalty", "user", "logit_bias",
    ]
    static let fields = sharedFields.union(["prompt", "best_of", "echo", "suffix"])
    static let chatFields = sharedFields.union(["messages", "max_completion_tokens", "top_logprobs"])
    /// Requests may ask for up to this many choices (prompts × n) at once.
    static let maxChoices = 1024
    /// Alternatives per position a request may ask for (vLLM's default limit; OpenAI's is 5).
    static let maxLogprobs = 20

    static func parse(_ body: [UInt8], models: [String]) throws(ServiceError) -> CompletionCall {
        let f = try StrictFields(try parseJSONBody(body), allowed: fields)
        var call = try shared(f, models: models, maxTokens: try f.optionalInt("max_tokens", range: 0...8192) ?? 16)
        call.request.echo = try f.optionalBool("echo") ?? false
        call.request.logprobs = try f.optionalInt("logprobs", range: 0...maxLogprobs)
        if call.request.maxTokens == 0 && !call.request.echo {
            throw .badRequest("field \"max_tokens\": 0 is only allowed with \"echo\": true (scoring the prompt)")
        }
        if let suffix = try f.optionalString("suffix", maxBytes: 1 << 20), !suffix.isEmpty {
            throw .badRequest("field \"suffix\": insertion (suffix) is not supported")
        }
        if let bestOf = try f.optionalInt("best_of", range: 1...maxChoices), bestOf != call.request.n {
            throw .badRequest("field \"best_of\": only best_of = n (\(call.request.n)) is supported")
        }
        call.request.prompts = try prompts(f.object["prompt"])
        try checkChoiceCount(call.request)
        return call
    }

    /// A chat request: the messages are checked here; the server's template renders them (`ChatTemplate`).
    static func parseChat(_ body: [UInt8], models: [String]) throws(ServiceError) -> (CompletionCall, [ChatMessage]) {
        let f = try StrictFields(try parseJSONBody(body), allowed: chatFields)
        // `max_completion_tokens` is OpenAI's newer name for `max_tokens`.
        let newer = try f.optionalInt("max_completion_tokens", range: 1...8192)
        let maxTokens = try f.optionalInt("max_tokens", range: 1...8192)
        var call = try shared(f, models: models, maxTokens: newer ?? maxTokens ?? defaultChatMaxTokens)
        // Chat's `logprobs` is a flag and `top_logprobs` the number of alternatives, which needs the flag (OpenAI's rule).
        let top = try f.optionalInt("top_logprobs", range: 0...maxLogprobs)
        if try f.optionalBool("logprobs") == true {
            call.request.logprobs = top ?? 0
        } else if top != nil {
            throw .badRequest("field \"top_logprobs\": only allowed with \"logprobs\": true")
        }
        try checkChoiceCount(call.request)
        return (call, try messages(f))
    }

    /// Chat has no per-request default in OpenAI's API (the context's end); ours is bounded because KV caches are
    /// allocated for the prompt plus max_tokens up front.
    static let defaultChatMaxTokens = 1024

    private static func shared(_ f: StrictFields, models: [String], maxTokens: Int) throws(ServiceError) -> CompletionCall {
        let model = try f.string("model", maxBytes: 128)
        guard models.contains(model) else {
            throw .badRequest("field \"model\": unknown model \"\(model)\" (served: \(models.joined(separator: ", ")))")
        }
        // Bounded so that matching stops stays cheap per token; OpenAI itself allows 4.
        let stop = try f.optionalStrings("stop", maxCount: 64, maxBytes: 1024) ?? []
        // Any signed 64-bit seed, read as its bit pattern (a codeeval client sends its UInt64 sample seeds that way).
        let seed = try f.optionalInt("seed", range: Int.min...Int.max)
        _ = try f.optionalNumber("frequency_penalty", range: -2...2)
        _ = try f.optionalNumber("presence_penalty", range: -2...2)
        _ = try f.optionalString("user", maxBytes: 1024)
        if let bias = f.object["logit_bias"], !bias.isNull {
            guard let o = bias.objectValue else { throw .badRequest("field \"logit_bias\": expected object, got \(bias.typeName)") }
            if o.count > 0 { throw .badRequest("field \"logit_bias\": logit bias is not supported (only {} is accepted)") }
        }
        // vLLM's -1 and llama.cpp's 0 both mean no top-k cut.
        let topK = try f.optionalInt("top_k", range: -1...1_000_000) ?? 0
        let request = CompletionRequest(
            model: model, prompts: [], maxTokens: maxTokens,
            temperature: try f.optionalNumber("temperature", range: 0...2) ?? 1,
            topP: try f.optionalNumber("top_p", range: 0...1) ?? 1, topK: max(0, topK),
            minP: try f.optionalNumber("min_p", range: 0...1) ?? 0, n: try f.optionalInt("n", range: 1...128) ?? 1,
            stop: stop, seed: seed.map { UInt64(bitPattern: Int64($0)) })
        var call = CompletionCall(request: request, stream: try f.optionalBool("stream") ?? false)
        if let options = f.object["stream_options"], !options.isNull {
            guard call.stream else { throw .badRequest("field \"stream_options\": only allowed with \"stream\": true") }
            let o = try StrictFields(options, path: "stream_options.", allowed: ["include_usage"])
            call.includeUsage = try o.optionalBool("include_usage") ?? false
        }
        return call
    }

    private static func checkChoiceCount(_ r: CompletionRequest) throws(ServiceError) {
        if r.prompts.count * r.n > maxChoices {
            throw .badRequest("\(r.prompts.count) prompts × n = \(r.n) is more than \(maxChoices) choices in one request")
        }
    }

    /// OpenAI's four prompt forms: a string, strings, token ids, or lists of token ids.
    static func prompts(_ value: JSONValue?) throws(ServiceError) -> [CompletionPrompt] {
        guard let value, !value.isNull else { throw .badRequest("missing field \"prompt\"") }
        func text(_ v: JSONValue, _ field: String) throws(ServiceError) -> CompletionPrompt? {
            guard let s = v.stringValue else { return nil }
            if s.utf8.count > 1 << 20 { throw .badRequest("field \"\(field)\" is longer than 1 MiB") }
            return .text(s)
        }
        func ids(_ a: [JSONValue], _ field: String) throws(ServiceError) -> CompletionPrompt {
            var out: [Int32] = []
            out.reserveCapacity(a.count)
            for (i, e) in a.enumerated() {
                guard case .number = e, let id = e.intValue, let id32 = Int32(exactly: id) else {
                    throw .badRequest("field \"\(field)[\(i)]\": expected a token id (integer), got \(e.typeName)")
                }
                out.append(id32)
            }
            if out.isEmpty { throw .badRequest("field \"\(field)\": empty list of token ids") }
            return .tokens(out)
        }
        if let p = try text(value, "prompt") { return [p] }
        guard let a = value.arrayValue else {
            throw .badRequest("field \"prompt\": expected string, array of strings or array of token ids, got \(value.typeName)")
        }
        if a.isEmpty { throw .badRequest("field \"prompt\": empty array") }
        if case .number = a[0] { return [try ids(a, "prompt")] }
        var out: [CompletionPrompt] = []
        for (i, e) in a.enumerated() {
            if let p = try text(e, "prompt[\(i)]") {
                out.append(p)
            } else if let inner = e.arrayValue {
                out.append(try ids(inner, "prompt[\(i)]"))
            } else {
                throw .badRequest("field \"prompt[\(i)]\": expected string or array of token ids, got \(e.typeName)")
            }
        }
        return out
    }

    static func messages(_ f: StrictFields) throws(ServiceError) -> [ChatMessage] {
        guard let raw = try f.optionalArray("messages", maxCount: 4096) else { throw .badRequest("missing field \"messages\"") }
        if raw.isEmpty { throw .badRequest("field \"messages\": at least one message is required") }
        let roles = ChatMessage.Role.allCases.map(\.rawValue).sorted().joined(separator: ", ")
        return try raw.enumerated().map { (i, v) throws(ServiceError) -> ChatMessage in
            let path = "messages[\(i)]"
            let m = try StrictFields(v, path: path + ".", allowed: ["role", "content", "name"])
            let roleName = try m.string("role", maxBytes: 64)
            guard let role = ChatMessage.Role(rawValue: roleName) else {
                throw .badRequest("field \"\(path).role\": unknown role \"\(roleName)\" (allowed: \(roles))")
            }
            _ = try m.optionalString("name", maxBytes: 256)
            guard let content = m.object["content"], !content.isNull else { throw .badRequest("missing field \"\(path).content\"") }
            if let s = content.stringValue { return ChatMessage(role: role, content: s) }
            // OpenAI's content parts: only text parts can reach a text model; they are joined as vLLM joins them.
            guard let parts = content.arrayValue else {
                throw .badRequest("field \"\(path).content\": expected string or array of text parts, got \(content.typeName)")
            }
            var texts: [String] = []
            for (j, p) in parts.enumerated() {
                let part = try StrictFields(p, path: "\(path).content[\(j)].", allowed: ["type", "text"])
                let type = try part.string("type", maxBytes: 64)
                guard type == "text" else {
                    throw .badRequest("field \"\(path).content[\(j)].type\": unsupported content part \"\(type)\" (allowed: text)")
                }
                texts.append(try part.string("text", maxBytes: 1 << 20))
            }
            return ChatMessage(role: role, content: texts.joined(separator: "\n"))
        }
    }
}

/// Response bodies and stream chunks, in OpenAI's shapes.
extension CompletionParsing {
    static func usage(_ r: CompletionRequest, _ choices: [CompletionChoice]) -> JSONValue {
        // A prompt's tokens count once however many choices it has.
        let prompt = choices.enumerated().reduce(0) { $0 + ($1.offset % r.n == 0 ? $1.element.promptTokens : 0) }
        let completion = choices.reduce(0) { $0 + $1.completionTokens }
        return .object(JSONObject([
            ("prompt_tokens", .int(prompt)), ("completion_tokens", .int(completion)), ("total_tokens", .int(prompt + completion)),
        ]))
    }

    /// The envelope every body and chunk shares.
    static func envelope(id: String, object: String, created: Int, model: String, choices: [JSONValue],
                         usage: JSONValue? = nil) -> JSONObject {
        var o = JSONObject([
            ("id", .string(id)), ("object", .string(object)), ("created", .int(created)), ("model", .string(model)),
            ("choices", .array(choices)),
        ])
        if let usage { o["usage"] = usage }
        return o
    }

    static func textChoice(_ index: Int, text: String, finish: String?, logprobs: CompletionLogprobs? = nil) -> JSONValue {
        .object(JSONObject([
            ("text", .string(text)), ("index", .int(index)), ("logprobs", logprobs.map(logprobsObject) ?? .null),
            ("finish_reason", finish.map(JSONValue.string) ?? .null),
        ]))
    }

    /// The legacy completions `logprobs` object; `top_logprobs` entries map token text to log-probability (a text
    /// two alternatives share keeps the better one, as a JSON object can hold a key once).
    static func logprobsObject(_ l: CompletionLogprobs) -> JSONValue {
        func number(_ x: Float) -> JSONValue { .number("\(x)") }
        return .object(JSONObject([
            ("tokens", .array(l.tokens.map(JSONValue.string))),
            ("token_logprobs", .array(l.tokenLogprobs.map { $0.map(number) ?? .null })),
            ("top_logprobs", .array(l.topLogprobs.map { top in
                guard let top else { return .null }
                var seen = Set<String>()
                return .object(JSONObject(top.filter { seen.insert($0.token).inserted }.map { ($0.token, number($0.logprob)) }))
            })),
            ("text_offset", .array(l.textOffset.map(JSONValue.int))),
        ]))
    }

    /// Chat's `logprobs` object: `content` holds each generated token with its log-probability, its bytes and the
    /// `top` most likely tokens at its position, best first (OpenAI's shape; the chosen token is listed there only
    /// when it is among them).
    static func chatLogprobsObject(_ l: CompletionLogprobs, top: Int) -> JSONValue {
        func number(_ x: Float) -> JSONValue { .number("\(x)") }
        func bytes(_ b: [UInt8]) -> JSONValue { .array(b.map { .int(Int($0)) }) }
        let content: [JSONValue] = l.tokens.indices.compactMap { i in
            guard let lp = l.tokenLogprobs[i] else { return nil }  // an echoed first prompt token; chat never echoes
            let alternatives = (l.topLogprobs[i] ?? []).prefix(top).map { a in
                JSONValue.object(JSONObject([("token", .string(a.token)), ("logprob", number(a.logprob)), ("bytes", bytes(a.bytes))]))
            }
            return .object(JSONObject([
                ("token", .string(l.tokens[i])), ("logprob", number(lp)), ("bytes", bytes(l.tokenBytes[i])),
                ("top_logprobs", .array(alternatives)),
            ]))
        }
        return .object(JSONObject([("content", .array(content))]))
    }

    static func chatChoice(_ index: Int, _ c: CompletionChoice, top: Int) -> JSONValue {
        .object(JSONObject([
            ("index", .int(index)),
            ("message", .object(JSONObject([("role", .string("assistant")), ("content", .string(c.text))]))),
            ("logprobs", c.logprobs.map { chatLogprobsObject($0, top: top) } ?? .null), ("finish_reason", .string(c.finishReason)),
        ]))
    }

    static func chatDelta(_ index: Int, _ delta: [(String, JSONValue)], finish: String?, logprobs: JSONValue = .null) -> JSONValue {
        .object(JSONObject([
            ("index", .int(index)), ("delta", .object(JSONObject(delta))), ("logprobs", logprobs),
            ("finish_reason", finish.map(JSONValue.string) ?? .null),
        ]))
    }

    static func response(_ r: CompletionRequest, _ choices: [CompletionChoice]) -> JSONObject {
        envelope(id: newID("cmpl-"), object: "text_completion", created: now(), model: r.model,
                 choices: choices.enumerated().map { textChoice($0, text: $1.text, finish: $1.finishReason, logprobs: $1.logprobs) },
                 usage: usage(r, choices))
    }

    static func chatResponse(_ r: CompletionRequest, _ choices: [CompletionChoice]) -> JSONObject {
        envelope(id: newID("chatcmpl-"), object: "chat.completion", created: now(), model: r.model,
                 choices: choices.enumerated().map { chatChoice($0, $1, top: r.logprobs ?? 0) }, usage: usage(r, choices))
    }

    static func newID(_ prefix: String) -> String { prefix + UUID().uuidString.lowercased() }
    static func now() -> Int { Int(Date().timeIntervalSince1970) }
}
