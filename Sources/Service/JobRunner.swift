import Foundation
import Logging
import Scoring

/// Runs evaluation jobs one after another (FIFO), each with up to `gate.slots` samples at once.
/// Every verdict is committed to the store before the next sample is taken, so after a crash the runner
/// resumes with exactly the samples that have no committed verdict: nothing finished is lost or run twice.
public actor JobRunner {
    let store: JobStore
    let backend: any EvaluationBackend
    let gate: ExecutionGate
    let metrics: ServiceMetrics
    let logger: Logger
    private var queue: [String] = []
    private var cancelled: Set<String> = []
    private var wakeUp: CheckedContinuation<Void, Never>?
    private var loop: Task<Void, Never>?

    public init(store: JobStore, backend: any EvaluationBackend, gate: ExecutionGate, metrics: ServiceMetrics,
                logger: Logger) {
        self.store = store
        self.backend = backend
        self.gate = gate
        self.metrics = metrics
        self.logger = logger
    }

    /// Re-queues unfinished jobs from the store and starts the loop.
    public func start() async throws {
        let resumed = try await store.unfinishedJobIDs()
        if !resumed.isEmpty { logger.info("resuming jobs", metadata: ["count": "\(resumed.count)"]) }
        queue.append(contentsOf: resumed)
        guard loop == nil else { return }
        loop = Task { await self.run() }
    }

    public func stop() {
        loop?.cancel()
        loop = nil
        wakeUp?.resume()
        wakeUp = nil
    }

    public func enqueue(_ id: String) {
        queue.append(id)
        wakeUp?.resume()
        wakeUp = nil
    }

    public func cancel(_ id: String) {
        cancelled.insert(id)
    }

    public var queuedJobs: Int { queue.count }

    private func isCancelled(_ id: String) -> Bool { cancelled.contains(id) }

    private func run() async {
        while !Task.isCancelled {
            guard !queue.isEmpty else {
                await withCheckedContinuation { wakeUp = $0 }
                continue
            }
            let id = queue.removeFirst()
            do {
                try await process(id)
            } catch is CancellationError {
                return  // shutting down: the job stays queued/running in the store and resumes on restart
            } catch {
                if Task.isCancelled { return }
                logger.error("job failed", metadata: ["job": "\(id)", "error": "\(error)"])
                try? await store.setStatus(id, .failed, error: "internal error while running the job")
            }
        }
    }

    private func process(_ id: String) async throws {
        guard let job = try await store.job(id), !job.status.isFinal else { return }
        if isCancelled(id) { return }
        try await store.setStatus(id, .running)
        let pending = try await store.pendingSamples(jobID: id)
        let width = gate.slots
        try await withThrowingTaskGroup(of: Void.self) { group in
            var iterator = pending.makeIterator()
            var inFlight = 0
            func addNext() -> Bool {
                guard let sample = iterator.next() else { return false }
                group.addTask { try await self.runSample(job: job, sample: sample) }
                return true
            }
            while inFlight < width, addNext() { inFlight += 1 }
            while try await group.next() != nil {
                inFlight -= 1
                if isCancelled(id) || Task.isCancelled { continue }  // drain: let in-flight samples finish
                if addNext() { inFlight += 1 }
            }
        }
        if Task.isCancelled { return }  // shutting down: the job stays `running` and resumes on restart
        if isCancelled(id) { return }
        let counts = try await store.taskCounts(jobID: id)
        let pak = PassAtK.aggregate(counts, ks: job.ks)
        try await store.setStatus(id, .done, passAtK: pak)
        logger.info("job done", metadata: ["job": "\(id)", "samples": "\(job.total)"])
    }

    private nonisolated func runSample(job: JobRecord, sample: SampleRow) async throws {
        let start = ContinuousClock.now
        let verdict: SampleVerdict
        do {
            verdict = try await gate.withSlot(bounded: false) {
                try await backend.evaluate(benchmark: job.benchmark, taskID: sample.taskID,
                                           completion: sample.completion, timeoutSeconds: job.timeoutSeconds)
            } ?? SampleVerdict(passed: false, result: "failed: sandbox unavailable")
        } catch is CancellationError {
            throw CancellationError()
        } catch {
            // The sample is not the program's fault: keep it pending so a restart retries it.
            logger.error("sample evaluation error", metadata: ["job": "\(job.id)", "idx": "\(sample.index)", "error": "\(error)"])
            throw error
        }
        metrics.recordSample(passed: verdict.passed, duration: ContinuousClock.now - start)
        try await store.recordResult(jobID: job.id, index: sample.index, verdict: verdict)
    }
}
