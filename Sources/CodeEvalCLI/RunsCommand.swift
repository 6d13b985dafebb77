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
            print(RunReport.listLine(info, RunResults.compute(info: info, samples: try store.samples(info.id), verdicts: try store.verdicts(info.id))))
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
        for o in try RunExport.lines(try openRunStore(db), runID: runID, withVerdicts: format == "results") {
            print(o.serialized())
        }
    }
}
