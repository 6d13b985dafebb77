import Datasets
import Foundation

/// Runs a program with `python3 -I -S` as a plain child process: **no isolation at all**. Only for trusted
/// code (canonical solutions, HTTP-layer benchmarks) when the Sandbox is unavailable; `codeeval serve` uses it
/// only with `--unsafe-no-sandbox`, which also forces a loopback bind.
public struct UnsandboxedPythonExecutor: Executor {
    public let python: String
    public let outputCap: Int

    public init(python: String = "/usr/bin/python3", outputCap: Int = 1 << 20) {
        self.python = python
        self.outputCap = outputCap
    }

    public func execute(_ request: ExecutionRequest) async throws -> ExecutionOutcome {
        try await withCheckedThrowingContinuation { cont in
            // Blocking waits stay off Swift's cooperative pool, where the HTTP handlers run.
            Thread {
                do { cont.resume(returning: try run(request)) } catch { cont.resume(throwing: error) }
            }.start()
        }
    }

    func run(_ request: ExecutionRequest) throws -> ExecutionOutcome {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: python)
        p.arguments = ["-I", "-S", "-c", request.code]
        let out = Pipe(), err = Pipe(), input = Pipe()
        p.standardOutput = out
        p.standardError = err
        p.standardInput = input
        let start = Date()
        try p.run()
        if let stdin = request.stdin { input.fileHandleForWriting.write(Data(stdin.utf8)) }
        try? input.fileHandleForWriting.close()
        // Drain pipes concurrently so a chatty program cannot block on a full pipe.
        let group = DispatchGroup()
        let collected = Collected()
        for (pipe, isOut) in [(out, true), (err, false)] {
            group.enter()
            DispatchQueue.global().async {
                let data = pipe.fileHandleForReading.readDataToEndOfFile()
                collected.set(isOut, data)
                group.leave()
            }
        }
        let deadline = start.addingTimeInterval(request.timeoutSeconds)
        while p.isRunning && Date() < deadline { usleep(1000) }
        let timedOut = p.isRunning
        if timedOut { kill(p.processIdentifier, SIGKILL) }
        p.waitUntilExit()
        group.wait()
        let wall = Date().timeIntervalSince(start)
        let (stdout, stderr) = collected.get()
        let status: String
        if timedOut { status = "timeout" }
        else if p.terminationReason == .uncaughtSignal { status = "signal" }
        else { status = p.terminationStatus == 0 ? "passed" : "failed" }
        let execution = JSONObject([
            ("status", .string(status)),
            ("exit_code", timedOut || p.terminationReason == .uncaughtSignal ? .null : .int(Int(p.terminationStatus))),
            ("signal", p.terminationReason == .uncaughtSignal ? .int(Int(p.terminationStatus)) : .null),
            ("stdout", .string(String(decoding: stdout.prefix(outputCap), as: UTF8.self))),
            ("stderr", .string(String(decoding: stderr.prefix(outputCap), as: UTF8.self))),
            ("wall_s", .double((wall * 1000).rounded() / 1000)),
            ("sandboxed", .bool(false)),
        ])
        return ExecutionOutcome(status: status, execution: execution, wallSeconds: wall)
    }

    public func layerAvailability() -> [String: Bool] { ["unsandboxed": false] }
}

private final class Collected: @unchecked Sendable {
    private let lock = NSLock()
    private var out = Data(), err = Data()
    func set(_ isOut: Bool, _ data: Data) { lock.lock(); if isOut { out = data } else { err = data }; lock.unlock() }
    func get() -> (Data, Data) { lock.lock(); defer { lock.unlock() }; return (out, err) }
}
