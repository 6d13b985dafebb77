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
        Parameter counts are read from the GGUF, each weight once (a tied embedding stored twice counts once).
        The paper's LLaMA, PaLM, LaMDA (and, for math, Minerva) rows are appended and marked "paper".

        Examples:
          codeeval compare --models smollm2-135m,qwen2.5-coder-0.5b --benchmarks humaneval,mbpp --limit 20
          codeeval compare --models qwen2.5-coder-0.5b,qwen2.5-coder-1.5b --benchmarks gsm8k,math500 --profile greedy --markdown
          codeeval compare --models smollm2-135m --benchmarks humaneval --limit 2 --max-tokens 16 --html table8.html
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
        let store = try openRunStore(run.db)
        if benches.allSatisfy(\.isLikelihood) {  // LLaMA Tables 3-6 and 9 (docs/likelihood.md)
            var base = Section3Request(benchmark: benches[0])
            base.limit = run.limit
            let line = RunProgressLine(), results = try await usage {
                try section3Planner(run.data).compare(models: modelNames, benchmarks: benches, base: base, store: store) { line.update($0) }
            }
            line.finish()
            let t = Section3Comparison.build(models: modelNames, results: results)
            if let html { try writeHTML(t.html(), to: html) }
            return print(json ? t.json() : markdown ? t.markdown() : t.text(), terminator: "")
        }
        let results = try await usage {
            try await runPlanner(run.data).compare(models: modelNames, benchmarks: benches, base: try run.request(.humaneval, model: ""), store: store) {
                model, b, prepared, start in
                switch start {
                case let .reuse(id): FileHandle.standardError.write(Data("\(model) × \(b.rawValue): reusing completed run \(id)\n".utf8))
                case let .resume(id):
                    FileHandle.standardError.write(Data("\(model) × \(b.rawValue): resuming unfinished run \(id)\n".utf8))
                    try await RunCommand.execute(prepared, runID: id, store: store, workers: run.workers, json: false, quiet: true)
                case let .new(id): try await RunCommand.execute(prepared, runID: id, store: store, workers: run.workers, json: false, quiet: true)
                }
            }
        }
        let columns = benches.flatMap { b in ks.map { CompareColumn(benchmark: b.rawValue, k: $0) } }
        let table = CompareTable.build(models: modelNames, columns: columns, results: results)
        if let html { try writeHTML(table.html(), to: html) }
        print(json ? table.json() : markdown ? table.markdown() : table.text(), terminator: json ? "\n" : "")
    }
}
