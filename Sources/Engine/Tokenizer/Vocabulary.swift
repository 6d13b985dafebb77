// The vocabulary as llama.cpp loads it (llama_vocab::impl::load): token texts, scores,
// attributes, special ids with llama.cpp's defaults and text-based auto-detection, the
// end-of-generation set, and the add-BOS/EOS/space-prefix flags.

struct TokenAttributes: OptionSet, Sendable {
    let rawValue: UInt8
    init(rawValue: UInt8) { self.rawValue = rawValue }
    static let undefined = TokenAttributes(rawValue: 1 << 0)
    static let unknown = TokenAttributes(rawValue: 1 << 1)
    static let unused = TokenAttributes(rawValue: 1 << 2)
    static let normal = TokenAttributes(rawValue: 1 << 3)
    static let control = TokenAttributes(rawValue: 1 << 4)
    static let userDefined = TokenAttributes(rawValue: 1 << 5)
    static let byte = TokenAttributes(rawValue: 1 << 6)

    /// GGUF `token_type` values (llama_token_type) to attributes.
    init(ggufType: Int32) {
        switch ggufType {
        case 1: self = .normal
        case 2: self = .unknown
        case 3: self = .control
        case 4: self = .userDefined
        case 5: self = .unused
        case 6: self = .byte
        default: self = .undefined
        }
    }
}

enum VocabularyKind: Sendable, Equatable {
    case spm
    case bpe(PreTokenizerKind)
}

struct Vocabulary: Sendable {
    let kind: VocabularyKind
    let table: TokenTable
    let scores: [Float]
    let attributes: [TokenAttributes]
    let bos: Int32?
    let eos: Int32?
    let eot: Int32?
    let eom: Int32?
    let unk: Int32?
    let addBOS: Bool
    let addEOS: Bool
    let addSpacePrefix: Bool
    /// llama.cpp `ignore_merges`: a pre-tokenized word that is itself a token is emitted whole.
    let ignoreMerges: Bool
    let endOfGeneration: Set<Int32>

    var count: Int { table.count }

    // Token texts that llama.cpp recognises as special (llama-vocab.cpp, "auto-detect special tokens by text").
    static let eotTexts = ["<|eot_id|>", "<|im_end|>", "<|end|>", "<end_of_turn>", "<|endoftext|>", "<|end_of_text|>",
                           "<EOT>", "_<EOT>", "[EOT]", "<｜end▁of▁sentence｜>", "<end_of_utterance>"]
    static let eomTexts = ["<|eom_id|>"]
    static let fimPreTexts = ["<|fim_prefix|>", "<fim-prefix>", "<fim_prefix>", "<｜fim▁begin｜>", "<PRE>", "▁<PRE>",
                              "<|code_prefix|>", "<|prefix|>"]
    static let fimSufTexts = ["<|fim_suffix|>", "<fim-suffix>", "<fim_suffix>", "<｜fim▁hole｜>", "<SUF>", "▁<SUF>",
                              "<|code_suffix|>", "<|suffix|>"]
    static let fimMidTexts = ["<|fim_middle|>", "<fim-middle>", "<fim_middle>", "<｜fim▁end｜>", "<MID>", "▁<MID>",
                              "<|code_middle|>", "<|middle|>"]
    static let fimPadTexts = ["<|fim_pad|>", "<fim-pad>", "<fim_pad>", "<PAD>", "[PAD]"]
    static let fimRepTexts = ["<|fim_repo|>", "<|repo_name|>", "<fim-repo>", "<REPO>", "<reponame>"]
    static let fimSepTexts = ["<|file_sep|>"]
    static let eogTexts = ["<|eot_id|>", "<|im_end|>", "<|end|>", "<|return|>", "<|call|>", "<|flush|>", "<|calls|>",
                           "<end_of_turn>", "<|endoftext|>", "</s>", "<|eom_id|>", "<EOT>", "_<EOT>", "[EOT]", "[EOS]",
                           "<|end_of_text|>", "<end_of_utterance>", "<eos>", "<turn|>", "<|tool_response>",
                           "<｜end▁of▁sentence｜>", "[e~["]

