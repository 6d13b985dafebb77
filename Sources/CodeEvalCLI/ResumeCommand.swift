import ArgumentParser
import Datasets
import Engine
import Evaluation
import Foundation

struct ResumeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "resume", abstract: "Continue an interrupted run: generates only missing samples, judges only unjudged ones.",
        discussion: "Example:\n  codeeval resume r20261127-010000-abc --db runs.sqlite")
    @Argument var runID: String
    @Option(help: "Run store (default: ~/.cache/codeeval/runs.sqlite).") var db: String?
    @Option(help: "Sandbox programs run at once.") var workers: Int = ProcessInfo.processInfo.activeProcessorCount
    @Option(help: "Requests in flight for a remote run.") var concurrency: Int = 4
    @Option(name: .customLong("batch-size"), help: "Samples the local engine decodes at once (any value gives the same samples).")
    var batchSize: Int = ContinuousBatcher.defaultBatchSize
    @Flag(help: "Make the last line of stdout a JSON summary.") var json = false
    @OptionGroup var data: DataOptions
    func run() async throws {
        let store = try openRunStore(db)
        let info = try store.run(runID)
        if try Benchmark.parse(info.manifest.benchmark).isLikelihood {  // §3 runs score options, not samples
            return try Section3Command.execute(try await usage { try section3Planner(data).resume(info) }, runID: runID, store: store, json: json)
        }
        let prepared = try await usage {
            try await runPlanner(data).resume(info, workers: workers, concurrency: concurrency, batchSize: batchSize)
        }
        try await RunCommand.execute(prepared, runID: runID, store: store, workers: workers, json: json)
    }
}
