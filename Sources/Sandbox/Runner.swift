import Foundation
import Support
import Synchronization

/// A program to run: Python source, and whether a pass needs the harness's proof (see `ProofOfPass`).
public struct Program: Sendable {
    public var source: String
    public var requireProof: Bool

    public init(source: String, requireProof: Bool = false) {
        self.source = source
        self.requireProof = requireProof
    }
}

/// Runs programs through the `codeeval-sandbox` launcher, one launcher process per run.
///
/// The launcher is the security boundary (namespaces, mounts, rlimits, seccomp; see `Sandbox/launcher/main.c`);
/// this type spawns it with an empty environment, passes the program on its stdin, and turns its JSON report
/// into an `Execution`. Blocking waits run on Dispatch threads, never on Swift's cooperative pool.
public struct Runner: Sendable {
    public let launcher: String
    public let python: String

    public init(launcher: String? = nil, python: String? = nil, environment: [String: String] = ProcessInfo.processInfo.environment) {
        // A launcher that already exited (it rejected an oversized program) answers our write with EPIPE.
        BrokenPipe.ignoreSignal()
        self.launcher = launcher ?? environment["CODEEVAL_SANDBOX"] ?? Runner.defaultLauncherPath()
        self.python = python ?? environment["CODEEVAL_PYTHON"] ?? "/usr/bin/python3"
    }

    /// The launcher next to the running executable (the CLI, or the test bundle in `.build/<config>/`).
    static func defaultLauncherPath() -> String {
        let exe = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        var dir = URL(fileURLWithPath: exe).deletingLastPathComponent()
        if dir.lastPathComponent.hasSuffix(".xctest") { dir = dir.deletingLastPathComponent() }
        return dir.appendingPathComponent("codeeval-sandbox").path
    }

    /// The launcher's arguments: the limits that shape the jail (cgroup memory and pids limits, rlimits, work dir,
    /// seccomp profile, interpreter). A run can use a pre-spawned launcher only if these match its own. The wall
    /// and CPU limits travel in the program's frame instead (see `frame`), so one prepared jail fits any time limit.
    public func setupArguments(for limits: Limits) -> [String] {
        var args = [
            "--framed",
            "--mem-mb", String(max(16, limits.memoryBytes >> 20)),
            "--fsize-mb", String(max(0, limits.fileSizeBytes >> 20)),
            "--nofile", String(max(8, limits.openFiles)),
            "--nproc", String(max(1, limits.processes)),
            "--output-cap", String(max(0, limits.outputCapBytes)),
            "--work-mb", String(max(1, limits.workDirMB)),
            "--profile", limits.profile.rawValue,
            "--python", python,
        ]
        if let root = limits.cgroupRoot { args += ["--cgroup-root", root] }
        if limits.allowDegraded { args.append("--allow-degraded") }
        return args
    }

    /// What a `--framed` launcher reads on stdin: "<length> <timeout-ms> <cpu-s>\n", then the program's bytes.
    static func frame(_ program: Program, limits: Limits) -> Data {
        let source = Data(program.source.utf8)
        let timeoutMs = max(1, Int((limits.wallSeconds * 1000).rounded()))
        var data = Data("\(source.count) \(timeoutMs) \(max(1, limits.cpuSeconds))\n".utf8)
        data.append(source)
        return data
    }

    public func run(_ program: Program, limits: Limits = Limits(), prepared: PreparedLaunch? = nil) async -> Execution {
        await OwnThread.run(name: "codeeval-sandbox-run", stackSize: 1 << 20) { self.runBlocking(program, limits: limits, prepared: prepared) }
    }

    /// Why no program can run (the launcher is missing), or nil. Callers that are about to start long work
    /// check this first instead of collecting one sandbox error per program.
    public var launcherProblem: String? {
        FileManager.default.isExecutableFile(atPath: launcher) ? nil
            : "sandbox launcher not found at \(launcher) (build it with `swift build [-c release] --product codeeval-sandbox`, or set CODEEVAL_SANDBOX)"
    }

    /// Why `--zygote` cannot run here (no launcher, an interpreter other than the one the launcher embeds, or no
    /// libpython), or nil. Asked of the launcher itself (`--zygote-check`) once per launcher and interpreter.
    public var zygoteProblem: String? {
        if let problem = launcherProblem { return problem }
        let key = launcher + "\u{0}" + python
        return ZygoteCheck.cache.withLock { cache in
            if let known = cache[key] { return known }
            let answer = ZygoteCheck.ask(launcher: launcher, python: python)
            cache[key] = .some(answer)
            return answer
        }
    }

