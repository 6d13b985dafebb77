import Datasets
import Foundation
import Hummingbird
import Logging
import NIOCore

/// Everything one server instance needs; the routes are thin functions over it.
public struct ServiceDependencies: Sendable {
    public var config: ServiceConfig
    public var store: any JobQueueStore
    public var executor: any Executor
    public var evaluator: any EvaluationBackend
    public var completions: (any CompletionBackend)?
    public var keys: [APIKey]?
    /// Benchmark runs (`/v1/runs`), when the server has a model to generate with.
    public var runs: RunQueue?

    public init(config: ServiceConfig, store: any JobQueueStore, executor: any Executor, evaluator: any EvaluationBackend,
                completions: (any CompletionBackend)? = nil, keys: [APIKey]? = nil, runs: RunQueue? = nil) {
        self.config = config
        self.store = store
        self.executor = executor
        self.evaluator = evaluator
        self.completions = completions
        self.keys = keys
        self.runs = runs
    }
}

/// A running service's parts, kept for tests and for shutdown.
public struct ServiceHandle: Sendable {
    public let gate: ExecutionGate
    public let runner: JobRunner
    public let metrics: ServiceMetrics
}

public enum ServiceApp {
    /// Builds the router and the job runner; call `handle.runner.start()` before serving.
    public static func router(_ deps: ServiceDependencies, logger: Logger) -> (Router<ServiceContext>, ServiceHandle) {
        let metrics = ServiceMetrics()
        let gate = ExecutionGate(slots: deps.config.workers, maxWaiting: deps.config.maxWaiting)
        let runner = JobRunner(store: deps.store, backend: deps.evaluator, gate: gate, metrics: metrics, logger: logger,
                               policy: deps.config.lease)
        let handle = ServiceHandle(gate: gate, runner: runner, metrics: metrics)
        let router = Router(context: ServiceContext.self)
        router.add(middleware: AccessLogMiddleware(metrics: metrics, logger: logger))
        // Probes, metrics and the spec are for load balancers and scrapers: no key.
        ProbeController(deps: deps, handle: handle).register(on: router)
        // Everything under /v1 needs a key (when keys are configured); the middleware belongs to the group, so a
        // route added there cannot forget it.
        let v1 = router.group("v1").add(middleware: AuthMiddleware(limiter: deps.keys.map {
            KeyLimiter(keys: $0, shared: deps.store as? any SharedKeyLimits)
        }))
        let body = RequestBodyReader(config: deps.config)
        ExecutionController(deps: deps, handle: handle, body: body).register(on: v1)
        EvaluationController(deps: deps, handle: handle, body: body, logger: logger).register(on: v1)
        CompletionController.registerModels(on: v1, models: deps.completions?.models ?? [])
        if let completions = deps.completions {
            CompletionController(backend: completions, body: body).register(on: v1)
        }
        if let runs = deps.runs {
            RunController(runs: runs, body: body, config: deps.config).register(on: v1)
        }
        return (router, handle)
    }

    /// The HTTP application; `onServerRunning` gets the bound port (port 0 = ephemeral).
    public static func application(
        _ deps: ServiceDependencies, logger: Logger,
        onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in }
    ) async throws -> (some ApplicationProtocol, ServiceHandle) {
        let (router, handle) = router(deps, logger: logger)
        await handle.runner.start()
        await deps.runs?.resumeUnfinished()
        if deps.config.retentionSeconds > 0 { startRetention(deps, logger: logger) }
        let app = Application(
            router: router,
            server: .http1(configuration: .init(idleTimeout: .seconds(Int64(deps.config.idleTimeoutSeconds)))),
            configuration: .init(address: .hostname(deps.config.host, port: deps.config.port), serverName: "codeeval"),
            onServerRunning: { channel in await onServerRunning(channel.localAddress?.port ?? -1) },
            logger: logger)
        return (app, handle)
    }

    /// Prunes old executions and finished jobs at start and then every hour (or every retention period, if shorter).
    static func startRetention(_ deps: ServiceDependencies, logger: Logger) {
        let keep = deps.config.retentionSeconds, store = deps.store
        Task.detached {
            while !Task.isCancelled {
                do {
                    let n = try await store.prune(before: Date().timeIntervalSince1970 - keep)
                    if n.executions + n.jobs > 0 {
                        logger.info("retention", metadata: ["executions": "\(n.executions)", "jobs": "\(n.jobs)"])
                    }
                } catch {
                    logger.error("retention failed", metadata: ["error": "\(error)"])
                }
                try? await Task.sleep(for: .seconds(min(keep, 3600)))
            }
        }
    }
}
