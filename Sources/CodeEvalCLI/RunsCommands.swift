import ArgumentParser
import Datasets
import Engine
import Evaluation
import Foundation
import Reports

struct RunsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "runs", abstract: "List, show and export stored runs.",
        discussion: "Examples:\n  codeeval runs list\n  codeeval runs show r20261127-010000-abc\n  codeeval runs export r20261127-010000-abc --format human-eval > samples.jsonl",
        subcommands: [RunsList.self, RunsShow.self, RunsWatch.self, RunsExport.self])
}

struct RunsList: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "List runs in the store.",
                                                    discussion: "Example:\n  codeeval runs list --db runs.sqlite")
    @OptionGroup var store: StoreOptions
    func run() async throws {
        let runs = try await store.open()
        for info in try await runs.runs() {
            print(RunReport.listLine(info, RunResults.compute(info: info, samples: try await runs.samples(info.id), verdicts: try await runs.verdicts(info.id))))
        }
    }
}

struct RunsShow: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "show", abstract: "Manifest, scores and per-task table of a run.",
                                                    discussion: "Example:\n  codeeval runs show RUN_ID")
    @Argument var runID: String
    @OptionGroup var store: StoreOptions
    func run() async throws {
        print(RunReport.full(try await RunResults.load(try await store.open(), runID: runID)), terminator: "")
    }
}

struct RunsWatch: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "watch", abstract: "Follow a run's progress (from any process) until it ends, then report it.",
                                                    discussion: "Example:\n  codeeval runs watch RUN_ID --store postgres://codeeval@db/codeeval")
    @Argument var runID: String
    @OptionGroup var store: StoreOptions
    func run() async throws {
        let runs = try await store.open(), line = RunProgressLine()
        let info = try await RunWatch.follow(runs, runID: runID) { line.update($0) }
        line.finish()
        print(RunReport.full(try await RunResults.load(runs, runID: runID)), terminator: "")
        if info.status != "complete" { throw RunStoreError("run \(runID) ended \(info.status)\(info.error.map { ": \($0)" } ?? "")") }
    }
}

struct RunsExport: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export", abstract: "Export samples (human-eval samples JSONL) or samples with verdicts (results JSONL).",
        discussion: "Example:\n  codeeval runs export RUN_ID --format results > results.jsonl")
    @Argument var runID: String
    @Option(help: "human-eval (task_id, completion), results (adds result, passed) or evalplus (an instruct run's samples as solution).")
    var format: String = "human-eval"
    @OptionGroup var store: StoreOptions
    func run() async throws {
        let formats = RunExport.Format.allCases.map(\.rawValue).joined(separator: ", ")
        guard let f = RunExport.Format(rawValue: format) else { throw ValidationError("unknown --format '\(format)' (\(formats))") }
        for o in try await RunExport.lines(try await store.open(), runID: runID, format: f) {
            print(o.serialized())
        }
    }
}

struct ReportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report", abstract: "Report of one run: manifest, pass@k, per-task table, verdicts, throughput.",
        discussion: "Example:\n  codeeval report RUN_ID\n  codeeval report RUN_ID --html run.html")
    @Argument var runID: String
    @OptionGroup var store: StoreOptions
    @Flag(help: "Print the JSON summary instead.") var json = false
    @Option(help: "Also write a self-contained HTML report to this file.") var html: String?
    func run() async throws {
        let runs = try await store.open()
        if try Benchmark.parse(try await runs.run(runID).manifest.benchmark).isLikelihood { return try await Section3Report.print(runs, runID: runID, json: json) }
        let r = try await RunResults.load(runs, runID: runID)
        if let html { try writeHTML(RunReport.html(r), to: html) }
        print(json ? RunReport.jsonSummary(r) + "\n" : RunReport.full(r), terminator: "")
    }
}

/// Writes a rendered page atomically (no half-written file on failure) and says where on stderr.
func writeHTML(_ page: String, to path: String) throws {
    do { try Data(page.utf8).write(to: URL(fileURLWithPath: path), options: .atomic) } catch {
        throw ValidationError("cannot write \(path): \(error.localizedDescription)")
    }
    printError("wrote \(path)")
}

struct ResumeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "resume", abstract: "Continue an interrupted run: generates only missing samples, judges only unjudged ones.",
        discussion: "Example:\n  codeeval resume r20261127-010000-abc --db runs.sqlite")
    @Argument var runID: String
    @OptionGroup var store: StoreOptions
    @Option(help: "Sandbox programs run at once.") var workers: Int = ProcessInfo.processInfo.activeProcessorCount
    @Option(help: "Requests in flight for a remote run.") var concurrency: Int = 4
    @Option(name: .customLong("batch-size"), help: "Samples the local engine decodes at once (any value gives the same samples).")
    var batchSize: Int = ContinuousBatcher.defaultBatchSize
    @Flag(help: "Make the last line of stdout a JSON summary.") var json = false
    @OptionGroup var data: DataOptions
    func run() async throws {
        let runs = try await store.open()
        let info = try await runs.run(runID)
        if try Benchmark.parse(info.manifest.benchmark).isLikelihood {  // §3 runs score options, not samples
            return try await Section3Command.execute(try section3Planner(data).resume(info), runID: runID, store: runs, json: json)
        }
        let prepared = try await runPlanner(data).resume(info, workers: workers, concurrency: concurrency, batchSize: batchSize)
        try await RunCommand.execute(prepared, runID: runID, store: runs, workers: workers, json: json)
    }
}
