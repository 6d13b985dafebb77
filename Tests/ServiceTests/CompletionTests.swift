import Datasets
import Foundation
import Testing
@testable import Service

@Suite struct CompletionTests {
    @Test func requestParsingIsStrict() throws {
        let ok = try CompletionParsing.parse(Array(#"{"model":"m","prompt":"def f():","max_tokens":8,"temperature":0,"stop":"\n\n","seed":3,"n":2,"top_p":0.9}"#.utf8), models: ["m"])
        #expect(ok.stop == ["\n\n"] && ok.n == 2 && ok.seed == 3 && ok.maxTokens == 8)
        #expect(throws: ServiceError.self) { try CompletionParsing.parse(Array(#"{"model":"x","prompt":"p"}"#.utf8), models: ["m"]) }
        #expect(throws: ServiceError.self) { try CompletionParsing.parse(Array(#"{"model":"m","prompt":"p","logprobs":1}"#.utf8), models: ["m"]) }
        #expect(throws: ServiceError.self) { try CompletionParsing.parse(Array(#"{"model":"m","prompt":"p","stop":[1]}"#.utf8), models: ["m"]) }
    }
}