    /// Starts a launcher for a run with these limits before the program is known. It creates and joins the run's
    /// cgroups, drops to the run's uid, unshares the namespaces and builds the root filesystem, then waits for its
    /// program (`runBlocking(_:limits:prepared:)`); nothing of it is shared with any other run.
    public func prepare(_ limits: Limits) -> Result<PreparedLaunch, SandboxStartError> {
        if let problem = launcherProblem { return .failure(SandboxStartError(message: problem)) }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: launcher)
        let setup = setupArguments(for: limits)
        process.arguments = setup
        process.environment = [:]
        let stdin = Pipe(), stdout = Pipe(), stderr = Pipe()
        process.standardInput = stdin
        process.standardOutput = stdout
        process.standardError = stderr
        do { try process.run() } catch {
            return .failure(SandboxStartError(message: "cannot start the sandbox launcher: \(error)"))
        }
        return .success(PreparedLaunch(process: process, stdin: stdin, stdout: stdout, stderr: stderr, setup: setup))
    }

    /// Synchronous version (blocks the calling thread). Uses `prepared` if it was started for the same jail
    /// limits (otherwise it is cancelled and a launcher is started now).
    public func runBlocking(_ program: Program, limits: Limits, prepared: PreparedLaunch? = nil) -> Execution {
        let launch: PreparedLaunch
        if let prepared, prepared.setup == setupArguments(for: limits) {
            launch = prepared
        } else {
            prepared?.cancel()
            switch prepare(limits) {
            case .success(let fresh): launch = fresh
            case .failure(let error): return .sandboxFailure(error.message)
            }
        }
        let process = launch.process
        let started = DispatchTime.now()
        // A watchdog in case the launcher itself hangs (it enforces the wall limit on the jail). It holds only the
        // pid, so a finished run's Process and pipes are released at once (no fd build-up under load).
        let pid = process.processIdentifier
        let finished = ManagedFlag()
        DispatchQueue.global().asyncAfter(deadline: .now() + limits.wallSeconds + 10) {
            if !finished.isSet { kill(pid, SIGKILL) }
        }
        let writer = DispatchQueue(label: "codeeval.sandbox.stdin")
        let frame = Runner.frame(program, limits: limits)
        writer.async {
            launch.send(frame)
        }
        // The launcher writes only a short usage or error line to stderr, so reading it after stdout cannot block.
        let outData = launch.stdout.fileHandleForReading.readDataToEndOfFile()
        let errData = launch.stderr.fileHandleForReading.readDataToEndOfFile()
        try? launch.stdout.fileHandleForReading.close()
        try? launch.stderr.fileHandleForReading.close()
        let wall = Int((DispatchTime.now().uptimeNanoseconds - started.uptimeNanoseconds) / 1_000_000)
        // The launcher closes its output once the verdict is final and only then removes the run's cgroups. A
        // complete report is the verdict: reap the launcher off this thread (the watchdog stays armed until it
        // exits). Without one, its exit status is part of the error, so wait for it here.
        if Runner.isCompleteReport(outData) {
            launch.whenExited { finished.set() }
            return Runner.interpret(report: outData, launcherStderr: errData, exitStatus: 0,
                                    limits: limits, requireProof: program.requireProof, fallbackWallMs: wall)
        }
        process.waitUntilExit()
        finished.set()
        return Runner.interpret(report: outData, launcherStderr: errData, exitStatus: process.terminationStatus,
                                limits: limits, requireProof: program.requireProof, fallbackWallMs: wall)
    }

    /// Whether the launcher finished its report (one JSON object ending in "}\n", its last output). A cut-off
    /// report still fails to parse in `interpret` and becomes a sandbox error.
    static func isCompleteReport(_ data: Data) -> Bool {
        data.first == UInt8(ascii: "{") && data.suffix(2).elementsEqual("}\n".utf8)
    }

    /// Turns the launcher's JSON report into a verdict.
    static func interpret(report: Data, launcherStderr: Data, exitStatus: Int32, limits: Limits, requireProof: Bool,
                          fallbackWallMs: Int) -> Execution {
        guard let obj = try? JSONSerialization.jsonObject(with: report) as? [String: Any] else {
            let err = String(decoding: launcherStderr, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            return .sandboxFailure("launcher exited \(exitStatus) without a report\(err.isEmpty ? "" : ": \(err)")", wallMs: fallbackWallMs)
        }
        var layers = obj["layers"] as? [String] ?? []
        // Not an isolation layer: says the program ran in a zygote's forked interpreter (every layer above still
        // applied to it), not in a new python3.
        if obj["zygote"] as? Bool == true { layers.append("zygote") }
        if let message = obj["sandbox_error"] as? String {
            return .sandboxFailure(message, layers: layers, wallMs: fallbackWallMs)
        }
        let exitCode = (obj["exit_code"] as? Int).flatMap { $0 >= 0 ? $0 : nil }
        let sig = obj["signal"] as? Int ?? 0
        let timedOut = obj["timed_out"] as? Bool ?? false
        let cpu = (obj["cpu_ms"] as? Int).flatMap { $0 >= 0 ? $0 : nil }
        let rss = (obj["max_rss_kb"] as? Int).flatMap { $0 >= 0 ? $0 : nil }
        let out = obj["stdout"] as? String ?? ""
        let err = obj["stderr"] as? String ?? ""
        let outTrunc = obj["stdout_truncated"] as? Bool ?? false
        let errTrunc = obj["stderr_truncated"] as? Bool ?? false
        let proof = obj["proof"] as? Bool ?? false
        let oomKilled = obj["oom_killed"] as? Bool ?? false
        let status: Status
        if timedOut || sig == 24 || (sig == 9 && (cpu ?? 0) >= limits.cpuSeconds * 1000) {
            status = .timeout
        } else if oomKilled && !(sig == 0 && exitCode == 0 && (!requireProof || proof)) {
            // The run's cgroup hit its memory limit and the kernel killed a process of it.
            status = .memoryLimit
        } else if sig == 31 {
            status = .violation
        } else if sig != 0 {
            status = .signal
        } else if exitCode == 0 && (!requireProof || proof) {
            status = .passed
        } else if err.split(separator: "\n").last.map({ $0.hasPrefix("MemoryError") }) == true {
            status = .memoryLimit
        } else if outTrunc || errTrunc {
            status = .outputLimit
        } else {
            status = .failed
        }
        return Execution(status: status, exitCode: exitCode, signal: sig != 0 ? SignalName.name(sig) : nil,
                         wallMs: obj["wall_ms"] as? Int ?? fallbackWallMs, cpuMs: cpu, maxRssKB: rss, stdout: out,
                         stderr: err, stdoutTruncated: outTrunc, stderrTruncated: errTrunc, layers: layers, proof: proof,
                         error: nil, hostUID: obj["host_uid"] as? Int)
    }
}

