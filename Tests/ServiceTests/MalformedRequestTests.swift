import Foundation
import Testing
@testable import Service

/// The malformed-request corpus: every case must get a 4xx (or, for stalled requests, a closed connection),
/// never a 5xx, and the server must keep answering afterwards.
@Suite struct MalformedRequestTests {
    struct Case: Sendable {
        var name: String
        var chunks: [[UInt8]]
        var pause: Double = 0
        /// Stalled requests may also be answered by closing the connection.
        var closeAllowed = false
    }

    static func post(_ path: String, _ body: [UInt8], contentType: String = "application/json") -> [UInt8] {
        RawHTTP.build(method: "POST", path: path, headers: ["Content-Type": contentType], body: body)
    }

    static func exec(_ name: String, _ text: String) -> Case { Case(name: name, chunks: [post("/v1/execute", Array(text.utf8))]) }
    static func execBytes(_ name: String, _ bytes: [UInt8]) -> Case { Case(name: name, chunks: [post("/v1/execute", bytes)]) }
    static func eval(_ name: String, _ text: String) -> Case { Case(name: name, chunks: [post("/v1/evaluations", Array(text.utf8))]) }
    static func chat(_ name: String, _ text: String) -> Case { Case(name: name, chunks: [post("/v1/chat/completions", Array(text.utf8))]) }
    static func completion(_ name: String, _ text: String) -> Case { Case(name: name, chunks: [post("/v1/completions", Array(text.utf8))]) }

