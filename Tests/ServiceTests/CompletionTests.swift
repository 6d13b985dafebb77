import Datasets
import Foundation
import Prompting
import Testing
@testable import Service

@Suite struct CompletionTests {
    static func parse(_ text: String) throws(ServiceError) -> CompletionCall { try CompletionParsing.parse(Array(text.utf8), models: ["m"]) }
    static func message(_ text: String, chat: Bool = false) -> String {
        do {
            if chat { _ = try CompletionParsing.parseChat(Array(text.utf8), models: ["m"]) } else { _ = try parse(text) }
            return ""
        } catch { return error.message }
    }

    @Test func requestParsingIsStrict() throws {
        let ok = try Self.parse(#"{"model":"m","prompt":"def f():","max_tokens":8,"temperature":0,"stop":"\n\n","seed":3,"n":2,"top_p":0.9}"#).request
        #expect(ok.stop == ["\n\n"] && ok.n == 2 && ok.seed == 3 && ok.maxTokens == 8 && ok.prompts == [.text("def f():")])
        // A signed seed is its 64-bit pattern: the run client sends UInt64 sample seeds that way.
        #expect(try Self.parse(#"{"model":"m","prompt":"x","seed":-1}"#).request.seed == UInt64.max)
        #expect(throws: ServiceError.self) { try CompletionParsing.parse(Array(#"{"model":"x","prompt":"p"}"#.utf8), models: ["m"]) }
        let scoring = try Self.parse(#"{"model":"m","prompt":[1,2,3],"echo":true,"max_tokens":0,"logprobs":1,"temperature":0}"#).request
        #expect(scoring.echo && scoring.maxTokens == 0 && scoring.logprobs == 1)
        #expect(try Self.parse(#"{"model":"m","prompt":"p","logprobs":null,"echo":false}"#).request.logprobs == nil)
        #expect(Self.message(#"{"model":"m","prompt":"p","max_tokens":0}"#).contains(#"0 is only allowed with "echo": true"#))
        #expect(Self.message(#"{"model":"m","prompt":"p","logprobs":21}"#).contains(#""logprobs" = 21 is out of range"#))
        let streamed = try Self.parse(#"{"model":"m","prompt":"p","echo":true,"logprobs":2,"stream":true}"#)
        #expect(streamed.stream && streamed.request.echo && streamed.request.logprobs == 2)
        #expect(Self.message(#"{"model":"m","prompt":"p","stop":[1]}"#) == #"field "stop[0]": expected string, got number"#)
    }

    /// The four prompt forms of OpenAI's API, numbered as OpenAI numbers them.
    @Test func promptForms() throws {
        #expect(try Self.parse(#"{"model":"m","prompt":["a","b"]}"#).request.prompts == [.text("a"), .text("b")])
        #expect(try Self.parse(#"{"model":"m","prompt":[1,2,3]}"#).request.prompts == [.tokens([1, 2, 3])])
        #expect(try Self.parse(#"{"model":"m","prompt":[[1,2],[3]]}"#).request.prompts == [.tokens([1, 2]), .tokens([3])])
        #expect(Self.message(#"{"model":"m","prompt":[]}"#) == #"field "prompt": empty array"#)
        #expect(Self.message(#"{"model":"m","prompt":["a",1]}"#) == #"field "prompt[1]": expected string or array of token ids, got number"#)
        #expect(Self.message(#"{"model":"m","prompt":[[1,"x"]]}"#) == #"field "prompt[0][1]": expected a token id (integer), got string"#)
        #expect(Self.message(#"{"model":"m","prompt":[[]]}"#) == #"field "prompt[0]": empty list of token ids"#)
        #expect(Self.message(#"{"model":"m","prompt":{}}"#).contains(#"field "prompt": expected string, array of strings"#))
        #expect(Self.message(#"{"model":"m"}"#) == #"missing field "prompt""#)
    }

    /// What OpenAI clients send by default is accepted; features we cannot serve are named in a 400.
    @Test func openAIFieldsAcceptedOrRefusedByName() throws {
        let lmEval = try Self.parse(#"{"model":"m","prompt":["q"],"max_tokens":256,"temperature":0,"stop":["\n\n","Question:","<|endoftext|>","a","b"],"seed":1234,"frequency_penalty":0,"presence_penalty":0.5,"user":"u","logit_bias":{},"best_of":1,"echo":false,"logprobs":null,"suffix":"","top_k":-1,"min_p":0.05,"stream":false}"#)
        #expect(lmEval.request.stop.count == 5 && lmEval.request.topK == 0 && lmEval.request.minP == 0.05 && !lmEval.stream)
        #expect(Self.message(#"{"model":"m","prompt":"p","best_of":3}"#).contains("best_of = n"))
        #expect(Self.message(#"{"model":"m","prompt":"p","logit_bias":{"5":1}}"#).contains("logit bias is not supported"))
        #expect(Self.message(#"{"model":"m","prompt":"p","frequency_penalty":"0"}"#) == #"field "frequency_penalty": expected finite number, got string"#)
        #expect(Self.message(#"{"model":"m","prompt":"p","stream":"yes"}"#) == #"field "stream": expected boolean, got string"#)
        #expect(Self.message(#"{"model":"m","prompt":"p","stream_options":{"include_usage":true}}"#).contains("only allowed with"))
        #expect(Self.message(#"{"model":"m","prompt":"p","stream":true,"stream_options":{"x":1}}"#).contains(#"unknown field "stream_options.x""#))
        #expect(Self.message(#"{"model":"m","prompt":"p","n":0}"#).contains(#""n" = 0 is out of range"#))
        #expect(Self.message(#"{"model":"m","prompt":"p","frobnicate":1}"#).contains(#"unknown field "frobnicate""#))
    }

    @Test func chatParsingNamesTheField() throws {
        let (call, messages) = try CompletionParsing.parseChat(Array(#"{"model":"m","messages":[{"role":"system","content":"s"},{"role":"user","content":[{"type":"text","text":"a"},{"type":"text","text":"b"}]}],"max_completion_tokens":7,"seed":1234,"stop":["x"]}"#.utf8), models: ["m"])
        #expect(messages == [ChatMessage(role: .system, content: "s"), ChatMessage(role: .user, content: "a\nb")])
        #expect(call.request.maxTokens == 7 && call.request.seed == 1234)
        #expect(try CompletionParsing.parseChat(Array(#"{"model":"m","messages":[{"role":"user","content":"q"}]}"#.utf8), models: ["m"]).0.request.maxTokens == CompletionParsing.defaultChatMaxTokens)
        #expect(Self.message(#"{"model":"m"}"#, chat: true) == #"missing field "messages""#)
        #expect(Self.message(#"{"model":"m","messages":[]}"#, chat: true) == #"field "messages": at least one message is required"#)
        #expect(Self.message(#"{"model":"m","messages":{}}"#, chat: true) == #"field "messages": expected array, got object"#)
        #expect(Self.message(#"{"model":"m","messages":[{"role":"robot","content":"x"}]}"#, chat: true) == #"field "messages[0].role": unknown role "robot" (allowed: assistant, system, user)"#)
        #expect(Self.message(#"{"model":"m","messages":[{"role":"user"}]}"#, chat: true) == #"missing field "messages[0].content""#)
        #expect(Self.message(#"{"model":"m","messages":[{"role":"user","content":5}]}"#, chat: true) == #"field "messages[0].content": expected string or array of text parts, got number"#)
        #expect(Self.message(#"{"model":"m","messages":[{"role":"user","content":[{"type":"image_url","image_url":{}}]}]}"#, chat: true).contains("unknown field"))
        #expect(Self.message(#"{"model":"m","messages":[{"role":"user","content":[{"type":"image","text":"x"}]}]}"#, chat: true).contains(#"unsupported content part "image""#))
        #expect(Self.message(#"{"model":"m","messages":["hi"]}"#, chat: true) == #"messages[0]: expected a JSON object, got string"#)
        #expect(Self.message(#"{"model":"m","messages":[{"content":"x"}]}"#, chat: true) == #"missing field "messages[0].role""#)
        // Chat's logprobs: a flag, and the number of alternatives, which needs the flag.
        let chatWith = { (fields: String) throws in try CompletionParsing.parseChat(Array(#"{"model":"m","messages":[{"role":"user","content":"x"}]\#(fields)}"#.utf8), models: ["m"]).0.request.logprobs }
        #expect(try chatWith(#","logprobs":true"#) == 0)
        #expect(try chatWith(#","logprobs":true,"top_logprobs":3"#) == 3)
        #expect(try chatWith(#","logprobs":false"#) == nil && chatWith("") == nil)
        #expect(Self.message(#"{"model":"m","messages":[{"role":"user","content":"x"}],"top_logprobs":2}"#, chat: true) == #"field "top_logprobs": only allowed with "logprobs": true"#)
        #expect(Self.message(#"{"model":"m","messages":[{"role":"user","content":"x"}],"logprobs":true,"top_logprobs":21}"#, chat: true).contains(#""top_logprobs" = 21 is out of range"#))
        #expect(Self.message(#"{"model":"m","messages":[{"role":"user","content":"x"}],"logprobs":1}"#, chat: true) == #"field "logprobs": expected boolean, got number"#)
        #expect(Self.message(#"{"model":"m","messages":[{"role":"user","content":"x"}],"tools":[]}"#, chat: true).contains(#"unknown field "tools""#))
    }

    // MARK: Through the server

    @Test func completionsNumberChoicesAndSeedsAsOpenAI() async throws {
        try await withServer(completions: FakeCompletionBackend()) { port, _ in
            let r = try #require(await RawHTTP.json(port: port, path: "/v1/completions", #"{"model":"fake","prompt":["a","bb"],"n":2,"seed":10}"#))
            #expect(r.status == 200)
            let o = try #require(jsonObject(r))
            #expect(o["object"] == .string("text_completion") && o["model"] == .string("fake"))
            let choices = try #require(o["choices"]?.arrayValue).compactMap(\.objectValue)
            #expect(choices.map { $0["text"]?.stringValue } == ["a|seed=10", "a|seed=11", "bb|seed=10", "bb|seed=11"])
            #expect(choices.map { $0["index"]?.intValue } == [0, 1, 2, 3])
            #expect(choices.map { $0["finish_reason"]?.stringValue } == ["stop", "length", "stop", "length"])
            #expect(choices.allSatisfy { $0["logprobs"] == .null })
            let usage = try #require(o["usage"]?.objectValue)
            // Each prompt's tokens count once: 1 + 2; four choices of 3 tokens.
            #expect(usage["prompt_tokens"] == .int(3) && usage["completion_tokens"] == .int(12) && usage["total_tokens"] == .int(15))

            let tokens = try #require(jsonObject(await RawHTTP.json(port: port, path: "/v1/completions", #"{"model":"fake","prompt":[[5,6]]}"#)))
            #expect(tokens["choices"]?.arrayValue?.first?.objectValue?["text"] == .string("5,6|seed=0"))
        }
    }

    @Test func completionsStreamAsServerSentEvents() async throws {
        try await withServer(completions: FakeCompletionBackend()) { port, _ in
            let r = try #require(await RawHTTP.json(port: port, path: "/v1/completions", #"{"model":"fake","prompt":"abcd","n":2,"stream":true,"stream_options":{"include_usage":true}}"#))
            #expect(r.status == 200 && r.headers["content-type"] == "text/event-stream")
            let events = sseEvents(r)
            #expect(events.last == "[DONE]")
            var text = ["", ""], finish: [String?] = [nil, nil]
            var usage: JSONObject?
            for e in events.dropLast() {
                let o = try #require(try JSONParser.parse(Array(e.utf8)).objectValue)
                #expect(o["object"] == .string("text_completion"))
                if let u = o["usage"]?.objectValue { usage = u; #expect(o["choices"]?.arrayValue?.isEmpty == true) }
                for c in o["choices"]?.arrayValue?.compactMap(\.objectValue) ?? [] {
                    let i = try #require(c["index"]?.intValue)
                    text[i] += c["text"]?.stringValue ?? ""
                    if let f = c["finish_reason"]?.stringValue { finish[i] = f }
                }
            }
            #expect(text == ["abcd|seed=0", "abcd|seed=1"] && finish == ["stop", "length"])
            #expect(usage?["completion_tokens"] == .int(6))
        }
    }

    @Test func chatRendersTheModelsTemplate() async throws {
        try await withServer(completions: FakeCompletionBackend()) { port, _ in
            let body = #"{"model":"fake","messages":[{"role":"user","content":"Hi"}],"max_tokens":5,"temperature":0,"stop":["x"],"seed":1234}"#
            let o = try #require(jsonObject(await RawHTTP.json(port: port, path: "/v1/chat/completions", body)))
            #expect(o["object"] == .string("chat.completion"))
            let choice = try #require(o["choices"]?.arrayValue?.first?.objectValue)
            let message = try #require(choice["message"]?.objectValue)
            #expect(message["role"] == .string("assistant"))
            #expect(message["content"] == .string("<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n|seed=1234"))
            #expect(choice["finish_reason"] == .string("stop") && choice["index"] == .int(0))

            let streamed = try #require(await RawHTTP.json(port: port, path: "/v1/chat/completions", #"{"model":"fake","messages":[{"role":"user","content":"Hi"}],"stream":true}"#))
            let chunks = sseEvents(streamed).dropLast().compactMap { try? JSONParser.parse(Array($0.utf8)).objectValue }
            #expect(sseEvents(streamed).last == "[DONE]" && chunks.allSatisfy { $0["object"] == .string("chat.completion.chunk") })
            let deltas = chunks.compactMap { $0["choices"]?.arrayValue?.first?.objectValue?["delta"]?.objectValue }
            #expect(deltas.first?["role"] == .string("assistant"))
            #expect(deltas.compactMap { $0["content"]?.stringValue }.joined() == "<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n|seed=0")
            #expect(chunks.last?["choices"]?.arrayValue?.first?.objectValue?["finish_reason"] == .string("stop"))
        }
    }

    @Test func chatRefusesAModelWithoutAKnownTemplate() async throws {
        for template in [nil, "{{ messages }}"] as [String?] {
            try await withServer(completions: FakeCompletionBackend(chatTemplate: template)) { port, _ in
                let r = await RawHTTP.json(port: port, path: "/v1/chat/completions", #"{"model":"fake","messages":[{"role":"user","content":"Hi"}]}"#)
                #expect(r?.status == 400)
                #expect(r?.text.contains("/v1/completions") == true, "\(r?.text ?? "")")
                #expect(await RawHTTP.json(port: port, path: "/v1/completions", #"{"model":"fake","prompt":"p"}"#)?.status == 200)
            }
        }
    }

    @Test func modelsListsTheServedModel() async throws {
        try await withServer(completions: FakeCompletionBackend()) { port, _ in
            let o = try #require(jsonObject(await RawHTTP.request(port: port, method: "GET", path: "/v1/models")))
            #expect(o["object"] == .string("list"))
            let model = try #require(o["data"]?.arrayValue?.first?.objectValue)
            #expect(model["id"] == .string("fake") && model["object"] == .string("model") && model["owned_by"] == .string("codeeval"))
        }
        try await withServer { port, _ in
            let o = jsonObject(await RawHTTP.request(port: port, method: "GET", path: "/v1/models"))
            #expect(o?["data"] == .array([]))
        }
    }
}

/// A completion backend without a model: each choice's text shows the prompt it got and its seed
/// (`<prompt>|seed=<s>`), streamed in two pieces, so tests can check numbering, seeds and templates.
struct FakeCompletionBackend: CompletionBackend {
    var models = ["fake"]
    var chatTemplate: String? = "{{ '<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' }}"

    func complete(_ request: CompletionRequest, events: (@Sendable (CompletionEvent) -> Void)?) async throws
        -> [CompletionChoice]
    {
        var out: [CompletionChoice] = []
        for index in 0..<(request.prompts.count * request.n) {
            let prompt: String
            switch request.prompts[index / request.n] {
            case .text(let s): prompt = s
            case .tokens(let ids): prompt = ids.map(String.init).joined(separator: ",")
            }
            let text = "\(prompt)|seed=\(request.seed(ofChoice: index))"
            let half = text.index(text.startIndex, offsetBy: text.count / 2)
            events?(.text(index: index, String(text[..<half])))
            events?(.text(index: index, String(text[half...])))
            var choice = CompletionChoice(text: text, finishReason: index % 2 == 0 ? "stop" : "length",
                                          promptTokens: prompt.count, completionTokens: 3)
            if request.logprobs != nil {
                // Two "tokens", the halves of the text, each with one alternative better than itself.
                let tokens = [String(text[..<half]), String(text[half...])], lps: [Float] = [-0.25, -1.5]
                choice.logprobs = CompletionLogprobs(
                    tokens: tokens, tokenLogprobs: lps,
                    topLogprobs: zip(tokens, lps).map { [.init(token: "alt", logprob: -0.125), .init(token: $0, logprob: $1)] },
                    textOffset: [0, tokens[0].unicodeScalars.count])
            }
            events?(.finished(index: index, choice))
            out.append(choice)
        }
        return out
    }
}