/// Why a launcher could not be started.
public struct SandboxStartError: Error, Sendable, CustomStringConvertible {
    public let message: String
    public var description: String { message }
}

/// A launcher started ahead of its run (`Runner.prepare`): its jail is being built, or is built and waiting for
/// the program. Used at most once: `send` hands it its program, `cancel` makes it tear the jail down unused (the
/// launcher sees end of input before a whole frame: it kills its jail, removes its cgroups and exits 4).
public final class PreparedLaunch: @unchecked Sendable {
    let process: Process
    let stdin: Pipe, stdout: Pipe, stderr: Pipe
    /// The launcher's arguments (the jail limits it was built for).
    public let setup: [String]
    private let lock = NSLock()
    private var consumed = false

    init(process: Process, stdin: Pipe, stdout: Pipe, stderr: Pipe, setup: [String]) {
        self.process = process
        self.stdin = stdin
        self.stdout = stdout
        self.stderr = stderr
        self.setup = setup
    }

    private func consume() -> Bool {
        lock.lock()
        defer { lock.unlock() }
        if consumed { return false }
        consumed = true
        return true
    }

    /// Writes the framed program and closes stdin.
    func send(_ frame: Data) {
        guard consume() else { return }
        try? stdin.fileHandleForWriting.write(contentsOf: frame)
        try? stdin.fileHandleForWriting.close()
    }

