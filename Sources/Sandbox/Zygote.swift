import Foundation
import Support

/// One long-lived `codeeval-sandbox --zygote` for one pool worker: an interpreter initialised once, forked per run.
///
/// The launcher in zygote mode (see `Sandbox/launcher/zygote.c`) keeps a per-run launcher ahead of our
/// frames; every run still goes through the whole per-run launcher code (its own cgroups, host uid, user/pid/mount/
/// net/ipc/uts/cgroup namespaces, tmpfs root and work dir, rlimits, capability drop, no_new_privs, seccomp), and only
/// the last step differs: the program runs in the interpreter inherited through fork instead of a new `python3`.
/// Runs are sent one at a time, each frame carrying a run id the verdict must echo. Anything unexpected — the
/// zygote exits, answers another run, sends garbage, or takes longer than the wall limit + 10 s — fails that run as
/// `sandbox_error` (never a pass) and the zygote is killed and started again for the next run.
public final class Zygote: @unchecked Sendable {
    public let runner: Runner
    /// The jail limits this zygote's launchers are built with (`Runner.setupArguments`); runs with other jail
    /// limits need another zygote.
    public let setup: [String]
    /// Held for a whole run (one run at a time).
    private let lock = NSLock()
    /// Guards only `currentPID`, so it can be read while a run holds `lock`.
    private let pidLock = NSLock()
    private var currentPID: Int32?
    private var process: Process? {
        didSet { pidLock.lock(); currentPID = process?.processIdentifier; pidLock.unlock() }
    }
    private var input: FileHandle?
    private var output: Int32 = -1
    private var buffered = Data()
    private var nextRunID: UInt64 = 1
    /// How many times the zygote was (re)started; for tests and diagnostics.
    public private(set) var starts = 0

    public init(runner: Runner = Runner(), limits: Limits = Limits()) {
        self.runner = runner
        self.setup = runner.setupArguments(for: limits)
    }

    deinit { stop(kill: false) }

    /// The zygote's pid while it runs (tests signal it).
    public var pid: Int32? {
        pidLock.lock()
        defer { pidLock.unlock() }
        return currentPID
    }

    /// One program in a zygote started for it and stopped after it (`codeeval exec --zygote`).
    public static func runOnce(_ program: Program, limits: Limits) async -> Execution {
        let zygote = Zygote(limits: limits)
        defer { zygote.shutdown() }
        return await zygote.run(program, limits: limits)
    }

    public func run(_ program: Program, limits: Limits) async -> Execution {
        await OwnThread.run(name: "codeeval-sandbox-run", stackSize: 1 << 20) { self.runBlocking(program, limits: limits) }
    }

    /// Runs one program (blocks the calling thread; one run at a time per zygote).
    public func runBlocking(_ program: Program, limits: Limits) -> Execution {
        lock.lock()
        defer { lock.unlock() }
        guard runner.setupArguments(for: limits) == setup else {
            return .sandboxFailure("zygote: started for other jail limits")
        }
        if process?.isRunning != true {
            stop(kill: true)
            if let problem = start() { return .sandboxFailure(problem) }
        }
        guard let input, let process else { return .sandboxFailure("zygote: not running") }
        let id = nextRunID
        nextRunID += 1
        var sent = program
        sent.source = VerdictGuard.forZygote(program.source)
        var frame = Runner.frame(sent, limits: limits)
        // The frame's header line gets the run id as a fourth field (the launcher echoes it as "run_id").
        if let newline = frame.firstIndex(of: UInt8(ascii: "\n")) {
            frame.replaceSubrange(newline..<newline + 1, with: Data(" \(id)\n".utf8))
        }
        let started = DispatchTime.now()
        // Every earlier frame was read whole before its verdict came, so the pipe is empty: a frame that fits in
        // it (64 KiB, nearly every program) is written here without blocking. A larger one fills the pipe until the
        // run's launcher reads it, so it is written from a thread of its own while this one waits for the verdict.
        if frame.count <= 65536 {
            try? input.write(contentsOf: frame)
        } else {
            let payload = frame
            let writer = Thread { try? input.write(contentsOf: payload) }
            writer.name = "codeeval-zygote-frame"
            writer.start()
        }
        let line = readLine(deadline: .now() + limits.wallSeconds + 10)
        let wall = Int((DispatchTime.now().uptimeNanoseconds - started.uptimeNanoseconds) / 1_000_000)
        guard let line, Runner.isCompleteReport(line) else {
            stop(kill: true)
            return .sandboxFailure(process.isRunning ? "zygote: no verdict within the wall limit + 10 s" : "zygote: exited mid-run",
                                   wallMs: wall)
        }
        let obj = try? JSONSerialization.jsonObject(with: line) as? [String: Any]
        guard let answered = obj?["run_id"] as? Int, answered == Int(id) else {
            // A verdict for another run (or none): the stream is out of step; never guess.
            let message = (obj?["sandbox_error"] as? String) ?? "answered another run"
            stop(kill: true)
            return .sandboxFailure(message.hasPrefix("zygote:") ? message : "zygote: \(message)", wallMs: wall)
        }
        if let message = obj?["sandbox_error"] as? String {
            // A launcher that failed (e.g. on an oversized program, whose unread bytes stay in the stream) stops
            // the zygote, and the zygote answered for a launcher that died mid-run: start afresh before the next run.
            stop(kill: message.hasPrefix("zygote:"))
        }
        return Runner.interpret(report: line, launcherStderr: Data(), exitStatus: 0, limits: limits,
                                requireProof: program.requireProof, fallbackWallMs: wall)
    }

