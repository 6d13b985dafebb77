import Foundation

/// sha256 of a file via coreutils' `sha256sum` (streams, ~1 s per GB; avoids a crypto dependency).
enum SHA256File {
    static func hex(of url: URL) throws -> String {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["sha256sum", "--", url.path]
        let out = Pipe()
        p.standardOutput = out
        p.standardError = FileHandle.nullDevice
        try p.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        let hex = String(decoding: data, as: UTF8.self).split(separator: " ").first.map(String.init) ?? ""
        guard p.terminationStatus == 0, hex.count == 64 else {
            throw EngineError.fetchFailed("sha256sum failed on \(url.path)")
        }
        return hex
    }
}
