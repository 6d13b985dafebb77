import Foundation
import Testing
@testable import Datasets

/// A scratch directory removed when the test ends.
final class TempDir {
    let url: URL
    init() {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("codeeval-test-\(UUID().uuidString)")
        try? FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }
    func file(_ name: String, _ bytes: [UInt8]) -> URL {
        let u = url.appendingPathComponent(name)
        try? FileManager.default.createDirectory(at: u.deletingLastPathComponent(), withIntermediateDirectories: true)
        _ = FileManager.default.createFile(atPath: u.path, contents: Data(bytes))
        return u
    }
    func file(_ name: String, _ text: String) -> URL { file(name, Array(text.utf8)) }
    deinit { try? FileManager.default.removeItem(at: url) }
}

func gzip(_ bytes: [UInt8]) throws -> [UInt8] {
    let dir = TempDir()
    let plain = dir.file("x", bytes)
    let p = Process()
    p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    p.arguments = ["gzip", "-n", "-k", plain.path]
    try p.run()
    p.waitUntilExit()
    return [UInt8](try Data(contentsOf: URL(fileURLWithPath: plain.path + ".gz")))
}

func expectJSONLError(_ url: URL, line: Int, contains: String, sourceLocation: SourceLocation = #_sourceLocation) {
    do {
        _ = try SampleFile.load(url)
        Issue.record("expected an error", sourceLocation: sourceLocation)
    } catch let e as JSONLError {
        #expect(e.line == line, "\(e)", sourceLocation: sourceLocation)
        #expect(e.description.contains(contains), "\(e)", sourceLocation: sourceLocation)
        #expect(e.description.hasPrefix(url.path), sourceLocation: sourceLocation)
    } catch {
        Issue.record("unexpected error type \(error)", sourceLocation: sourceLocation)
    }
}

@Suite("JSONL reader")
struct JSONLTests {
    @Test func readsObjectsSkippingBlankLinesAndKeepingLineNumbers() throws {
        let dir = TempDir()
        let url = dir.file("s.jsonl", "{\"task_id\": \"a\", \"completion\": \"x\"}\n\n   \n{\"task_id\": \"b\", \"completion\": \"y\", \"extra\": 1}\n")
        let samples = try SampleFile.load(url)
        #expect(samples.map(\.taskID) == ["a", "b"])
        #expect(samples.map(\.line) == [1, 4])
        #expect(samples[1].fields.keys == ["task_id", "completion", "extra"])
    }

    @Test func crlfAndMissingFinalNewline() throws {
        let dir = TempDir()
        let url = dir.file("s.jsonl", "{\"task_id\": \"a\", \"completion\": \"x\"}\r\n{\"task_id\": \"b\", \"completion\": \"y\"}")
        #expect(try SampleFile.load(url).map(\.taskID) == ["a", "b"])
    }

    @Test func gzipIsReadTransparently() throws {
        let dir = TempDir()
        let text = (0..<5000).map { "{\"task_id\": \"t\($0)\", \"completion\": \"\(String(repeating: "x", count: $0 % 50))\"}" }.joined(separator: "\n")
        let url = dir.file("s.jsonl.gz", try gzip(Array(text.utf8)))
        let samples = try SampleFile.load(url)
        #expect(samples.count == 5000)
        #expect(samples.last?.taskID == "t4999")
    }

    @Test func invalidJSONNamesTheLine() {
        let dir = TempDir()
        expectJSONLError(dir.file("s.jsonl", "{\"task_id\": \"a\", \"completion\": \"x\"}\n{\"task_id\": \n"),
                         line: 2, contains: ":2: invalid JSON")
    }

    @Test func nonObjectLineIsRejected() {
        let dir = TempDir()
        expectJSONLError(dir.file("s.jsonl", "[1, 2]\n"), line: 1, contains: "expected a JSON object, got array")
    }

    @Test func missingCompletionIsNamed() {
        let dir = TempDir()
        expectJSONLError(dir.file("s.jsonl", "{\"task_id\": \"a\", \"completion\": \"\"}\n{\"task_id\": \"b\"}\n"),
                         line: 2, contains: "missing field \"completion\"")
    }

    @Test func wrongTypeIsNamed() {
        let dir = TempDir()
        expectJSONLError(dir.file("s.jsonl", "{\"task_id\": 3, \"completion\": \"x\"}\n"),
                         line: 1, contains: "field \"task_id\": expected string, got number")
    }

    @Test func invalidUTF8IsNamedWithLineAndOffset() {
        let dir = TempDir()
        let bytes = Array("{\"task_id\": \"a\", \"completion\": \"x\"}\n{\"task_id\": \"b\", \"completion\": \"".utf8) + [0xC3, 0x28] + Array("\"}\n".utf8)
        expectJSONLError(dir.file("s.jsonl", bytes), line: 2, contains: "UTF-8")
    }

    @Test func missingFileIsAClearError() {
        expectJSONLError(URL(fileURLWithPath: "/nonexistent/s.jsonl"), line: 0, contains: "no such file")
    }

    @Test func truncatedGzipIsAnError() throws {
        let dir = TempDir()
        let gz = try gzip(Array(String(repeating: "{\"task_id\": \"a\", \"completion\": \"x\"}\n", count: 2000).utf8))
        let url = dir.file("s.jsonl.gz", Array(gz.prefix(gz.count / 2)))
        do {
            _ = try SampleFile.load(url)
            Issue.record("expected an error")
        } catch let e as JSONLError {
            #expect(e.reason.contains("truncated gzip"), "\(e)")
        }
    }

    @Test func corruptGzipIsAnError() throws {
        let dir = TempDir()
        var gz = try gzip(Array(String(repeating: "{\"task_id\": \"a\", \"completion\": \"x\"}\n", count: 200).utf8))
        for i in 20..<min(60, gz.count) { gz[i] ^= 0x5A }
        let url = dir.file("s.jsonl.gz", gz)
        #expect(throws: JSONLError.self) { try SampleFile.load(url) }
    }

    @Test func writerOutputReadsBack() throws {
        let dir = TempDir()
        let url = dir.url.appendingPathComponent("out.jsonl")
        let w = try JSONLWriter(url: url)
        try w.write(JSONObject([("task_id", .string("a")), ("completion", .string("é\n")), ("passed", .bool(true))]))
        try w.close()
        let back = try JSONL.readObjects(at: url)
        #expect(back.count == 1)
        #expect(back[0].object.keys == ["task_id", "completion", "passed"])
        #expect(back[0].object["completion"] == .string("é\n"))
    }

    @Test func resultsPathFollowsHumanEval() {
        #expect(SampleFile.resultsURL(for: URL(fileURLWithPath: "/x/samples.jsonl")).path == "/x/samples.jsonl_results.jsonl")
    }
}
