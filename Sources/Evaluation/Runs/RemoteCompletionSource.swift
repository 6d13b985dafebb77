import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// Which OpenAI API a remote run speaks.
public enum RemoteAPI: String, Sendable, CaseIterable {
    /// `/v1/completions`: the prompt as text, exactly as a local run sees it.
    case completions
    /// `/v1/chat/completions`: the prompt as one user message; the server applies the model's chat template.
    case chat
}

/// An OpenAI-compatible `/v1/completions` or `/v1/chat/completions` backend (vLLM, llama.cpp server, TGI, OpenAI,
/// `codeeval serve`).
/// At most `maxConcurrency` requests in flight (enforced by the orchestrator); 429 and 5xx responses and transport
/// errors are retried with exponential backoff; stops beyond the API's limit of 4 are re-applied locally by the
/// orchestrator; token usage from the response is recorded.
public struct RemoteCompletionSource: CompletionSource {
    public let url: URL
    public let model: String
    public let maxConcurrency: Int
    public let maxAttempts: Int
    public let baseDelay: Double
    public let apiKey: String?
    public let timeout: Double
    public let api: RemoteAPI

    /// `endpoint` may be the server root (`http://host:8000`), `…/v1`, or the full `…/v1/completions` URL.
    public init(endpoint: String, model: String, api: RemoteAPI = .completions, maxConcurrency: Int = 4, maxAttempts: Int = 5,
                baseDelay: Double = 0.5, apiKey: String? = ProcessInfo.processInfo.environment["OPENAI_API_KEY"],
                timeout: Double = 600) throws {
        guard var u = URL(string: endpoint), let scheme = u.scheme, ["http", "https"].contains(scheme), u.host != nil else {
            throw RunStoreError("invalid endpoint '\(endpoint)' (expected http(s)://host[:port][/v1])")
        }
        if u.path.hasSuffix("/chat/completions") || u.path.hasSuffix("/completions") {
            u.deleteLastPathComponent()
            if u.path.hasSuffix("/chat") { u.deleteLastPathComponent() }
        } else if !u.path.hasSuffix("/v1") {
            u.appendPathComponent("v1")
        }
        u.appendPathComponent(api == .chat ? "chat/completions" : "completions")
        self.api = api
        url = u
        self.model = model
        self.maxConcurrency = max(1, maxConcurrency)
        self.maxAttempts = max(1, maxAttempts)
        self.baseDelay = baseDelay
        self.apiKey = apiKey
        self.timeout = timeout
    }

    struct Message: Codable {
        let role: String
        let content: String?
    }

    struct Body: Encodable {
        let model: String
        let prompt: String?
        let messages: [Message]?
        let max_tokens: Int
        let temperature: Double
        let top_p: Double
        let top_k: Int?
        let stop: [String]?
        /// OpenAI's seed is a signed 64-bit integer: the sample's seed travels as its bit pattern, so a codeeval
        /// server samples with exactly the seed a local run would use.
        let seed: Int64
        let n: Int
    }

    struct Response: Decodable {
        struct Choice: Decodable {
            let text: String?
            let message: Message?
            let finish_reason: String?
        }
        struct Usage: Decodable {
            let prompt_tokens: Int?
            let completion_tokens: Int?
        }
        let choices: [Choice]
        let usage: Usage?
    }

    public func complete(_ r: CompletionRequest) async throws -> CompletionResult {
        // A chat request's reply opening (replyPrefix) cannot be written through the chat API: the server opens it.
        let chat = api == .chat
        let body = Body(model: model, prompt: chat ? nil : r.prompt, messages: chat ? [Message(role: "user", content: r.prompt)] : nil,
                        max_tokens: r.maxTokens, temperature: r.temperature,
                        top_p: r.topP, top_k: r.topK > 0 ? r.topK : nil, stop: r.stops.isEmpty ? nil : Array(r.stops.prefix(4)),
                        seed: Int64(bitPattern: r.seed), n: 1)
        var req = URLRequest(url: url, timeoutInterval: timeout)
        req.httpMethod = "POST"
        req.setValue("application/json", forHTTPHeaderField: "Content-Type")
        if let apiKey { req.setValue("Bearer \(apiKey)", forHTTPHeaderField: "Authorization") }
        req.httpBody = try JSONEncoder().encode(body)
        var lastError = ""
        for attempt in 0..<maxAttempts {
            if attempt > 0 { try await Task.sleep(nanoseconds: UInt64(baseDelay * pow(2, Double(attempt - 1)) * 1e9)) }
            let start = Date()
            let data: Data
            let response: URLResponse
            do { (data, response) = try await URLSession.shared.data(for: req) } catch {
                lastError = "\(error.localizedDescription)"
                continue
            }
            let status = (response as? HTTPURLResponse)?.statusCode ?? 0
            if status == 429 || status >= 500 {
                lastError = "HTTP \(status)"
                continue
            }
            guard status == 200 else {
                throw RunStoreError("\(url.absoluteString): HTTP \(status): \(String(decoding: data.prefix(300), as: UTF8.self))")
            }
            let decoded: Response
            do { decoded = try JSONDecoder().decode(Response.self, from: data) } catch {
                throw RunStoreError("\(url.absoluteString): response is not an OpenAI completion: \(error)")
            }
            guard let choice = decoded.choices.first, let text = choice.text ?? choice.message?.content else {
                throw RunStoreError("\(url.absoluteString): response has no choice with text")
            }
            return CompletionResult(text: text, tokens: decoded.usage?.completion_tokens ?? 0,
                                    promptTokens: decoded.usage?.prompt_tokens ?? 0,
                                    finishReason: choice.finish_reason ?? "unknown", promptMs: 0,
                                    decodeMs: Date().timeIntervalSince(start) * 1000)
        }
        throw RunStoreError("\(url.absoluteString) unreachable after \(maxAttempts) attempts: \(lastError)")
    }
}
