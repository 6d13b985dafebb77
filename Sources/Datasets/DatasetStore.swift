import Foundation
import Support

/// A dataset file could not be found or does not match the catalog.
public struct DatasetError: Error, CustomStringConvertible, Sendable {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// Where a dataset file was found.
public struct ResolvedFile: Sendable {
    public let file: DatasetFile
    public let url: URL
    /// `data-dir`, `CODEEVAL_DATA` or `cache`.
    public let origin: String
}

/// Finds benchmark files and decodes them into typed records.
///
/// Resolution order for a file: the explicit data directory (`--data-dir`), then `$CODEEVAL_DATA`, then the user
/// cache (`$XDG_CACHE_HOME/codeeval/datasets`, default `~/.cache/codeeval/datasets`), which
/// `codeeval datasets fetch NAME` fills. In each directory the mirror layout (`humaneval/HumanEval.jsonl.gz`) and a
/// flat layout (`HumanEval.jsonl.gz`) are both accepted.
public struct DatasetStore: Sendable {
    public let dataDir: URL?
    public let environment: [String: String]

    public init(dataDir: URL? = nil, environment: [String: String] = ProcessInfo.processInfo.environment) {
        self.dataDir = dataDir
        self.environment = environment
    }

    /// The user cache directory for datasets.
    public var cacheDir: URL {
        let base: URL
        if let xdg = environment["XDG_CACHE_HOME"], !xdg.isEmpty {
            base = URL(fileURLWithPath: xdg)
        } else {
            let home = environment["HOME"] ?? NSHomeDirectory()
            base = URL(fileURLWithPath: home).appendingPathComponent(".cache")
        }
        return base.appendingPathComponent("codeeval/datasets")
    }

    /// The directories searched, in order, with their origin names.
    public var searchPath: [(origin: String, dir: URL)] {
        var dirs: [(String, URL)] = []
        if let dataDir { dirs.append(("data-dir", dataDir)) }
        if let env = environment["CODEEVAL_DATA"], !env.isEmpty { dirs.append(("CODEEVAL_DATA", URL(fileURLWithPath: env))) }
        dirs.append(("cache", cacheDir))
        return dirs
    }

    /// Locates a file, or explains every place it looked and how to fix it.
    public func locate(_ id: Benchmark, role: String = "test") throws -> ResolvedFile {
        guard let file = Catalog.info(id).file(role) else {
            throw DatasetError("dataset \(id.rawValue) has no \(role) file")
        }
        var tried: [String] = []
        let name = (file.path as NSString).lastPathComponent
        for (origin, dir) in searchPath {
            for candidate in [dir.appendingPathComponent(file.path), dir.appendingPathComponent(name)] {
                tried.append("\(candidate.path) (\(origin))")
                if FileManager.default.fileExists(atPath: candidate.path) {
                    return ResolvedFile(file: file, url: candidate, origin: origin)
                }
            }
        }
        throw DatasetError("""
            dataset \(id.rawValue): file \(file.path) not found. Tried:
              \(tried.joined(separator: "\n  "))
            Fix: run `codeeval datasets fetch \(id.rawValue)`, or point --data-dir / CODEEVAL_DATA at a directory holding it.
            """)
    }

    /// sha256 of the decompressed content of a dataset file (a file's bytes as stored: `SHA256Hasher.hex(ofFile:)`).
    public func contentSHA256(of url: URL) throws -> String {
        let source = try ByteSource(path: url.path)
        var hasher = SHA256Hasher()
        while let chunk = try source.next() { hasher.update(chunk) }
        return hasher.finalizeHex()
    }

    /// Verifies a resolved file against the catalog's content checksum.
    public func verify(_ resolved: ResolvedFile) throws {
        let actual = try contentSHA256(of: resolved.url)
        guard resolved.file.accepts(contentSHA256: actual) else {
            throw DatasetError("""
                \(resolved.url.path): checksum mismatch (expected content sha256 \(resolved.file.contentSHA256), \
                got \(actual)). The file is corrupt or a different version; delete it and run \
                `codeeval datasets fetch`.
                """)
        }
    }

    /// sha256 of the test file of a dataset (for run manifests).
    public func sha256(of id: Benchmark) throws -> String {
        try contentSHA256(of: locate(id).url)
    }

    // MARK: Typed loaders

    func records<T>(_ id: Benchmark, role: String = "test",
                            _ make: (FieldReader, Int) throws -> T) throws -> [T] {
        let resolved = try locate(id, role: role)
        var out: [T] = []
        var index = 0
        try JSONL.forEachRecord(at: resolved.url) { line, object in
            out.append(try make(FieldReader(object, file: resolved.url.path, line: line), index))
            index += 1
        }
        guard out.count == resolved.file.records else {
            throw DatasetError("\(resolved.url.path): expected \(resolved.file.records) records, found \(out.count)")
        }
        return out
    }

