import Foundation
import Support

/// An upstream that publishes a data set only as an archive in another layout, and how its members become the
/// files the loaders read. The conversion reproduces the pinned files byte for byte when the archive holds the
/// same data, so the catalog's hashes verify the result: the archive itself is not pinned, what comes out of it is.
public enum UpstreamArchive: String, Sendable, Equatable, CaseIterable {
    /// CMU's `RACE.tar.gz`: `RACE/{train,dev,test}/{middle,high}/N.txt`, one JSON object per file. The test
    /// articles are copied as they are; `race/MANIFEST.sha256` is written for them.
    case race
    /// Hendrycks' `data.tar`: `data/{dev,val,test}/SUBJECT_SPLIT.csv` (and `auxiliary_train/`, not needed). Each
    /// CSV is rewritten as Python's `csv.writer` writes it (QUOTE_MINIMAL, `\n` line ends), the form the pinned
    /// files have; `mmlu/MANIFEST.sha256` is written for them.
    case mmlu
    /// UW's `triviaqa-rc.tar.gz`: `qa/wikipedia-dev.json`, one JSON document `{"Data": [...]}`. Each question
    /// becomes a JSON line as the Hugging Face `trivia_qa` builder (config `rc.wikipedia.nocontext`) writes it:
    /// question, question_id, question_source and the answer object with snake_case keys, strings stripped.
    case triviaqa

    /// The files it writes, relative to a data directory.
    public var outputDirectory: String {
        switch self {
        case .race: "race"
        case .mmlu: "mmlu"
        case .triviaqa: "triviaqa"
        }
    }

    /// Reads `archive` and writes the data set's files under `dir` (a data directory). Returns the paths written,
    /// relative to `dir`, the member list (if any) last.
    @discardableResult
    public func convert(archive: URL, into dir: URL) throws -> [String] {
        switch self {
        case .race:
            let files = try extract(archive) { Self.raceOutput($0) }
            return try write(files, into: dir, memberList: "race/MANIFEST.sha256")
        case .mmlu:
            var files: [(String, [UInt8])] = []
            for (path, bytes) in try extract(archive, { Self.mmluOutput($0) }) {
                files.append((path, CSV.write(try CSV.parse(bytes, file: "\(archive.lastPathComponent):\(path)"))))
            }
            return try write(files, into: dir, memberList: "mmlu/MANIFEST.sha256")
        case .triviaqa:
            let found = try extract(archive) { $0 == "qa/wikipedia-dev.json" || $0.hasSuffix("/qa/wikipedia-dev.json") ? "qa/wikipedia-dev.json" : nil }
            guard let json = found.first?.1 else {
                throw DatasetError("\(archive.path): no qa/wikipedia-dev.json in the archive: not triviaqa-rc.tar.gz?")
            }
            let lines = try Self.triviaQALines(json, file: "\(archive.lastPathComponent):qa/wikipedia-dev.json")
            return try write([("triviaqa/rc.wikipedia.nocontext.validation.jsonl.gz", Array(lines.utf8))], into: dir, memberList: nil)
        }
    }

    /// `RACE/test/middle/1.txt` → `race/test/middle/1.txt`; anything else nil.
    static func raceOutput(_ member: String) -> String? {
        let c = member.split(separator: "/")
        guard c.count >= 3, c[c.count - 3] == "test", ["middle", "high"].contains(c[c.count - 2]),
              c[c.count - 1].hasSuffix(".txt") else { return nil }
        return "race/" + c.suffix(3).joined(separator: "/")
    }

    /// `data/dev/anatomy_dev.csv` → `mmlu/dev/anatomy_dev.csv` (dev, val and test only); anything else nil.
    static func mmluOutput(_ member: String) -> String? {
        let c = member.split(separator: "/")
        guard c.count >= 2, ["dev", "val", "test"].contains(c[c.count - 2]),
              c[c.count - 1].hasSuffix("_\(c[c.count - 2]).csv") else { return nil }
        return "mmlu/" + c.suffix(2).joined(separator: "/")
    }

    /// The members `output` names, with their output paths, in byte order of those paths.
    private func extract(_ archive: URL, _ output: (String) -> String?) throws -> [(String, [UInt8])] {
        var files: [String: [UInt8]] = [:]
        try TarReader.read(archive: archive.path, keep: { output($0) != nil }) { name, bytes in
            let path = output(name)!
            guard files[path] == nil else { throw DatasetError("\(archive.path): \(name) appears twice in the archive") }
            files[path] = bytes
        }
        guard !files.isEmpty else {
            throw DatasetError("\(archive.path): none of the expected members (\(rawValue)) in the archive: not the right archive?")
        }
        return files.sorted { $0.key.utf8.lexicographicallyPrecedes($1.key.utf8) }.map { ($0.key, $0.value) }
    }

