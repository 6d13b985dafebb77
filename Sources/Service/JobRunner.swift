import Foundation
import Logging
import Scoring
import Store

/// Claims evaluation samples from the store and runs up to `gate.slots` of them at once. Work is leased, not owned:
/// any number of runners (in one process or many, sharing a store) claim from one queue; a runner that dies loses
/// only its leases, which expire on the database clock and are claimed again. A verdict is committed once (the
/// first wins, so a program that ran twice after a fault is recorded once) and whoever records a job's last verdict
/// finalises it, once. An infrastructure error gives the sample back; a sample that keeps failing that way is
/// parked and its job fails with a named error, never scored as the program's failure.
public actor JobRunner {
    let store: any JobQueueStore
    let backend: any EvaluationBackend
    let gate: ExecutionGate
    let metrics: ServiceMetrics
    let logger: Logger
    let policy: LeasePolicy
    /// How often an idle runner looks for work it was not told about (the fallback for missed notifications).
    let pollInterval: Duration
    /// This runner's name on its leases and verdicts: unique per process start.
    public nonisolated let workerID: String
    private var inFlight: [UUID: Task<Void, Never>] = [:]
    private var wakePending = false
    private var wakeUp: CheckedContinuation<Void, Never>?
    private var tasks: [Task<Void, Never>] = []

    public init(store: any JobQueueStore, backend: any EvaluationBackend, gate: ExecutionGate, metrics: ServiceMetrics,
                logger: Logger, policy: LeasePolicy = LeasePolicy(), pollInterval: Duration = .seconds(1)) {
        self.store = store
        self.backend = backend
        self.gate = gate
        self.metrics = metrics
        self.logger = logger
        self.policy = policy
        self.pollInterval = pollInterval
        workerID = "\(ProcessInfo.processInfo.hostName)-\(getpid())-\(UUID().uuidString.prefix(8).lowercased())"
    }

    /// Starts claiming (and renewing leases, and listening for new work). Work left by a crash needs no resuming:
    /// its leases expire and it is claimed like any other.
    public func start() {
        guard tasks.isEmpty else { return }
        tasks.append(Task { await self.claimLoop() })
        tasks.append(Task { await self.renewLoop() })
        let store = store
        tasks.append(Task { await store.listenForWork { await self.wake() } })
    }

    /// Stops claiming and cancels the samples in flight, which give their leases back, so the next runner claims them
    /// at once instead of after the lease; returns when they have.
    public func stop() async {
        for t in tasks { t.cancel() }
        tasks = []
        wake()
        let running = Array(inFlight.values)
        for t in running { t.cancel() }
        for t in running { await t.value }
    }

    /// Something changed (a job was submitted here, a slot freed): look for work now rather than at the next poll.
    public func wake() {
        wakePending = true
        wakeUp?.resume()
        wakeUp = nil
    }

    private func sleepUntilWoken() async {
        if wakePending { wakePending = false; return }
        let interval = pollInterval
        let timer = Task {
            do { try await Task.sleep(for: interval) } catch { return }
            self.wake()
        }
        await withCheckedContinuation { wakeUp = $0 }
        timer.cancel()
        wakePending = false
    }

    private func claimLoop() async {
        while !Task.isCancelled {
            do {
                let free = gate.slots - inFlight.count
                let claimed = try await store.claim(worker: workerID, limit: free, policy: policy)
                if Task.isCancelled {  // stopped while claiming: hand these back too
                    let (store, worker) = (store, workerID)
                    await Task { for s in claimed { try? await store.release(s, worker: worker, error: "runner stopped") } }.value
                    return
                }
                for sample in claimed {
                    let id = UUID()
                    inFlight[id] = Task {
                        await self.runSample(sample)
                        self.sampleDone(id)
                    }
                }
                if claimed.isEmpty { try await finalizeReady(jobID: nil) }
            } catch {
                if Task.isCancelled { return }
                logger.error("claim failed", metadata: ["error": "\(error)"])
            }
            await sleepUntilWoken()
        }
    }

    private func renewLoop() async {
        while !Task.isCancelled {
            try? await Task.sleep(for: .seconds(policy.leaseSeconds / 3))
            if Task.isCancelled { return }
            do { try await store.renew(worker: workerID, policy: policy) } catch {
                logger.error("lease renewal failed", metadata: ["error": "\(error)"])
            }
        }
    }

    private func sampleDone(_ id: UUID) {
        inFlight[id] = nil
        wake()
    }

    /// Finalises `jobID` (after recording one of its verdicts) or, when idle, every active job with no sample left,
    /// which also covers a job whose finaliser died between its last verdict and the update.
    private func finalizeReady(jobID: String?) async throws {
        for job in try await store.finalizable(jobID: jobID) {
            let pak = PassAtK.aggregate(try await store.taskCounts(jobID: job.id), ks: job.ks)
            if try await store.finish(jobID: job.id, passAtK: pak, worker: workerID) {
                logger.info("job done", metadata: ["job": "\(job.id)"])
            }
        }
    }

    private nonisolated func runSample(_ sample: ClaimedSample) async {
        let start = ContinuousClock.now
        let verdict: SampleVerdict
        do {
            verdict = try await gate.withSlot(bounded: false) {
                try await backend.evaluate(benchmark: sample.benchmark, taskID: sample.taskID,
                                           completion: sample.completion, timeoutSeconds: sample.timeoutSeconds)
            } ?? SampleVerdict(passed: false, result: "failed: sandbox unavailable")
        } catch {
            // Stopped, or not the program's fault: give the sample back for another attempt (parked after too many).
            // The release runs outside this (possibly cancelled) task so that it reaches the store.
            if !(error is CancellationError) {
                logger.error("sample evaluation error", metadata: ["job": "\(sample.jobID)", "idx": "\(sample.index)", "error": "\(error)"])
            }
            let (store, worker) = (store, workerID)
            await Task { try? await store.release(sample, worker: worker, error: "\(error)") }.value
            return
        }
        do {
            if try await store.record(sample, verdict: verdict, worker: workerID) {
                metrics.recordSample(passed: verdict.passed, duration: ContinuousClock.now - start)
            }
            try await finalizeReady(jobID: sample.jobID)
        } catch {
            // The verdict did not commit: the lease expires and the sample runs again.
            logger.error("recording a verdict failed", metadata: ["job": "\(sample.jobID)", "error": "\(error)"])
        }
    }
}
