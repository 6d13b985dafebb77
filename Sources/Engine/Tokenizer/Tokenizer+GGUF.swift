extension TokenizerSource {
    /// Copies the `tokenizer.ggml.*` keys out of GGUF metadata, checking their types.
    public init(metadata: GGUFMetadata) throws {
        typealias K = Key
        guard metadata[K.model] != nil else { throw TokenizerError.missingKey(K.model) }
        guard let model = metadata.string(K.model) else {
            throw TokenizerError.invalidValue(key: K.model, reason: "not a string")
        }
        guard metadata[K.tokens] != nil else { throw TokenizerError.missingKey(K.tokens) }
        guard let tokens = metadata.bytesArray(K.tokens) else {
            throw TokenizerError.invalidValue(key: K.tokens, reason: "not an array of strings")
        }
        var pre: String?
        if metadata[K.pre] != nil {
            guard let p = metadata.string(K.pre) else { throw TokenizerError.invalidValue(key: K.pre, reason: "not a string") }
            pre = p
        }
        var scores: [Float] = []
        if metadata[K.scores] != nil {
            // llama.cpp accepts f32 or i32 scores.
            guard let s = metadata.floatArray(K.scores) ?? metadata.int32Array(K.scores)?.map(Float.init) else {
                throw TokenizerError.invalidValue(key: K.scores, reason: "not an array of f32 or i32")
            }
            scores = s
        }
        var types: [Int32] = []
        if metadata[K.tokenType] != nil {
            guard case .int32(let t)? = metadata.array(K.tokenType) else {
                throw TokenizerError.invalidValue(key: K.tokenType, reason: "not an array of i32")
            }
            types = t
        }
        var merges: [[UInt8]]?
        if metadata[K.merges] != nil {
            guard let m = metadata.bytesArray(K.merges) else {
                throw TokenizerError.invalidValue(key: K.merges, reason: "not an array of strings")
            }
            merges = m
        }
        var ids: [String: UInt32] = [:]
        for key in K.idKeys where metadata[key] != nil {
            guard let v = metadata.int(key), let id = UInt32(exactly: v) else {
                throw TokenizerError.invalidValue(key: key, reason: "not a token id")
            }
            ids[key] = id
        }
        var flags: [String: Bool] = [:]
        for key in K.flagKeys where metadata[key] != nil {
            guard let v = metadata.bool(key) else { throw TokenizerError.invalidValue(key: key, reason: "not a bool") }
            flags[key] = v
        }
        self.init(model: model, pre: pre, tokens: tokens, scores: scores, tokenTypes: types, merges: merges,
                  ids: ids, flags: flags)
    }
}

extension Tokenizer {
    /// The tokenizer stored in a GGUF file's metadata.
    public convenience init(gguf: GGUFFile) throws {
        try self.init(source: TokenizerSource(metadata: gguf.metadata))
    }
}