    /// Writes the files (and, for many-file data sets, their `sha256sum` listing, paths relative to the list).
    private func write(_ files: [(String, [UInt8])], into dir: URL, memberList: String?) throws -> [String] {
        var written: [String] = []
        var listing = ""
        for (path, bytes) in files {
            let url = dir.appendingPathComponent(path)
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try Data(bytes).write(to: url)
            written.append(path)
            if let list = memberList {
                let base = (list as NSString).deletingLastPathComponent + "/"
                listing += "\(SHA256Hasher.hex(bytes))  \(path.dropFirst(base.count))\n"
            }
        }
        if let list = memberList {
            try Data(listing.utf8).write(to: dir.appendingPathComponent(list))
            written.append(list)
        }
        return written
    }

    /// TriviaQA's `{"Data": [...]}` as JSON lines, one question each, in file order.
    static func triviaQALines(_ bytes: [UInt8], file: String) throws -> String {
        let root: JSONValue
        do { root = try JSONParser.parse(bytes) } catch { throw DatasetError("\(file): \(error)") }
        guard let data = root.objectValue?["Data"]?.arrayValue else {
            throw DatasetError("\(file): expected an object with a \"Data\" array")
        }
        var out = ""
        for (i, q) in data.enumerated() {
            func fail(_ what: String) -> DatasetError { DatasetError("\(file): Data[\(i)]: \(what)") }
            guard let o = q.objectValue else { throw fail("not an object") }
            func string(_ obj: JSONObject, _ key: String, default d: String? = nil) throws -> JSONValue {
                guard let v = obj[key] else {
                    guard let d else { throw fail("no \"\(key)\"") }
                    return .string(d)
                }
                guard let s = v.stringValue else { throw fail("\"\(key)\" is not a string") }
                return .string(pythonStrip(s))
            }
            func strings(_ obj: JSONObject, _ key: String) throws -> JSONValue {
                guard let a = obj[key]?.arrayValue else { throw fail("\"\(key)\" is not an array") }
                var out: [JSONValue] = []
                for v in a {
                    guard let s = v.stringValue else { throw fail("\"\(key)\" holds a non-string") }
                    out.append(.string(pythonStrip(s)))
                }
                return .array(out)
            }
            let answer: JSONValue
            if let a = o["Answer"]?.objectValue {
                answer = .object(JSONObject([
                    ("aliases", try strings(a, "Aliases")), ("normalized_aliases", try strings(a, "NormalizedAliases")),
                    ("matched_wiki_entity_name", try string(a, "MatchedWikiEntryName", default: "")),
                    ("normalized_matched_wiki_entity_name", try string(a, "NormalizedMatchedWikiEntryName", default: "")),
                    ("normalized_value", try string(a, "NormalizedValue")), ("type", try string(a, "Type")),
                    ("value", try string(a, "Value")),
                ]))
            } else {
                throw fail("no \"Answer\" (a dev-set question always has one)")
            }
            guard let id = o["QuestionId"], id.stringValue != nil else { throw fail("\"QuestionId\" missing or not a string") }
            let line = JSONObject([
                ("question", try string(o, "Question")), ("question_id", id),
                ("question_source", try string(o, "QuestionSource")), ("answer", answer),
            ])
            out += line.serialized() + "\n"
        }
        return out
    }

    /// Python's `str.strip()`: removes what `str.isspace` calls whitespace, which includes the ASCII separators
    /// U+001C–U+001F that Foundation's whitespace set leaves.
    static func pythonStrip(_ s: String) -> String {
        func space(_ u: Unicode.Scalar) -> Bool {
            switch u.value {
            case 0x09...0x0D, 0x1C...0x20, 0x85, 0xA0, 0x1680, 0x2000...0x200A, 0x2028, 0x2029, 0x202F, 0x205F, 0x3000: true
            default: false
            }
        }
        let scalars = s.unicodeScalars
        guard let first = scalars.firstIndex(where: { !space($0) }) else { return "" }
        let last = scalars.lastIndex { !space($0) }!
        return String(scalars[first...last])
    }
}
