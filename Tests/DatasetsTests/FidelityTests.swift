import Foundation
import Testing
@testable import Datasets

/// The benchmark files were written by Python's `json.dumps` (all but the MATH test export); parsing and
/// re-serializing every line must give back the same bytes. This proves numbers keep their exact text (EvalPlus
/// has integers far beyond Int64 and `Infinity`), key order survives, and escaping matches Python's.
@Suite("Lossless round trip of the benchmark files")
struct FidelityTests {
    static let pythonWritten: [(Benchmark, String)] = [
        (.humaneval, "test"), (.mbpp, "test"), (.gsm8k, "test"), (.math, "answers"), (.math500, "test"),
        (.humanevalPlus, "test"), (.humanevalPlusMini, "test"), (.mbppPlus, "test"),
    ]

    @Test("every line re-serializes to its original bytes", arguments: pythonWritten)
    func lineByLine(id: Benchmark, role: String) throws {
        let resolved = try sharedStore().locate(id, role: role)
        var reader = LineReader(source: try ByteSource(path: resolved.url.path))
        var lines = 0
        while let bytes = try reader.nextLine() {
            let original = String(decoding: bytes, as: UTF8.self)
            let again = try JSONParser.parse(bytes).serialized(ensureASCII: true)
            if again != original {
                Issue.record("\(resolved.url.path):\(reader.lineNumber): re-serialization differs")
                return
            }
            lines += 1
        }
        #expect(lines == resolved.file.records)
    }

    @Test func sanitizedMBPPArrayReserializesExactly() throws {
        let url = try sharedStore().locate(.mbppSanitized).url
        let bytes = try ByteSource.readAll(path: url.path)
        #expect(try JSONParser.parse(bytes).serialized(ensureASCII: true) == String(decoding: bytes, as: UTF8.self))
    }

    @Test func evalPlusKeepsHugeIntegersAndInfinity() throws {
        let store = try sharedStore()
        // Mbpp/404 passes ±inf as arguments; Python writes them as bare Infinity tokens.
        let p404 = try #require(try store.mbppPlus().first { $0.taskID == "Mbpp/404" })
        var infinities = 0
        func walk(_ v: JSONValue) {
            switch v {
            case .number(let t): if t == "Infinity" || t == "-Infinity" { infinities += 1; #expect(v.doubleValue!.isInfinite) }
            case .array(let a): a.forEach(walk)
            case .object(let o): o.forEach { walk($0.value) }
            default: break
            }
        }
        p404.plusInputs.forEach(walk)
        #expect(infinities == 15)
        // HumanEval+ inputs hold integers beyond Int64 (2,358 in the full set; the Mini set, cheaper to load in
        // debug builds, has 3, counted with Python); their exact text is kept.
        var huge = 0
        func walkInts(_ v: JSONValue) {
            switch v {
            case .number(let t) where Int(t) == nil && t.allSatisfy({ $0.isNumber || $0 == "-" }): huge += 1
            case .array(let a): a.forEach(walkInts)
            case .object(let o): o.forEach { walkInts($0.value) }
            default: break
            }
        }
        for p in try store.humanEvalPlus(mini: true) { (p.baseInputs + p.plusInputs).forEach(walkInts) }
        #expect(huge == 3)
    }

    @Test func ensureASCIIMatchesPython() {
        // Expected strings are what CPython 3 `json.dumps` prints for the same values.
        let v = JSONValue.object(JSONObject([("k\u{e9}", .string("\u{7f}\u{1f}\u{1F600}\u{e9}\u{2028}/"))]))
        #expect(v.serialized(ensureASCII: true) == #"{"k\u00e9": "\u007f\u001f\ud83d\ude00\u00e9\u2028/"}"#)
        #expect(v.serialized() == "{\"k\u{e9}\": \"\u{7f}\\u001f\u{1F600}\u{e9}\u{2028}/\"}")
    }

    @Test func writerCanProduceHumanEvalBytes() throws {
        let dir = TempDir()
        let url = dir.url.appendingPathComponent("r.jsonl")
        let w = try JSONLWriter(url: url, ensureASCII: true)
        try w.write(JSONObject([("task_id", .string("HumanEval/0")), ("completion", .string("  return '\u{e9}'\n")),
                                ("result", .string("passed")), ("passed", .bool(true))]))
        try w.close()
        let text = try String(contentsOf: url, encoding: .utf8)
        #expect(text == #"{"task_id": "HumanEval/0", "completion": "  return '\u00e9'\n", "result": "passed", "passed": true}"# + "\n")
    }
}
