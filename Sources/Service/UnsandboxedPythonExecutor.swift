import Datasets
import Foundation
import Sandbox
import Support

/// Runs a program with `python3 -I -S` as a plain child process: **no isolation at all**. Only for trusted
/// code (canonical solutions, HTTP-layer benchmarks) when the Sandbox is unavailable; `codeeval serve` uses it
/// only with `--unsafe-no-sandbox`, which also forces a loopback bind.
public struct UnsandboxedPythonExecutor: Executor {
    public let python: String
    public let outputCap: Int

    public init(python: String = "/usr/bin/python3", outputCap: Int = 1 << 20) {
        BrokenPipe.ignoreSignal()
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
        // The proof-of-pass channel as the launcher provides it: a fresh key readable on fd 3, and fd 4 for the
        // program to write it back only when its tests returned (files here, set up by the shell's redirections).
        let proofDir = FileManager.default.temporaryDirectory.appendingPathComponent("codeeval-unsandboxed-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: proofDir) }
        let key = (0..<16).map { _ in String(format: "%02x", UInt8.random(in: 0...255)) }.joined()
        let keyFile = proofDir.appendingPathComponent("key"), proofFile = proofDir.appendingPathComponent("proof")
        var code = request.code
        if request.requireProof {
            try FileManager.default.createDirectory(at: proofDir, withIntermediateDirectories: true,
                                                    attributes: [.posixPermissions: 0o700])
            try Data(key.utf8).write(to: keyFile)
            if !request.judged { code = ProofOfPass.wrap(code) }
            p.executableURL = URL(fileURLWithPath: "/bin/sh")
            p.arguments = ["-c", #"exec "$0" -I -S -c "$1" 3<"$2" 4>"$3""#, python, code, keyFile.path, proofFile.path]
        } else {
            p.executableURL = URL(fileURLWithPath: python)
            p.arguments = ["-I", "-S", "-c", code]
        }
        let out = Pipe(), err = Pipe(), input = Pipe()
        p.standardOutput = out
        p.standardError = err
        p.standardInput = input
        let start = Date()
        try p.run()
        // Fed from its own queue, after the drains start, and without trapping: a program may exit (EPIPE) or stop
        // reading before it has taken all of its input, and a full output pipe must not wait on a full input pipe.
        let writer = input.fileHandleForWriting
        DispatchQueue.global().async {
            if let stdin = request.stdin { try? writer.write(contentsOf: Data(stdin.utf8)) }
            try? writer.close()
        }
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
        else {
            let proved = !request.requireProof || (try? Data(contentsOf: proofFile)) == Data(key.utf8)
            status = p.terminationStatus == 0 && proved ? "passed" : "failed"
        }
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