    init(_ source: TokenizerSource) throws {
        let n = source.tokens.count
        guard n > 0 else { throw TokenizerError.invalidValue(key: TokenizerSource.Key.tokens, reason: "empty vocabulary") }
        guard n < Int(Int32.max) else { throw TokenizerError.invalidValue(key: TokenizerSource.Key.tokens, reason: "too many tokens") }
        if !source.scores.isEmpty && source.scores.count < n {
            throw TokenizerError.invalidValue(key: TokenizerSource.Key.scores, reason: "\(source.scores.count) scores for \(n) tokens")
        }
        if !source.tokenTypes.isEmpty && source.tokenTypes.count < n {
            throw TokenizerError.invalidValue(key: TokenizerSource.Key.tokenType, reason: "\(source.tokenTypes.count) token types for \(n) tokens")
        }

        // llama.cpp replaces empty token texts by "[EMPTY_<id>]".
        var texts = source.tokens
        for i in 0..<n where texts[i].isEmpty {
            texts[i] = Array("[EMPTY_\(i)]".utf8)
        }
        table = TokenTable(texts: texts)
        scores = source.scores.isEmpty ? [Float](repeating: 0, count: n) : Array(source.scores[0..<n])
        var attrs = source.tokenTypes.isEmpty
            ? [TokenAttributes](repeating: .normal, count: n)
            : source.tokenTypes[0..<n].map(TokenAttributes.init(ggufType:))

        // Type and flag defaults per tokenizer model, then per pre-tokenizer.
        var bos: Int32?, eos: Int32?, unk: Int32?
        var addBOS: Bool, addSpacePrefix: Bool, ignoreMerges = false
        switch source.model {
        case "llama":
            kind = .spm
            bos = 1; eos = 2; unk = 0
            addBOS = true; addSpacePrefix = true
        case "gpt2":
            let pre = try PreTokenizerKind(ggufName: source.pre)
            kind = .bpe(pre)
            bos = 11; eos = 11; unk = nil
            addBOS = pre == .llama3
            ignoreMerges = pre == .llama3
            addSpacePrefix = false
        default:
            throw TokenizerError.unsupportedModel(source.model)
        }
        func inRange(_ id: Int32?) -> Int32? {
            guard let id, id >= 0, Int(id) < n else { return nil }
            return id
        }
        bos = inRange(bos); eos = inRange(eos); unk = inRange(unk)
        var eot: Int32?, eom: Int32?, fimPre: Int32?, fimSuf: Int32?, fimMid: Int32?, fimPad: Int32?, fimRep: Int32?, fimSep: Int32?
        func key(_ k: String, _ current: Int32?) -> Int32? {
            guard let v = source.ids[k] else { return current }
            return Int(v) < n ? Int32(v) : current  // llama.cpp: "bad special token ... using default id"
        }
        typealias K = TokenizerSource.Key
        bos = key(K.bos, bos); eos = key(K.eos, eos); unk = key(K.unk, unk)
        eot = key(K.eot, nil); eom = key(K.eom, nil)
        fimPre = key(K.fimPre, nil); fimSuf = key(K.fimSuf, nil); fimMid = key(K.fimMid, nil)
        fimPad = key(K.fimPad, nil); fimRep = key(K.fimRep, nil); fimSep = key(K.fimSep, nil)
        if let v = source.flags[K.addSpacePrefix] { addSpacePrefix = v }
        if let v = source.flags[K.addBOS] { addBOS = v }
        let addEOS = source.flags[K.addEOS] ?? false

        // Text-based detection. llama.cpp walks an unordered_map and takes the first hit, so
        // with several candidates its choice is hash-order dependent; we take the lowest id.
        // Whatever is detected is forced to be a control token, as llama.cpp does.
        let table = self.table
        func detect(_ current: Int32?, _ candidates: [String]) -> Int32? {
            if current != nil { return current }
            let found = candidates.compactMap { table.lookup(Array($0.utf8)) }.min()
            if let found { attrs[Int(found)].insert(.control) }
            return found
        }
        eot = detect(eot, Self.eotTexts)
        eom = detect(eom, Self.eomTexts)
        fimPre = detect(fimPre, Self.fimPreTexts)
        fimSuf = detect(fimSuf, Self.fimSufTexts)
        fimMid = detect(fimMid, Self.fimMidTexts)
        fimPad = detect(fimPad, Self.fimPadTexts)
        fimRep = detect(fimRep, Self.fimRepTexts)
        fimSep = detect(fimSep, Self.fimSepTexts)
        _ = (fimPre, fimSuf, fimMid)

        var eog = Set<Int32>([fimPad, fimRep, fimSep].compactMap { $0 })
        for text in Self.eogTexts {
            if let id = table.lookup(Array(text.utf8)) {
                eog.insert(id)
                attrs[Int(id)].insert(.control)
            }
        }
        for id in [eos, eot, eom].compactMap({ $0 }) { eog.insert(id) }

        self.bos = bos; self.eos = eos; self.eot = eot; self.eom = eom; self.unk = unk
        self.addBOS = addBOS; self.addEOS = addEOS; self.addSpacePrefix = addSpacePrefix
        self.ignoreMerges = ignoreMerges
        self.endOfGeneration = eog
        self.attributes = attrs
    }
}
