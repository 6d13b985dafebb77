import ArgumentParser
import Foundation
import Hummingbird
import Logging
import Service

struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Run the HTTP service: sandboxed execution, evaluation jobs, metrics.",
        discussion: """
        Jobs and finished executions are kept in a SQLite database (WAL); a restarted server resumes
        unfinished jobs. Binding to a non-loopback address requires --api-keys.

        Examples (the API: docs/service.md):
          codeeval serve --host 0.0.0.0 --api-keys /etc/codeeval/api-keys --model smollm2-135m
          curl -s localhost:8080/v1/execute -d '{"code":"print(1+1)"}'
        """)

    @Option(help: "Address to bind (default: loopback only).") var host = "127.0.0.1"
    @Option(help: "TCP port (0 = any free port).") var port = 8080
    @Option(help: "SQLite database for jobs and executions.") var db = "codeeval-service.sqlite"
    @Option(help: "Job store shared by replicas: sqlite:PATH or postgres://USER@HOST[:PORT]/DB (default: $CODEEVAL_STORE, else --db).") var store: String?
    @Option(name: .customLong("runs-db"), help: "Run store of POST /v1/runs (served with --model) when --store is SQLite; PostgreSQL holds runs with the jobs.") var runsDb = "codeeval-runs.sqlite"
    @Option(help: "Programs run at the same time (default: number of CPUs).") var workers: Int?
    @Option(name: .customLong("api-keys"), help: "Keys file: `name sha256-hex [max_concurrent [req_per_s]]` per line.") var apiKeys: String?
    @Option(help: "Requests allowed to wait for a worker before 429.") var maxWaiting = 64
    @Option(help: "Request body limit in MiB.") var maxBodyMb = 10
    @Option(help: "Largest timeout_s a request may ask for.") var maxTimeout = 60.0
    @Option(help: "Delete finished jobs and recorded executions after this many days (0: keep).") var retentionDays = 30.0
    @Option(name: .customLong("operator"), help: "A key (by name) that sees every tenant's jobs and runs; repeatable.") var operators: [String] = []
    @Option(help: "Serve the OpenAI-compatible /v1/completions and /v1/chat/completions, and /v1/runs, with this model (registry name or GGUF path).") var model: String?
    @Flag(help: "Run programs even when the host lacks an isolation layer (e.g. no delegated cgroup in a container); default: fail closed. /readyz and every verdict list the layers in force.")
    var allowDegraded = false
    @Flag(inversion: .prefixedNo, help: SandboxPoolSetup.help) var zygote: Bool?
    @Flag(help: "Run programs with plain python3, WITHOUT the sandbox (trusted code and benchmarks only; loopback only).")
    var unsafeNoSandbox = false

    func run() async throws {
        var logger = Logger(label: "codeeval.service")
        logger.logLevel = .info
        var o = ServiceOptions()
        (o.config.host, o.config.port, o.config.databasePath, o.config.maxWaiting) = (host, port, db, maxWaiting)
        (o.config.maxBodyBytes, o.config.maxTimeoutSeconds) = (maxBodyMb * 1024 * 1024, maxTimeout)
        (o.config.retentionSeconds, o.config.operatorKeys) = (retentionDays * 86_400, Set(operators))
        if let workers { o.config.workers = workers }
        (o.databasePath, o.store, o.apiKeysFile, o.model, o.allowDegraded) = (db, store, apiKeys, model, allowDegraded)
        (o.unsafeNoSandbox, o.runsDatabasePath, o.codeVersion) = (unsafeNoSandbox, runsDb, CodeEvalVersion.string)
        let deps = try await ServiceAssembly.dependencies(o, logger: logger) { try SandboxPoolSetup.pool(width: $0, zygote: zygote) }
        let log = logger, boundHost = host, backend = deps.store.backend
        let (app, _) = try await ServiceApp.application(deps, logger: logger) { port in
            log.info("listening", metadata: ["host": "\(boundHost)", "port": "\(port)", "store": "\(backend)"])
        }
        try await app.runService()
    }
}

struct WorkerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "worker", abstract: "Claim work from a shared store without serving HTTP: judge jobs' and detached runs' samples, generate runs' samples.",
        discussion: "Example:\n  codeeval worker --store postgres://codeeval@db/codeeval --roles generate,judge --model qwen2.5-coder-0.5b")

    @Option(help: "Job and run store: sqlite:PATH or postgres://USER@HOST[:PORT]/DB (default: $CODEEVAL_STORE).") var store: String?
    @Option(help: "judge (jobs' and runs' samples, in the sandbox) and/or generate (runs' samples, with --model or --endpoint).") var roles = "judge"
    @Option(help: "Model to generate with (registry name or GGUF path); only runs of this file and kernel family are taken.") var model: String?
    @Option(help: "OpenAI-compatible server to generate with instead of --model; repeatable.") var endpoint: [String] = []
    @Option(name: .customLong("remote-model"), help: "Model name sent to --endpoint.") var remoteModel: String?
    @Option(name: .customLong("batch-size"), help: "Samples the local engine decodes at once (any value gives the same samples).") var batchSize: Int?
    @Option(name: .customLong("runs-db"), help: "Run store when the store is SQLite (default: ~/.cache/codeeval/runs.sqlite).") var runsDb: String?
    @Option(help: "Programs run at the same time (default: number of CPUs).") var workers: Int?
    @Flag(help: "Run programs even when the host lacks an isolation layer.") var allowDegraded = false
    @Flag(inversion: .prefixedNo, help: SandboxPoolSetup.help) var zygote: Bool?
    @OptionGroup var data: DataOptions

    func run() async throws {
        var o = WorkerOptions()
        (o.service.store, o.service.allowDegraded, o.service.codeVersion) = (store, allowDegraded, CodeEvalVersion.string)
        (o.roles, o.model, o.endpoints, o.remoteModel, o.datasets) = (try WorkerRole.parse(roles), model, endpoint, remoteModel, data.store)
        (o.batchSize, o.runsDatabasePath, o.service.config.workers) = (batchSize ?? o.batchSize, runsDb ?? o.runsDatabasePath, workers ?? o.service.config.workers)
        try await WorkerAssembly.run(o, logger: Logger(label: "codeeval.worker")) { try SandboxPoolSetup.pool(width: $0, zygote: zygote) }
    }
}