    /// Ends the zygote: its stdin closes, its waiting launcher tears its jail down, and it exits once the runs
    /// still finishing are done.
    public func shutdown() {
        lock.lock()
        defer { lock.unlock() }
        stop(kill: false)
    }

    /// Starts the zygote; nil on success, else why not.
    private func start() -> String? {
        if let problem = runner.launcherProblem { return problem }
        let p = Process()
        p.executableURL = URL(fileURLWithPath: runner.launcher)
        // The verdict guard is defined once in the zygote; judged programs then arrive without its loader.
        p.arguments = setup + ["--zygote", "--judge-harness", VerdictGuard.script]
        p.environment = [:]
        let stdin = Pipe(), stdout = Pipe()
        p.standardInput = stdin
        p.standardOutput = stdout
        p.standardError = FileHandle.nullDevice
        do { try p.run() } catch { return "zygote: cannot start the sandbox launcher: \(error)" }
        process = p
        input = stdin.fileHandleForWriting
        // Our own copy of the read end: the Pipe's FileHandle closes its descriptor when released.
        output = dup(stdout.fileHandleForReading.fileDescriptor)
        try? stdout.fileHandleForReading.close()
        buffered = Data()
        starts += 1
        return nil
    }

    /// Stops the zygote: kill = SIGKILL (its launchers die with it: PR_SET_PDEATHSIG), else a clean shutdown.
    private func stop(kill hard: Bool) {
        if let process, hard, process.isRunning { kill(process.processIdentifier, SIGKILL) }
        try? input?.close()
        if output >= 0 { close(output) }
        output = -1
        input = nil
        process = nil
        buffered = Data()
    }

    /// The next line of the zygote's output (without waiting past `deadline`), or nil at end of file or timeout.
    private func readLine(deadline: DispatchTime) -> Data? {
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            if let newline = buffered.firstIndex(of: UInt8(ascii: "\n")) {
                let line = buffered[buffered.startIndex...newline]
                buffered = Data(buffered[(newline + 1)...])
                return Data(line)
            }
            let now = DispatchTime.now().uptimeNanoseconds
            guard output >= 0, deadline.uptimeNanoseconds > now else { return nil }
            var pfd = pollfd(fd: output, events: Int16(POLLIN), revents: 0)
            let waitMs = Int32(min(1000, (deadline.uptimeNanoseconds - now) / 1_000_000 + 1))
            let r = poll(&pfd, 1, waitMs)
            if r < 0 && errno == EINTR { continue }
            if r <= 0 { continue }
            let n = chunk.withUnsafeMutableBytes { read(output, $0.baseAddress, $0.count) }
            if n < 0 && errno == EINTR { continue }
            if n <= 0 { return nil }
            buffered.append(contentsOf: chunk[0..<n])
        }
    }
}
