#if canImport(Glibc)
import Glibc
#endif

public enum FinishReason: String, Sendable, Codable {
    case stop, length, eos
}

public struct Generation: Sendable {
    public var text: String
    /// Generated token ids (without the end-of-generation token).
    public var tokens: [Int32]
    public var promptTokens: Int
    public var finishReason: FinishReason
    public var promptMs: Double
    public var decodeMs: Double
}

/// Prompt → completion with a model and its tokenizer.
public final class Generator: @unchecked Sendable {
    public let model: Model
    public let tokenizer: Tokenizer
    public let contextLength: Int

    public init(model: Model, tokenizer: Tokenizer, contextLength: Int? = nil) {
        self.model = model
        self.tokenizer = tokenizer
        // The model's whole context by default: KV caches are sized per generation (prompt + max tokens), so a
        // long context costs memory only for the prompts that use it (MBPP has a 4.6k-token prompt).
        self.contextLength = min(contextLength ?? model.config.contextLength, model.config.contextLength)
    }

    /// Loads model and tokenizer from one GGUF file.
    public convenience init(path: String, threads: Int? = nil, contextLength: Int? = nil) throws {
        let file = try GGUFFile(path: path)
        try self.init(model: Model(file: file, threads: threads), tokenizer: Tokenizer(gguf: file), contextLength: contextLength)
    }

    /// Encodes `prompt` like llama-cpp-python's completion API (BOS as the model's metadata
    /// says, special tokens parsed) and generates.
    public func generate(prompt: String, params: SamplingParams = .greedy, maxTokens: Int, stop: [String] = [],
                         onToken: ((String) -> Void)? = nil) throws -> Generation {
        try generate(promptTokens: tokenizer.encode(prompt, addSpecial: true), params: params, maxTokens: maxTokens,
                     stop: stop, onToken: onToken)
    }

    public func generate(promptTokens: [Int32], params: SamplingParams = .greedy, maxTokens: Int, stop: [String] = [],
                         onToken: ((String) -> Void)? = nil) throws -> Generation {
        try params.validate()
        guard maxTokens >= 0 else { throw EngineError.invalidParameter("max tokens \(maxTokens) must be ≥ 0") }
        guard !promptTokens.isEmpty else { throw EngineError.emptyPrompt }
        guard promptTokens.count < contextLength else {
            throw EngineError.contextFull(needed: promptTokens.count + 1, capacity: contextLength)
        }
        let cache = model.makeCache(capacity: min(contextLength, promptTokens.count + max(maxTokens, 1)))
        var sampler = Sampler(params: params)
        let t0 = monotonicMs()
        var logits = try model.forward(promptTokens, cache: cache)
        let t1 = monotonicMs()

        var stops = StopMatcher(stop.filter { !$0.isEmpty })
        var decoder = tokenizer.makeStreamingDecoder()
        var tokens: [Int32] = []
        var finish = FinishReason.length
        while tokens.count < maxTokens {
            let next = sampler.sample(logits)
            if tokenizer.isEndOfGeneration(next) { finish = .eos; break }
            tokens.append(next)
            if stops.append(decoder.append(next), emit: onToken) { finish = .stop; break }
            if tokens.count == maxTokens || cache.count >= cache.capacity { break }
            logits = try model.forward([next], cache: cache)
        }
        if finish != .stop, stops.append(decoder.finish(), emit: onToken) { finish = .stop }
        if finish != .stop { stops.flush(emit: onToken) }
        let t2 = monotonicMs()
        return Generation(text: stops.text, tokens: tokens, promptTokens: promptTokens.count, finishReason: finish,
                          promptMs: t1 - t0, decodeMs: t2 - t1)
    }
}

/// Finds stop sequences in generated text only, holding back the tail that could still
/// grow into one so streamed output never contains (part of) a stop sequence.
struct StopMatcher {
    let stops: [[UInt8]]
    private(set) var bytes: [UInt8] = []
    private var emitted = 0

    init(_ stops: [String]) { self.stops = stops.map { Array($0.utf8) } }

    var text: String { String(decoding: bytes, as: UTF8.self) }

    /// Appends text; returns true when a stop sequence completed (the text is cut before it).
    mutating func append(_ s: String, emit: ((String) -> Void)?) -> Bool {
        guard !s.isEmpty else { return false }
        let old = bytes.count
        bytes += s.utf8
        let maxLen = stops.map(\.count).max() ?? 0
        var cut: Int? = nil
        if maxLen > 0 {
            let from = max(0, old - maxLen + 1)
            for st in stops {
                if let i = find(st, from: from), i < (cut ?? Int.max) { cut = i }
            }
        }
        if let cut {
            bytes.removeSubrange(cut...)
            flush(emit: emit)
            return true
        }
        // Hold back the longest suffix that is a proper prefix of a stop sequence.
        var hold = 0
        for st in stops {
            for len in stride(from: min(st.count - 1, bytes.count), to: hold, by: -1)
            where bytes[(bytes.count - len)...].elementsEqual(st[..<len]) {
                hold = len
                break
            }
        }
        let safe = bytes.count - hold
        if safe > emitted {
            emit?(String(decoding: bytes[emitted..<safe], as: UTF8.self))
            emitted = safe
        }
        return false
    }

    mutating func flush(emit: ((String) -> Void)?) {
        if bytes.count > emitted { emit?(String(decoding: bytes[emitted...], as: UTF8.self)) }
        emitted = bytes.count
    }

    private func find(_ needle: [UInt8], from: Int) -> Int? {
        guard needle.count <= bytes.count else { return nil }
        var i = from
        while i + needle.count <= bytes.count {
            if bytes[i] == needle[0] && bytes[i..<(i + needle.count)].elementsEqual(needle) { return i }
            i += 1
        }
        return nil
    }
}

func monotonicMs() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return Double(ts.tv_sec) * 1000 + Double(ts.tv_nsec) / 1e6
}