    /// Abandons an unused launcher: closing its stdin before a frame cancels the run (it tears the jail down and
    /// exits; Foundation reaps it).
    public func cancel() {
        guard consume() else { return }
        try? stdin.fileHandleForWriting.close()
        let stdout = stdout, stderr = stderr
        whenExited {
            try? stdout.fileHandleForReading.close()
            try? stderr.fileHandleForReading.close()
        }
    }

    /// Calls `action` once the launcher has exited (Foundation reaps it), without blocking a thread: Foundation's
    /// `waitUntilExit` spins on a Dispatch thread, which would burn a core while a launcher removes its cgroups.
    func whenExited(_ action: @escaping @Sendable () -> Void) {
        let once = OnceAction(action)
        process.terminationHandler = { _ in once.run() }
        if !process.isRunning { once.run() }
    }
}

/// Runs an action at most once, from whichever thread gets there first.
final class OnceAction: @unchecked Sendable {
    private let lock = NSLock()
    private var action: (@Sendable () -> Void)?
    init(_ action: @escaping @Sendable () -> Void) { self.action = action }
    func run() {
        lock.lock()
        let a = action
        action = nil
        lock.unlock()
        a?()
    }
}

/// A flag set once, readable from any thread.
final class ManagedFlag: @unchecked Sendable {
    private let lock = NSLock()
    private var value = false
    func set() { lock.lock(); value = true; lock.unlock() }
    var isSet: Bool { lock.lock(); defer { lock.unlock() }; return value }
}

