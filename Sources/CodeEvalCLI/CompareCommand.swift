import ArgumentParser
import Datasets
import Models
import Evaluation
import Foundation
import Reports

struct CompareCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "compare",
        abstract: "Run (or reuse) every model × benchmark and print a LLaMA Table 8 (code) / Table 7 (math) shaped table.",
        discussion: """
        A completed run in the store whose manifest equals the one this command would start (same model file,
        profile, n, k, temperature, max tokens, seed, tasks, prompts, dataset, code version) is reused, not re-run;
        an unfinished one (interrupted by Ctrl-C or kill -9) is resumed.
        Parameter counts are the model authors' (a tied embedding counts once). The paper's rows are appended,
        marked "paper". Example:
          codeeval compare --models smollm2-135m,qwen2.5-coder-0.5b --benchmarks humaneval,mbpp --limit 20 --html t.html
        """)

    @Option(help: "Comma-separated registry model names or GGUF paths.") var models: String
    @Option(help: "Comma-separated benchmarks (humaneval, mbpp, gsm8k, math, math500; or the §3 ones, boolq … mmlu).") var benchmarks = "humaneval,mbpp"
    @OptionGroup var run: RunOptions
    @Flag(help: "Print the table as Markdown.") var markdown = false
    @Flag(help: "Print the table as JSON.") var json = false
    @Option(help: "Also write a self-contained HTML page (table + SVG chart) to this file.") var html: String?

    static func list(_ s: String, _ what: String) throws -> [String] {
        let items = s.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        guard !items.isEmpty else { throw ValidationError("--\(what) needs at least one value") }
        return items
    }

    func run() async throws {
        let modelNames = try Self.list(models, "models")
        let benches = try Self.list(benchmarks, "benchmarks").map(parseBenchmark)
        let ks = try parseKList(run.k)
        let store = try await run.store.open()
        if benches.allSatisfy(\.isLikelihood) {  // LLaMA Tables 3-6 and 9 (docs/likelihood.md)
            let line = RunProgressLine()
            let results = try await section3Planner(run.data).compare(models: modelNames, benchmarks: benches, limit: run.limit, store: store) { line.update($0) }
            line.finish()
            let t = Section3Comparison.build(models: modelNames, results: results)
            if let html { try writeHTML(t.html(), to: html) }
            return print(json ? t.json() : markdown ? t.markdown() : t.text(), terminator: "")
        }
        let results = try await runPlanner(run.data).compare(models: modelNames, benchmarks: benches, base: try run.request(.humaneval, model: ""), store: store) {
            model, b, prepared, start in
            switch start {
            case let .reuse(id): printError("\(model) × \(b.rawValue): reusing completed run \(id)")
            case let .resume(id):
                printError("\(model) × \(b.rawValue): resuming unfinished run \(id)")
                try await RunCommand.execute(prepared, runID: id, store: store, workers: run.workers, json: false, quiet: true)
            case let .new(id): try await RunCommand.execute(prepared, runID: id, store: store, workers: run.workers, json: false, quiet: true)
            }
        }
        let columns = benches.flatMap { b in ks.map { CompareColumn(benchmark: b.rawValue, k: $0) } }
        let table = CompareTable.build(models: modelNames, columns: columns, results: results)
        if let html { try writeHTML(table.html(), to: html) }
        print(json ? table.json() : markdown ? table.markdown() : table.text(), terminator: json ? "\n" : "")
    }
}
