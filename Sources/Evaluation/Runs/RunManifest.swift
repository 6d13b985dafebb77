import Foundation

/// Everything that determines a run's numbers. Stored as JSON with the run; a resumed run re-checks it.
public struct RunManifest: Codable, Sendable, Equatable {
    public var benchmark: String
    public var profile: String
    /// Model name as given (registry name, path, or remote model name).
    public var model: String
    /// SHA-256 of the model file (local engine), or nil for a remote endpoint.
    public var modelSHA256: String?
    public var modelPath: String?
    /// Parameter count read from the model file, when known.
    public var parameterCount: Int?
    /// `local` or `remote`.
    public var source: String
    public var endpoint: String?
    public var ks: [Int]
    /// Samples per task.
    public var n: Int
    public var temperature: Double
    public var topP: Double
    public var topK: Int
    public var maxTokens: Int
    public var stops: [String]
    public var seed: UInt64
    public var promptTemplateHash: String
    public var datasetSHA256: String
    /// Task ids in evaluation order (after --limit / --tasks).
    public var taskIDs: [String]
    public var codeVersion: String
    public var greedy: Bool
    /// The engine's kernel family (`avx512-vnni-v2`, `avx2`, `portable`) for local runs; nil for
    /// remote runs and for runs stored before it was recorded. Logits differ between kernel
    /// families at rounding level, so it is part of what determines the samples.
    public var kernels: String?
    /// For a remote run, the API spoken: `completions` (the prompt as text) or `chat` (the prompt as one user
    /// message, the server's chat template applied there). Nil for local runs and runs stored before it existed.
    public var api: String? = nil
    /// Every endpoint of a remote run spread over several (`endpoint` is the first); nil with one endpoint.
    public var endpoints: [String]? = nil
    /// The model names the remote servers answered with (OpenAI's `model` field), which may differ from the name sent.
    public var servedModels: [String]? = nil
    /// False for a remote run: another server's batching, kernels or version may change its samples, so rerunning it
    /// need not reproduce them bit for bit. Nil for local runs (their model hash and kernel level pin the samples).
    public var bitReproducible: Bool? = nil
    /// Shots in the prompt of a §3 benchmark (likelihood or exact match); nil for the code and math runs.
    public var shots: Int? = nil

    public init(benchmark: String, profile: String, model: String, modelSHA256: String?, modelPath: String?,
                parameterCount: Int?, source: String, endpoint: String?, ks: [Int], n: Int, temperature: Double,
                topP: Double, topK: Int, maxTokens: Int, stops: [String], seed: UInt64, promptTemplateHash: String,
                datasetSHA256: String, taskIDs: [String], codeVersion: String, greedy: Bool, kernels: String? = nil) {
        self.benchmark = benchmark
        self.profile = profile
        self.model = model
        self.modelSHA256 = modelSHA256
        self.modelPath = modelPath
        self.parameterCount = parameterCount
        self.source = source
        self.endpoint = endpoint
        self.ks = ks
        self.n = n
        self.temperature = temperature
        self.topP = topP
        self.topK = topK
        self.maxTokens = maxTokens
        self.stops = stops
        self.seed = seed
        self.promptTemplateHash = promptTemplateHash
        self.datasetSHA256 = datasetSHA256
        self.taskIDs = taskIDs
        self.codeVersion = codeVersion
        self.greedy = greedy
        self.kernels = kernels
    }

    /// What a worker needs to generate this run's samples exactly: for a local run the model file (its hash) and the
    /// kernel family, for a remote one the model name (remote samples are not bit-reproducible anyway).
    public var generatorKey: String {
        source == "local" ? Self.localGeneratorKey(modelSHA256: modelSHA256 ?? "-", kernels: kernels ?? "-")
            : Self.remoteGeneratorKey(model: model)
    }

    public static func localGeneratorKey(modelSHA256: String, kernels: String) -> String { "local:\(modelSHA256):\(kernels)" }
    public static func remoteGeneratorKey(model: String) -> String { "remote:\(model)" }

    /// Every sample of the run, in the order one process generates them (task by task, then sample index).
    public var units: [(taskID: String, index: Int)] {
        taskIDs.flatMap { t in (0..<n).map { (taskID: t, index: $0) } }
    }

    /// Seed of one sample, derived from the run seed, task id and sample index (SplitMix64 over an FNV-1a hash),
    /// so a sample's randomness does not depend on scheduling, resumption or which samples already exist.
    public static func sampleSeed(runSeed: UInt64, taskID: String, index: Int) -> UInt64 {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for b in taskID.utf8 {
            h ^= UInt64(b)
            h = h &* 0x0000_0100_0000_01b3
        }
        return splitMix(splitMix(runSeed ^ h) &+ UInt64(truncatingIfNeeded: index))
    }

    static func splitMix(_ x: UInt64) -> UInt64 {
        var z = x &+ 0x9e37_79b9_7f4a_7c15
        z = (z ^ (z >> 30)) &* 0xbf58_476d_1ce4_e5b9
        z = (z ^ (z >> 27)) &* 0x94d0_49bb_1331_11eb
        return z ^ (z >> 31)
    }

    func json() throws -> String {
        let enc = JSONEncoder()
        enc.outputFormatting = [.sortedKeys]
        return String(decoding: try enc.encode(self), as: UTF8.self)
    }
}
