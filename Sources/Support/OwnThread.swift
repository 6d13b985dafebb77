import Foundation

/// Runs blocking or long CPU-bound work (a sandbox run, a forward pass, likelihood scoring) on a thread of its own
/// and resumes the caller when it is done.
///
/// Not on Swift's cooperative pool, nor on Dispatch's global queues: on Linux both are as wide as the machine (two
/// threads on a two-core host). Work that holds one of those threads for seconds starves every task queued behind it:
/// HTTP handlers, store deadlines, lease renewals. A thread costs tens of microseconds; the work costs milliseconds.
public enum OwnThread {
    public static func run<T: Sendable>(name: String, stackSize: Int = 8 << 20,
                                        _ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { (cont: CheckedContinuation<T, any Error>) in
            start(name: name, stackSize: stackSize) { cont.resume(with: Result { try body() }) }
        }
    }

    public static func run<T: Sendable>(name: String, stackSize: Int = 8 << 20,
                                        _ body: @escaping @Sendable () -> T) async -> T {
        await withCheckedContinuation { (cont: CheckedContinuation<T, Never>) in
            start(name: name, stackSize: stackSize) { cont.resume(returning: body()) }
        }
    }

    private static func start(name: String, stackSize: Int, _ main: @escaping @Sendable () -> Void) {
        let thread = Thread(block: main)
        thread.name = name
        thread.stackSize = stackSize
        thread.start()
    }
}
