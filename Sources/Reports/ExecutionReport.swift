import Foundation
import Sandbox

/// What `codeeval exec` prints: the verdict as JSON, or one status line.
public enum ExecutionReport {
    /// `codeeval exec`'s exit status: 0 passed, 3 sandbox error (ours), 1 any other outcome of the program.
    public static func exitStatus(_ e: Execution) -> Int32 {
        switch e.status {
        case .passed: 0
        case .sandboxError: 3
        default: 1
        }
    }

    public static func json(_ e: Execution) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return String(decoding: try encoder.encode(e), as: UTF8.self)
    }

    public static func line(_ e: Execution) -> String {
        var line = "[\(e.status.rawValue)] wall \(e.wallMs) ms"
        if let cpu = e.cpuMs { line += ", cpu \(cpu) ms" }
        if let code = e.exitCode { line += ", exit \(code)" }
        if let sig = e.signal { line += ", \(sig)" }
        if let err = e.error { line += ": \(err)" }
        return line
    }
}
