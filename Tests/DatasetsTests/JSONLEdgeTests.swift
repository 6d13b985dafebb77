import Foundation
import Testing
@testable import Datasets

/// Line numbering and error reporting at the edges of the JSONL format.
@Suite("JSONL edge cases")
struct JSONLEdgeTests {
    let good = "{\"task_id\": \"a\", \"completion\": \"x\"}"

    @Test func lineNumbersCountCRLFAndBlankLines() {
        let dir = TempDir()
        expectJSONLError(dir.file("s.jsonl", "\(good)\r\n\r\n \t\r\n\(good)\r\n{\"task_id\": \"b\"}\r\n"),
                         line: 5, contains: ":5: missing field \"completion\"")
    }

    @Test func badTrailingLineWithoutNewlineIsReported() {
        let dir = TempDir()
        expectJSONLError(dir.file("s.jsonl", "\(good)\n\(good)\n{\"task_id\": \"c\", \"completion\": "),
                         line: 3, contains: ":3: invalid JSON")
    }

    @Test func errorsInsideGzipFilesNameTheDecompressedLine() throws {
        let dir = TempDir()
        let text = Array(repeating: good, count: 3000).joined(separator: "\n") + "\n{\"task_id\": \"z\", \"completion\": 7}\n"
        expectJSONLError(dir.file("s.jsonl.gz", try gzip(Array(text.utf8))), line: 3001,
                         contains: "field \"completion\": expected string, got number")
    }

    @Test func emptyAndBlankOnlyFilesHaveNoRecords() throws {
        let dir = TempDir()
        #expect(try SampleFile.load(dir.file("e.jsonl", "")).isEmpty)
        #expect(try SampleFile.load(dir.file("b.jsonl", "\n  \n\r\n\t\n")).isEmpty)
    }

    @Test func invalidUTF8ReasonCarriesTheByteOffsetInTheLine() {
        let dir = TempDir()
        let bytes = Array("{\"task_id\": \"b\", \"completion\": \"ab".utf8) + [0xFF] + Array("\"}\n".utf8)
        expectJSONLError(dir.file("s.jsonl", bytes), line: 1, contains: "invalid UTF-8 byte 0xff at byte 34")
    }

    @Test func scalarsAndNullLinesAreNotObjects() {
        let dir = TempDir()
        expectJSONLError(dir.file("a.jsonl", "\(good)\nnull\n"), line: 2, contains: "expected a JSON object, got null")
        expectJSONLError(dir.file("b.jsonl", "\"text\"\n"), line: 1, contains: "got string")
        expectJSONLError(dir.file("c.jsonl", "\(good) \(good)\n"), line: 1, contains: "unexpected trailing characters")
    }

    @Test func longLinesSpanningReadChunksParse() throws {
        let dir = TempDir()
        let big = String(repeating: "x", count: 300_000)
        let url = dir.file("s.jsonl", "\(good)\n{\"task_id\": \"big\", \"completion\": \"\(big)\"}\n\(good)\n")
        let samples = try SampleFile.load(url)
        #expect(samples.map(\.line) == [1, 2, 3])
        #expect(samples[1].completion.count == 300_000)
    }

    @Test func aDirectoryIsAClearError() {
        let dir = TempDir()
        expectJSONLError(dir.url, line: 0, contains: "is a directory")
    }

    @Test func appendingWriterKeepsEarlierLines() throws {
        let dir = TempDir()
        let url = dir.url.appendingPathComponent("r.jsonl")
        for i in 0..<3 {
            let w = try JSONLWriter(url: url, append: true)
            try w.write(JSONObject([("task_id", .string("t\(i)")), ("completion", .string(""))]))
            try w.close()
        }
        #expect(try SampleFile.load(url).map(\.taskID) == ["t0", "t1", "t2"])
        let w = try JSONLWriter(url: url)
        try w.close()
        #expect(try SampleFile.load(url).isEmpty)
    }
}
