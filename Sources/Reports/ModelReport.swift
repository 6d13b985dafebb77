import Engine
import Foundation
import Models

/// What `codeeval models list` prints: each registry model, its size, and whether it is cached.
public enum ModelReport {
    public struct Row {
        public let entry: ModelEntry
        public let path: String
        public let cached: Bool
        /// Counted from the file when it is cached (each weight once); otherwise only the authors' label is known.
        public let parameters: ParameterCount?

        public init(entry: ModelEntry) {
            self.entry = entry
            path = ModelRegistry.cachedPath(entry).path
            cached = FileManager.default.fileExists(atPath: path)
            parameters = cached ? (try? GGUFFile(path: path)).map(ParameterCount.of) : nil
        }
    }

    public static func json(_ rows: [Row]) throws -> String {
        let arr: [[String: Any]] = rows.map { r in
            let e = r.entry
            return ["name": e.name, "description": e.description, "architecture": e.architecture, "quantization": e.quantization,
                    "size": e.size, "sha256": e.sha256, "license": e.license, "upstream_url": e.upstreamURL, "path": r.path,
                    "cached": r.cached, "default": e.name == ModelRegistry.defaultModel, "size_label": e.sizeLabel,
                    "parameters": r.parameters.map { $0.count as Any } ?? NSNull()]
        }
        return String(decoding: try JSONSerialization.data(withJSONObject: arr, options: [.sortedKeys]), as: UTF8.self)
    }

    public static func line(_ r: Row) -> String {
        let e = r.entry
        let name = e.name + (e.name == ModelRegistry.defaultModel ? " (default)" : "")
        let params = e.sizeLabel + (r.parameters.map { " (\(ParameterCount.format($0.count)))" } ?? "")
        return "\(pad(name, 30)) \(pad(params, 13)) \(pad(e.architecture, 7)) \(pad(e.quantization, 7)) "
            + "\(pad(String(format: "%.0f MB", Double(e.size) / 1e6), 8)) \(r.cached ? "cached  " + r.path : "not fetched")"
    }
}
