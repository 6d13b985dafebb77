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
/// `codeeval serve`), behind one or several endpoints that serve the same model.
/// Requests go to the endpoints in turn; at most `maxConcurrency` are in flight (enforced by the orchestrator, and
/// the session opens as many connections); 429 and 5xx responses and transport errors are retried with exponential
/// backoff, each retry on the next endpoint, so one endpoint down slows a run but does not stop it; stops beyond
/// the API's limit of 4 are re-applied locally by the orchestrator; token usage from the response is recorded.
public struct RemoteCompletionSource: CompletionSource {
    public let urls: [URL]
    public let model: String
    public let maxConcurrency: Int
    public let maxAttempts: Int
    public let baseDelay: Double
    public let apiKey: String?
    public let timeout: Double
    public let api: RemoteAPI
    let session: URLSession
    let turn = RoundRobin()

    /// Each endpoint may be the server root (`http://host:8000`), `…/v1`, or the full `…/v1/completions` URL.
    public init(endpoints: [String], model: String, api: RemoteAPI = .completions, maxConcurrency: Int = 4, maxAttempts: Int = 5,
                baseDelay: Double = 0.5, apiKey: String? = ProcessInfo.processInfo.environment["OPENAI_API_KEY"],
                timeout: Double = 600) throws {
        guard !endpoints.isEmpty else { throw RunStoreError("no endpoint given") }
        urls = try endpoints.map { try Self.url(endpoint: $0, api: api) }
        self.api = api
        self.model = model
        self.maxConcurrency = max(1, maxConcurrency)
        let config = URLSessionConfiguration.default
        config.httpMaximumConnectionsPerHost = self.maxConcurrency
        config.timeoutIntervalForRequest = timeout
        session = URLSession(configuration: config)
        self.maxAttempts = max(1, maxAttempts)
        self.baseDelay = baseDelay
        self.apiKey = apiKey
        self.timeout = timeout
    }

    static func url(endpoint: String, api: RemoteAPI) throws -> URL {
        guard var u = URL(string: endpoint), let scheme = u.scheme, ["http", "https"].contains(scheme), u.host != nil else {
            throw RunStoreError("invalid endpoint '\(endpoint)' (expected http(s)://host[:port][/v1])")
        }
        if u.path.hasSuffix("/chat/completions") || u.path.hasSuffix("/completions") {
            u.deleteLastPathComponent()
            if u.path.hasSuffix("/chat") { u.deleteLastPathComponent() }
        } else if !u.path.hasSuffix("/v1") {
            u.appendPathComponent("v1")
        }
        return u.appendingPathComponent(api == .chat ? "chat/completions" : "completions")
    }

    /// One one-token request to every endpoint, so a wrong address or model name fails before anything is stored;
    /// returns the model names the servers answered with (OpenAI's `model` field), in endpoint order.
    public func probe() async throws -> [String] {
        var served: [String] = []
        for url in urls {
            let r = try await send(CompletionRequest(prompt: "Hello", stops: [], maxTokens: 1, temperature: 0, topP: 1, topK: 0, seed: 0),
                                   first: url, only: true)
            served.append(r.servedModel ?? model)
        }
        return served
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
        let model: String?
    }

    public func complete(_ r: CompletionRequest) async throws -> CompletionResult {
        try await send(r, first: urls[turn.next(urls.count)], only: false).result
    }

    /// `r` to `first`, retried there (`only`) or on the following endpoints in turn.
    func send(_ r: CompletionRequest, first: URL, only: Bool) async throws -> (result: CompletionResult, servedModel: String?) {
        // A chat request's reply opening (replyPrefix) cannot be written through the chat API: the server opens it.
        let chat = api == .chat
        let body = Body(model: model, prompt: chat ? nil : r.prompt, messages: chat ? [Message(role: "user", content: r.prompt)] : nil,
                        max_tokens: r.maxTokens, temperature: r.temperature,
                        top_p: r.topP, top_k: r.topK > 0 ? r.topK : nil, stop: r.stops.isEmpty ? nil : Array(r.stops.prefix(4)),
                        seed: Int64(bitPattern: r.seed), n: 1)
        let payload = try JSONEncoder().encode(body)
        var lastError = "", url = first
        let at = { (u: URL) in urls.count > 1 ? "\(u.absoluteString): " : "" }
        for attempt in 0..<maxAttempts {
            if attempt > 0 {
                try await Task.sleep(nanoseconds: UInt64(baseDelay * pow(2, Double(attempt - 1)) * 1e9))
                if !only, let i = urls.firstIndex(of: url) { url = urls[(i + 1) % urls.count] }
            }
            var req = URLRequest(url: url, timeoutInterval: timeout)
            req.httpMethod = "POST"
            req.setValue("application/json", forHTTPHeaderField: "Content-Type")
            if let apiKey { req.setValue("Bearer \(apiKey)", forHTTPHeaderField: "Authorization") }
            req.httpBody = payload
            let start = Date()
            let data: Data
            let response: URLResponse
            do { (data, response) = try await session.data(for: req) } catch {
                lastError = at(url) + error.localizedDescription
                continue
            }
            let status = (response as? HTTPURLResponse)?.statusCode ?? 0
            if status == 429 || status >= 500 {
                lastError = at(url) + "HTTP \(status)"
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
            return (CompletionResult(text: text, tokens: decoded.usage?.completion_tokens ?? 0,
                                     promptTokens: decoded.usage?.prompt_tokens ?? 0,
                                     finishReason: choice.finish_reason ?? "unknown", promptMs: 0,
                                     decodeMs: Date().timeIntervalSince(start) * 1000), decoded.model)
        }
        let which = only || urls.count == 1 ? first.absoluteString : "\(urls.count) endpoints"
        throw RunStoreError("\(which) unreachable after \(maxAttempts) attempts: \(lastError)")
    }
}

/// Hands out endpoint indexes in turn to concurrent requests.
final class RoundRobin: @unchecked Sendable {
    private let lock = NSLock()
    private var counter = 0

    func next(_ count: Int) -> Int {
        lock.lock()
        defer { lock.unlock() }
        counter += 1
        return (counter - 1) % count
    }
}
