import Foundation

/// Writing to a child that already exited (it rejected its input, or never read it) must be an EPIPE the writer
/// handles, not a SIGPIPE that kills the whole process: a server would die of one hostile request.
public enum BrokenPipe {
    private static let ignored: Void = { signal(SIGPIPE, SIG_IGN) }()

    /// Idempotent; every component that writes to a child's pipe calls it before its first write.
    public static func ignoreSignal() { ignored }
}
