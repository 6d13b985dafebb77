import Foundation

/// Serves generation requests from many callers through one batched decode loop
/// (continuous batching): a request joins the running batch at the next step, runs its
/// prompt (reusing any cached prefix, `PrefixCache`), and leaves the batch as soon as it
/// finishes, when a waiting request takes its place. A whole benchmark run thus decodes up to
/// `batchSize` tasks at once, reading the weights once per step for all of them.
///
/// Results do not depend on batching: every request gets exactly what `Generator.generate`
/// returns for the same prompt and parameters (BatchGenerationTests), so runs stay
/// reproducible whatever the batch size and arrival order.
public final class ContinuousBatcher: @unchecked Sendable {
    public let generator: Generator
    public let batchSize: Int
    /// Measured on qwen2.5-coder-0.5b HumanEval greedy: 1.66× one task at a time, no gain at 32 (BENCHMARKS.md,
    /// "Runs through the continuous batcher").
    public static let defaultBatchSize = 16

    private struct Pending {
        let id: Int
        let job: GenerationJob
        let done: @Sendable (Result<Generation, Error>) -> Void
    }

    // Guarded by `condition`.
    private let condition = NSCondition()
    private var pending: [Pending] = []
    private var running = false
    private var nextID = 0
    /// Ids handed out by `generate` whose job is not submitted yet, and those of them already cancelled.
    private var reserved = Set<Int>()
    private var cancelledBeforeSubmit = Set<Int>()
    /// Ids admitted to the decoder, and those of them whose caller has gone (dropped at the next step).
    private var inBatch = Set<Int>()
    private var dropRequests = Set<Int>()
    // Owned by the decode thread.
    private let prefixes: PrefixCache

    public init(generator: Generator, batchSize: Int = ContinuousBatcher.defaultBatchSize, prefixCacheEntries: Int = 4) {
        self.generator = generator
        self.batchSize = max(1, batchSize)
        self.prefixes = PrefixCache(capacity: prefixCacheEntries)
    }

    /// Jobs queued or in the batch: what the batcher still owes answers for.
    public var inFlight: Int {
        condition.lock()
        defer { condition.unlock() }
        return pending.count + inBatch.count
    }

    /// Queues a job; `done` is called once, on the decode thread (or on the caller's when cancelled while queued).
    public func submit(_ job: GenerationJob, done: @escaping @Sendable (Result<Generation, Error>) -> Void) {
        condition.lock()
        let id = nextID
        nextID += 1
        condition.unlock()
        submit(job, id: id, done: done)
    }

    private func submit(_ job: GenerationJob, id: Int, done: @escaping @Sendable (Result<Generation, Error>) -> Void) {
        condition.lock()
        reserved.remove(id)
        if cancelledBeforeSubmit.remove(id) != nil {
            condition.unlock()
            done(.failure(CancellationError()))
            return
        }
        pending.append(Pending(id: id, job: job, done: done))
        let start = !running
        running = true
        condition.unlock()
        if start {
            let thread = Thread { [self] in decodeLoop() }
            thread.name = "codeeval-decode"
            thread.stackSize = 8 << 20
            thread.start()
        }
    }

    /// The job's generation. Cancelling the calling task takes the job out of the queue, or out of the batch before
    /// the next step, and throws `CancellationError`: a server whose client has gone frees the slot at once.
    public func generate(_ job: GenerationJob) async throws -> Generation {
        let id = reserveID()
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { cont in
                submit(job, id: id) { cont.resume(with: $0) }
            }
        } onCancel: {
            cancel(id)
        }
    }

    private func reserveID() -> Int {
        condition.lock()
        defer { condition.unlock() }
        let id = nextID
        nextID += 1
        reserved.insert(id)
        return id
    }

    private func cancel(_ id: Int) {
        condition.lock()
        if reserved.contains(id) {
            cancelledBeforeSubmit.insert(id)
        } else if inBatch.contains(id) {
            dropRequests.insert(id)
        } else if let i = pending.firstIndex(where: { $0.id == id }) {
            let p = pending.remove(at: i)
            condition.unlock()
            p.done(.failure(CancellationError()))
            return
        }
        condition.unlock()
    }

    /// Runs until no request is waiting or in flight, then exits (the next `submit` starts a new one).
    private func decodeLoop() {
        var decoder = BatchDecoder(generator: generator, prefixes: prefixes)
        var callbacks: [Int: @Sendable (Result<Generation, Error>) -> Void] = [:]
        while true {
            condition.lock()
            let drops = dropRequests
            dropRequests = []
            inBatch.subtract(drops)
            condition.unlock()
            if !drops.isEmpty {
                decoder.remove(drops)
                for id in drops { callbacks.removeValue(forKey: id)?(.failure(CancellationError())) }
            }
            condition.lock()
            let free = batchSize - decoder.count
            let admitted = Array(pending.prefix(free))
            pending.removeFirst(admitted.count)
            if admitted.isEmpty && decoder.isEmpty {
                running = false
                condition.unlock()
                return
            }
            inBatch.formUnion(admitted.map(\.id))
            condition.unlock()
            for p in admitted {
                do {
                    try decoder.admit(p.job, id: p.id)
                    callbacks[p.id] = p.done
                } catch {
                    left([p.id])
                    p.done(.failure(error))
                }
            }
            do {
                let finished = try decoder.step()
                left(finished.map(\.id))
                for (id, g) in finished { callbacks.removeValue(forKey: id)?(.success(g)) }
            } catch {
                // A failed batched step (not expected: capacities are checked at admission) fails
                // every sequence in it; the decoder has dropped them.
                left(Array(callbacks.keys))
                for (_, done) in callbacks { done(.failure(error)) }
                callbacks = [:]
            }
        }
    }

    private func left(_ ids: [Int]) {
        condition.lock()
        inBatch.subtract(ids)
        condition.unlock()
    }
}