    static var corpus: [Case] {
        let big = String(repeating: "x", count: 1024 * 1024 + 1)
        var cases: [Case] = [
            // Broken JSON
            exec("empty body", ""), exec("open brace", "{"), exec("close brace", "}"), exec("open bracket", "["),
            exec("bare word", "nul"), exec("missing value", #"{"code":}"#), exec("single quotes", "{'code':'x'}"),
            exec("trailing comma", #"{"code":"x",}"#), exec("trailing garbage", #"{"code":"x"} extra"#),
            exec("array body", "[1,2]"), exec("string body", #""code""#), exec("number body", "123"),
            exec("null body", "null"), exec("bad escape", #"{"code":"\u00"}"#), exec("unterminated string", #"{"code":"abc"#),
            exec("raw newline in string", "{\"code\":\"a\nb\"}"), exec("deep nesting", String(repeating: "[", count: 5000)),
            exec("missing colon", #"{"code" "x"}"#), exec("comment", #"{"code":"x" /* c */}"#),
            // Wrong types and values
            exec("code number", #"{"code":1}"#), exec("code null", #"{"code":null}"#), exec("code array", #"{"code":[]}"#),
            exec("code object", #"{"code":{}}"#), exec("code bool", #"{"code":true}"#),
            exec("timeout string", #"{"code":"x","timeout_s":"5"}"#), exec("timeout negative", #"{"code":"x","timeout_s":-1}"#),
            exec("timeout huge", #"{"code":"x","timeout_s":1e9}"#), exec("timeout NaN", #"{"code":"x","timeout_s":NaN}"#),
            exec("memory fraction", #"{"code":"x","memory_mb":1.5}"#), exec("memory string", #"{"code":"x","memory_mb":"512"}"#),
            exec("memory zero", #"{"code":"x","memory_mb":0}"#), exec("memory huge", #"{"code":"x","memory_mb":1000000000000}"#),
            exec("unknown profile", #"{"code":"x","profile":"lax"}"#), exec("profile number", #"{"code":"x","profile":3}"#),
            exec("unsupported language", #"{"code":"x","language":"ruby"}"#), exec("language number", #"{"code":"x","language":1}"#),
            exec("stdin number", #"{"code":"x","stdin":5}"#),
            // Two readers of one body must never see two programs: a repeated key is refused, not resolved.
            exec("duplicate key", #"{"code":"print(1)","code":"print(2)"}"#),
            exec("duplicate nested key", #"{"code":"x","stdin":"a","timeout_s":1,"timeout_s":2}"#),
            // Unknown and missing fields
            exec("unknown field", #"{"code":"x","extra":1}"#), exec("wrong case field", #"{"Code":"x"}"#),
            exec("near-miss field", #"{"code":"x","timeout":5}"#), exec("no fields", "{}"), exec("missing code", #"{"stdin":"x"}"#),
            // Oversized fields
            exec("code over 1 MiB", #"{"code":"\#(big)"}"#), exec("stdin over 1 MiB", #"{"code":"x","stdin":"\#(big)"}"#),
            // Invalid UTF-8
            execBytes("0xff in string", Array(#"{"code":""#.utf8) + [0xFF] + Array(#""}"#.utf8)),
            execBytes("truncated sequence", Array(#"{"code":""#.utf8) + [0xE2, 0x82] + Array(#""}"#.utf8)),
            execBytes("overlong slash", Array(#"{"code":""#.utf8) + [0xC0, 0xAF] + Array(#""}"#.utf8)),
            execBytes("encoded surrogate", Array(#"{"code":""#.utf8) + [0xED, 0xA0, 0x80] + Array(#""}"#.utf8)),
            execBytes("0xff outside string", [0xFF] + Array(#"{"code":"x"}"#.utf8)),
            // Evaluations
            eval("eval empty object", "{}"), eval("eval unknown benchmark", #"{"benchmark":"nope","samples":[]}"#),
            eval("eval samples not array", #"{"benchmark":"humaneval","samples":{}}"#),
            eval("eval sample missing completion", #"{"benchmark":"humaneval","samples":[{"task_id":"T/0"}]}"#),
            eval("eval sample extra field", #"{"benchmark":"humaneval","samples":[{"task_id":"T/0","completion":"x","z":1}]}"#),
            eval("eval unknown task", #"{"benchmark":"humaneval","samples":[{"task_id":"T/99","completion":"x"}]}"#),
            eval("eval k zero", #"{"benchmark":"humaneval","samples":[{"task_id":"T/0","completion":"x"}],"k":[0]}"#),
            eval("eval k string", #"{"benchmark":"humaneval","samples":[{"task_id":"T/0","completion":"x"}],"k":["1"]}"#),
            eval("eval k scalar", #"{"benchmark":"humaneval","samples":[{"task_id":"T/0","completion":"x"}],"k":5}"#),
            Case(name: "jsonl bad line", chunks: [post("/v1/evaluations?benchmark=humaneval", Array("{\"task_id\":\"T/0\",\"completion\":\"x\"}\n{oops\n".utf8), contentType: "application/x-ndjson")]),
            Case(name: "jsonl without benchmark", chunks: [post("/v1/evaluations", Array("{\"task_id\":\"T/0\",\"completion\":\"x\"}\n".utf8), contentType: "application/x-ndjson")]),
            Case(name: "jsonl unknown query", chunks: [post("/v1/evaluations?benchmark=humaneval&x=1", Array("{\"task_id\":\"T/0\",\"completion\":\"x\"}\n".utf8), contentType: "application/x-ndjson")]),
            Case(name: "text/plain body", chunks: [post("/v1/evaluations", Array("hello".utf8), contentType: "text/plain")]),
            // Routing
            Case(name: "GET on POST route", chunks: [RawHTTP.build(method: "GET", path: "/v1/execute")]),
            Case(name: "unknown path", chunks: [RawHTTP.build(method: "POST", path: "/v2/run", body: Array("{}".utf8))]),
            Case(name: "unknown job", chunks: [RawHTTP.build(method: "GET", path: "/v1/evaluations/nope")]),
            Case(name: "cancel unknown job", chunks: [RawHTTP.build(method: "DELETE", path: "/v1/evaluations/nope")]),
            // OpenAI routes (the corpus server serves the fake model "fake")
            completion("completions for an unknown model", #"{"model":"m","prompt":"p"}"#),
            completion("completions prompt object", #"{"model":"fake","prompt":{}}"#),
            completion("completions prompt empty array", #"{"model":"fake","prompt":[]}"#),
            completion("completions prompt mixed array", #"{"model":"fake","prompt":["a",[1]," ",true]}"#),
            completion("completions token id too big", #"{"model":"fake","prompt":[99999999999]}"#),
            completion("completions stop number", #"{"model":"fake","prompt":"p","stop":5}"#),
            completion("completions logprobs too many", #"{"model":"fake","prompt":"p","logprobs":50}"#),
            completion("completions echo number", #"{"model":"fake","prompt":"p","echo":1,"stream":true}"#),
            completion("completions max_tokens 0 without echo", #"{"model":"fake","prompt":"p","max_tokens":0}"#),
            completion("completions stream string", #"{"model":"fake","prompt":"p","stream":"true"}"#),
            completion("completions n too big", #"{"model":"fake","prompt":"p","n":100000}"#),
            chat("chat missing messages", #"{"model":"fake"}"#),
            chat("chat empty messages", #"{"model":"fake","messages":[]}"#),
            chat("chat messages object", #"{"model":"fake","messages":{"role":"user","content":"x"}}"#),
            chat("chat unknown role", #"{"model":"fake","messages":[{"role":"wizard","content":"x"}]}"#),
            chat("chat missing role", #"{"model":"fake","messages":[{"content":"x"}]}"#),
            chat("chat missing content", #"{"model":"fake","messages":[{"role":"user"}]}"#),
            chat("chat null content", #"{"model":"fake","messages":[{"role":"user","content":null}]}"#),
            chat("chat content number", #"{"model":"fake","messages":[{"role":"user","content":1}]}"#),
            chat("chat content object", #"{"model":"fake","messages":[{"role":"user","content":{"text":"x"}}]}"#),
            chat("chat image part", #"{"model":"fake","messages":[{"role":"user","content":[{"type":"image_url","text":"x"}]}]}"#),
            chat("chat message string", #"{"model":"fake","messages":["hello"]}"#),
            chat("chat message extra field", #"{"model":"fake","messages":[{"role":"user","content":"x","mood":"happy"}]}"#),
            chat("chat tools", #"{"model":"fake","messages":[{"role":"user","content":"x"}],"tools":[]}"#),
            chat("chat unknown model", #"{"model":"nope","messages":[{"role":"user","content":"x"}]}"#),
            chat("chat top_logprobs without logprobs", #"{"model":"fake","messages":[{"role":"user","content":"x"}],"top_logprobs":2}"#),
            chat("chat logprobs number", #"{"model":"fake","messages":[{"role":"user","content":"x"}],"logprobs":5}"#),
            chat("chat max_tokens string", #"{"model":"fake","messages":[{"role":"user","content":"x"}],"max_tokens":"5"}"#),
            // Body size
            Case(name: "declared 11 MiB body", chunks: [RawHTTP.build(method: "POST", path: "/v1/execute", body: Array("{}".utf8), contentLength: 11 * 1024 * 1024)]),
        ]
        // Slowloris-style: a body that never completes, a body trickled slower than the deadline, a stalled head.
        let partial = RawHTTP.build(method: "POST", path: "/v1/execute", body: Array(#"{"code":"#.utf8), contentLength: 100)
        cases.append(Case(name: "partial body then silence", chunks: [partial]))  // 408 after the body deadline
        let head = RawHTTP.build(method: "POST", path: "/v1/execute", body: [], contentLength: 40)
        cases.append(Case(name: "trickled body", chunks: [head] + Array(#"{"code":"print(1)     "}"#.utf8).map { [$0] }, pause: 0.2))
        cases.append(Case(name: "stalled headers", chunks: [Array("POST /v1/execute HTTP/1.1\r\nHost: x\r\n".utf8)], closeAllowed: true))
        cases.append(Case(name: "garbage request line", chunks: [Array("\u{1}\u{2}GARBAGE\r\n\r\n".utf8)], closeAllowed: true))
        return cases
    }

    @Test func corpusGetsOnly4xxAndServerStaysUp() async throws {
        let cases = Self.corpus
        #expect(cases.count >= 50)
        print("malformed-request corpus: \(cases.count) cases")
        try await withServer(completions: FakeCompletionBackend()) { port, _ in
            let outcomes = await withTaskGroup(of: (String, Int?, Bool, String).self) { group in
                for c in cases {
                    group.addTask {
                        let r = await RawHTTP.send(port: port, chunks: c.chunks, pause: c.pause, readTimeout: 15)
                        return (c.name, r?.status, c.closeAllowed, r?.text ?? "")
                    }
                }
                var all: [(String, Int?, Bool, String)] = []
                for await o in group { all.append(o) }
                return all
            }
            let timeouts = outcomes.filter { ["partial body then silence", "trickled body"].contains($0.0) }
            #expect(timeouts.allSatisfy { $0.1 == 408 }, "\(timeouts.map { ($0.0, $0.1) })")
            for (name, status, closeAllowed, text) in outcomes {
                if let status {
                    #expect((400..<500).contains(status), "\(name): got \(status) \(text)")
                    #expect(!text.contains("Error(") && !text.contains(".swift"), "\(name): leaks internals: \(text)")
                } else {
                    #expect(closeAllowed, "\(name): connection closed without an answer")
                }
            }
            #expect(await RawHTTP.request(port: port, method: "GET", path: "/healthz")?.status == 200)
            #expect(await RawHTTP.json(port: port, path: "/v1/execute", #"{"code":"print(1)"}"#)?.status == 200)
        }
    }

    @Test func errorMessagesNameTheField() throws {
        let config = ServiceConfig()
        func message(_ text: String) -> String {
            do { _ = try RequestParsing.execute(Array(text.utf8), config: config); return "" } catch { return error.message }
        }
        #expect(message(#"{"code":"x","extra":1}"#).contains(#"unknown field "extra""#))
        #expect(message(#"{"code":1}"#) == #"field "code": expected string, got number"#)
        #expect(message(#"{"code":"x","memory_mb":1.5}"#).contains(#""memory_mb": expected integer"#))
        #expect(message("{\"code\":\"\u{7f}").contains("malformed JSON"))
        #expect(message(#"{}"#) == #"missing field "code""#)
    }
}
