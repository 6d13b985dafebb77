import Dispatch

/// Splits work over a fixed number of threads (default: all cores). Dispatch's worker threads
/// persist between calls, so a parallel section costs a wake-up, not a thread start; the
/// calling thread takes one share itself.
public struct WorkerPool: Sendable {
    public let threads: Int

    public init(threads: Int? = nil) {
        let n = threads ?? CPUInfo.activeCores
        self.threads = max(1, n)
    }

    /// Calls `body(range)` for `threads` contiguous slices of 0..<count (in parallel).
    public func forEachSlice(_ count: Int, minPerThread: Int = 1, _ body: (Range<Int>) -> Void) {
        let n = min(threads, max(1, count / max(minPerThread, 1)))
        if n <= 1 { body(0..<count); return }
        withoutActuallyEscaping(body) { body in
            let box = UncheckedBox(body)
            DispatchQueue.concurrentPerform(iterations: n) { i in
                let lo = count * i / n, hi = count * (i + 1) / n
                if lo < hi { box.value(lo..<hi) }
            }
        }
    }
}

struct UncheckedBox<T>: @unchecked Sendable {
    let value: T
    init(_ v: T) { value = v }
}

enum CPUInfo {
    static var activeCores: Int {
        #if canImport(Glibc)
        return Int(sysconf(Int32(_SC_NPROCESSORS_ONLN)))
        #else
        return 2
        #endif
    }
}

#if canImport(Glibc)
import Glibc
#endif
