import Datasets
import Engine
import Foundation
import Models
import Prompting
import Testing
@testable import Service

/// `/v1/completions` with `echo` and `logprobs` over the real engine (SmolLM2): the bodies lm-evaluation-harness
/// sends for `loglikelihood`, answered with the engine's own log-probabilities, bit for bit.
@Suite(.serialized, .enabled(if: ProcessInfo.processInfo.environment["CODEEVAL_SKIP_MODEL_TESTS"] != "1",
                             "model tests off: CODEEVAL_SKIP_MODEL_TESTS=1"))
struct CompletionLogprobsTests {
    static let name = "smollm2-135m"
    /// Any ids of the vocabulary work; these are a short question and a two-token answer.
    static let context: [Int32] = [13898, 42, 1812, 314, 216, 34, 29, 34, 47, 198, 19842, 42]
    static let continuation: [Int32] = [216, 36]

    /// Numbers read as Float from their text (the server writes each Float's shortest round-tripping form).
    static func floats(_ v: JSONValue?) -> [Float?] {
        (v?.arrayValue ?? []).map { float($0) }
    }

    static func float(_ v: JSONValue) -> Float? {
        if case .number(let s) = v { return Float(s) }
        return nil
    }

    static func logprobs(_ o: JSONObject?) throws -> JSONObject {
        let choice = try #require(o?["choices"]?.arrayValue?.first?.objectValue)
        return try #require(choice["logprobs"]?.objectValue)
    }

    @Test func scoringRequestGetsTheEnginesLogProbabilities() async throws {
        let backend = try EngineCompletionBackend(model: Self.name)
        let model = try Model(path: try ModelRegistry.resolve(Self.name))
        let scorer = LikelihoodScorer(model: model)
        let prompt = Self.context + Self.continuation
        let ids = prompt.map(String.init).joined(separator: ",")
        let expected = try scorer.score(context: [prompt[0]], continuations: [Array(prompt.dropFirst())], topLogProbs: 1)[0]
        try await withServer(completions: backend) { port, _ in
            // Pure scoring: max_tokens 0.
            let zero = try #require(await RawHTTP.json(port: port, path: "/v1/completions",
                #"{"model":"\#(Self.name)","prompt":[\#(ids)],"echo":true,"max_tokens":0,"logprobs":1,"temperature":0}"#))
            #expect(zero.status == 200, "\(zero.text)")
            let l0 = try Self.logprobs(jsonObject(zero))
            let lps = Self.floats(l0["token_logprobs"])
            #expect(lps.count == prompt.count && lps[0] == nil)
            #expect(lps.dropFirst().map { $0! } == expected.tokenLogProbs, "bit-identical to the scorer")
            #expect(l0["top_logprobs"]?.arrayValue?.first == .null)
            #expect(l0["tokens"]?.arrayValue?.count == prompt.count)
            let offsets = (l0["text_offset"]?.arrayValue ?? []).compactMap(\.intValue)
            #expect(offsets.count == prompt.count && offsets.first == 0 && offsets == offsets.sorted())

            // lm-evaluation-harness's own body (max_tokens 1) and its parse: the sum of token_logprobs[ctxlen:-1] and
            // is_greedy from top_logprobs.
            let lmEval = try #require(await RawHTTP.json(port: port, path: "/v1/completions",
                #"{"model":"\#(Self.name)","prompt":[[\#(ids)]],"temperature":0,"max_tokens":1,"logprobs":1,"seed":1234,"echo":true}"#))
            #expect(lmEval.status == 200, "\(lmEval.text)")
            let l1 = try Self.logprobs(jsonObject(lmEval))
            let all = Self.floats(l1["token_logprobs"])
            #expect(all.count == prompt.count + 1)
            let ctxlen = Self.context.count
            let picked = all[ctxlen..<(all.count - 1)].map { $0! }
            let sum = picked.reduce(0.0) { $0 + Double($1) }
            let alone = try scorer.score(context: Self.context, continuations: [Self.continuation])[0]
            #expect(sum == alone.logProb)
            let tops = (l1["top_logprobs"]?.arrayValue ?? [])[ctxlen..<(all.count - 1)].map { $0.objectValue! }
            let greedy = zip(picked, tops).allSatisfy { tok, top in tok == top.entries.compactMap { Self.float($0.1) }.max() }
            #expect(greedy == alone.isGreedy)
            // The generated token is the greedy one, and its log-probability is the scorer's for it.
            let last = try #require(all.last!)
            let best = try scorer.score(context: prompt, continuations: [[0]], topLogProbs: 1)[0].topLogProbs[0][0]
            #expect(last == best.logProb)
        }
    }

