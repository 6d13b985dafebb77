import Foundation

/// Bounded admission to the sandbox workers: at most `slots` programs run at once, at most `maxWaiting`
/// callers wait (FIFO); more are refused so memory never grows with load.
public actor ExecutionGate {
    public let slots: Int
    public let maxWaiting: Int
    private var running = 0
    private var waiters: [CheckedContinuation<Void, Never>] = []

    public init(slots: Int, maxWaiting: Int) {
        self.slots = max(1, slots)
        self.maxWaiting = max(0, maxWaiting)
    }

    public var waiting: Int { waiters.count }
    public var busy: Int { running }

    /// Waits for a slot. `bounded == false` is for the job runner, which itself never has more than `slots`
    /// tasks waiting. Returns false when the queue is full.
    public func acquire(bounded: Bool = true) async -> Bool {
        if running < slots && waiters.isEmpty {
            running += 1
            return true
        }
        if bounded && waiters.count >= maxWaiting { return false }
        await withCheckedContinuation { waiters.append($0) }
        return true  // the slot was handed over by release()
    }

    public func release() {
        if waiters.isEmpty {
            running -= 1
        } else {
            waiters.removeFirst().resume()  // hand the slot over; `running` unchanged
        }
    }

    /// Runs `body` holding a slot; `nil` if the queue is full.
    public nonisolated func withSlot<T: Sendable>(bounded: Bool = true, _ body: () async throws -> T) async rethrows -> T? {
        guard await acquire(bounded: bounded) else { return nil }
        do {
            let value = try await body()
            await release()
            return value
        } catch {
            await release()
            throw error
        }
    }
}
