import Datasets
import Engine
import Evaluation
import Foundation
import Logging
import Sandbox
import ServiceLifecycle
import Store

/// How `codeeval worker` was asked to run.
public struct WorkerOptions: Sendable {
    /// The job store (`store`, else `CODEEVAL_STORE`), the sandbox width and the lease. Runs share a PostgreSQL
    /// store with the jobs; with SQLite they keep their own file, `runsDatabasePath` (the CLI's default run store).
    public var service = ServiceOptions()
    public var runsDatabasePath = SQLiteRunStore.defaultPath()
    public var roles: Set<WorkerRole> = [.judge]
    /// Generate with this model (registry name or GGUF path), or with `endpoints` serving `remoteModel`.
    public var model: String?
    public var endpoints: [String] = []
    public var remoteModel: String?
    public var api: RemoteAPI = .completions
    public var concurrency = 4
    public var batchSize = ContinuousBatcher.defaultBatchSize
    public var datasets = DatasetStore()

    public init() {}
}

public enum WorkerRole: String, Sendable, CaseIterable {
    /// Service jobs' samples and detached runs' samples, in the sandbox.
    case judge
    /// Detached runs' samples, with the worker's model or endpoints.
    case generate

    /// `judge`, `generate` or both, comma-separated.
    public static func parse(_ text: String) throws -> Set<WorkerRole> {
        let roles = try text.split(separator: ",").map { part -> WorkerRole in
            let name = part.trimmingCharacters(in: .whitespaces)
            guard let r = WorkerRole(rawValue: name) else { throw ServiceSetupError(message: "--roles: unknown role '\(name)' (judge, generate)") }
            return r
        }
        guard !roles.isEmpty else { throw ServiceSetupError(message: "--roles needs judge, generate or both") }
        return Set(roles)
    }
}

public enum WorkerAssembly {
    /// Starts the roles' claim loops (service jobs with `judge`; detached runs with either role) and runs until
    /// SIGTERM or SIGINT, when units in flight are handed back.
    public static func run(_ o: WorkerOptions, logger: Logger, makePool: @escaping @Sendable (Int) throws -> RunnerPool) async throws {
        let judges = o.roles.contains(.judge)
        var generation: WorkerGeneration? = nil
        if o.roles.contains(.generate) {
            do {
                if !o.endpoints.isEmpty {
                    guard let m = o.remoteModel else { throw ServiceSetupError(message: "--endpoint needs --remote-model NAME") }
                    generation = try WorkerGeneration.remote(endpoints: o.endpoints, model: m, api: o.api, concurrency: o.concurrency)
                } else {
                    guard let m = o.model else { throw ServiceSetupError(message: "--roles generate needs --model or --endpoint") }
                    generation = try WorkerGeneration.local(model: m, batchSize: o.batchSize)
                }
            } catch let e as PlanError { throw ServiceSetupError(message: e.message) }
        }
        var services: [any Service] = []
        if judges { services.append(try WorkerService(try await ServiceAssembly.dependencies(o.service, logger: logger, makePool: makePool), logger: logger)) }
        let jobs = try o.service.storeLocation()
        let runs: StoreLocation
        if case .postgres = jobs { runs = jobs } else { runs = .sqlite(path: o.runsDatabasePath) }
        let worker = RunWorker(store: try await runs.openRuns(),
                               planner: RunPlanner(datasets: o.datasets, codeVersion: o.service.codeVersion, makePool: makePool),
                               generation: generation, judgeWidth: judges ? o.service.config.workers : nil,
                               policy: try o.service.leasePolicy(), log: { logger.info("\($0)") })
        logger.info("worker claiming", metadata: ["worker": "\(worker.id)", "roles": "\(o.roles.map(\.rawValue).sorted())",
                                                  "generator": "\(generation?.key ?? "-")"])
        services.append(RunWorkerService(worker: worker))
        try await ServiceGroup(configuration: .init(services: services, gracefulShutdownSignals: [.sigterm, .sigint],
                                                    logger: logger)).run()
    }
}

/// A `RunWorker` as a lifecycle service: stops claiming at shutdown and hands back what it holds.
struct RunWorkerService: Service {
    let worker: RunWorker

    func run() async throws {
        let work = Task { try await worker.run() }
        await withTaskCancellationHandler {
            try? await gracefulShutdown()
        } onCancel: { work.cancel() }
        work.cancel()
        _ = await work.result
    }
}