    public func humanEval() throws -> [HumanEvalProblem] {
        try records(.humaneval) { f, _ in try HumanEvalProblem(f) }
    }

    public func mbpp() throws -> [MBPPProblem] {
        try records(.mbpp) { f, _ in try MBPPProblem(f, sanitized: false) }
    }

    public func mbppSanitized() throws -> [MBPPProblem] {
        let resolved = try locate(.mbppSanitized)
        let doc = try JSONL.readDocument(at: resolved.url)
        guard let items = doc.arrayValue else {
            throw DatasetError("\(resolved.url.path): expected a JSON array, got \(doc.typeName)")
        }
        guard items.count == resolved.file.records else {
            throw DatasetError("\(resolved.url.path): expected \(resolved.file.records) records, found \(items.count)")
        }
        return try items.enumerated().map { i, item in
            guard let object = item.objectValue else {
                throw DatasetError("\(resolved.url.path): element \(i): expected an object, got \(item.typeName)")
            }
            return try MBPPProblem(FieldReader(object, file: resolved.url.path + "[\(i)]", line: 0), sanitized: true)
        }
    }

    public func gsm8k() throws -> [GSM8kProblem] {
        try records(.gsm8k) { f, i in GSM8kProblem(index: i, question: try f.string("question"), answer: try f.string("answer")) }
    }

    public func gsm8kTrain() throws -> [GSM8kProblem] {
        try records(.gsm8k, role: "train") { f, i in
            GSM8kProblem(index: i, question: try f.string("question"), answer: try f.string("answer"))
        }
    }

    /// The 5 000-problem MATH test set with `answer` and `uniqueID` joined from test_answers on the exact problem
    /// text. The join is 1:1 for the pinned files; a duplicate key in the answers file or a test problem without a
    /// match is an error (naming the line), because a silently missing answer would score as wrong.
    public func math() throws -> [MATHProblem] {
        var answers: [String: (uniqueID: String, answer: String, line: Int)] = [:]
        let answerFile = try locate(.math, role: "answers")
        try JSONL.forEachRecord(at: answerFile.url) { line, object in
            let f = FieldReader(object, file: answerFile.url.path, line: line)
            let problem = try f.string("problem")
            if let earlier = answers[problem] {
                throw f.fail("problem text duplicates line \(earlier.line); the join with the test set needs unique problems")
            }
            answers[problem] = (try f.string("unique_id"), try f.string("answer"), line)
        }
        return try records(.math) { f, i in
            let problem = try f.string("problem")
            guard let joined = answers[problem] else {
                throw f.fail("problem has no match in \(answerFile.url.path) (joined on the exact problem text)")
            }
            return MATHProblem(index: i, uniqueID: joined.uniqueID, problem: problem,
                               solution: try f.string("solution"), level: try f.string("level"),
                               type: try f.string("type"), answer: joined.answer)
        }
    }

    public func math500() throws -> [MATHProblem] {
        try records(.math500) { f, i in
            let levelValue = try f.value("level")
            let level = levelValue.intValue.map { "Level \($0)" } ?? levelValue.stringValue ?? "?"
            return MATHProblem(index: i, uniqueID: try f.optionalString("unique_id"), problem: try f.string("problem"),
                               solution: try f.string("solution"), level: level,
                               type: try f.string("subject"), answer: try f.string("answer"))
        }
    }

    public func humanEvalPlus(mini: Bool = false) throws -> [EvalPlusProblem] {
        try records(mini ? .humanevalPlusMini : .humanevalPlus) { f, _ in try EvalPlusProblem(f, testField: "test") }
    }

    public func mbppPlus() throws -> [EvalPlusProblem] {
        try records(.mbppPlus) { f, _ in try EvalPlusProblem(f, testField: "assertion") }
    }

    /// Decodes every record of a dataset with its typed loader (which also checks the record count) and returns
    /// the number of problems. `codeeval datasets verify` uses this to prove a file is usable, not just intact.
    public func decodeAll(_ id: Benchmark) throws -> Int {
        switch id {
        case .humaneval: return try humanEval().count
        case .mbpp: return try mbpp().count
        case .mbppSanitized: return try mbppSanitized().count
        case .gsm8k: return try gsm8k().count + gsm8kTrain().count
        case .math: return try math().count
        case .math500: return try math500().count
        case .humanevalPlus: return try humanEvalPlus().count
        case .humanevalPlusMini: return try humanEvalPlus(mini: true).count
        case .mbppPlus: return try mbppPlus().count
        default: return try decodeSection3(id)
        }
    }
}
