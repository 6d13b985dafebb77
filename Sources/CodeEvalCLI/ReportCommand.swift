import ArgumentParser
import Evaluation
import Foundation
import Reports

struct ReportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report", abstract: "Report of one run: manifest, pass@k, per-task table, verdicts, throughput.",
        discussion: "Example:\n  codeeval report RUN_ID")
    @Argument var runID: String
    @Option(help: "Run store (default: ~/.cache/codeeval/runs.sqlite).") var db: String?
    @Flag(help: "Print the JSON summary instead.") var json = false
    func run() async throws {
        let r = try RunResults.load(try openRunStore(db), runID: runID)
        if json { print(RunReport.jsonSummary(r)) } else {
            print(RunReport.text(r))
            print(RunReport.taskTable(r), terminator: "")
        }
    }
}
