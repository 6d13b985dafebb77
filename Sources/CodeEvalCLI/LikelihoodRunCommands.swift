import ArgumentParser
import Datasets
import Evaluation
import Foundation
import Models
import Reports

/// `codeeval boolq|piqa|…|mmlu`: the LLaMA §3 benchmarks, one command type told apart by `B`.
protocol Section3Benchmark { static var benchmark: Benchmark { get } }

struct Section3RunCommand<B: Section3Benchmark>: AsyncParsableCommand {
    static var configuration: CommandConfiguration { CommandConfiguration(commandName: B.benchmark.rawValue,
        abstract: "Score \(Catalog.info(B.benchmark).title) as LLaMA §3 does (docs/likelihood.md).",
        discussion: "Example:\n  codeeval \(B.benchmark.rawValue) --model smollm2-135m --limit 20 --json") }
    @Option(help: "Registry model name or GGUF path.") var model: String = ModelRegistry.defaultModel
    @Option(help: "Shots (nq, triviaqa: 0, 1, 5 or 64; mmlu: 5 or 0; the others 0).") var shots: Int?
    @Option(help: "Only the first L items (MMLU: round-robin over subjects).") var limit: Int?
    @Option(help: "Only these comma-separated task ids.") var tasks: String?
    @OptionGroup var store: StoreOptions
    @Flag(help: "Make the last line of stdout a JSON summary.") var json = false
    @OptionGroup var data: DataOptions

    func run() async throws {
        var r = Section3Request(benchmark: B.benchmark)
        (r.model, r.shots, r.limit, r.taskIDs) = (model, shots, limit, try tasks.map { try CompareCommand.list($0, "tasks") })
        let prepared = try section3Planner(data).plan(r)
        let runs = try await store.open()
        try await Section3Command.execute(prepared, runID: try await runs.createRun(manifest: prepared.manifest), store: runs, json: json)
    }
}

func section3Planner(_ data: DataOptions) -> Section3Planner { Section3Planner(datasets: data.store, codeVersion: CodeEvalVersion.string) }

enum Section3Command {
    static func execute(_ p: PreparedSection3Run, runID: String, store: any RunStore, json: Bool) async throws {
        printError("run \(runID) (\(p.manifest.model), \(p.manifest.benchmark), \(p.items.count) items); resume with: codeeval resume \(runID)")
        let line = RunProgressLine()
        try await Section3Runner(store: store, runID: runID, prepared: p).run { line.update($0) }
        line.finish()
        try await Section3Report.print(store, runID: runID, json: json)
    }
}

enum BoolQ: Section3Benchmark { static let benchmark = Benchmark.boolq }; enum PIQA: Section3Benchmark { static let benchmark = Benchmark.piqa }
enum SIQA: Section3Benchmark { static let benchmark = Benchmark.siqa }; enum HellaSwag: Section3Benchmark { static let benchmark = Benchmark.hellaswag }
enum WinoGrande: Section3Benchmark { static let benchmark = Benchmark.winogrande }; enum ARCEasy: Section3Benchmark { static let benchmark = Benchmark.arcEasy }
enum ARCChallenge: Section3Benchmark { static let benchmark = Benchmark.arcChallenge }; enum OBQA: Section3Benchmark { static let benchmark = Benchmark.openbookqa }
enum NQ: Section3Benchmark { static let benchmark = Benchmark.nq }; enum TriviaQA: Section3Benchmark { static let benchmark = Benchmark.triviaqa }
enum RACEMiddle: Section3Benchmark { static let benchmark = Benchmark.raceMiddle }; enum RACEHigh: Section3Benchmark { static let benchmark = Benchmark.raceHigh }
enum MMLU: Section3Benchmark { static let benchmark = Benchmark.mmlu }
let section3Commands: [ParsableCommand.Type] = [
    Section3RunCommand<BoolQ>.self, Section3RunCommand<PIQA>.self, Section3RunCommand<SIQA>.self, Section3RunCommand<HellaSwag>.self,
    Section3RunCommand<WinoGrande>.self, Section3RunCommand<ARCEasy>.self, Section3RunCommand<ARCChallenge>.self, Section3RunCommand<OBQA>.self,
    Section3RunCommand<NQ>.self, Section3RunCommand<TriviaQA>.self, Section3RunCommand<RACEMiddle>.self, Section3RunCommand<RACEHigh>.self,
    Section3RunCommand<MMLU>.self,
]
