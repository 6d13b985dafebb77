import Foundation

/// A benchmark could not run (missing model, data or baseline); the message says which and how to fix it.
public struct BenchError: Error, CustomStringConvertible, Sendable {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// Monotonic seconds.
func now() -> Double { Double(DispatchTime.now().uptimeNanoseconds) / 1e9 }

/// The upper median (the value reported throughout BENCHMARKS.md); 0 for no samples.
func median(_ xs: [Double]) -> Double { xs.isEmpty ? 0 : xs.sorted()[xs.count / 2] }

/// The baseline scripts shipped in the repository's `scripts/` folder, found next to the build or in the
/// current directory.
enum BenchScripts {
    static func path(_ relative: String) -> String {
        let beside = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
            .deletingLastPathComponent().appendingPathComponent("../../../scripts/" + relative).standardized.path
        return FileManager.default.fileExists(atPath: beside) ? beside : "scripts/" + relative
    }
}
