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
        let job: GenerationJob
        let done: @Sendable (Result<Generation, Error>) -> Void
    }

    private let condition = NSCondition()
    private var pending: [Pending] = []
    private var running = false
    // Owned by the decode thread.
    private let prefixes: PrefixCache

    public init(generator: Generator, batchSize: Int = ContinuousBatcher.defaultBatchSize, prefixCacheEntries: Int = 4) {
        self.generator = generator
        self.batchSize = max(1, batchSize)
        self.prefixes = PrefixCache(capacity: prefixCacheEntries)
    }

    /// Queues a job; `done` is called once, on the decode thread.
    public func submit(_ job: GenerationJob, done: @escaping @Sendable (Result<Generation, Error>) -> Void) {
        condition.lock()
        pending.append(Pending(job: job, done: done))
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

    public func generate(_ job: GenerationJob) async throws -> Generation {
        try await withCheckedThrowingContinuation { cont in
            submit(job) { cont.resume(with: $0) }
        }
    }

    /// Runs until no request is waiting or in flight, then exits (the next `submit` starts a new one).
    private func decodeLoop() {
        var decoder = BatchDecoder(generator: generator, prefixes: prefixes)
        var callbacks: [Int: @Sendable (Result<Generation, Error>) -> Void] = [:]
        var nextID = 0
        while true {
            condition.lock()
            let free = batchSize - decoder.count
            let admitted = Array(pending.prefix(free))
            pending.removeFirst(admitted.count)
            if admitted.isEmpty && decoder.isEmpty {
                running = false
                condition.unlock()
                return
            }
            condition.unlock()
            for p in admitted {
                do {
                    try decoder.admit(p.job, id: nextID)
                    callbacks[nextID] = p.done
                    nextID += 1
                } catch {
                    p.done(.failure(error))
                }
            }
            do {
                for (id, g) in try decoder.step() { callbacks.removeValue(forKey: id)?(.success(g)) }
            } catch {
                // A failed batched step (not expected: capacities are checked at admission) fails
                // every sequence in it; the decoder has dropped them.
                for (_, done) in callbacks { done(.failure(error)) }
                callbacks = [:]
            }
        }
    }
}
