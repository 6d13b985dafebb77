import ArgumentParser
import Datasets
import Engine
import Models
import Models
import Evaluation
import Foundation
import Prompting
import Reports

struct CompareCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "compare",
        abstract: "Run (or reuse) every model × benchmark and print a LLaMA Table 8 (code) / Table 7 (math) shaped table.",
        discussion: """
        A completed run in the store whose manifest equals the one this command would start (same model file,
        profile, n, k, temperature, max tokens, seed, tasks, prompts, dataset, code version) is reused, not re-run;
        an unfinished one (interrupted by Ctrl-C or kill -9) is resumed.
        Parameter counts are read from the GGUF, each weight once (a tied embedding stored twice counts once). The paper's LLaMA, PaLM, LaMDA
        (and, for math, Minerva) rows are appended and marked "paper".

        Examples:
          codeeval compare --models smollm2-135m,qwen2.5-coder-0.5b --benchmarks humaneval,mbpp --limit 20
          codeeval compare --models qwen2.5-coder-0.5b,qwen2.5-coder-1.5b --benchmarks gsm8k,math500 --profile greedy --markdown
          codeeval compare --models smollm2-135m --benchmarks humaneval --limit 2 --max-tokens 16 --html table8.html
        """)

    @Option(help: "Comma-separated registry model names or GGUF paths.") var models: String
    @Option(help: "Comma-separated benchmarks (humaneval, mbpp, gsm8k, math, math500).") var benchmarks = "humaneval,mbpp"
    @Option(help: "Comma-separated k values (pass@k for code, maj1@k for math).") var k = "1"
    @Option(help: "Samples per task (default: the profile's n for the largest k).") var n: Int?
    @Option(help: "Protocol profile: llama1, greedy, lm-eval, bigcode.") var profile = "llama1"
    @Option(help: "Only the first L tasks of each benchmark.") var limit: Int?
    @Option(name: .customLong("max-tokens"), help: "Maximum new tokens per sample (default: from the profile).") var maxTokens: Int?
    @Option(help: "Run seed.") var seed: UInt64 = 1234
    @Option(help: "Run store (default: ~/.cache/codeeval/runs.sqlite).") var db: String?
    @Option(help: "Sandbox programs run at once.") var workers: Int = ProcessInfo.processInfo.activeProcessorCount
    @Option(name: .customLong("batch-size"), help: "Samples the local engine decodes at once (any value gives the same samples).")
    var batchSize: Int = ContinuousBatcher.defaultBatchSize
    @Flag(help: "Print the table as Markdown.") var markdown = false
    @Flag(help: "Print the table as JSON.") var json = false
    @Option(help: "Also write a self-contained HTML page (table + SVG chart) to this file.") var html: String?
    @OptionGroup var data: DataOptions

    static func list(_ s: String, _ what: String) throws -> [String] {
        let items = s.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        guard !items.isEmpty else { throw ValidationError("--\(what) needs at least one value") }
        return items
    }

    func run() async throws {
        let modelNames = try Self.list(models, "models")
        let benches = try Self.list(benchmarks, "benchmarks").map { try Benchmark.parse($0) }
        var base = try BenchmarkRunOptions.parse([])
        (base.k, base.n, base.profile, base.limit, base.maxTokens) = (k, n, profile, limit, maxTokens)
        (base.seed, base.workers, base.batchSize) = (seed, workers, batchSize)
        let ks = try base.parsedKs()
        let store = try openRunStore(db)
        let results = try await planned {
            try await runPlanner(data).compare(models: modelNames, benchmarks: benches, base: try base.request(.humaneval), store: store) {
                model, b, prepared, start in
                switch start {
                case let .reuse(id): FileHandle.standardError.write(Data("\(model) × \(b.rawValue): reusing completed run \(id)\n".utf8))
                case let .resume(id):
                    FileHandle.standardError.write(Data("\(model) × \(b.rawValue): resuming unfinished run \(id)\n".utf8))
                    try await RunCommand.execute(prepared, runID: id, store: store, workers: workers, json: false, quiet: true)
                case let .new(id): try await RunCommand.execute(prepared, runID: id, store: store, workers: workers, json: false, quiet: true)
                }
            }
        }
        let columns = benches.flatMap { b in ks.map { CompareColumn(benchmark: b.rawValue, k: $0) } }
        let table = CompareTable.build(models: modelNames, columns: columns, results: results)
        if let html { try writeHTML(table.html(), to: html) }
        print(json ? table.json() : markdown ? table.markdown() : table.text(), terminator: json ? "\n" : "")
    }
}