/// Runs at most `width` programs at once; further callers wait (backpressure) in arrival order.
///
/// Pre-spawned launchers: when a run starts, the pool starts the launcher for the *next* run with the same jail
/// limits, so that launcher's cgroup creation and migration (an ~11 ms idle RCU wait on cgroup v1), uid switch,
/// namespaces and root filesystem are built while this run executes. Every run still gets its own launcher,
/// jail, cgroups and uid; a spare is used once or cancelled (never reused), and the program's wall clock starts
/// only when the program reaches a finished jail. At most `width` spares wait at a time.
///
/// With `zygote: true` each worker instead owns a `Zygote` (a warm interpreter forked per run, every isolation
/// layer still per run; see `Zygote`), started at its first run; the zygote keeps its own launcher ahead of the
/// runs, so `prespawn` does not apply. The default (`zygote: nil`) uses zygotes wherever they can run
/// (`Runner.zygoteProblem` is nil) and per-run interpreters elsewhere; `zygoteUnavailable` then says why not.
public actor RunnerPool {
    public nonisolated let runner: Runner
    public nonisolated let width: Int
    public nonisolated let prespawn: Bool
    public nonisolated let zygote: Bool
    /// Why the default fell back to per-run interpreters (nil when zygotes are used or were not asked for).
    public nonisolated let zygoteUnavailable: String?
    private var running = 0
    private var waiters: [CheckedContinuation<Void, Never>] = []
    private var spares: [PreparedLaunch] = []
    private var idleZygotes: [Zygote] = []
    /// The jail limits of the last run, and how many zygotes this pool started (for tests and diagnostics).
    private var lastSetup: [String]? = nil
    public private(set) var zygotesStarted = 0

    public init(runner: Runner = Runner(), width: Int = ProcessInfo.processInfo.activeProcessorCount, prespawn: Bool = true,
                zygote: Bool? = nil) {
        self.runner = runner
        self.width = max(1, width)
        self.prespawn = prespawn
        if let zygote {
            self.zygote = zygote
            self.zygoteUnavailable = nil
        } else {
            let problem = runner.zygoteProblem
            self.zygote = problem == nil
            self.zygoteUnavailable = problem
        }
    }

    /// The pool of a command that executes programs: zygotes unless `zygote == false` or they cannot run here (then
    /// `note` says why and every program gets a new interpreter); `zygote == true` insists and throws when they cannot.
    public static func forCommand(width: Int, zygote: Bool?, note: (String) -> Void) throws -> RunnerPool {
        if zygote == true, let problem = Runner().zygoteProblem { throw SandboxStartError(message: "--zygote: \(problem)") }
        let pool = RunnerPool(width: width, zygote: zygote)
        if let why = pool.zygoteUnavailable { note("note: a new python3 per program (no zygote: \(why))") }
        return pool
    }

    /// What `--zygote` / `--no-zygote` mean, for every command that takes them.
    public static let zygoteHelp = """
        Run programs in a zygote per worker (default where it can run: python3 is the embedded version and its \
        libpython is installed): one warm interpreter forked per run, every isolation layer still per run \
        (docs/sandbox.md, "Zygotes"). --no-zygote starts a new python3 per program.
        """

    deinit {
        for spare in spares { spare.cancel() }
        for z in idleZygotes { z.shutdown() }
    }

    public func run(_ program: Program, limits: Limits = Limits()) async -> Execution {
        if zygote { return await runInZygote(program, limits: limits) }
        await acquire()
        let setup = runner.setupArguments(for: limits)
        var prepared: PreparedLaunch? = nil
        if let i = spares.firstIndex(where: { $0.setup == setup }) { prepared = spares.remove(at: i) }
        // Hand this run its program first, then start the next run's launcher (spawning takes a few ms).
        async let result = runner.run(program, limits: limits, prepared: prepared)
        if prespawn { await addSpare(limits) }
        let execution = await result
        release()
        return execution
    }

    /// At most `width` runs at once, so at most `width` zygotes exist; one made for other jail limits is replaced.
    ///
    /// A new zygote (an interpreter start-up, ~50 ms of CPU) is made only for the first run or for jail limits that
    /// repeat the previous run's; a run whose limits differ from both every idle zygote and the previous run goes
    /// through a launcher of its own instead. So a steady evaluation gets zygotes after its first run, and a caller
    /// who varies the limits on every request (a client of `serve`) cannot make each request cost a start-up.
    private func runInZygote(_ program: Program, limits: Limits) async -> Execution {
        await acquire()
        let setup = runner.setupArguments(for: limits)
        let repeated = lastSetup == nil || lastSetup == setup
        lastSetup = setup
        let z: Zygote
        if let i = idleZygotes.firstIndex(where: { $0.setup == setup }) {
            z = idleZygotes.remove(at: i)
        } else if repeated {
            if idleZygotes.count + running > width, !idleZygotes.isEmpty { idleZygotes.removeFirst().shutdown() }
            z = Zygote(runner: runner, limits: limits)
            zygotesStarted += 1
        } else {
            let execution = await runner.run(program, limits: limits)
            release()
            return execution
        }
        let execution = await z.run(program, limits: limits)
        idleZygotes.append(z)
        release()
        return execution
    }

    /// Cancels the waiting spare launchers (they remove their jails and cgroups and exit) and ends the zygotes.
    public func shutdown() {
        for spare in spares { spare.cancel() }
        spares.removeAll()
        for z in idleZygotes { z.shutdown() }
        idleZygotes.removeAll()
    }

    /// Starts a launcher for a later run; the oldest spare goes if the pool already holds `width`. The spawn runs
    /// on a thread of its own, so the actor is free meanwhile (runs finishing and starting need it).
    private func addSpare(_ limits: Limits) async {
        let runner = self.runner
        let started: PreparedLaunch? = await OwnThread.run(name: "codeeval-sandbox-run", stackSize: 1 << 20) {
            if case .success(let spare) = runner.prepare(limits) { return spare } else { return nil }
        }
        guard let started else { return }
        if spares.count >= width { spares.removeFirst().cancel() }
        spares.append(started)
    }

    private func acquire() async {
        if running < width {
            running += 1
            return
        }
        await withCheckedContinuation { waiters.append($0) }
    }

    private func release() {
        if waiters.isEmpty {
            running -= 1
        } else {
            waiters.removeFirst().resume()
        }
    }
}

enum ZygoteCheck {
    static let cache = Mutex<[String: String?]>([:])

    static func ask(launcher: String, python: String) -> String? {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: launcher)
        p.arguments = ["--python", python, "--zygote-check"]
        p.environment = [:]
        let out = Pipe()
        p.standardOutput = out
        p.standardError = FileHandle.nullDevice
        p.standardInput = FileHandle.nullDevice
        do { try p.run() } catch { return "cannot start the sandbox launcher: \(error)" }
        let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            .trimmingCharacters(in: .whitespacesAndNewlines)
        p.waitUntilExit()
        if p.terminationStatus == 0 && text == "ok" { return nil }
        return text.isEmpty ? "the launcher's zygote check failed (exit \(p.terminationStatus))" : text
    }
}
