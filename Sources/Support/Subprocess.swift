import Foundation

/// Runs helper programs (`pip`, `python3 -m zipfile`, a reference script) to completion. Not for untrusted code:
/// that goes through the Sandbox.
public enum Subprocess {
    public struct Output: Sendable {
        public let status: Int32
        public let stdout: Data
        public let stderr: Data
    }

    /// Runs `argv` (looked up on PATH) and returns its exit status and both outputs, read concurrently so a child
    /// that fills one pipe cannot block on it.
    public static func capture(_ argv: [String], environment: [String: String]? = nil,
                               currentDirectory: URL? = nil) throws -> Output {
        precondition(!argv.isEmpty, "Subprocess needs a program")
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = argv
        if let environment { p.environment = environment }
        if let currentDirectory { p.currentDirectoryURL = currentDirectory }
        let out = Pipe(), err = Pipe()
        p.standardOutput = out
        p.standardError = err
        p.standardInput = FileHandle.nullDevice
        do { try p.run() } catch { throw SupportError("cannot start \(argv[0]): \(error.localizedDescription)") }
        let collected = OutputBox()
        let group = DispatchGroup()
        DispatchQueue.global().async(group: group) { collected.set(out.fileHandleForReading.readDataToEndOfFile()) }
        let stderr = err.fileHandleForReading.readDataToEndOfFile()
        group.wait()
        p.waitUntilExit()
        return Output(status: p.terminationStatus, stdout: collected.data, stderr: stderr)
    }

    /// Runs `argv` and returns its stdout; a non-zero exit throws with the command and the last lines of stderr.
    @discardableResult
    public static func run(_ argv: [String], environment: [String: String]? = nil,
                           currentDirectory: URL? = nil) throws -> Data {
        let o = try capture(argv, environment: environment, currentDirectory: currentDirectory)
        guard o.status == 0 else {
            let tail = String(decoding: o.stderr, as: UTF8.self).split(separator: "\n").suffix(3).joined(separator: " | ")
            throw SupportError("\(argv.prefix(4).joined(separator: " ")) exited \(o.status): \(tail)")
        }
        return o.stdout
    }

    private final class OutputBox: @unchecked Sendable {
        private let lock = NSLock()
        private var value = Data()
        func set(_ d: Data) { lock.lock(); value = d; lock.unlock() }
        var data: Data { lock.lock(); defer { lock.unlock() }; return value }
    }
}
