import Datasets
import Foundation
import Testing
@testable import Service

/// Log-probabilities in OpenAI's chat shape and while streaming, and what a client that hangs up does to its
/// generation, through the server with fake backends (the engine's own values: CompletionLogprobsTests; the
/// batcher freeing the slot: BatcherCancellationTests).
@Suite struct CompletionStreamingTests {
    static func chunks(_ r: RawResponse?) -> [JSONObject] {
        sseEvents(r).dropLast().compactMap { try? JSONParser.parse($0).objectValue }
    }

    static func firstChoice(_ o: JSONObject?) -> JSONObject? { o?["choices"]?.arrayValue?.first?.objectValue }

    /// The fake's text for a prompt with seed 0, and its halves (the fake's two "tokens").
    static let text = "abcd|seed=0"
    static let halves = ["abcd|", "seed=0"]

    @Test func streamedCompletionCarriesTheSameLogprobs() async throws {
        try await withServer(completions: FakeCompletionBackend()) { port, _ in
            let body = #"{"model":"fake","prompt":"abcd","logprobs":1"#
            let plain = try #require(jsonObject(await RawHTTP.json(port: port, path: "/v1/completions", body + "}")))
            let logprobs = try #require(Self.firstChoice(plain)?["logprobs"]?.objectValue)
            #expect(logprobs["tokens"] == .array(Self.halves.map(JSONValue.string)))
            #expect(logprobs["text_offset"] == .array([.int(0), .int(5)]))

            let r = try #require(await RawHTTP.json(port: port, path: "/v1/completions", body + #","stream":true}"#))
            #expect(r.status == 200 && sseEvents(r).last == "[DONE]")
            let choices = Self.chunks(r).compactMap(Self.firstChoice)
            // The choice's text and its log-probabilities in one chunk, then the finish.
            #expect(choices.compactMap { $0["text"]?.stringValue }.joined() == Self.text)
            #expect(choices.compactMap { $0["logprobs"]?.objectValue } == [logprobs])
            #expect(choices.last?["finish_reason"] == .string("stop"))
        }
    }

    @Test func chatLogprobsInOpenAIsShape() async throws {
        try await withServer(completions: FakeCompletionBackend()) { port, _ in
            let body = #"{"model":"fake","messages":[{"role":"user","content":"Hi"}],"logprobs":true,"top_logprobs":1"#
            let o = try #require(jsonObject(await RawHTTP.json(port: port, path: "/v1/chat/completions", body + "}")))
            let choice = try #require(Self.firstChoice(o))
            let text = try #require(choice["message"]?.objectValue?["content"]?.stringValue)
            let entries = choice["logprobs"]?.objectValue?["content"]?.arrayValue
            let content = try #require(entries).compactMap(\.objectValue)
            #expect(content.count == 2 && content.compactMap { $0["token"]?.stringValue }.joined() == text)
            #expect(content.map { $0["logprob"] } == [.number("-0.25"), .number("-1.5")])
            for entry in content {
                let token = try #require(entry["token"]?.stringValue)
                #expect(entry["bytes"] == .array(Array(token.utf8).map { .int(Int($0)) }))
                // top_logprobs = 1: the best alternative only, with its bytes.
                #expect(entry["top_logprobs"] == .array([.object(JSONObject([
                    ("token", .string("alt")), ("logprob", .number("-0.125")), ("bytes", .array([.int(97), .int(108), .int(116)])),
                ]))]))
            }
            // Without the flag there are none.
            let none = jsonObject(await RawHTTP.json(port: port, path: "/v1/chat/completions",
                                                     #"{"model":"fake","messages":[{"role":"user","content":"Hi"}]}"#))
            #expect(Self.firstChoice(none)?["logprobs"] == .null)

            let r = try #require(await RawHTTP.json(port: port, path: "/v1/chat/completions", body + #","stream":true}"#))
            let choices = Self.chunks(r).compactMap(Self.firstChoice)
            let deltas = choices.compactMap { $0["delta"]?.objectValue }
            #expect(deltas.first?["role"] == .string("assistant"))
            #expect(deltas.compactMap { $0["content"]?.stringValue }.joined() == text)
            #expect(choices.compactMap { $0["logprobs"]?.objectValue?["content"]?.arrayValue }.flatMap { $0 }.compactMap(\.objectValue) == content)
        }
    }

    /// A client that closes its connection while its completion is generated cancels the generation, streamed or
    /// not; the server goes on serving.
    @Test(arguments: [false, true])
    func hangingUpCancelsTheGeneration(stream: Bool) async throws {
        let backend = EndlessCompletionBackend()
        try await withServer(completions: backend) { port, _ in
            let request = RawHTTP.build(method: "POST", path: "/v1/completions",
                                        body: Array(#"{"model":"fake","prompt":"p","stream":\#(stream)}"#.utf8))
            let read = await RawHTTP.sendAndHangUp(port: port, request, readAtLeast: stream ? 1 : 0) { backend.started == 1 }
            if stream { #expect(String(decoding: read, as: UTF8.self).hasPrefix("HTTP/1.1 200")) }
            let deadline = Date().addingTimeInterval(20)
            while backend.cancelled < 1 && Date() < deadline { try await Task.sleep(for: .milliseconds(20)) }
            #expect(backend.cancelled == 1, "the generation went on after the client had gone")
            #expect(await RawHTTP.request(port: port, method: "GET", path: "/v1/models")?.status == 200)
        }
    }

    @Test func completionResponsesCloseTheConnection() async throws {
        try await withServer(completions: FakeCompletionBackend()) { port, _ in
            let r = await RawHTTP.json(port: port, path: "/v1/completions", #"{"model":"fake","prompt":"p"}"#)
            #expect(r?.status == 200 && r?.headers["connection"] == "close")
        }
    }
}

/// Generates until cancelled, a piece of text every 20 ms, counting the requests it started and those cancelled.
final class EndlessCompletionBackend: CompletionBackend, @unchecked Sendable {
    let models = ["fake"]
    let chatTemplate: String? = nil
    private let lock = NSLock()
    private var counts = (started: 0, cancelled: 0)
    var started: Int { lock.withLock { counts.started } }
    var cancelled: Int { lock.withLock { counts.cancelled } }

    func complete(_ request: CompletionRequest, events: (@Sendable (CompletionEvent) -> Void)?) async throws -> [CompletionChoice] {
        lock.withLock { counts.started += 1 }
        do {
            while true {
                events?(.text(index: 0, "x"))
                try await Task.sleep(for: .milliseconds(20))
            }
        } catch {
            lock.withLock { counts.cancelled += 1 }
            throw error
        }
    }
}
