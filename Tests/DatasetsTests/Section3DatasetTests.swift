import Foundation
import Testing
@testable import Datasets

/// The §3 data from the mirror: counts, label distributions and a known record of each set.
@Suite("LLaMA §3 datasets")
struct Section3DatasetTests {
    @Test func commonSense() throws {
        let store = try sharedStore()
        let boolq = try store.boolq()
        #expect(boolq.count == 3270)
        #expect(boolq.filter(\.answer).count == 2033)
        #expect(boolq[0].question == "does ethanol take more energy make that produces" && !boolq[0].answer)
        let piqa = try store.piqa()
        #expect(piqa.count == 1838 && piqa[0].gold == 0 && piqa[0].goal.hasPrefix("How do I ready a guinea pig cage"))
        let siqa = try store.siqa()
        #expect(siqa.count == 1954 && siqa[0].gold == 2 && siqa[0].answers == ["make a new plan", "Go home and see Riley", "Find somewhere to go"])
        let hs = try store.hellaswag()
        #expect(hs.count == 10042)
        #expect([0, 1, 2, 3].map { g in hs.filter { $0.gold == g }.count } == [2515, 2485, 2584, 2458])
        let wg = try store.winogrande()
        #expect(wg.count == 1267 && wg[0].gold == 1 && wg[0].options == ["Sarah", "Maria"])
    }

    @Test func scienceQuestions() throws {
        let store = try sharedStore()
        let easy = try store.scienceQuestions(.arcEasy), challenge = try store.scienceQuestions(.arcChallenge)
        #expect(easy.count == 2376 && challenge.count == 1172)
        #expect(easy.contains { $0.choices.count == 5 } || challenge.contains { $0.choices.count == 5 })
        #expect(challenge.allSatisfy { $0.choices.indices.contains($0.gold) })
        let obqa = try store.scienceQuestions(.openbookqa)
        #expect(obqa.count == 500 && obqa[0].id == "openbookqa/8-343" && obqa[0].gold == 1)
    }

    @Test func openQuestions() throws {
        let store = try sharedStore()
        let nq = try store.naturalQuestions()
        #expect(nq.count == 3610 && nq[0].answers == ["14 December 1972 UTC", "December 1972"])
        let tqa = try store.triviaQA()
        #expect(tqa.count == 7993 && tqa[0].answers.contains("Sunset Boulevard") && tqa[0].id == "triviaqa/tc_33")
    }

    @Test func raceAndMMLU() throws {
        let store = try sharedStore()
        let middle = try store.race(.raceMiddle), high = try store.race(.raceHigh)
        #expect(middle.count == 362 && middle.reduce(0) { $0 + $1.questions.count } == 1436)
        #expect(high.count == 1045 && high.reduce(0) { $0 + $1.questions.count } == 3498)
        let test = try store.mmlu(split: "test"), dev = try store.mmlu(split: "dev")
        #expect(test.count == 14042 && dev.count == 285)
        #expect(Set(test.map(\.subject)).count == 57)
        let first = try #require(test.first)
        #expect(first.subject == "abstract_algebra" && first.choices == ["0", "4", "2", "6"] && first.gold == 1)
    }
}

/// Bad §3 input: each error names the file and line (or the member), and nothing is returned.
@Suite("LLaMA §3 dataset errors")
struct Section3DatasetErrorTests {
    func expectError(_ body: () throws -> Void, _ fragments: [String], sourceLocation: SourceLocation = #_sourceLocation) {
        RecordDecodingErrorTests().expectError(body, fragments, sourceLocation: sourceLocation)
    }

    /// A directory holding the real PIQA data file, so the record count passes and the labels are what is tested.
    func piqaDir(labels: String?) throws -> (TempDir, DatasetStore) {
        let dir = TempDir()
        let real = try sharedStore().locate(.piqa).url
        _ = dir.file("piqa/valid.jsonl", try Array(Data(contentsOf: real)))
        if let labels { _ = dir.file("piqa/valid-labels.lst", labels) }
        return (dir, DatasetStore(dataDir: dir.url, environment: ["HOME": dir.url.path]))
    }

    @Test func missingLabelFileIsNamed() throws {
        let (dir, store) = try piqaDir(labels: nil)
        withExtendedLifetime(dir) { expectError({ _ = try store.piqa() }, ["piqa/valid-labels.lst not found", "codeeval datasets fetch piqa"]) }
    }

    @Test func badLabelLineIsNamedWithItsLine() throws {
        var lines = Array(repeating: "0", count: 1838)
        lines[4] = "7"
        let (dir, store) = try piqaDir(labels: lines.joined(separator: "\n") + "\n")
        expectError({ _ = try store.piqa() }, ["\(dir.url.path)/piqa/valid-labels.lst:5: label \"7\" is not one of 0, 1"])
    }

