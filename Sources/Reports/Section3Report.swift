import Datasets
import Evaluation
import Foundation

/// Text and JSON renderings of a §3 run (likelihood-scored multiple choice, closed-book QA, MMLU).
public enum Section3Report {
    static func pct(_ a: Accuracy) -> String { String(format: "%.2f ± %.2f", 100 * a.value, 100 * a.standardError) }

    /// What a reader must know about the data behind the number (TriviaQA's set is only half of the usual one).
    public static func dataNote(_ b: Benchmark) -> String? {
        switch b {
        case .triviaqa: return "TriviaQA: Wikipedia half of the filtered dev set only (7,993 questions)"
        case .nq: return "NaturalQuestions-open dev (3,610 questions); shots from the same set, never the question asked"
        default: return nil
        }
    }

    public static func text(_ r: Section3Results) -> String {
        let m = r.info.manifest
        var rows: [(String, String)] = [
            ("run", r.info.id), ("status", r.info.status), ("benchmark", m.benchmark), ("model", m.model),
            ("model sha256", m.modelSHA256 ?? "-"), ("shots", m.shots.map(String.init) ?? "-"),
            ("dataset sha256", m.datasetSHA256), ("prompt template sha256", m.promptTemplateHash),
            ("items", "\(r.scored) scored of \(m.taskIDs.count)"), ("kernels", m.kernels ?? "-"),
        ]
        if let note = dataNote(r.benchmark) { rows.append(("data", note)) }
        if r.benchmark.scoring == .exactMatch {
            rows.append(("exact match", pct(r.acc) + " (binomial s.e.)"))
        } else {
            rows.append(("acc", pct(r.acc) + " (binomial s.e.)"))
            if let a = r.accNorm { rows.append(("acc_norm", pct(a) + " (per character)")) }
            if let a = r.accUncond { rows.append(("acc_uncond", pct(a) + " (log P(c|ctx) − log P(c|\"Answer:\"))")) }
            if let a = r.macroAcc { rows.append(("acc (macro over \(r.subjects.count) subjects)", pct(a))) }
        }
        rows.append(("paper metric", "\(r.metric.name) " + pct(r.metric.value)))
        let w = rows.map(\.0.count).max() ?? 0
        var s = rows.map { $0.0.padding(toLength: w, withPad: " ", startingAt: 0) + "  " + $0.1 + "\n" }.joined()
        if !r.subjects.isEmpty {
            s += "\nsubject\tn\tacc\tacc_norm\n"
            s += r.subjects.map { "\($0.subject)\t\($0.acc.n)\t\(pct($0.acc))\t\(pct($0.accNorm))\n" }.joined()
        }
        return s
    }

    /// Prints a stored run's report, and with `json` its JSON summary as the last line (the run and report commands).
    public static func print(_ store: any RunStore, runID: String, json: Bool) async throws {
        let r = try await Section3Results.load(store, runID: runID)
        Swift.print(text(r), terminator: "")
        if json { Swift.print(jsonSummary(r)) }
    }

    static func json(_ a: Accuracy?) -> Any { a.map { ["value": $0.value, "stderr": $0.standardError, "n": $0.n] as [String: Any] } ?? NSNull() }

    /// One JSON object: the manifest essentials, acc, acc_norm, the benchmark's own metric, each with its s.e.
    public static func jsonSummary(_ r: Section3Results) -> String {
        let m = r.info.manifest
        var o: [String: Any] = [
            "run_id": r.info.id, "status": r.info.status, "benchmark": m.benchmark, "model": m.model,
            "shots": m.shots ?? 0, "items": m.taskIDs.count, "scored": r.scored, "dataset_sha256": m.datasetSHA256,
            "prompt_template_sha256": m.promptTemplateHash, "acc": json(r.acc), "acc_norm": json(r.accNorm),
            "metric": r.metric.name,
        ]
        o[r.metric.name] = json(r.metric.value)
        if let u = r.accUncond { o["acc_uncond"] = json(u) }
        if let note = dataNote(r.benchmark) { o["data_note"] = note }
        if !r.subjects.isEmpty {
            o["subjects"] = Dictionary(uniqueKeysWithValues: r.subjects.map { ($0.subject, ["acc": json($0.acc), "acc_norm": json($0.accNorm)]) })
        }
        guard let d = try? JSONSerialization.data(withJSONObject: o, options: [.sortedKeys]) else { return "{}" }
        return String(decoding: d, as: UTF8.self)
    }
}
