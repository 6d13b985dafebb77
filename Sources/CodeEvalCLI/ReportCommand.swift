import ArgumentParser
import Datasets
import Evaluation
import Foundation
import Reports

struct ReportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report", abstract: "Report of one run: manifest, pass@k, per-task table, verdicts, throughput.",
        discussion: "Example:\n  codeeval report RUN_ID\n  codeeval report RUN_ID --html run.html")
    @Argument var runID: String
    @Option(help: "Run store (default: ~/.cache/codeeval/runs.sqlite).") var db: String?
    @Flag(help: "Print the JSON summary instead.") var json = false
    @Option(help: "Also write a self-contained HTML report to this file.") var html: String?
    func run() async throws {
        let store = try openRunStore(db)
        if try Benchmark.parse(try store.run(runID).manifest.benchmark).isLikelihood { return try Section3Report.print(store, runID: runID, json: json) }
        let r = try RunResults.load(store, runID: runID)
        if let html { try writeHTML(RunReport.html(r), to: html) }
        if json { print(RunReport.jsonSummary(r)) } else {
            print(RunReport.text(r))
            print(RunReport.taskTable(r), terminator: "")
        }
    }
}

/// Writes a rendered page atomically (no half-written file on failure) and says where on stderr.
func writeHTML(_ page: String, to path: String) throws {
    do { try Data(page.utf8).write(to: URL(fileURLWithPath: path), options: .atomic) } catch {
        throw ValidationError("cannot write \(path): \(error.localizedDescription)")
    }
    FileHandle.standardError.write(Data("wrote \(path)\n".utf8))
}