    @Test func labelCountMustMatchTheRecords() throws {
        let (dir, store) = try piqaDir(labels: String(repeating: "1\n", count: 1837))
        withExtendedLifetime(dir) { expectError({ _ = try store.piqa() }, ["valid-labels.lst: 1837 labels for 1838 records"]) }
    }

    @Test func malformedLineIsNamedWithFileAndLine() throws {
        let dir = TempDir()
        let good = #"{"question": "q", "passage": "p", "idx": 0, "label": true}"#
        let file = dir.file("boolq/val.jsonl.gz", good + "\n{\"question\": \"q\", \n")
        expectError({ _ = try DatasetStore(dataDir: dir.url, environment: [:]).boolq() }, ["\(file.path):2: invalid JSON"])
        _ = dir.file("boolq/val.jsonl.gz", good + "\n" + #"{"question": "q", "passage": "p", "idx": 1, "label": "true"}"# + "\n")
        expectError({ _ = try DatasetStore(dataDir: dir.url, environment: [:]).boolq() }, [":2: field \"label\": expected boolean, got string"])
    }

    @Test func wrongOptionCountsAreErrors() throws {
        let dir = TempDir()
        let store = DatasetStore(dataDir: dir.url, environment: [:])
        let hs = dir.file("hellaswag/hellaswag_val.jsonl.gz", #"{"ind": 1, "activity_label": "a", "ctx_a": "b", "ctx_b": "c", "label": 0, "endings": ["x", "y", "z"]}"# + "\n")
        expectError({ _ = try store.hellaswag() }, ["\(hs.path):1: field \"endings\": expected 4 options, got 3"])
        let q = #"{"id": "x", "question": {"stem": "s", "choices": [{"text": "a", "label": "A"}, {"text": "b", "label": "B"}, {"text": "c", "label": "C"}]}, "answerKey": "A"}"#
        let obqa = dir.file("openbookqa/test.jsonl", q + "\n")
        expectError({ _ = try store.scienceQuestions(.openbookqa) }, ["\(obqa.path):1: field \"question.choices\": expected 4 options, got 3"])
        let arc = dir.file("arc/ARC-Easy-Test.jsonl", q.replacingOccurrences(of: "\"answerKey\": \"A\"", with: "\"answerKey\": \"E\"") + "\n")
        expectError({ _ = try store.scienceQuestions(.arcEasy) }, ["\(arc.path):1: field \"answerKey\": \"E\" is not one of the choice labels A, B, C"])
        expectError({ _ = try DatasetStore.raceArticle(Array(#"{"id": "m1.txt", "article": "a", "questions": ["q"], "answers": ["B"], "options": [["1", "2", "3"]]}"#.utf8), file: "m1.txt") },
                    ["m1.txt:1: field \"options\"[0]: expected 4 options, got 3"])
        expectError({ _ = try DatasetStore.mmluRows(Array("q,1,2,3,4,A\n\"multi\nline\",1,2,3,A\n".utf8), file: "x_test.csv", subject: "x", split: "test") },
                    ["x_test.csv:2: expected 6 columns (question, A, B, C, D, answer), got 5"])
        expectError({ _ = try DatasetStore.mmluRows(Array("q,1,2,3,4,E\n".utf8), file: "x_test.csv", subject: "x", split: "test") },
                    ["x_test.csv:1: answer \"E\" is not A-D"])
    }

    @Test func memberListRefusesTamperedAndEscapingMembers() throws {
        let dir = TempDir()
        let a = dir.file("race/test/middle/1.txt", "{}")
        expectError({ _ = try DatasetStore.parseMemberList("abc  test/x.txt\n", file: "M", base: dir.url) }, ["M:1: expected `SHA256  relative/path`"])
        expectError({ _ = try DatasetStore.parseMemberList(String(repeating: "a", count: 64) + "  ../x\n", file: "M", base: dir.url) }, ["M:1: member path ../x leaves"])
        let m = try DatasetStore.parseMemberList(String(repeating: "0", count: 64) + "  test/middle/1.txt\n", file: "M", base: dir.url.appendingPathComponent("race"))
        #expect(m.first?.url.path == a.path)
        expectError({ _ = try DatasetStore(environment: [:]).memberBytes(m[0]) }, ["1.txt: checksum mismatch"])
    }

    @Test func csvFollowsPythonQuoting() throws {
        let rows = try CSV.parse(Array("a,\"b, \"\"c\"\"\",d\r\n\"x\ny\",z\n".utf8), file: "f")
        #expect(rows == [CSV.Record(line: 1, fields: ["a", "b, \"c\"", "d"]), CSV.Record(line: 2, fields: ["x\ny", "z"])])
        expectError({ _ = try CSV.parse(Array("a,\"b\n".utf8), file: "f") }, ["f:1: unterminated quoted field"])
    }
}
