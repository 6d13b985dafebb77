import Evaluation
import Foundation

/// A one-line progress display on stderr, shown only when stderr is a terminal.
public final class ProgressLine: @unchecked Sendable {
    private let enabled = isatty(STDERR_FILENO) != 0
    private let start = Date()
    private let lock = NSLock()
    private var last = Date.distantPast

    public init() {}

    public func update(done: Int, total: Int, passed: Int) {
        guard enabled else { return }
        lock.lock(); defer { lock.unlock() }
        let now = Date()
        guard done == total || now.timeIntervalSince(last) > 0.1 else { return }
        last = now
        let elapsed = now.timeIntervalSince(start)
        let rate = elapsed > 0 ? Double(done) / elapsed : 0
        let eta = rate > 0 ? Double(total - done) / rate : 0
        let width = 30
        let filled = total > 0 ? width * done / total : width
        let bar = String(repeating: "█", count: filled) + String(repeating: "·", count: width - filled)
        let line = String(format: "\r%@ %d/%d  pass %.1f%%  %.1f exec/s  ETA %.0fs ", bar, done, total,
                          done > 0 ? 100 * Double(passed) / Double(done) : 0, rate, eta)
        FileHandle.standardError.write(Data(line.utf8))
        if done == total { FileHandle.standardError.write(Data("\n".utf8)) }
    }
}

/// Progress on stderr: one live line on a TTY (every 0.2 s), otherwise a plain line every 10 s (CI logs);
/// `finish` always prints what this process did (`session: generated N samples …`).
public final class RunProgressLine: @unchecked Sendable {
    private let tty = isatty(STDERR_FILENO) != 0
    private let lock = NSLock()
    private var last = Date()
    private var shown = false
    private var latest: RunProgress?

    public init() {}

    public func update(_ p: RunProgress) {
        lock.lock(); defer { lock.unlock() }
        latest = p
        let now = Date()
        guard now.timeIntervalSince(last) > (tty ? 0.2 : 10) else { return }
        last = now
        FileHandle.standardError.write(Data((tty ? "\r " + RunReport.progressLine(p) + " " : RunReport.progressLine(p) + "\n").utf8))
        shown = tty
    }

    public func finish() {
        lock.lock(); defer { lock.unlock() }
        var s = shown ? "\n" : ""
        if let p = latest {
            s += RunReport.progressLine(p) + "\n" + RunReport.sessionLine(p) + "\n"
        } else {
            s += "session: generated 0 samples (0 tokens), nothing left to do\n"
        }
        FileHandle.standardError.write(Data(s.utf8))
    }
}
