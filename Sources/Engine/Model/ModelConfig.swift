/// The architecture families the engine implements. Mistral and LLaMA-3 GGUFs use arch
/// `llama` (LLaMA-3.1's long-context rope comes as a `rope_freqs.weight` tensor, linear
/// scaling as `rope.scaling.*` keys), so they need no case of their own.
public enum Architecture: String, Sendable {
    case llama, qwen2, gemma3
}

/// llama.cpp's two rope layouts: NORM rotates adjacent pairs, NEOX rotates (i, i + n/2).
public enum RopeMode: Sendable { case norm, neox }

/// Hyper-parameters read from GGUF metadata (`<arch>.*` keys, as llama.cpp names them).
public struct ModelConfig: Sendable, Equatable {
    public var architecture: Architecture
    public var embeddingLength: Int
    public var blockCount: Int
    public var headCount: Int
    public var headCountKV: Int
    public var headDim: Int
    public var feedForwardLength: Int
    public var contextLength: Int
    public var rmsEpsilon: Float
    public var ropeBase: Float
    /// Rope base of sliding-window layers (gemma3; llama.cpp default 10 000).
    public var ropeBaseSWA: Float
    public var ropeDims: Int
    public var ropeMode: RopeMode
    /// Linear rope scaling: positions are multiplied by this (1 / rope.scaling.factor).
    public var ropeFreqScale: Float
    /// gemma3: sliding window size and which layers use it.
    public var slidingWindow: Int?
    public var slidingWindowPattern: Int
    public var vocabSize: Int

    public var kvDim: Int { headCountKV * headDim }
    public var qDim: Int { headCount * headDim }

    /// True if layer `il` attends within the sliding window (llama.cpp: pattern n means every
    /// n-th layer, il % n == n - 1, is global).
    public func isSliding(layer il: Int) -> Bool {
        guard slidingWindow != nil, slidingWindowPattern > 0 else { return false }
        return il % slidingWindowPattern < slidingWindowPattern - 1
    }

    public init(file: GGUFFile) throws {
        let m = file.metadata
        let archName = try m.requireString("general.architecture")
        let arch: Architecture
        switch archName {
        case "llama", "mistral": arch = .llama
        case "qwen2": arch = .qwen2
        case "gemma3": arch = .gemma3
        default: throw GGUFError.unsupportedArchitecture(archName)
        }
        let p = archName + "."
        architecture = arch
        embeddingLength = try m.requireInt(p + "embedding_length")
        blockCount = try m.requireInt(p + "block_count")
        headCount = try m.requireInt(p + "attention.head_count")
        headCountKV = try m.optionalInt(p + "attention.head_count_kv") ?? headCount
        headDim = try m.optionalInt(p + "attention.key_length") ?? (headCount > 0 ? embeddingLength / headCount : 0)
        feedForwardLength = try m.requireInt(p + "feed_forward_length")
        contextLength = try m.optionalInt(p + "context_length") ?? 2048
        rmsEpsilon = try m.optionalFloat(p + "attention.layer_norm_rms_epsilon") ?? 1e-5
        ropeBase = try m.optionalFloat(p + "rope.freq_base") ?? 10_000
        ropeBaseSWA = try m.optionalFloat(p + "rope.freq_base_swa") ?? 10_000
        ropeDims = try m.optionalInt(p + "rope.dimension_count") ?? headDim
        ropeMode = arch == .llama ? .norm : .neox
        ropeFreqScale = 1
        if let type = m.string(p + "rope.scaling.type"), type != "none" {
            guard type == "linear" else {
                throw GGUFError.invalidValue(what: p + "rope.scaling.type", offset: 0, reason: "'\(type)' is not supported (only linear)")
            }
            let factor = try m.optionalFloat(p + "rope.scaling.factor") ?? 1
            if factor > 0 { ropeFreqScale = 1 / factor }
        } else if let factor = try m.optionalFloat(p + "rope.scale_linear"), factor > 0 {
            ropeFreqScale = 1 / factor
        }
        if arch == .gemma3 {
            slidingWindow = try m.optionalInt(p + "attention.sliding_window") ?? 512
            slidingWindowPattern = try m.optionalInt(p + "attention.sliding_window_pattern") ?? 6
        } else {
            slidingWindow = nil
            slidingWindowPattern = 0
        }
        vocabSize = (try? file.requireTensor("token_embd.weight").rowCount) ?? 0

        let checks: [(String, Int)] = [("embedding_length", embeddingLength), ("block_count", blockCount),
                                       ("attention.head_count", headCount), ("attention.head_count_kv", headCountKV),
                                       ("feed_forward_length", feedForwardLength), ("head dim", headDim)]
        for (k, v) in checks where v <= 0 {
            throw GGUFError.invalidValue(what: p + k, offset: 0, reason: "\(v) must be positive")
        }
        guard headCount % headCountKV == 0 else {
            throw GGUFError.invalidValue(what: p + "attention.head_count_kv", offset: 0,
                                         reason: "\(headCountKV) does not divide head_count \(headCount)")
        }
        guard ropeDims % 2 == 0, ropeDims <= headDim else {
            throw GGUFError.invalidValue(what: p + "rope.dimension_count", offset: 0, reason: "\(ropeDims) (head dim \(headDim))")
        }
    }
}
