import Foundation

/// Runs blocking work (waiting for a launcher or a zygote for a whole run) on a thread of its own.
///
/// Not on Dispatch's global queues: on Linux their thread pool is as wide as the machine (two threads here), it does
/// not notice that a thread is blocked until its monitor runs (measured: a 0.58 s stall, everything idle, when two
/// pool workers waited for their zygotes and the frame write queued behind them), and Swift's async tasks resume on
/// the same pool. A thread per run costs tens of microseconds; a run costs milliseconds.
enum BlockingThread {
    static func run<T: Sendable>(_ body: @escaping @Sendable () -> T) async -> T {
        await withCheckedContinuation { (cont: CheckedContinuation<T, Never>) in
            let thread = Thread { cont.resume(returning: body()) }
            thread.name = "codeeval-sandbox-run"
            thread.stackSize = 1 << 20
            thread.start()
        }
    }
}