    @Test func logprobsWithoutEchoCoverTheCompletion() async throws {
        let backend = try EngineCompletionBackend(model: Self.name)
        let ids = Self.context.map(String.init).joined(separator: ",")
        try await withServer(completions: backend) { port, _ in
            let r = try #require(await RawHTTP.json(port: port, path: "/v1/completions",
                #"{"model":"\#(Self.name)","prompt":[\#(ids)],"max_tokens":3,"logprobs":2,"temperature":0}"#))
            #expect(r.status == 200, "\(r.text)")
            let o = try #require(jsonObject(r))
            let choice = try #require(o["choices"]?.arrayValue?.first?.objectValue)
            let l = try Self.logprobs(o)
            let lps = Self.floats(l["token_logprobs"])
            let tokens = (l["tokens"]?.arrayValue ?? []).compactMap(\.stringValue)
            #expect(lps.count == o["usage"]?.objectValue?["completion_tokens"]?.intValue && lps.allSatisfy { $0 != nil })
            #expect(tokens.joined() == choice["text"]?.stringValue)
            // Greedy: each token is its position's best, so the top-2 holds it first.
            for (lp, top) in zip(lps, l["top_logprobs"]?.arrayValue ?? []) {
                let values = (top.objectValue?.entries ?? []).compactMap { Self.float($0.1) }
                #expect(values.count == 2 && values[0] == lp && values[1] <= values[0])
            }
            // Streamed, the choice's chunk carries the same object.
            let stream = try #require(await RawHTTP.json(port: port, path: "/v1/completions",
                #"{"model":"\#(Self.name)","prompt":[\#(ids)],"max_tokens":3,"logprobs":2,"temperature":0,"stream":true}"#))
            let chunks = sseEvents(stream).dropLast().compactMap { try? JSONParser.parse($0).objectValue }
            let streamed = chunks.compactMap { $0["choices"]?.arrayValue?.first?.objectValue?["logprobs"]?.objectValue }
            #expect(streamed == [l])
        }
    }

    /// Chat `logprobs` are the engine's for the generated tokens: the same values as `/v1/completions` gives for the
    /// prompt the chat template renders, streamed or not.
    @Test func chatLogprobsEqualCompletionLogprobs() async throws {
        let backend = try EngineCompletionBackend(model: Self.name)
        let source = try #require(backend.chatTemplate)
        let template = try #require(ChatTemplate(source: source))
        let rendered = try template.render([ChatMessage(role: .user, content: "Say hi.")])
        let prompt = JSONValue.string(rendered).serialized()
        let stop = JSONValue.string(template.endOfTurn).serialized()
        try await withServer(completions: backend) { port, _ in
            let plain = try #require(jsonObject(await RawHTTP.json(port: port, path: "/v1/completions",
                #"{"model":"\#(Self.name)","prompt":\#(prompt),"max_tokens":4,"logprobs":2,"temperature":0,"stop":[\#(stop)]}"#)))
            let l = try Self.logprobs(plain)
            let body = #"{"model":"\#(Self.name)","messages":[{"role":"user","content":"Say hi."}],"max_tokens":4,"logprobs":true,"top_logprobs":2,"temperature":0"#
            let chat = try #require(jsonObject(await RawHTTP.json(port: port, path: "/v1/chat/completions", body + "}")))
            let content = try #require(try Self.logprobs(chat)["content"]?.arrayValue?.compactMap(\.objectValue))
            #expect(content.map { Self.float($0["logprob"]!) } == Self.floats(l["token_logprobs"]))
            #expect(content.compactMap { $0["token"]?.stringValue } == (l["tokens"]?.arrayValue ?? []).compactMap(\.stringValue))
            for entry in content {
                let bytes = (entry["bytes"]?.arrayValue ?? []).compactMap { $0.intValue.map(UInt8.init) }
                #expect(String(decoding: bytes, as: UTF8.self) == entry["token"]?.stringValue)
                #expect(entry["top_logprobs"]?.arrayValue?.count == 2)
            }
            let stream = try #require(await RawHTTP.json(port: port, path: "/v1/chat/completions", body + #","stream":true}"#))
            let chunks = sseEvents(stream).dropLast().compactMap { try? JSONParser.parse($0).objectValue }
            let streamed = chunks.compactMap { $0["choices"]?.arrayValue?.first?.objectValue?["logprobs"]?.objectValue?["content"]?.arrayValue }
            #expect(streamed.flatMap { $0 }.compactMap(\.objectValue) == content)
        }
    }
}
