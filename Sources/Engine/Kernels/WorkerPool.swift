#if canImport(Glibc)
import Glibc
#endif
import CKernels
import Synchronization

/// Persistent worker threads for the forward pass. A decode step runs a few hundred short
/// parallel sections (one per matmul group), so waking threads per section would cost more
/// than the work: workers spin on a generation counter for a few milliseconds after each
/// section (the next one arrives within microseconds during generation), then block on a
/// condition variable so an idle engine uses no CPU. The caller takes tasks too.
///
/// Tasks are handed out dynamically (an atomic counter), so a core slowed by a neighbour
/// does not stall the section: the other core takes more tasks.
///
/// Pools are shared per thread count and live for the process (`WorkerPool.shared`), so
/// loading many models never multiplies threads.
public final class WorkerPool: @unchecked Sendable {
    private static let cache = Mutex<[Int: WorkerPool]>([:])

    /// The process-wide pool with `threads` threads (default: all cores).
    public static func shared(threads: Int? = nil) -> WorkerPool {
        let n = max(1, threads ?? CPUInfo.activeCores)
        return cache.withLock { pools in
            if let p = pools[n] { return p }
            let p = WorkerPool(count: n)
            pools[n] = p
            return p
        }
    }

    public let threads: Int

    private let generation = Atomic<Int>(0)
    private let nextTask = Atomic<Int>(0)
    private let finishedWorkers = Atomic<Int>(0)
    private let sleepers = Atomic<Int>(0)
    // Written by the caller before the releasing generation bump, read by workers after it.
    private var taskCount = 0
    private var job: ((Int) -> Void)?
    private let mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
    private let cond = UnsafeMutablePointer<pthread_cond_t>.allocate(capacity: 1)
    private var handles: [pthread_t] = []
    /// Serialises callers: one parallel section at a time per pool.
    private let callerLock = Mutex<Void>(())

    private init(count: Int) {
        self.threads = count
        pthread_mutex_init(mutex, nil)
        pthread_cond_init(cond, nil)
        for _ in 1..<self.threads {
            let me = Unmanaged.passRetained(self)
            var handle = pthread_t()
            let rc = pthread_create(&handle, nil, { arg in
                Unmanaged<WorkerPool>.fromOpaque(arg!).takeUnretainedValue().workerLoop()
                return nil
            }, me.toOpaque())
            if rc == 0 { handles.append(handle) } else { me.release() }
        }
    }

    private var workerCount: Int { handles.count }

    /// Runs `body(i)` for every i in 0..<count across the pool; returns when all are done.
    public func run(tasks count: Int, _ body: (Int) -> Void) {
        if count <= 0 { return }
        if workerCount == 0 || count == 1 { for i in 0..<count { body(i) }; return }
        callerLock.withLock { _ in
            withoutActuallyEscaping(body) { body in
                job = body
                taskCount = count
                nextTask.store(0, ordering: .relaxed)
                finishedWorkers.store(0, ordering: .relaxed)
                // Sequentially consistent with the sleeper count (Dekker): a worker going to
                // sleep either sees the new generation or is seen here and woken.
                generation.add(1, ordering: .sequentiallyConsistent)
                if sleepers.load(ordering: .sequentiallyConsistent) > 0 {
                    pthread_mutex_lock(mutex); pthread_cond_broadcast(cond); pthread_mutex_unlock(mutex)
                }
                work()
                var spins = 0
                while finishedWorkers.load(ordering: .acquiring) < workerCount {
                    spins += 1
                    ck_cpu_relax()
                    if spins & 65535 == 0 { sched_yield() }
                }
                job = nil
            }
        }
    }

    /// Calls `body(range)` for contiguous slices of 0..<count, at least `minPerTask` each,
    /// about four slices per thread so an uneven core is balanced.
    public func forEachSlice(_ count: Int, minPerTask: Int = 1, _ body: (Range<Int>) -> Void) {
        let slices = max(1, min(threads * 4, count / max(minPerTask, 1)))
        if slices == 1 { body(0..<count); return }
        run(tasks: slices) { i in
            let lo = count * i / slices, hi = count * (i + 1) / slices
            if lo < hi { body(lo..<hi) }
        }
    }

    private func work() {
        let body = job!
        let n = taskCount
        while true {
            let i = nextTask.add(1, ordering: .relaxed).oldValue
            if i >= n { break }
            body(i)
        }
    }

    private func workerLoop() {
        // Generation 0 is the pool's state at construction; a section started before this
        // thread got scheduled has already bumped it and must still be joined.
        var seen = 0
        while true {
            // Spin (≈ a few ms), then sleep until the next section.
            var spins = 0
            var current = generation.load(ordering: .acquiring)
            while current == seen {
                spins += 1
                if spins < 200_000 {
                    // pause, not sched_yield: a yield is a system call per few hundred spins and hands the
                    // core to any other runnable process for a whole time slice, so the next section
                    // (microseconds away) would start late; the rare yield keeps an oversubscribed machine fair.
                    ck_cpu_relax()
                    if spins & 65535 == 0 { sched_yield() }
                } else {
                    pthread_mutex_lock(mutex)
                    sleepers.add(1, ordering: .sequentiallyConsistent)
                    while generation.load(ordering: .sequentiallyConsistent) == seen { pthread_cond_wait(cond, mutex) }
                    sleepers.subtract(1, ordering: .sequentiallyConsistent)
                    pthread_mutex_unlock(mutex)
                    spins = 0
                }
                current = generation.load(ordering: .acquiring)
            }
            seen = current
            work()
            finishedWorkers.add(1, ordering: .releasing)
        }
    }
}

enum CPUInfo {
    static var activeCores: Int {
        #if canImport(Glibc)
        return max(1, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))))
        #else
        return 2
        #endif
    }
}
