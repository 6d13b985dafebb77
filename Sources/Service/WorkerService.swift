import Foundation
import Logging
import ServiceLifecycle

/// `codeeval worker`: a job runner without the HTTP routes. It claims evaluation samples from a shared store and
/// judges them in its own sandbox, so judging capacity grows by adding workers on sandbox hosts while the API
/// replicas stay small. SIGTERM or SIGINT stops claiming, cancels the samples in flight and hands their leases back.
public struct WorkerService: Service {
    let runner: JobRunner

    /// Refuses a host whose sandbox does not work: a worker exists to run untrusted programs.
    public init(_ deps: ServiceDependencies, logger: Logger) throws {
        guard deps.executor.layerAvailability()["sandbox"] == true else {
            throw ServiceSetupError(message: "the sandbox is not usable on this host (see `codeeval exec --help`); a worker does not judge without it")
        }
        runner = JobRunner(store: deps.store, backend: deps.evaluator,
                           gate: ExecutionGate(slots: deps.config.workers, maxWaiting: 0), metrics: ServiceMetrics(),
                           logger: logger, policy: deps.config.lease)
    }

    public func run() async throws {
        await runner.start()
        try? await gracefulShutdown()
        await runner.stop()
    }
}
