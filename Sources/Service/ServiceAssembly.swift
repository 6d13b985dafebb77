import Datasets
import Engine
import Evaluation
import Foundation
import Logging
import Sandbox
import Store

/// How `codeeval serve` was asked to run, before anything is opened.
public struct ServiceOptions: Sendable {
    public var config = ServiceConfig()
    public var databasePath = "codeeval-service.sqlite"
    /// `sqlite:PATH` or `postgres://…` (see `StoreLocation`); nil: `CODEEVAL_STORE`, else `sqlite:` + `databasePath`.
    public var store: String?
    public var apiKeysFile: String?
    /// Serve the OpenAI-compatible routes with this model (registry name or GGUF path).
    public var model: String?
    public var allowDegraded = false
    /// Run programs with plain python3 (trusted code only; loopback only).
    public var unsafeNoSandbox = false
    /// The run store of `/v1/runs` (served when `model` is set).
    public var runsDatabasePath = "codeeval-runs.sqlite"
    /// The code version recorded in the manifests of runs started here.
    public var codeVersion = "unknown"

    public init() {}
}

/// A refused configuration: the message names the option.
public struct ServiceSetupError: Error, CustomStringConvertible, Sendable {
    public let message: String
    public var description: String { message }
}

extension ServiceOptions {
    /// The configured lease, its length overridden by `CODEEVAL_LEASE_SECONDS` (shorter leases re-claim a dead
    /// worker's work sooner; each holder renews every third of it).
    public func leasePolicy(environment: [String: String] = ProcessInfo.processInfo.environment) throws -> LeasePolicy {
        var lease = config.lease
        if let text = environment["CODEEVAL_LEASE_SECONDS"] {
            guard let s = Double(text), s >= 1 else { throw ServiceSetupError(message: "CODEEVAL_LEASE_SECONDS=\(text): expected seconds ≥ 1") }
            lease.leaseSeconds = s
        }
        return lease
    }

    public func storeLocation(environment: [String: String] = ProcessInfo.processInfo.environment) throws -> StoreLocation {
        let text = store ?? environment["CODEEVAL_STORE"] ?? "sqlite:\(databasePath)"
        do { return try StoreLocation.parse(text) } catch { throw ServiceSetupError(message: "\(error)") }
    }
}

public enum ServiceAssembly {
    /// Opens the store, probes the sandbox (failing closed unless allowed), loads keys and the model, and returns
    /// what `ServiceApp` serves. `makePool` builds the sandbox pool for the configured width.
    public static func dependencies(_ o: ServiceOptions, logger: Logger,
                                    makePool: @escaping @Sendable (Int) throws -> RunnerPool) async throws -> ServiceDependencies {
        var config = o.config
        config.lease = try o.leasePolicy()
        guard config.workers >= 1, config.maxWaiting >= 0, config.maxBodyBytes >= 1, config.maxTimeoutSeconds > 0 else {
            throw ServiceSetupError(message: "--workers, --max-body-mb and --max-timeout must be positive")
        }
        let keys = try o.apiKeysFile.map { try APIKeyFile.load(URL(fileURLWithPath: $0)) }
        guard config.retentionSeconds >= 0 else { throw ServiceSetupError(message: "--retention-days must be ≥ 0") }
        if let unknown = config.operatorKeys.first(where: { name in !(keys ?? []).contains { $0.name == name } }) {
            throw ServiceSetupError(message: "--operator \(unknown): no such key in --api-keys")
        }
        if !config.isLoopback && keys == nil {
            throw ServiceSetupError(message: "binding to \(config.host) needs --api-keys (unauthenticated access is allowed on loopback only)")
        }
        let executor: any Executor
        if o.unsafeNoSandbox {
            if !config.isLoopback { throw ServiceSetupError(message: "--unsafe-no-sandbox only binds to loopback") }
            logger.warning("running programs WITHOUT a sandbox (--unsafe-no-sandbox): trusted code only")
            executor = UnsandboxedPythonExecutor()
        } else {
            let sandbox = await SandboxExecutor.probe(pool: try makePool(config.workers), allowDegraded: o.allowDegraded)
            let layers = sandbox.layerAvailability()
            if layers["sandbox"] != true {
                logger.error("sandbox probe failed: /readyz will report not_ready", metadata: ["layers": "\(layers)"])
            }
            executor = sandbox
        }
        // Runs are planned by the CLI's planner, with the datasets found the way the CLI finds them. On PostgreSQL
        // they share the job store's database and every replica claims their units; on SQLite they keep their file.
        let location = try o.storeLocation()
        let completions = try o.model.map { try EngineCompletionBackend(model: $0) }
        var runs: RunQueue? = nil
        if let model = o.model, let completions {
            let planner = RunPlanner(datasets: DatasetStore(), codeVersion: o.codeVersion, makePool: makePool)
            if case .postgres = location {
                let store = try await location.openRuns()
                // The completions' model and batcher: one copy of the weights, one decode loop for both.
                let generation: WorkerGeneration
                do { generation = try WorkerGeneration.local(model: model, batcher: completions.batcher) }
                catch let e as PlanError { throw ServiceSetupError(message: e.message) }
                let worker = RunWorker(store: store, planner: planner, generation: generation, judgeWidth: config.workers,
                                       policy: config.lease, log: { logger.info("\($0)") })
                runs = RunQueue(planner: planner, store: store, model: model, workers: config.workers, logger: logger, shared: worker)
            } else {
                runs = RunQueue(planner: planner, store: try SQLiteRunStore(path: o.runsDatabasePath), model: model,
                                workers: config.workers, logger: logger)
            }
        }
        return ServiceDependencies(config: config, store: try await location.open(), executor: executor,
                                   evaluator: CodeTaskBackend(executor: executor),
                                   completions: completions, keys: keys,
                                   runs: runs)
    }
}
